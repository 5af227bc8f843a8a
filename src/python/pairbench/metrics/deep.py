"""Quality of the deep-learning tasks, recomputed by the gate from each side's saved predictions."""

from __future__ import annotations

from typing import Any

import numpy as np


def accuracy_quality(y_true: Any, y_pred: Any) -> dict[str, float | None]:
    """Fraction of test rows whose predicted class equals the label (0..1; the gate's 1.5 points
    are a tolerance of 0.015)."""
    t, p = np.asarray(y_true).ravel(), np.asarray(y_pred).ravel()
    if t.shape != p.shape:
        raise ValueError(f"label/prediction shapes differ: {t.shape} vs {p.shape}")
    return {"accuracy": float(np.mean(t.astype(np.int64) == p.astype(np.int64))) if t.size else None}
