"""Quality metrics, implemented once here and checked against scikit-learn's in the tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pairbench.metrics.calibration import chain_quality
from pairbench.metrics.classification import classification_quality
from pairbench.metrics.clustering import clustering_quality
from pairbench.metrics.deep import accuracy_quality
from pairbench.metrics.regression import regression_quality
from pairbench.metrics.rl import return_quality

QualityFn = Callable[[Any, Any], dict[str, float | None]]

# task -> f(y_true, y_pred) for tasks scored on the test split's targets alone.
QUALITY_BY_TASK: dict[str, QualityFn] = {
    "regression": regression_quality,
    "classification": classification_quality,
    "image_classification": accuracy_quality,
    "sequence_classification": accuracy_quality,
    "forecasting": regression_quality,
    "policy": return_quality,
    "solve": return_quality,  # the seeded start's returns and probe actions, as policy
    "known_effect": chain_quality,  # the calibration kernel: the same chain on both sides
}


def score_predictions(task: str, split: Any, predictions: Any, scores: Any = None) -> dict[str, float | None]:
    """The quality gate's scorer: one implementation for every side's saved predictions.

    Clustering is scored on the data that was clustered (the train split: DBSCAN and agglomerative
    clustering cannot label unseen points), with the true labels used only for the adjusted Rand index.
    """
    if task == "clustering":
        return clustering_quality(split.X_train, predictions, split.y_train)
    if task == "classification":
        return classification_quality(split.y_test, predictions, scores)
    try:
        return QUALITY_BY_TASK[task](split.y_test, predictions)
    except KeyError:
        allowed = ", ".join(sorted([*QUALITY_BY_TASK, "clustering"]))
        raise KeyError(f"no quality metric for task {task!r}; allowed: {allowed}") from None
