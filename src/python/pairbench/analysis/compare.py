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


def side_pairs(frameworks: list[str]) -> list[tuple[str, str]]:
    """(candidate, reference) pairs in side order: every later side against every earlier one, so the
    baseline (first) is the reference of all, and e.g. tch/candle separates kernels from language."""
    return [(frameworks[j], frameworks[i]) for i in range(len(frameworks)) for j in range(i + 1, len(frameworks))]


def compare_pairs(samples: pd.DataFrame, settings: AnalysisSettings, side_order: dict[str, list[str]] | None = None
                  ) -> pd.DataFrame:
    """candidate time / reference time per (cell, phase, pair): ratio of medians + CI, Mann-Whitney U,
    Holm over the whole family, Cliff's delta. `side_order` maps cell_id to its frameworks, baseline
    first; without it, Python frameworks come first."""
    rows = []
    for key, group in samples.groupby([*CELL_KEYS, "phase"], sort=True):
        language_of = dict(zip(group["framework"], group["language"], strict=False))
        order = (side_order or {}).get(key[0]) or sorted(language_of, key=lambda f: (language_of[f] != "python", f))
        for cand, ref in side_pairs([f for f in order if f in language_of]):
            a = group.loc[group["framework"] == cand, "seconds"].to_numpy()
            b = group.loc[group["framework"] == ref, "seconds"].to_numpy()
            ratio, low, high = stats.ratio_of_medians_ci(a, b, settings.confidence, settings.resamples,
                                                         settings.seed)
            delta = stats.cliffs_delta(a, b)
            rows.append({
                **dict(zip([*CELL_KEYS, "phase"], key, strict=True)),
                "candidate": cand, "reference": ref,
                "candidate_language": language_of[cand], "reference_language": language_of[ref],
                "reference_median_s": float(np.median(b)), "candidate_median_s": float(np.median(a)),
                "n_reference": int(b.size), "n_candidate": int(a.size),
                "ratio": ratio, "ratio_ci_low": low, "ratio_ci_high": high,
                "speedup": 1.0 / ratio if ratio > 0 else np.nan,
                "p_mannwhitney": stats.mann_whitney_p(a, b),
                "cliffs_delta": delta, "cliffs_magnitude": stats.cliffs_magnitude(delta),
            })
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    table["p_holm"] = stats.holm(table["p_mannwhitney"].to_numpy())
    verdicts = [stats.verdict((lo, hi), p, settings.alpha, settings.noise)
                for lo, hi, p in zip(table["ratio_ci_low"], table["ratio_ci_high"], table["p_holm"], strict=True)]
    table["verdict"] = [f"{c} {v.label}" if v.label != "no meaningful difference" else v.label
                        for c, v in zip(table["candidate"], verdicts, strict=True)]
    return table


def resources_by_side(launches: pd.DataFrame) -> pd.DataFrame:
    ok = launches[launches["status"] == "ok"]
    if ok.empty:
        return pd.DataFrame()
    return (ok.groupby([*CELL_KEYS, "language", "framework"], sort=True)
              .agg(peak_rss_mb_median=("peak_rss_mb", "median"), peak_rss_mb_max=("peak_rss_mb", "max"),
                   cpu_percent_median=("cpu_percent", "median"), launches=("launch", "nunique"))
              .reset_index())
