"""Clustering with scikit-learn.

What is clustered is the train split; the saved "predictions" are its cluster labels (noise = -1).
DBSCAN and agglomerative clustering cannot label unseen points, so all clustering algorithms are
scored on the data they clustered; the true labels serve only the adjusted Rand index.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from pairbench.core.benchmark import BenchmarkBase, RunContext
from pairbench.core.registry import algorithm, get_algorithm, task_runner
from pairbench.datasets.materialise import Split
from pairbench.metrics.clustering import clustering_quality

Params = dict[str, Any]
KMEANS_INITS = ("k-means++", "first_rows")


@algorithm("classical_ml", "clustering", "kmeans")
def kmeans(params: Params, X: NDArray[np.float64], seed: int) -> Any:
    """Lloyd's k-means; `init: first_rows` starts both sides from the same centroids (the first k rows).

    scikit-learn's `tol` is relative: stop when the squared Frobenius norm of the centre shift is below
    tol x mean feature variance. linfa stops when the (unsquared) norm is below its tolerance; the Rust
    side therefore uses sqrt(tol x mean variance) — the same rule.
    """
    from sklearn.cluster import KMeans

    k = int(params["n_clusters"])
    init = str(params["init"])
    if init not in KMEANS_INITS:
        raise ValueError(f"unknown kmeans init {init!r}; allowed: {', '.join(KMEANS_INITS)}")
    start: Any = np.ascontiguousarray(X[:k]) if init == "first_rows" else "k-means++"
    n_init = 1 if init == "first_rows" else int(params["n_init"])
    return KMeans(
        n_clusters=k,
        init=start,
        n_init=n_init,
        tol=float(params["tol"]),
        max_iter=int(params["max_iter"]),
        algorithm="lloyd",
        random_state=seed,
    )


@algorithm("classical_ml", "clustering", "dbscan")
def dbscan(params: Params, X: NDArray[np.float64], seed: int) -> Any:
    """DBSCAN, Euclidean; min_samples counts the point itself on both sides."""
    from sklearn.cluster import DBSCAN

    del X, seed
    return DBSCAN(eps=float(params["eps"]), min_samples=int(params["min_samples"]), metric="euclidean")


@algorithm("classical_ml", "clustering", "agglomerative")
def agglomerative(params: Params, X: NDArray[np.float64], seed: int) -> Any:
    """Agglomerative clustering on Euclidean distances, cut at n_clusters."""
    from sklearn.cluster import AgglomerativeClustering

    del X, seed
    return AgglomerativeClustering(
        n_clusters=int(params["n_clusters"]), linkage=str(params["linkage"]), metric="euclidean"
    )


@algorithm("classical_ml", "clustering", "gaussian_mixture")
def gaussian_mixture(params: Params, X: NDArray[np.float64], seed: int) -> Any:
    """EM for a Gaussian mixture, k-means initialisation, labels = most probable component."""
    from sklearn.mixture import GaussianMixture

    del X
    return GaussianMixture(
        n_components=int(params["n_clusters"]),
        covariance_type=str(params["covariance_type"]),
        tol=float(params["tol"]),
        reg_covar=float(params["reg_covar"]),
        max_iter=int(params["max_iter"]),
        n_init=int(params["n_init"]),
        init_params="kmeans",
        random_state=seed,
    )


class ClusteringBenchmark(BenchmarkBase):
    """One timed phase, `fit`: clustering the train split (a fresh, unfitted clone each time)."""

    phases = ("fit",)

    def __init__(self, algorithm_name: str, params: Params, split: Split, template: Any = None) -> None:
        """`template`: an unfitted estimator of another Python framework (linfa-py), timed the same way."""
        from sklearn.base import clone  # imported on use: see pairbench.tasks.classical

        self.split = split
        seed = int(split.manifest.get("seed", 42))
        self.template = (
            template
            if template is not None
            else get_algorithm("classical_ml", "clustering", algorithm_name).build(params, split.X_train, seed)
        )
        self.model: Any = None
        self._fresh: list[Any] = []
        self._clone = clone
        self.predictions: NDArray[np.int64] | None = None

    def prepare_phase(self, phase: str, calls: int) -> None:
        """Untimed: the fresh, unfitted estimators the next `calls` fits start from."""
        self._fresh = [self._clone(self.template) for _ in range(calls)] if phase == "fit" else []

    def run_phase(self, phase: str) -> None:
        if phase != "fit":
            raise ValueError(f"unknown phase {phase!r}; allowed: {', '.join(self.phases)}")
        model = self._fresh.pop() if self._fresh else self._clone(self.template)
        if hasattr(model, "fit_predict"):
            labels = model.fit_predict(self.split.X_train)
        else:
            labels = model.fit(self.split.X_train).predict(self.split.X_train)
        self.model = model
        self.predictions = np.asarray(labels, dtype=np.int64)

    def quality(self) -> dict[str, float | None]:
        assert self.predictions is not None, "quality before fit"
        return clustering_quality(self.split.X_train, self.predictions, self.split.y_train)

    def metadata(self) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "estimator": type(self.template).__name__,
            "clustered": "train split",
            "estimator_params": {k: repr(v) for k, v in self.template.get_params().items() if k != "init"},
        }
        for attr in ("n_iter_", "converged_"):
            value = getattr(self.model, attr, None)
            if value is not None:
                meta[attr.rstrip("_")] = value.item() if hasattr(value, "item") else value
        return meta


@task_runner("classical_ml", "clustering")
def clustering_runner(
    algorithm_name: str, params: Params, split: Split, context: RunContext | None = None
) -> ClusteringBenchmark:
    del context
    return ClusteringBenchmark(algorithm_name, params, split)
