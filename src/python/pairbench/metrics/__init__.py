"""Quality metrics, implemented once here and checked against scikit-learn's in the tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pairbench.metrics.deep import accuracy_quality
from pairbench.metrics.regression import regression_quality

QualityFn = Callable[[Any, Any], dict[str, float | None]]

# task -> f(y_true, y_pred); the quality gate recomputes both sides' quality with these.
QUALITY_BY_TASK: dict[str, QualityFn] = {
    "regression": regression_quality,
    "image_classification": accuracy_quality,
    "sequence_classification": accuracy_quality,
    "forecasting": regression_quality,
}
