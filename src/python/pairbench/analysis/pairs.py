"""Framework comparisons within one run: candidate vs reference framework per (cell, phase), with
Holm and Bonferroni over the whole family, and geometric-mean speed-ups per domain.

The same pair statistics judge a run against a baseline run (analysis/history.py `compare_runs`,
the `pairbench compare` verb); benchmarks/reproducibility.py measures the agreement of a run and
its rerun."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from pairbench.analysis import stats
from pairbench.analysis.settings import StatisticsSettings
from pairbench.analysis.summaries import TimingSeries, timing_series
from pairbench.analysis.tidy import CELL_KEYS


def side_pairs(frameworks: list[str]) -> list[tuple[str, str]]:
    """(candidate, reference) pairs in side order: every later side against every earlier one, so the
    baseline (first) is the reference of all, and e.g. tch/candle separates kernels from language."""
    return [(frameworks[j], frameworks[i]) for i in range(len(frameworks)) for j in range(i + 1, len(frameworks))]


def _paired(a: TimingSeries, b: TimingSeries) -> tuple[NDArray[np.float64], NDArray[np.float64]] | None:
    """Matched per-(seed, fold) medians when both sides ran the same >= 2 seeds/folds, else None."""
    keys = sorted(a.by_pair_key)
    if len(keys) < 2 or keys != sorted(b.by_pair_key):
        return None
    return (np.array([a.by_pair_key[k] for k in keys]), np.array([b.by_pair_key[k] for k in keys]))


def pair_statistics(
    a: TimingSeries, b: TimingSeries, settings: StatisticsSettings, p_tests: tuple[float, float] | None = None
) -> dict[str, Any]:
    """Every statistic of one candidate (a) / reference (b) pair, before multiple-test correction.
    `p_tests` = (Mann-Whitney p, Welch p) when already computed in a batch."""
    x, y = a.x, b.x
    ratio = a.median / b.median if b.median > 0 else math.nan
    low, high = stats.percentile_ci(a.boot / b.boot, settings.confidence)
    sw_a, sw_b = a.shapiro, b.shapiro
    # Welch's t is the primary test only where Shapiro-Wilk rejects normality on neither side.
    normal = not (math.isnan(sw_a) or math.isnan(sw_b)) and sw_a >= settings.alpha and sw_b >= settings.alpha
    p_mw, p_welch = p_tests if p_tests is not None else (stats.mann_whitney_p(x, y), stats.welch_p(x, y))
    paired = _paired(a, b)
    d, delta = stats.cohens_d(x, y), stats.cliffs_delta(x, y)
    logs = [np.log(v) for v in (x, y) if np.all(v > 0) and v.size > 1]
    pooled_sd = float(np.sqrt(np.mean([np.var(v, ddof=1) for v in logs]))) if len(logs) == 2 else math.nan
    needed = (
        stats.samples_for_effect_size(math.log1p(settings.effect) / pooled_sd, settings.alpha, settings.power)
        if pooled_sd and not math.isnan(pooled_sd)
        else 2
    )
    return {
        "reference_median_s": b.median,
        "candidate_median_s": a.median,
        "n_reference": int(y.size),
        "n_candidate": int(x.size),
        "ratio": ratio,
        "ratio_ci_low": low,
        "ratio_ci_high": high,
        "speedup": 1.0 / ratio if ratio > 0 else np.nan,
        "speedup_ci_low": 1.0 / high if high > 0 else np.nan,
        "speedup_ci_high": 1.0 / low if low > 0 else np.nan,
        "shapiro_p_candidate": sw_a,
        "shapiro_p_reference": sw_b,
        "normal": normal,
        "p_welch": p_welch,
        "p_mannwhitney": p_mw,
        "paired": paired is not None,
        "p_paired_t": stats.paired_t_p(*paired) if paired is not None else np.nan,
        "test": "welch" if normal else "mann-whitney",
        "p_value": p_welch if normal else p_mw,
        "cohens_d": d,
        "cohens_magnitude": stats.cohens_magnitude(d),
        "cliffs_delta": delta,
        "cliffs_magnitude": stats.cliffs_magnitude(delta),
        "samples_needed": needed,
        "underpowered": bool(min(x.size, y.size) < needed),
    }


def batch_tests(pairs: list[tuple[TimingSeries, TimingSeries]]) -> list[tuple[float, float]]:
    """(Mann-Whitney p, Welch p) for many pairs: pairs of equal sample sizes go through one
    vectorised call each, which is what keeps 10,000 results within seconds."""
    out: list[tuple[float, float]] = [(math.nan, math.nan)] * len(pairs)
    by_shape: dict[tuple[int, int], list[int]] = {}
    for i, (a, b) in enumerate(pairs):
        by_shape.setdefault((a.x.size, b.x.size), []).append(i)
    for (na, nb), idx in by_shape.items():
        x = np.stack([pairs[i][0].x for i in idx])
        y = np.stack([pairs[i][1].x for i in idx])
        mw = stats.mann_whitney_p_rows(x, y)
        welch = stats.welch_p_rows(x, y) if min(na, nb) >= 2 else np.full(len(idx), np.nan)
        for j, i in enumerate(idx):
            out[i] = (float(mw[j]), float(welch[j]))
    return out


def apply_corrections(table: pd.DataFrame, settings: StatisticsSettings) -> pd.DataFrame:
    """Holm (the verdict's) and Bonferroni over the whole family, then the criterion-style verdict."""
    if table.empty:
        return table
    table = table.copy()
    table["p_holm"] = stats.holm(table["p_value"].to_numpy())
    table["p_bonferroni"] = stats.bonferroni(table["p_value"].to_numpy())
    table["p_mannwhitney_holm"] = stats.holm(table["p_mannwhitney"].to_numpy())
    table["p_welch_holm"] = stats.holm(table["p_welch"].to_numpy())
    verdicts = [
        stats.verdict((lo, hi), p, settings.alpha, settings.noise)
        for lo, hi, p in zip(table["ratio_ci_low"], table["ratio_ci_high"], table["p_holm"], strict=True)
    ]
    table["outcome"] = [v.label for v in verdicts]
    table["verdict"] = [
        f"{c} {v.label}" if v.label != "no meaningful difference" else v.label
        for c, v in zip(table["candidate"], verdicts, strict=True)
    ]
    return table


def compare_frameworks(
    samples: pd.DataFrame,
    settings: StatisticsSettings,
    side_order: dict[str, list[str]] | None = None,
    series: dict[tuple[Any, ...], TimingSeries] | None = None,
) -> pd.DataFrame:
    """candidate time / reference time per (cell, phase, pair). `side_order` maps cell_id to its
    frameworks, baseline first; without it, Python frameworks come first."""
    if {"seed", "fold"} - set(samples.columns):
        samples = samples.assign(**{c: "" for c in ("seed", "fold") if c not in samples.columns})
    series = series if series is not None else timing_series(samples, settings)
    by_cell_phase: dict[tuple[Any, ...], dict[str, TimingSeries]] = {}
    for key, s in series.items():
        by_cell_phase.setdefault((*key[: len(CELL_KEYS)], key[-1]), {})[key[len(CELL_KEYS)]] = s
    heads, pairs = [], []
    for key, sides in by_cell_phase.items():
        order = (side_order or {}).get(key[0]) or sorted(sides, key=lambda f: (sides[f].language != "python", f))
        for cand, ref in side_pairs([f for f in order if f in sides]):
            heads.append(
                {
                    **dict(zip([*CELL_KEYS, "phase"], key, strict=True)),
                    "candidate": cand,
                    "reference": ref,
                    "candidate_language": sides[cand].language,
                    "reference_language": sides[ref].language,
                }
            )
            pairs.append((sides[cand], sides[ref]))
    tests = batch_tests(pairs)
    rows = [{**h, **pair_statistics(a, b, settings, t)} for h, (a, b), t in zip(heads, pairs, tests, strict=True)]
    return apply_corrections(pd.DataFrame(rows), settings)


def geometric_mean_speedups(
    comparisons: pd.DataFrame,
    confidence: float = 0.95,
    series: dict[tuple[Any, ...], TimingSeries] | None = None,
    settings: StatisticsSettings | None = None,
) -> pd.DataFrame:
    """Geometric-mean speed-up (reference time / candidate time) per domain, pair and phase.

    The interval is a two-level bootstrap (cells, then samples within each cell) when the series are
    given, else a bootstrap over cells only. Below `settings.geomean_min_cells` cells no pooled
    interval is given (NaN): a handful of cells says nothing about the population of cells, so
    `per_cell` lists each cell's own ratio and CI instead. A pooled interval wider than a factor of
    `settings.geomean_max_ci_factor` (high / low) carries a warning in `interval_warning`.
    """
    settings = settings or StatisticsSettings(confidence=confidence)
    if comparisons.empty:
        return pd.DataFrame()
    rows = []
    for (domain, cand, ref, phase), group in comparisons.groupby(
        ["domain", "candidate", "reference", "phase"], sort=True
    ):
        group = group[np.isfinite(group["speedup"]) & (group["speedup"] > 0)]
        if group.empty:
            continue
        sp = group["speedup"].to_numpy(dtype=np.float64)
        per_cell = "; ".join(
            f"{a}/{d}: {s_:.3g}x [{lo:.3g}, {hi:.3g}]"
            for a, d, s_, lo, hi in zip(
                group["algorithm"],
                group["dataset"],
                sp,
                group["speedup_ci_low"],
                group["speedup_ci_high"],
                strict=True,
            )
        )
        draws = []
        for row in group.itertuples(index=False):
            key = tuple(getattr(row, k) for k in CELL_KEYS)
            a, b = (series or {}).get((*key, cand, phase)), (series or {}).get((*key, ref, phase))
            if a is not None and b is not None:
                # speed-up = reference / candidate
                draws.append(np.log(b.boot) - np.log(a.boot))
        logs = np.log(sp)
        if len(draws) != len(logs):
            # No sample-level distributions: resample cells only (each cell a point).
            draws = [np.array([v]) for v in logs]
        gm, low, high = stats.hierarchical_geomean_ci(
            logs, draws, settings.confidence, settings.resamples, settings.seed
        )
        warning = ""
        if sp.size < settings.geomean_min_cells:
            low = high = math.nan
            warning = f"{sp.size} cell(s) < {settings.geomean_min_cells}: no pooled interval; read the per-cell ratios"
        elif high / low > settings.geomean_max_ci_factor:
            warning = (
                f"interval spans a factor of {high / low:.3g} (> {settings.geomean_max_ci_factor:g}): "
                "the cells disagree; read the per-cell ratios"
            )
        rows.append(
            {
                "domain": domain,
                "candidate": cand,
                "reference": ref,
                "phase": phase,
                "n_cells": int(sp.size),
                "geomean_speedup": gm,
                "ci_low": low,
                "ci_high": high,
                "interval_warning": warning,
                "per_cell": per_cell,
                "n_faster": int((group["outcome"] == "faster").sum()),
                "n_slower": int((group["outcome"] == "slower").sum()),
                "n_no_difference": int((group["outcome"] == "no meaningful difference").sum()),
            }
        )
    return pd.DataFrame(rows)
