"""Seeded synthetic datasets: the same seed gives the same bytes (checked by sha256 in the manifest).

Each generator imports scikit-learn when it runs (pairbench.datasets.builtin says why).
"""

from __future__ import annotations

import numpy as np

from pairbench.core.registry import dataset_loader
from pairbench.datasets.builtin import XY


@dataset_loader("synthetic_linear")
def synthetic_linear(seed: int, n_samples: int = 2000, n_features: int = 20, noise: float = 10.0) -> XY:
    """Dense linear target with Gaussian noise (all features informative)."""
    from sklearn import datasets as skd

    X, y = skd.make_regression(
        n_samples=n_samples, n_features=n_features, n_informative=n_features, noise=noise, random_state=seed
    )
    return X.astype(np.float64), y.astype(np.float64)


@dataset_loader("synthetic_nonlinear")
def synthetic_nonlinear(seed: int, n_samples: int = 2000, n_features: int = 10, noise: float = 1.0) -> XY:
    """Friedman #1: y = 10 sin(pi x1 x2) + 20 (x3 - 0.5)^2 + 10 x4 + 5 x5 + noise; a linear model's R^2 ~0.75."""
    from sklearn import datasets as skd

    X, y = skd.make_friedman1(n_samples=n_samples, n_features=n_features, noise=noise, random_state=seed)
    return X.astype(np.float64), y.astype(np.float64)


@dataset_loader("synthetic_sparse")
def synthetic_sparse(
    seed: int, n_samples: int = 2000, n_features: int = 200, n_informative: int = 10, noise: float = 5.0
) -> XY:
    """Few informative features among many: where L1 penalties should shine."""
    from sklearn import datasets as skd

    X, y = skd.make_regression(
        n_samples=n_samples, n_features=n_features, n_informative=n_informative, noise=noise, random_state=seed
    )
    return X.astype(np.float64), y.astype(np.float64)


@dataset_loader("synthetic_classification")
def synthetic_classification(
    seed: int, n_samples: int = 2000, n_features: int = 20, n_informative: int = 10, n_classes: int = 3
) -> XY:
    """Gaussian clusters on hypercube vertices (Guyon 2003), some features redundant, 1% label noise."""
    from sklearn import datasets as skd

    X, y = skd.make_classification(
        n_samples=n_samples,
        n_features=n_features,
        n_informative=n_informative,
        n_redundant=2,
        n_classes=n_classes,
        flip_y=0.01,
        random_state=seed,
    )
    return X.astype(np.float64), y.astype(np.int64)


@dataset_loader("synthetic_blobs")
def synthetic_blobs(
    seed: int, n_samples: int = 2000, n_features: int = 2, centers: int = 4, cluster_std: float = 1.0
) -> XY:
    """Isotropic Gaussian blobs: the case k-means and GMMs are made for."""
    from sklearn import datasets as skd

    X, y = skd.make_blobs(
        n_samples=n_samples, n_features=n_features, centers=centers, cluster_std=cluster_std, random_state=seed
    )
    return X.astype(np.float64), y.astype(np.int64)


@dataset_loader("synthetic_moons")
def synthetic_moons(seed: int, n_samples: int = 2000, noise: float = 0.05) -> XY:
    """Two interleaving half circles: separable by density (DBSCAN, single linkage), not by k-means."""
    from sklearn import datasets as skd

    X, y = skd.make_moons(n_samples=n_samples, noise=noise, random_state=seed)
    return X.astype(np.float64), y.astype(np.int64)


@dataset_loader("synthetic_circles")
def synthetic_circles(seed: int, n_samples: int = 2000, noise: float = 0.05, factor: float = 0.5) -> XY:
    """Two concentric circles: another density-separable shape."""
    from sklearn import datasets as skd

    X, y = skd.make_circles(n_samples=n_samples, noise=noise, factor=factor, random_state=seed)
    return X.astype(np.float64), y.astype(np.int64)
