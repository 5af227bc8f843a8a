"""pairbench's regression metrics agree with scikit-learn's own functions on the same predictions."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from sklearn import metrics

from pairbench.metrics.regression import regression_quality


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_regression_quality_matches_sklearn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    y = rng.normal(50, 20, size=200)
    pred = y + rng.normal(0, 5, size=200) + 1.5
    q = regression_quality(y, pred)
    assert q["mse"] == pytest.approx(metrics.mean_squared_error(y, pred), rel=1e-12)
    assert q["rmse"] == pytest.approx(np.sqrt(metrics.mean_squared_error(y, pred)), rel=1e-12)
    assert q["mae"] == pytest.approx(metrics.mean_absolute_error(y, pred), rel=1e-12)
    assert q["r2"] == pytest.approx(metrics.r2_score(y, pred), rel=1e-12)
    assert q["mape"] == pytest.approx(metrics.mean_absolute_percentage_error(y, pred), rel=1e-12)
    assert q["explained_variance"] == pytest.approx(metrics.explained_variance_score(y, pred), rel=1e-12)
    residual = y - pred
    assert q["residual_std"] == pytest.approx(np.std(residual), rel=1e-12)
    assert q["residual_skew"] == pytest.approx(stats.skew(residual), rel=1e-12)
    assert q["residual_kurtosis"] == pytest.approx(stats.kurtosis(residual), rel=1e-12)


def test_documented_example() -> None:
    # scikit-learn's r2_score docstring example.
    q = regression_quality([3, -0.5, 2, 7], [2.5, 0.0, 2, 8])
    assert q["r2"] == pytest.approx(0.948, abs=1e-3)
    assert q["mse"] == pytest.approx(0.375)


def test_constant_target_has_undefined_r2() -> None:
    q = regression_quality([1.0, 1.0, 1.0], [1.0, 1.0, 1.0])
    assert q["r2"] is None and q["explained_variance"] is None


def test_shape_mismatch_is_an_error() -> None:
    with pytest.raises(ValueError, match="equal length"):
        regression_quality([1.0, 2.0], [1.0])
