"""Quality of the RL tasks, recomputed by the gate from each side's saved predictions."""

from __future__ import annotations

from typing import Any

import numpy as np


def return_quality(y_true: Any, y_pred: Any) -> dict[str, float | None]:
    """Predictions start with one greedy evaluation return per evaluation state (one per y_test row);
    the rest (actions on probe states) are compared element-wise by the gate, not scored here."""
    n = np.asarray(y_true).shape[0]
    returns = np.asarray(y_pred, dtype=np.float64).ravel()[:n]
    if returns.shape[0] != n:
        raise ValueError(f"expected at least {n} evaluation returns, got {returns.shape[0]}")
    return {
        "mean_return": float(returns.mean()) if n else None,
        "solved_fraction": float(np.mean(returns >= 475.0)) if n else None,
    }
