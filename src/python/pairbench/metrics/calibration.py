"""Quality of the calibration kernel: did a side run the same chain (exact match on every start)."""

from __future__ import annotations

from typing import Any

import numpy as np


def chain_quality(y_true: Any, y_pred: Any) -> dict[str, float | None]:
    expected = np.asarray(y_true, dtype=np.float64).ravel()
    got = np.asarray(y_pred, dtype=np.float64).ravel()
    if got.shape != expected.shape:
        raise ValueError(f"expected {expected.size} states, got {got.size}")
    return {"state_agreement": float(np.mean(got == expected)) if expected.size else None}
