"""Classification with scikit-learn, one-vs-rest like linfa.

linfa's SVMs are binary; the Rust side trains one model per class (class c vs the rest) and predicts
the class with the largest decision value. The Python side is wrapped in OneVsRestClassifier so both
sides solve the same K binary problems (scikit-learn's own SVC would otherwise use one-vs-one).
A two-class problem is one binary model on both sides.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from pairbench.core.benchmark import BenchmarkBase, RunContext
from pairbench.core.registry import algorithm, get_algorithm, task_runner
from pairbench.datasets.materialise import Split
from pairbench.metrics.classification import classification_quality
from pairbench.tasks.classical.kernels import linfa_kernel_args, sklearn_kernel_args

if TYPE_CHECKING:
    from sklearn.base import ClassifierMixin

Params = dict[str, Any]


def _ovr(estimator: ClassifierMixin) -> ClassifierMixin:
    from sklearn.multiclass import OneVsRestClassifier

    return OneVsRestClassifier(estimator)


@algorithm("classical_ml", "classification", "svc")
def svc(params: Params, n_train: int) -> ClassifierMixin:
    """C-SVC by libsvm's SMO, one binary model per class."""
    from sklearn.svm import SVC

    del n_train
    return _ovr(
        SVC(
            C=float(params["C"]),
            tol=float(params["tol"]),
            shrinking=bool(params["shrinking"]),
            max_iter=-1,
            **sklearn_kernel_args(params),
        )
    )


@algorithm("classical_ml", "classification", "nusvc")
def nusvc(params: Params, n_train: int) -> ClassifierMixin:
    """nu-SVC by libsvm's SMO, one binary model per class."""
    from sklearn.svm import NuSVC

    del n_train
    return _ovr(
        NuSVC(
            nu=float(params["nu"]),
            tol=float(params["tol"]),
            shrinking=bool(params["shrinking"]),
            max_iter=-1,
            **sklearn_kernel_args(params),
        )
    )


@algorithm("classical_ml", "classification", "linearsvc")
def linearsvc(params: Params, n_train: int) -> ClassifierMixin:
    """Linear SVM, hinge loss, liblinear dual coordinate descent.

    linfa has no liblinear; its side is the SMO SVM with a linear kernel. Both minimise the hinge loss
    with the same C. liblinear penalises the intercept as the weight of a constant feature of value
    `intercept_scaling` (penalty b² / (2 s²)); SMO does not, so a large s makes both solve the same problem.
    """
    from sklearn.svm import LinearSVC

    del n_train
    return _ovr(
        LinearSVC(
            C=float(params["C"]),
            loss="hinge",
            dual=True,
            tol=float(params["tol"]),
            max_iter=int(params["max_iter"]),
            intercept_scaling=float(params.get("intercept_scaling", 1.0)),
        )
    )


class ClassificationBenchmark(BenchmarkBase):
    """Timed phases `fit` (fresh clone each time) and `predict` (labels and decision values on test)."""

    phases = ("fit", "predict")

    def __init__(self, algorithm_name: str, params: Params, split: Split, template: Any = None) -> None:
        """`template`: an unfitted estimator of another Python framework (linfa-py), timed the same way."""
        from sklearn.base import clone  # imported on use: see pairbench.tasks.classical

        self.split = split
        self.params = params
        self.template = (
            template
            if template is not None
            else get_algorithm("classical_ml", "classification", algorithm_name).build(
                params, int(split.X_train.shape[0])
            )
        )
        self.model: Any = None
        self._fresh: list[Any] = []
        self._clone = clone
        self.predictions: NDArray[np.int64] | None = None
        self.scores: NDArray[np.float64] | None = None

    def prepare_phase(self, phase: str, calls: int) -> None:
        """Untimed: the fresh, unfitted estimators the next `calls` fits start from (clone costs ~44 us,
        5% of a 0.9 ms ridge fit, and is not part of fitting)."""
        self._fresh = [self._clone(self.template) for _ in range(calls)] if phase == "fit" else []

    def run_phase(self, phase: str) -> None:
        if phase == "fit":
            fresh = self._fresh.pop() if self._fresh else self._clone(self.template)
            self.model = fresh.fit(self.split.X_train, self.split.y_train)
        elif phase == "predict":
            assert self.model is not None, "predict before fit"
            # Decision values once, labels from them (what OvR's predict does), so predict is one pass.
            scores = np.asarray(self.model.decision_function(self.split.X_test), dtype=np.float64)
            classes = self.model.classes_
            if scores.ndim == 1:
                labels = np.where(scores > 0, classes[1], classes[0])
            else:
                labels = classes[np.argmax(scores, axis=1)]
            self.scores = scores
            self.predictions = np.asarray(labels, dtype=np.int64)
        else:
            raise ValueError(f"unknown phase {phase!r}; allowed: {', '.join(self.phases)}")

    def quality(self) -> dict[str, float | None]:
        assert self.predictions is not None, "quality before predict"
        return classification_quality(self.split.y_test, self.predictions, self.scores)

    def metadata(self) -> dict[str, Any]:
        inner = self.template.estimator
        meta: dict[str, Any] = {
            "estimator": f"OneVsRestClassifier({type(inner).__name__})",
            "multiclass": "one-vs-rest (same as linfa side)",
            "estimator_params": {k: repr(v) for k, v in inner.get_params().items()},
            "kernel_mapping": {
                "sklearn": {k: v for k, v in sklearn_kernel_args(self.params).items()}
                if "kernel" in self.params
                else {"kernel": "linear"},
                "linfa": linfa_kernel_args(self.params),
            },
        }
        if self.model is not None:
            ests = self.model.estimators_
            if hasattr(ests[0], "n_support_"):
                meta["n_support"] = [int(e.n_support_.sum()) for e in ests]
            if hasattr(ests[0], "n_iter_"):
                meta["n_iter"] = [int(np.max(e.n_iter_)) for e in ests]
        return meta


@task_runner("classical_ml", "classification")
def classification_runner(
    algorithm_name: str, params: Params, split: Split, context: RunContext | None = None
) -> ClassificationBenchmark:
    del context
    return ClassificationBenchmark(algorithm_name, params, split)
