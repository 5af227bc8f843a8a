"""Regression quality: the numbers the quality gate and the report compare across sides."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def regression_quality(y_true: ArrayLike, y_pred: ArrayLike) -> dict[str, float | None]:
    """MSE, RMSE, MAE, R^2, MAPE, explained variance and residual std/skew/kurtosis.

    MAPE follows scikit-learn (a fraction, with |y| floored at machine epsilon); R^2 and explained
    variance are None for a constant target, where they are undefined.
    """
    from scipy import stats  # on use: the regression task module is imported wherever the catalogue is read

    t = np.asarray(y_true, dtype=np.float64).ravel()
    p = np.asarray(y_pred, dtype=np.float64).ravel()
    if t.shape != p.shape or t.size == 0:
        raise ValueError(f"y_true and y_pred must be non-empty and equal length, got {t.shape} and {p.shape}")
    residual = t - p
    mse = float(np.mean(residual**2))
    total = float(np.sum((t - t.mean()) ** 2))
    r2 = None if total == 0 else 1.0 - float(np.sum(residual**2)) / total
    var_t = float(np.var(t))
    explained = None if var_t == 0 else 1.0 - float(np.var(residual)) / var_t
    mape = float(np.mean(np.abs(residual) / np.maximum(np.abs(t), np.finfo(np.float64).eps)))
    finite = bool(np.all(np.isfinite(residual)))
    return {
        "mse": mse,
        "rmse": float(np.sqrt(mse)),
        "mae": float(np.mean(np.abs(residual))),
        "r2": r2,
        "mape": mape,
        "explained_variance": explained,
        "residual_std": float(np.std(residual)),
        "residual_skew": float(stats.skew(residual)) if finite and residual.size > 2 else None,
        "residual_kurtosis": float(stats.kurtosis(residual)) if finite and residual.size > 3 else None,
    }
