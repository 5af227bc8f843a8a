"""Per-series summaries: one timing series per (cell, framework, phase), its launch-level centre with
a CI over launches, its spread, outliers, warnings and power; resources and quality per side. The
framework comparisons built on the same launch values are in analysis/pairs.py."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pairbench.analysis import stats
from pairbench.analysis.settings import StatisticsSettings
from pairbench.analysis.tidy import CELL_KEYS

SERIES_KEYS = (*CELL_KEYS, "framework", "phase")


def summarise(samples: pd.DataFrame, values: pd.DataFrame, settings: StatisticsSettings) -> pd.DataFrame:
    """One row per (cell, framework, phase). The centre and its interval are launch-level, like the
    verdicts: `median_s` is the median of the launches' values (each the median of its samples) and
    its CI a percentile bootstrap over launches. The sample-level figures (mean, std, CV, percentiles,
    outliers, pyperf's warnings) describe the spread inside the launches; `between_launch_cv` and
    `within_launch_cv` split the two, and `samples_needed` is the within-launch power figure."""
    if samples.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    launch_groups = values.groupby(list(SERIES_KEYS), sort=True)["seconds"] if not values.empty else None
    by_launch = {k: v.to_numpy(dtype=np.float64) for k, v in launch_groups} if launch_groups is not None else {}
    # A slow first launch and noise within launches look alike in std / mean; these tell them apart.
    per_launch = samples.groupby([*SERIES_KEYS, "launch"], sort=True)["seconds"].agg(["median", "mean", "std"])
    per_launch["cv"] = per_launch["std"] / per_launch["mean"]
    by_series = per_launch.groupby(level=list(range(len(SERIES_KEYS))))
    launch_medians = by_series["median"]
    between = (launch_medians.std() / launch_medians.mean()).to_dict()
    within = by_series["cv"].median().to_dict()
    first_excess = (
        launch_medians.first() / launch_medians.apply(lambda v: float(np.median(v.iloc[1:])) if len(v) > 1 else np.nan)
    ).to_dict()
    rng = np.random.default_rng(settings.seed)
    rows = []
    for key, group in samples.groupby(list(SERIES_KEYS), sort=True):
        x = group["seconds"].to_numpy(dtype=np.float64)
        launch_values = by_launch.get(key, np.array([float(np.median(x))]))
        centre = float(np.median(launch_values))
        if launch_values.size > 1:
            boot = np.median(
                launch_values[rng.integers(0, launch_values.size, (settings.resamples, launch_values.size))], axis=1
            )
            low, high = stats.percentile_ci(boot, settings.confidence)
        else:
            low = high = np.nan
        mean = float(np.mean(x))
        std = float(np.std(x, ddof=1)) if x.size > 1 else 0.0
        needed = stats.samples_needed(x, settings.effect, settings.alpha, settings.power)
        # `unstable` is pyperf's rule only; too few samples for the power target is a warning beside it.
        unstable = stats.instability_warnings(x, settings.min_samples)
        warnings = list(unstable)
        if needed > x.size:
            warnings.append(
                f"power: {needed} samples needed to detect a {settings.effect:.0%} change "
                f"at {settings.power:.0%} power, have {x.size}"
            )
        mad_rel, iqr, iqr_rel = stats.robust_spread(x)
        mild, severe = stats.tukey_outliers(x)
        rows.append(
            {
                **dict(zip(SERIES_KEYS, key, strict=True)),
                "language": str(group["language"].iloc[0]),
                "n_samples": int(x.size),
                "n_launches": int(group["launch"].nunique()),
                "median_s": centre,
                "median_ci_low_s": low,
                "median_ci_high_s": high,
                "mean_s": mean,
                "std_s": std,
                "cv": std / mean if mean > 0 else np.nan,
                "mad_rel": mad_rel,
                "iqr_s": iqr,
                "iqr_rel": iqr_rel,
                "outliers_mild": mild,
                "outliers_severe": severe,
                "between_launch_cv": between.get(key, np.nan),
                "within_launch_cv": within.get(key, np.nan),
                "first_launch_ratio": first_excess.get(key, np.nan),
                "p50_s": float(np.percentile(x, 50)),
                "p95_s": float(np.percentile(x, 95)),
                "p99_s": float(np.percentile(x, 99)),
                "min_s": float(x.min()),
                "max_s": float(x.max()),
                "throughput_per_s": 1.0 / centre if centre > 0 else np.nan,
                "samples_needed": needed,
                "unstable": bool(unstable),
                "warnings": "; ".join(warnings),
            }
        )
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


SUMMARY_COLUMNS = [
    *SERIES_KEYS,
    "language",
    "n_samples",
    "n_launches",
    "median_s",
    "median_ci_low_s",
    "median_ci_high_s",
    "mean_s",
    "std_s",
    "cv",
    "mad_rel",
    "iqr_s",
    "iqr_rel",
    "outliers_mild",
    "outliers_severe",
    "between_launch_cv",
    "within_launch_cv",
    "first_launch_ratio",
    "p50_s",
    "p95_s",
    "p99_s",
    "min_s",
    "max_s",
    "throughput_per_s",
    "samples_needed",
    "unstable",
    "warnings",
]


def resources_by_side(launches: pd.DataFrame) -> pd.DataFrame:
    ok = launches[launches["status"] == "ok"]
    if ok.empty:
        return pd.DataFrame()
    return (
        ok.groupby([*CELL_KEYS, "language", "framework"], sort=True)
        .agg(
            peak_rss_mb_median=("peak_rss_mb", "median"),
            peak_rss_mb_max=("peak_rss_mb", "max"),
            cpu_percent_median=("cpu_percent", "median"),
            launches=("launch", "nunique"),
        )
        .reset_index()
    )


def quality_by_side(launches: pd.DataFrame) -> pd.DataFrame:
    """Median of every quality metric per (cell, framework), long format: generic over metrics."""
    ok = launches[launches["status"] == "ok"]
    metric_cols = [c for c in ok.columns if c.startswith("quality_")]
    if ok.empty or not metric_cols:
        return pd.DataFrame(columns=[*CELL_KEYS, "framework", "metric", "value"])
    long = ok.melt(id_vars=[*CELL_KEYS, "framework"], value_vars=metric_cols, var_name="metric", value_name="value")
    long["metric"] = long["metric"].str.removeprefix("quality_")
    return (
        long.dropna(subset=["value"])
        .groupby([*CELL_KEYS, "framework", "metric"], sort=True)["value"]
        .median()
        .reset_index()
    )
