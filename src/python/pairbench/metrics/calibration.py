"""Quality of the calibration kernel: did a side spin the same recurrence (exact match on every start)."""

from __future__ import annotations

from typing import Any

import numpy as np


def lcg_quality(y_true: Any, y_pred: Any) -> dict[str, float | None]:
    expected = np.asarray(y_true, dtype=np.float64).ravel()
    got = np.asarray(y_pred, dtype=np.float64).ravel()
    if got.shape != expected.shape:
        raise ValueError(f"expected {expected.size} states, got {got.size}")
    return {"state_agreement": float(np.mean(got == expected)) if expected.size else None}
