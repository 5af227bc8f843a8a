"""The linfa-py estimators: scikit-learn estimators in shape over the `linfa_py` extension.

`BaseEstimator`, `fit` / `predict` / `decision_function` / `fit_predict` on numpy arrays, so the
scikit-learn benchmark classes time them exactly as they time scikit-learn's (pairbench.tasks.classical
.linfa_py registers them). Imported on use: it imports scikit-learn.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, ClassifierMixin, ClusterMixin, RegressorMixin

Params = dict[str, Any]


def extension() -> Any:
    """The `linfa_py` extension, imported on use: pairbench imports without it (phase 1 then skips
    linfa-py and says why)."""
    import linfa_py

    return linfa_py


class _LinfaEstimator(BaseEstimator):
    """`algorithm` and `params` select one entry of the Rust side's ALGORITHMS table, as the cell does."""

    def __init__(self, algorithm: str = "", params: Params | None = None, seed: int = 42) -> None:
        self.algorithm = algorithm
        self.params = params
        self.seed = seed

    def _params_json(self) -> str:
        return json.dumps(self.params or {})

    def linfa_metadata(self) -> dict[str, Any]:
        model = getattr(self, "model_", None)
        return json.loads(model.metadata()) if model is not None else {}


class LinfaRegressor(RegressorMixin, _LinfaEstimator):
    def fit(self, X: NDArray[np.float64], y: NDArray[np.float64]) -> LinfaRegressor:
        self.model_ = extension().Regressor(self.algorithm, self._params_json(), self.seed)
        self.model_.fit(X, y)
        return self

    def predict(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        return self.model_.predict(X)


class LinfaClassifier(ClassifierMixin, _LinfaEstimator):
    """One-vs-rest inside Rust, as in the binary; decision values as scikit-learn's OvR returns them."""

    def fit(self, X: NDArray[np.float64], y: NDArray[np.int64]) -> LinfaClassifier:
        self.model_ = extension().Classifier(self.algorithm, self._params_json(), self.seed)
        self.model_.fit(X, y)
        self.classes_ = np.asarray(self.model_.classes, dtype=np.int64)
        return self

    def decision_function(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        scores = self.model_.decision(X)
        return scores[:, 0] if scores.shape[1] == 1 else scores

    def predict(self, X: NDArray[np.float64]) -> NDArray[np.int64]:
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return np.where(scores > 0, self.classes_[1], self.classes_[0])
        return self.classes_[np.argmax(scores, axis=1)]


class LinfaClusterer(ClusterMixin, _LinfaEstimator):
    def fit_predict(self, X: NDArray[np.float64], y: Any = None, **kwargs: Any) -> NDArray[np.int64]:
        del y, kwargs
        self.model_ = extension().Clusterer(self.algorithm, self._params_json(), self.seed)
        self.labels_ = self.model_.fit_predict(X)
        return self.labels_

    def fit(self, X: NDArray[np.float64], y: Any = None) -> LinfaClusterer:
        self.fit_predict(X, y)
        return self
