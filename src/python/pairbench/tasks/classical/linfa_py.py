"""linfa-py: linfa called from Python through PyO3 (the `linfa_py` extension, src/rust/linfa-py).

The estimators (`linfa_py_estimators`) are scikit-learn estimators in shape (`BaseEstimator`, `fit` / `predict` /
`decision_function` / `fit_predict` on numpy arrays), and the task runners reuse the scikit-learn
benchmark classes unchanged, so the timed calls are made exactly as they are for scikit-learn. Behind
each call is the same Rust function the `pairbench-classical` binary runs (its `ALGORITHMS` tables), so:

- scikit-learn -> linfa-py is the library, with Python around both;
- linfa-py -> linfa (native binary) is the Python boundary and the process;
- scikit-learn -> linfa is both together.

numpy arrays cross without a copy: the extension borrows float64/int64 memory as ndarray views.
They live in their own module, imported on use: they subclass scikit-learn's, and this module registers
runners for every step that reads the catalogue (see pairbench.tasks.classical).
"""

from __future__ import annotations

import json
from typing import Any

from pairbench.core.benchmark import RunContext
from pairbench.core.registry import task_runner
from pairbench.datasets.materialise import Split
from pairbench.tasks.classical.classification import ClassificationBenchmark
from pairbench.tasks.classical.clustering import ClusteringBenchmark
from pairbench.tasks.classical.regression import RegressionBenchmark

FRAMEWORK = "linfa-py"
Params = dict[str, Any]


def _metadata(bench: Any) -> dict[str, Any]:
    from pairbench.tasks.classical.linfa_py_estimators import extension

    model = bench.model
    return {
        "estimator": f"linfa_py.{type(bench.template).__name__}",
        "binding": "PyO3 + rust-numpy (zero-copy in)",
        "linfa_version": extension().LINFA_VERSION,
        **(model.linfa_metadata() if model is not None else {}),
    }


class LinfaRegressionBenchmark(RegressionBenchmark):
    def __init__(self, algorithm_name: str, params: Params, split: Split) -> None:
        from pairbench.tasks.classical.linfa_py_estimators import LinfaRegressor

        super().__init__(algorithm_name, params, split, template=LinfaRegressor(algorithm_name, params))

    def metadata(self) -> dict[str, Any]:
        return _metadata(self)


class LinfaClassificationBenchmark(ClassificationBenchmark):
    def __init__(self, algorithm_name: str, params: Params, split: Split) -> None:
        from pairbench.tasks.classical.linfa_py_estimators import LinfaClassifier

        super().__init__(algorithm_name, params, split, template=LinfaClassifier(algorithm_name, params))

    def metadata(self) -> dict[str, Any]:
        return _metadata(self)


class LinfaClusteringBenchmark(ClusteringBenchmark):
    def __init__(self, algorithm_name: str, params: Params, split: Split) -> None:
        from pairbench.tasks.classical.linfa_py_estimators import LinfaClusterer

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
    import linfa_py  # on use: pairbench imports without the extension (phase 1 then says why it is absent)

    caps: dict[str, Any] = json.loads(linfa_py.capabilities())
    return caps
