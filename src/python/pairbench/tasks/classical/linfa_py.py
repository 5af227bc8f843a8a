"""linfa-py: linfa called from Python through PyO3 (the `linfa_py` extension, src/rust/linfa-py).

The estimators below are scikit-learn estimators in shape (`BaseEstimator`, `fit` / `predict` /
`decision_function` / `fit_predict` on numpy arrays), and the task runners reuse the scikit-learn
benchmark classes unchanged, so the timed calls are made exactly as they are for scikit-learn. Behind
each call is the same Rust function the `pairbench-classical` binary runs (its `ALGORITHMS` tables), so:

- scikit-learn -> linfa-py is the library, with Python around both;
- linfa-py -> linfa (native binary) is the Python boundary and the process;
- scikit-learn -> linfa is both together.

numpy arrays cross without a copy: the extension borrows float64/int64 memory as ndarray views.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, ClassifierMixin, ClusterMixin, RegressorMixin

from pairbench.core.benchmark import RunContext
from pairbench.core.registry import task_runner
from pairbench.datasets.materialise import Split
from pairbench.tasks.classical.classification import ClassificationBenchmark
from pairbench.tasks.classical.clustering import ClusteringBenchmark
from pairbench.tasks.classical.regression import RegressionBenchmark

FRAMEWORK = "linfa-py"
Params = dict[str, Any]


def _module() -> Any:
    # Imported on use: pairbench imports without the extension (phase 1 then skips linfa-py with why).
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
        self.model_ = _module().Regressor(self.algorithm, self._params_json(), self.seed)
        self.model_.fit(X, y)
        return self

    def predict(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        return self.model_.predict(X)


class LinfaClassifier(ClassifierMixin, _LinfaEstimator):
    """One-vs-rest inside Rust, as in the binary; decision values as scikit-learn's OvR returns them."""

    def fit(self, X: NDArray[np.float64], y: NDArray[np.int64]) -> LinfaClassifier:
        self.model_ = _module().Classifier(self.algorithm, self._params_json(), self.seed)
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
        self.model_ = _module().Clusterer(self.algorithm, self._params_json(), self.seed)
        self.labels_ = self.model_.fit_predict(X)
        return self.labels_

    def fit(self, X: NDArray[np.float64], y: Any = None) -> LinfaClusterer:
        self.fit_predict(X, y)
        return self


def _metadata(bench: Any) -> dict[str, Any]:
    model = bench.model
    return {
        "estimator": f"linfa_py.{type(bench.template).__name__}",
        "binding": "PyO3 + rust-numpy (zero-copy in)",
        "linfa_version": _module().LINFA_VERSION,
        **(model.linfa_metadata() if model is not None else {}),
    }


class LinfaRegressionBenchmark(RegressionBenchmark):
    def __init__(self, algorithm_name: str, params: Params, split: Split) -> None:
        super().__init__(algorithm_name, params, split, template=LinfaRegressor(algorithm_name, params))

    def metadata(self) -> dict[str, Any]:
        return _metadata(self)


class LinfaClassificationBenchmark(ClassificationBenchmark):
    def __init__(self, algorithm_name: str, params: Params, split: Split) -> None:
        super().__init__(algorithm_name, params, split, template=LinfaClassifier(algorithm_name, params))

    def metadata(self) -> dict[str, Any]:
        return _metadata(self)


class LinfaClusteringBenchmark(ClusteringBenchmark):
    def __init__(self, algorithm_name: str, params: Params, split: Split) -> None:
        seed = int(split.manifest.get("seed", 42))
        super().__init__(algorithm_name, params, split, template=LinfaClusterer(algorithm_name, params, seed))

    def metadata(self) -> dict[str, Any]:
        return _metadata(self)


@task_runner("classical_ml", "regression", framework=FRAMEWORK)
def regression_runner(
    algorithm_name: str, params: Params, split: Split, context: RunContext | None = None
) -> RegressionBenchmark:
    del context
    return LinfaRegressionBenchmark(algorithm_name, params, split)


@task_runner("classical_ml", "classification", framework=FRAMEWORK)
def classification_runner(
    algorithm_name: str, params: Params, split: Split, context: RunContext | None = None
) -> ClassificationBenchmark:
    del context
    return LinfaClassificationBenchmark(algorithm_name, params, split)


@task_runner("classical_ml", "clustering", framework=FRAMEWORK)
def clustering_runner(
    algorithm_name: str, params: Params, split: Split, context: RunContext | None = None
) -> ClusteringBenchmark:
    del context
    return LinfaClusteringBenchmark(algorithm_name, params, split)


def capabilities() -> dict[str, Any]:
    """What the extension implements (the binary's tables), for phase 2 and the ecosystem table."""
    caps: dict[str, Any] = json.loads(_module().capabilities())
    return caps
