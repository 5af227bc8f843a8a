"""Datasets that ship inside scikit-learn: no download, identical on every machine.

scikit-learn is imported when a dataset is loaded, not when this module registers its loaders: the config
check and phase 1 find every loader, and importing scikit-learn costs them about 2 s each.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from pairbench.core.registry import dataset_loader

XY = tuple[NDArray[np.float64], NDArray[Any]]


def _xy(loader: str) -> XY:
    """X and y of the bundled dataset `sklearn.datasets.<loader>()`."""
    from sklearn import datasets

    bunch = getattr(datasets, loader)()
    return np.asarray(bunch.data, dtype=np.float64), np.asarray(bunch.target)


@dataset_loader("sklearn_diabetes")
def diabetes(seed: int) -> XY:
    """442 patients, 10 baseline variables, disease progression after one year (Efron et al. 2004)."""
    del seed
    return _xy("load_diabetes")


@dataset_loader("sklearn_iris")
def iris(seed: int) -> XY:
    """150 iris flowers, 4 features, 3 species (Fisher 1936)."""
    del seed
    return _xy("load_iris")


@dataset_loader("sklearn_wine")
def wine(seed: int) -> XY:
    """178 wines, 13 chemical features, 3 cultivars."""
    del seed
    return _xy("load_wine")


@dataset_loader("sklearn_breast_cancer")
def breast_cancer(seed: int) -> XY:
    """569 tumours, 30 features, malignant/benign (Wisconsin diagnostic)."""
    del seed
    return _xy("load_breast_cancer")


@dataset_loader("sklearn_digits")
def digits(seed: int) -> XY:
    """1797 8x8 hand-written digits, 10 classes (UCI optical recognition)."""
    del seed
    return _xy("load_digits")
