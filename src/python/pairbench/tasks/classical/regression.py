"""Regression with scikit-learn. Each function maps pairbench's explicit parameters to an estimator.

Parameters are spelled in the elastic-net parametrisation that linfa uses,
    1/(2 n) ||y - Xw||^2 + alpha * (l1_ratio ||w||_1 + (1 - l1_ratio)/2 ||w||^2),
so the same `alpha` means the same objective on both sides; see `ridge` for the one translation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from pairbench.core.benchmark import BenchmarkBase, RunContext
from pairbench.core.registry import algorithm, get_algorithm, task_runner
from pairbench.datasets.materialise import Split
from pairbench.metrics.regression import regression_quality
from pairbench.tasks.classical.kernels import linfa_kernel_args, sklearn_kernel_args

if TYPE_CHECKING:
    from sklearn.base import RegressorMixin

Params = dict[str, Any]


@algorithm("classical_ml", "regression", "linear")
def linear(params: Params, n_train: int) -> RegressorMixin:
    """Ordinary least squares (scipy lstsq)."""
    from sklearn.linear_model import LinearRegression

    del n_train
    return LinearRegression(fit_intercept=bool(params["fit_intercept"]))


@algorithm("classical_ml", "regression", "ridge")
def ridge(params: Params, n_train: int) -> RegressorMixin:
    """L2-penalised least squares, closed form (Cholesky).

    scikit-learn's Ridge minimises ||y - Xw||^2 + a ||w||^2; with a = alpha * n_train that is the
    elastic-net objective above with l1_ratio = 0 (times 2n), i.e. the same minimiser linfa seeks.
    """
    from sklearn.linear_model import Ridge

    return Ridge(
        alpha=float(params["alpha"]) * n_train,
        fit_intercept=bool(params["fit_intercept"]),
        solver="cholesky",
        tol=float(params["tol"]),
        max_iter=int(params["max_iter"]),
    )


@algorithm("classical_ml", "regression", "ridge_cd")
def ridge_cd(params: Params, n_train: int) -> RegressorMixin:
    """L2-penalised least squares by cyclic coordinate descent with a duality-gap stop: the method linfa's
    ridge uses (elastic net with l1_ratio 0), so this pair compares the same algorithm."""
    from sklearn.linear_model import ElasticNet

    del n_train
    return ElasticNet(
        alpha=float(params["alpha"]),
        l1_ratio=0.0,
        fit_intercept=bool(params["fit_intercept"]),
        tol=float(params["tol"]),
        max_iter=int(params["max_iter"]),
        selection="cyclic",
    )


@algorithm("classical_ml", "regression", "lasso")
def lasso(params: Params, n_train: int) -> RegressorMixin:
    """L1-penalised least squares by cyclic coordinate descent with a duality-gap stop."""
    from sklearn.linear_model import Lasso

    del n_train
    return Lasso(
        alpha=float(params["alpha"]),
        fit_intercept=bool(params["fit_intercept"]),
        tol=float(params["tol"]),
        max_iter=int(params["max_iter"]),
        selection="cyclic",
    )


@algorithm("classical_ml", "regression", "elastic_net")
def elastic_net(params: Params, n_train: int) -> RegressorMixin:
    """Mixed L1/L2 penalty by cyclic coordinate descent with a duality-gap stop."""
    from sklearn.linear_model import ElasticNet

    del n_train
    return ElasticNet(
        alpha=float(params["alpha"]),
        l1_ratio=float(params["l1_ratio"]),
        fit_intercept=bool(params["fit_intercept"]),
        tol=float(params["tol"]),
        max_iter=int(params["max_iter"]),
        selection="cyclic",
    )


@algorithm("classical_ml", "regression", "svr")
def svr(params: Params, n_train: int) -> RegressorMixin:
    """epsilon-SVR by libsvm's SMO (kernel mapping: pairbench.tasks.classical.kernels)."""
    from sklearn.svm import SVR

    del n_train
    return SVR(
        C=float(params["C"]),
        epsilon=float(params["epsilon"]),
        tol=float(params["tol"]),
        shrinking=bool(params["shrinking"]),
        max_iter=-1,
        **sklearn_kernel_args(params),
    )


@algorithm("classical_ml", "regression", "nusvr")
def nusvr(params: Params, n_train: int) -> RegressorMixin:
    """nu-SVR by libsvm's SMO."""
    from sklearn.svm import NuSVR

    del n_train
    return NuSVR(
        C=float(params["C"]),
        nu=float(params["nu"]),
        tol=float(params["tol"]),
        shrinking=bool(params["shrinking"]),
        max_iter=-1,
        **sklearn_kernel_args(params),
    )


class RegressionBenchmark(BenchmarkBase):
    """Timed phases `fit` (a fresh, unfitted clone each time) and `predict` on the test split."""

    phases = ("fit", "predict")

    def __init__(self, algorithm_name: str, params: Params, split: Split, template: Any = None) -> None:
        """`template`: an unfitted estimator of another Python framework (linfa-py), timed the same way."""
        from sklearn.base import clone  # imported on use: see pairbench.tasks.classical

        self.split = split
        self.params = params
        self.template = (
            template
            if template is not None
            else get_algorithm("classical_ml", "regression", algorithm_name).build(params, int(split.X_train.shape[0]))
        )
        self.model: RegressorMixin | None = None
        self._fresh: list[Any] = []
        self._clone = clone
        self.predictions: NDArray[np.float64] | None = None

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
            self.predictions = self.model.predict(self.split.X_test)
        else:
            raise ValueError(f"unknown phase {phase!r}; allowed: {', '.join(self.phases)}")

    def quality(self) -> dict[str, float | None]:
        assert self.predictions is not None, "quality before predict"
        return regression_quality(self.split.y_test, self.predictions)

    def metadata(self) -> dict[str, Any]:
        from sklearn.svm import SVR, NuSVR

        model = self.model
        meta: dict[str, Any] = {
            "estimator": type(self.template).__name__,
            "estimator_params": {k: repr(v) for k, v in self.template.get_params().items()},
        }
        if isinstance(self.template, (SVR, NuSVR)):
            meta["kernel_mapping"] = {
                "sklearn": sklearn_kernel_args(self.params),
                "linfa": linfa_kernel_args(self.params),
            }
            if model is not None:
                meta["n_support"] = int(model.n_support_.sum())
        n_iter = getattr(model, "n_iter_", None)
        if n_iter is not None:
            meta["n_iter"] = int(np.max(n_iter))
        return meta


@task_runner("classical_ml", "regression")
def regression_runner(
    algorithm_name: str, params: Params, split: Split, context: RunContext | None = None
) -> RegressionBenchmark:
    del context
    return RegressionBenchmark(algorithm_name, params, split)
