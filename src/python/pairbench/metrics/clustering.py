"""Clustering quality on the data that was clustered: internal indices and agreement with true labels.

Noise points (label -1, DBSCAN) are excluded from the internal indices (silhouette, Calinski-Harabasz,
Davies-Bouldin, inertia) — they belong to no cluster — and count as one extra "noise" cluster in the
adjusted Rand index, so labelling everything noise is not rewarded. Internal indices are None when
fewer than two clusters (or no non-noise point) remain, where they are undefined.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

NOISE = -1


def _comb2(x: NDArray[Any]) -> float:
    x = x.astype(np.float64)
    return float(np.sum(x * (x - 1) / 2.0))


def adjusted_rand_index(labels_true: ArrayLike, labels_pred: ArrayLike) -> float:
    """Hubert & Arabie (1985) ARI from the contingency table; 1.0 when both labelings are trivial alike."""
    t = np.asarray(labels_true).ravel()
    p = np.asarray(labels_pred).ravel()
    _, ti = np.unique(t, return_inverse=True)
    _, pi = np.unique(p, return_inverse=True)
    table = np.zeros((ti.max() + 1, pi.max() + 1), dtype=np.int64)
    np.add.at(table, (ti, pi), 1)
    n = t.size
    sum_ij = _comb2(table)
    sum_a = _comb2(table.sum(axis=1))
    sum_b = _comb2(table.sum(axis=0))
    total = n * (n - 1) / 2.0
    expected = sum_a * sum_b / total if total else 0.0
    max_index = (sum_a + sum_b) / 2.0
    if max_index == expected:
        return 1.0
    return float((sum_ij - expected) / (max_index - expected))


def _sq_dists(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    d = np.sum(a * a, axis=1)[:, None] + np.sum(b * b, axis=1)[None, :] - 2.0 * a @ b.T
    return np.maximum(d, 0.0)


def silhouette(X: NDArray[np.float64], labels: NDArray[Any]) -> float:
    """Mean silhouette over all points (a singleton cluster's point scores 0, as in scikit-learn)."""
    uniq, inv = np.unique(labels, return_inverse=True)
    k = uniq.size
    counts = np.bincount(inv, minlength=k).astype(np.float64)
    sums = np.zeros((X.shape[0], k))
    # Blocked so memory stays O(block * n) on the larger synthetic sets.
    block = 1024
    for start in range(0, X.shape[0], block):
        d = np.sqrt(_sq_dists(X[start : start + block], X))
        for j in range(k):
            sums[start : start + block, j] = d[:, inv == j].sum(axis=1)
    own = counts[inv]
    a = sums[np.arange(X.shape[0]), inv] / np.maximum(own - 1, 1)
    mean_other = sums / counts[None, :]
    mean_other[np.arange(X.shape[0]), inv] = np.inf
    b = mean_other.min(axis=1)
    s = np.where(own > 1, (b - a) / np.maximum(a, b), 0.0)
    s = np.nan_to_num(s)
    return float(np.mean(s))


def calinski_harabasz(X: NDArray[np.float64], labels: NDArray[Any]) -> float:
    uniq, inv = np.unique(labels, return_inverse=True)
    n, k = X.shape[0], uniq.size
    mean = X.mean(axis=0)
    between = within = 0.0
    for j in range(k):
        members = X[inv == j]
        centre = members.mean(axis=0)
        between += members.shape[0] * float(np.sum((centre - mean) ** 2))
        within += float(np.sum((members - centre) ** 2))
    return 1.0 if within == 0 else between * (n - k) / (within * (k - 1))


def davies_bouldin(X: NDArray[np.float64], labels: NDArray[Any]) -> float:
    uniq, inv = np.unique(labels, return_inverse=True)
    k = uniq.size
    centres = np.stack([X[inv == j].mean(axis=0) for j in range(k)])
    scatter = np.array([np.mean(np.sqrt(np.sum((X[inv == j] - centres[j]) ** 2, axis=1))) for j in range(k)])
    sep = np.sqrt(_sq_dists(centres, centres))
    if np.allclose(scatter, 0) or np.allclose(sep, 0):
        return 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (scatter[:, None] + scatter[None, :]) / sep
    ratio[~np.isfinite(ratio)] = 0.0
    np.fill_diagonal(ratio, 0.0)
    return float(np.mean(ratio.max(axis=1)))


def inertia(X: NDArray[np.float64], labels: NDArray[Any]) -> float:
    """Sum of squared distances of points to their cluster's mean (k-means' objective)."""
    uniq, inv = np.unique(labels, return_inverse=True)
    return float(sum(np.sum((X[inv == j] - X[inv == j].mean(axis=0)) ** 2) for j in range(uniq.size)))


def clustering_quality(
    X: ArrayLike, labels: ArrayLike, labels_true: ArrayLike | None = None
) -> dict[str, float | None]:
    x = np.asarray(X, dtype=np.float64)
    lab = np.asarray(labels).astype(np.int64).ravel()
    if lab.shape[0] != x.shape[0]:
        raise ValueError(f"labels ({lab.shape[0]}) and X ({x.shape[0]} rows) differ in length")
    keep = lab != NOISE
    xk, lk = x[keep], lab[keep]
    n_clusters = int(np.unique(lk).size)
    defined = n_clusters >= 2 and n_clusters < xk.shape[0]
    return {
        "silhouette": silhouette(xk, lk) if defined else None,
        "calinski_harabasz": calinski_harabasz(xk, lk) if defined else None,
        "davies_bouldin": davies_bouldin(xk, lk) if defined else None,
        "inertia": inertia(xk, lk) if n_clusters >= 1 else None,
        "adjusted_rand": None if labels_true is None else adjusted_rand_index(labels_true, lab),
        "n_clusters": float(n_clusters),
        "noise_fraction": float(np.mean(~keep)),
    }
