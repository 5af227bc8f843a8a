"""Classification quality: accuracy, macro precision/recall/F1 and, where scores exist, ROC and PR AUC.

Implemented with numpy (checked against scikit-learn's in the tests) so the definitions are ours to
state: macro averages over the classes present in y_true or y_pred (scikit-learn's label set), a class
with no predictions has precision 0 (scikit-learn's `zero_division=0`), AUCs are one-vs-rest macro
averages over the classes of y_true, and average precision is the step-wise (non-interpolated) sum.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def _binary_roc_auc(positive: NDArray[np.bool_], score: NDArray[np.float64]) -> float | None:
    """Mann-Whitney form of the ROC AUC with ties counted half (exactly the trapezoidal ROC area)."""
    n_pos = int(positive.sum())
    n_neg = positive.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return None
    order = np.argsort(score, kind="mergesort")
    ranks = np.empty(score.size, dtype=np.float64)
    sorted_scores = score[order]
    # Average ranks over ties.
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    avg = first + (counts + 1) / 2.0
    ranks[order] = np.repeat(avg, counts)
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def _average_precision(positive: NDArray[np.bool_], score: NDArray[np.float64]) -> float | None:
    """AP = sum_k (R_k - R_{k-1}) P_k over distinct score thresholds, highest first."""
    n_pos = int(positive.sum())
    if n_pos == 0:
        return None
    order = np.argsort(-score, kind="mergesort")
    s, pos = score[order], positive[order]
    tp = np.cumsum(pos)
    fp = np.cumsum(~pos)
    # Keep the last index of every run of equal scores: a threshold admits all tied samples at once.
    last = np.r_[np.nonzero(np.diff(s))[0], s.size - 1]
    tp, fp = tp[last], fp[last]
    precision = tp / (tp + fp)
    recall = tp / n_pos
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def classification_quality(
    y_true: ArrayLike, y_pred: ArrayLike, scores: ArrayLike | None = None, classes: ArrayLike | None = None
) -> dict[str, float | None]:
    """`scores`: (n,) decision values for a binary problem (positive class = the larger label) or
    (n, n_classes) one score column per class in `classes` order (default: sorted labels of y_true)."""
    t = np.asarray(y_true).ravel()
    p = np.asarray(y_pred).ravel()
    if t.shape != p.shape or t.size == 0:
        raise ValueError(f"y_true and y_pred must be non-empty and equal length, got {t.shape} and {p.shape}")
    labels = np.union1d(t, p)
    precision, recall, f1 = [], [], []
    for c in labels:
        tp = float(np.sum((p == c) & (t == c)))
        n_pred, n_true = float(np.sum(p == c)), float(np.sum(t == c))
        prec = tp / n_pred if n_pred else 0.0
        rec = tp / n_true if n_true else 0.0
        precision.append(prec)
        recall.append(rec)
        f1.append(2 * prec * rec / (prec + rec) if prec + rec else 0.0)
    quality: dict[str, float | None] = {
        "accuracy": float(np.mean(t == p)),
        "precision_macro": float(np.mean(precision)),
        "recall_macro": float(np.mean(recall)),
        "f1_macro": float(np.mean(f1)),
        "auc_roc": None,
        "auc_pr": None,
    }
    if scores is None:
        return quality
    s = np.asarray(scores, dtype=np.float64)
    cls = np.unique(t) if classes is None else np.asarray(classes)
    if s.ndim == 1 or (s.ndim == 2 and s.shape[1] == 1):
        positive = t == cls.max()
        quality["auc_roc"] = _binary_roc_auc(positive, s.ravel())
        quality["auc_pr"] = _average_precision(positive, s.ravel())
        return quality
    if s.shape != (t.size, cls.size):
        raise ValueError(f"scores shape {s.shape} != (n_samples, n_classes) = ({t.size}, {cls.size})")
    rocs = [_binary_roc_auc(t == c, s[:, j]) for j, c in enumerate(cls) if np.any(t == c)]
    aps = [_average_precision(t == c, s[:, j]) for j, c in enumerate(cls) if np.any(t == c)]
    defined = [r for r in rocs if r is not None]
    quality["auc_roc"] = float(np.mean(defined)) if defined and len(defined) == len(rocs) else None
    quality["auc_pr"] = float(np.mean([a for a in aps if a is not None])) if aps else None
    return quality
