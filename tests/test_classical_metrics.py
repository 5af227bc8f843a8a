"""Classification and clustering metrics agree with scikit-learn's on the same predictions."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics

from pairbench.metrics.classification import classification_quality
from pairbench.metrics.clustering import clustering_quality


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_multiclass_quality_matches_sklearn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 4, size=300)
    scores = rng.normal(size=(300, 4)) + 1.5 * np.eye(4)[y]
    pred = scores.argmax(axis=1)
    q = classification_quality(y, pred, scores)
    assert q["accuracy"] == pytest.approx(metrics.accuracy_score(y, pred), rel=1e-12)
    assert q["precision_macro"] == pytest.approx(metrics.precision_score(y, pred, average="macro", zero_division=0))
    assert q["recall_macro"] == pytest.approx(metrics.recall_score(y, pred, average="macro", zero_division=0))
    assert q["f1_macro"] == pytest.approx(metrics.f1_score(y, pred, average="macro", zero_division=0))
    # One-vs-rest macro AUC = per-class binary AUC on the indicator matrix, averaged (decision values, not
    # probabilities, so sklearn's multi_class="ovr" path, which insists on probabilities, is not usable).
    onehot = np.eye(4)[y]
    assert q["auc_roc"] == pytest.approx(metrics.roc_auc_score(onehot, scores, average="macro"))
    assert q["auc_pr"] == pytest.approx(metrics.average_precision_score(onehot, scores, average="macro"))


def test_binary_quality_with_ties_matches_sklearn() -> None:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, size=200)
    scores = np.round(rng.normal(size=200) + y, 1)  # rounding makes ties, which both AUCs must handle
    pred = (scores > 0).astype(int)
    q = classification_quality(y, pred, scores)
    assert q["auc_roc"] == pytest.approx(metrics.roc_auc_score(y, scores), rel=1e-12)
    assert q["auc_pr"] == pytest.approx(metrics.average_precision_score(y, scores), rel=1e-12)


def test_class_never_predicted_counts_zero_precision() -> None:
    q = classification_quality([0, 1, 2, 2], [0, 1, 1, 1])
    assert q["precision_macro"] == pytest.approx(
        metrics.precision_score([0, 1, 2, 2], [0, 1, 1, 1], average="macro", zero_division=0)
    )
    assert q["auc_roc"] is None and q["auc_pr"] is None  # no scores given: said so, not invented


@pytest.mark.parametrize("seed", [0, 1])
def test_clustering_quality_matches_sklearn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(250, 3)) + np.repeat(np.eye(3) * 4, [80, 90, 80], axis=0)
    truth = np.repeat([0, 1, 2], [80, 90, 80])
    labels = truth.copy()
    labels[rng.choice(250, 30, replace=False)] = rng.integers(0, 3, size=30)
    q = clustering_quality(X, labels, truth)
    assert q["silhouette"] == pytest.approx(metrics.silhouette_score(X, labels), rel=1e-10)
    assert q["calinski_harabasz"] == pytest.approx(metrics.calinski_harabasz_score(X, labels), rel=1e-10)
    assert q["davies_bouldin"] == pytest.approx(metrics.davies_bouldin_score(X, labels), rel=1e-10)
    assert q["adjusted_rand"] == pytest.approx(metrics.adjusted_rand_score(truth, labels), rel=1e-12)
    centres = np.stack([X[labels == k].mean(axis=0) for k in range(3)])
    assert q["inertia"] == pytest.approx(float(((X - centres[labels]) ** 2).sum()), rel=1e-12)
    assert q["n_clusters"] == 3


def test_noise_is_left_out_of_internal_indices() -> None:
    rng = np.random.default_rng(5)
    X = rng.normal(size=(60, 2)) + np.repeat([[0, 0], [6, 6]], 30, axis=0)
    labels = np.repeat([0, 1], 30)
    labels[:5] = -1
    q = clustering_quality(X, labels, np.repeat([0, 1], 30))
    keep = labels != -1
    assert q["silhouette"] == pytest.approx(metrics.silhouette_score(X[keep], labels[keep]), rel=1e-10)
    assert q["noise_fraction"] == pytest.approx(5 / 60)
    assert q["adjusted_rand"] == pytest.approx(metrics.adjusted_rand_score(np.repeat([0, 1], 30), labels))
    everything_noise = clustering_quality(X, np.full(60, -1))
    assert everything_noise["silhouette"] is None and everything_noise["n_clusters"] == 0
