"""Per-cell summaries and Rust-vs-Python comparisons, with Holm correction over the whole family."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pairbench.analysis import stats
from pairbench.analysis.tidy import CELL_KEYS


@dataclass(frozen=True)
class AnalysisSettings:
    alpha: float = 0.05
    noise: float = 0.02
    confidence: float = 0.95
    resamples: int = stats.DEFAULT_RESAMPLES
    seed: int = 0


def summarise(samples: pd.DataFrame, settings: AnalysisSettings) -> pd.DataFrame:
    """One row per (cell, language, phase): median with CI, mean, std, CV, percentiles, warnings."""
    rows = []
    for key, group in samples.groupby([*CELL_KEYS, "language", "framework", "phase"], sort=True):
        x = group["seconds"].to_numpy()
        med, low, high = stats.bootstrap_median_ci(x, settings.confidence, settings.resamples, settings.seed)
        mean = float(np.mean(x))
        std = float(np.std(x, ddof=1)) if x.size > 1 else 0.0
        per_launch = group.groupby("launch")["seconds"].median()
        rows.append({
            **dict(zip([*CELL_KEYS, "language", "framework", "phase"], key, strict=True)),
            "n_samples": int(x.size), "n_launches": int(group["launch"].nunique()),
            "median_s": med, "median_ci_low_s": low, "median_ci_high_s": high,
            "mean_s": mean, "std_s": std, "cv": std / mean if mean > 0 else np.nan,
            "p50_s": float(np.percentile(x, 50)), "p95_s": float(np.percentile(x, 95)),
            "p99_s": float(np.percentile(x, 99)), "min_s": float(x.min()), "max_s": float(x.max()),
            "throughput_per_s": 1.0 / med if med > 0 else np.nan,
            "launch_median_spread": float(per_launch.max() / per_launch.min()) if per_launch.min() > 0 else np.nan,
            "warnings": "; ".join(stats.instability_warnings(x)),
        })
    return pd.DataFrame(rows)


def compare_pairs(samples: pd.DataFrame, settings: AnalysisSettings) -> pd.DataFrame:
    """Rust time / Python time per (cell, phase): ratio of medians + CI, Mann-Whitney, Holm, Cliff's delta."""
    rows = []
    for key, group in samples.groupby([*CELL_KEYS, "phase"], sort=True):
        py = group.loc[group["language"] == "python", "seconds"].to_numpy()
        rs = group.loc[group["language"] == "rust", "seconds"].to_numpy()
        if py.size == 0 or rs.size == 0:
            continue
        ratio, low, high = stats.ratio_of_medians_ci(rs, py, settings.confidence, settings.resamples,
                                                     settings.seed)
        delta = stats.cliffs_delta(rs, py)
        rows.append({
            **dict(zip([*CELL_KEYS, "phase"], key, strict=True)),
            "python_framework": group.loc[group["language"] == "python", "framework"].iloc[0],
            "rust_framework": group.loc[group["language"] == "rust", "framework"].iloc[0],
            "python_median_s": float(np.median(py)), "rust_median_s": float(np.median(rs)),
            "n_python": int(py.size), "n_rust": int(rs.size),
            "ratio": ratio, "ratio_ci_low": low, "ratio_ci_high": high,
            "speedup": 1.0 / ratio if ratio > 0 else np.nan,
            "p_mannwhitney": stats.mann_whitney_p(rs, py),
            "cliffs_delta": delta, "cliffs_magnitude": stats.cliffs_magnitude(delta),
        })
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    table["p_holm"] = stats.holm(table["p_mannwhitney"].to_numpy())
    verdicts = [stats.verdict((lo, hi), p, settings.alpha, settings.noise)
                for lo, hi, p in zip(table["ratio_ci_low"], table["ratio_ci_high"], table["p_holm"], strict=True)]
    table["verdict"] = [f"rust {v.label}" if v.label != "no meaningful difference" else v.label for v in verdicts]
    return table


def resources_by_side(launches: pd.DataFrame) -> pd.DataFrame:
    ok = launches[launches["status"] == "ok"]
    if ok.empty:
        return pd.DataFrame()
    return (ok.groupby([*CELL_KEYS, "language", "framework"], sort=True)
              .agg(peak_rss_mb_median=("peak_rss_mb", "median"), peak_rss_mb_max=("peak_rss_mb", "max"),
                   cpu_percent_median=("cpu_percent", "median"), launches=("launch", "nunique"))
              .reset_index())
