"""Cross-validation in phase 3: both sides fit once per fold (fold ids written once by the materialiser)
and their fold predictions are scored here by one metric implementation.

Per side: mean of each metric over the k folds with a 95% Student-t interval. Per candidate: the paired
per-fold differences of the gate metric (candidate - baseline) with their mean, 95% t interval and the
two-sided paired t-test p-value (with k = 5 folds a Wilcoxon test cannot reach p < 0.05, so t it is).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from pairbench.core.benchmark import scores_path
from pairbench.datasets.materialise import Split
from pairbench.metrics import score_predictions


def mean_ci(values: list[float], confidence: float = 0.95) -> dict[str, float | None]:
    """Mean and Student-t confidence interval (None bounds with fewer than two values)."""
    arr = np.asarray(values, dtype=np.float64)
    mean = float(arr.mean()) if arr.size else math.nan
    if arr.size < 2:
        return {"mean": mean, "ci_low": None, "ci_high": None}
    half = float(stats.t.ppf(0.5 + confidence / 2, arr.size - 1) * arr.std(ddof=1) / math.sqrt(arr.size))
    return {"mean": mean, "ci_low": mean - half, "ci_high": mean + half}


def score_folds(task: str, split: Split, fold_dir: Path) -> list[dict[str, float | None]] | None:
    """Quality of every fold's saved predictions, or None when a fold file is missing."""
    assert split.folds is not None
    out = []
    for k in range(int(split.folds.max()) + 1):
        path = fold_dir / f"fold{k}.npy"
        if not path.is_file():
            return None
        spath = scores_path(path)
        scores = np.load(spath, allow_pickle=False) if spath.is_file() else None
        out.append(score_predictions(task, split.fold(k), np.load(path, allow_pickle=False), scores))
    return out


def summarise_cv(
    per_side: dict[str, list[dict[str, float | None]]], baseline: str, metric: str, n_splits: int, stratified: bool
) -> dict[str, Any]:
    sides: dict[str, Any] = {}
    for side, folds in per_side.items():
        metrics = sorted({m for f in folds for m, v in f.items() if v is not None})
        sides[side] = {
            "folds": folds,
            "mean_ci": {
                m: mean_ci([float(f[m]) for f in folds if f.get(m) is not None])  # type: ignore[arg-type]
                for m in metrics
            },
        }
    paired: list[dict[str, Any]] = []
    base = per_side.get(baseline)
    for side, folds in per_side.items():
        if side == baseline or base is None:
            continue
        pairs = [(b.get(metric), c.get(metric)) for b, c in zip(base, folds, strict=True)]
        if any(b is None or c is None for b, c in pairs):
            paired.append({"candidate": side, "metric": metric, "note": f"{metric} missing on some fold"})
            continue
        diffs = [float(c) - float(b) for b, c in pairs]  # type: ignore[arg-type]
        p = None
        if len(diffs) >= 2 and np.std(diffs) > 0:
            p = float(stats.ttest_rel([float(c) for _, c in pairs], [float(b) for b, _ in pairs]).pvalue)  # type: ignore[arg-type]
        paired.append(
            {
                "candidate": side,
                "baseline": baseline,
                "metric": metric,
                "fold_differences": diffs,
                **{f"difference_{k}": v for k, v in mean_ci(diffs).items()},
                "paired_t_p": p,
            }
        )
    return {"n_splits": n_splits, "stratified": stratified, "metric": metric, "sides": sides, "paired": paired}
