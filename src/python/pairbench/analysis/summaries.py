"""Per-series summaries: one timing series per (cell, framework, phase) with its bootstrap
distribution, summarised with its CI, spread, outliers, warnings and power; resources and quality
per side. The framework comparisons built on these series are in analysis/pairs.py."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from pairbench.analysis import stats
from pairbench.analysis.settings import StatisticsSettings
from pairbench.analysis.tidy import CELL_KEYS

SERIES_KEYS = (*CELL_KEYS, "framework", "phase")


class TimingSeries:
    """One timing series (cell x framework x phase) with its bootstrap distribution, computed once."""

    def __init__(
        self,
        x: NDArray[np.float64],
        language: str,
        boot: NDArray[np.float64],
        by_pair_key: dict[int, float] | None = None,
    ) -> None:
        self.x = x
        self.boot = boot
        self.median = float(np.median(x))
        self.language = language
        # Median per (seed, fold): the observations that pair across frameworks.
        self.by_pair_key = by_pair_key or {}
        self._shapiro: float | None = None

    @property
    def shapiro(self) -> float:
        if self._shapiro is None:
            self._shapiro = stats.shapiro_p(self.x)
        return self._shapiro


def series_from_samples(x: NDArray[np.float64], language: str, settings: StatisticsSettings, seed: int) -> TimingSeries:
    """A series from bare samples (e.g. read back from the history store): no seed/fold pairing."""
    return TimingSeries(x, language, stats.bootstrap_medians(x, settings.resamples, seed))


def timing_series(samples: pd.DataFrame, settings: StatisticsSettings) -> dict[tuple[Any, ...], TimingSeries]:
    """Every series of the table; bootstrap distributions drawn in batches of equal-length series."""
    if {"seed", "fold"} <= set(samples.columns):
        pair_codes = pd.factorize(samples["seed"].astype(str) + "|" + samples["fold"].astype(str))[0]
    else:
        pair_codes = np.zeros(len(samples), dtype=np.int64)
    seconds = samples["seconds"].to_numpy(dtype=np.float64)
    languages = samples["language"].to_numpy()
    groups = samples.groupby(list(SERIES_KEYS), sort=True).indices
    keys = list(groups)
    boots: dict[tuple[Any, ...], NDArray[np.float64]] = {}
    by_length: dict[int, list[tuple[Any, ...]]] = {}
    for key in keys:
        by_length.setdefault(len(groups[key]), []).append(key)
    rng = np.random.default_rng(settings.seed)
    for n, same in sorted(by_length.items()):
        # Chunked so that one batch of draws stays around 40 MB.
        chunk = max(1, 5_000_000 // max(1, n * settings.resamples))
        for i in range(0, len(same), chunk):
            part = same[i : i + chunk]
            rows = np.sort(np.stack([seconds[groups[k]] for k in part]), axis=1)
            for k, b in zip(part, stats.bootstrap_medians_sorted(rows, settings.resamples, rng), strict=True):
                boots[k] = b
    out = {}
    for key in keys:
        idx = groups[key]
        codes = pair_codes[idx]
        by_pair: dict[int, float] = {}
        if codes.min() != codes.max():
            by_pair = {int(c): float(np.median(seconds[idx][codes == c])) for c in np.unique(codes)}
        out[key] = TimingSeries(seconds[idx], str(languages[idx[0]]), boots[key], by_pair)
    return out


def summarise(
    samples: pd.DataFrame, settings: StatisticsSettings, series: dict[tuple[Any, ...], TimingSeries] | None = None
) -> pd.DataFrame:
    """One row per (cell, framework, phase): median with CI, mean, std, CV, percentiles, warnings,
    and the repetitions needed to detect a `settings.effect` change."""
    series = series if series is not None else timing_series(samples, settings)
    launches = samples.groupby(list(SERIES_KEYS), sort=True)["launch"].nunique().to_dict()
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
    rows = []
    for key, s in series.items():
        x = s.x
        low, high = stats.percentile_ci(s.boot, settings.confidence)
        mean = float(np.mean(x))
        std = float(np.std(x, ddof=1)) if x.size > 1 else 0.0
        needed = stats.samples_needed(x, settings.effect, settings.alpha, settings.power)
        # `unstable` is pyperf's rule only; too few samples for the power target is a warning beside it
        # (the comparisons count under-powered pairs on their own).
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
                "language": s.language,
                "n_samples": int(x.size),
                "n_launches": int(launches[key]),
                "median_s": s.median,
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
                "throughput_per_s": 1.0 / s.median if s.median > 0 else np.nan,
                "samples_needed": needed,
                "unstable": bool(unstable),
                "warnings": "; ".join(warnings),
            }
        )
    columns = [
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
    return pd.DataFrame(rows, columns=columns)


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
