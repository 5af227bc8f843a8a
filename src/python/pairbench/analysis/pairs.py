"""Framework comparisons within one run, from the launch-level values of phase 4's rounds: one row per
(cell, phase, pair of sides), with the paired estimate, its interval and one of the four outcomes
(analysis/paired.py), plus the unpaired figures and the CPU-time ratio beside it; and the geometric-mean
speed-ups per domain.

Each verdict is decided from its own interval at a confidence fixed in advance (1 - alpha), so no
verdict depends on what else ran. Holm and Bonferroni adjusted Wilcoxon p-values are extra columns
for readers who want a family-wise view; they decide nothing. A run against a baseline run is judged
by analysis/history.py (`pairbench compare`), unpaired."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from pairbench.analysis import paired, stats
from pairbench.analysis.settings import StatisticsSettings
from pairbench.analysis.tidy import CELL_KEYS
from pairbench.core.comparisons import SAME_ALGORITHM, ComparisonSpec

# A pair of a side with its own second arm (A/A runs).
AA = "aa"
PAIR = "pair"


def side_pairs(frameworks: list[str]) -> list[tuple[str, str]]:
    """(candidate, reference) pairs in side order: every later side against every earlier one, so the
    baseline (first) is the reference of all, and e.g. tch/candle separates kernels from language.
    In an A/A run (labels `X#b` present) only each side's second arm against its first."""
    arms = [f for f in frameworks if "#" in f]
    if arms:
        return [(f, f.split("#", 1)[0]) for f in arms if f.split("#", 1)[0] in frameworks]
    return [(frameworks[j], frameworks[i]) for i in range(len(frameworks)) for j in range(i + 1, len(frameworks))]


def round_bootstrap(d: NDArray[np.float64], resamples: int, rng: np.random.Generator) -> NDArray[np.float64]:
    """Bootstrap distribution of the Hodges-Lehmann estimate over rounds (the cross-cell geometric mean
    resamples each cell's rounds this way)."""
    n = d.size
    if n == 0:
        return np.full(resamples, np.nan)
    if n == 1:
        return np.full(resamples, d[0])
    draws = d[rng.integers(0, n, size=(resamples, n))]
    i, j = np.triu_indices(n)
    return np.asarray(np.median((draws[:, i] + draws[:, j]) / 2, axis=1), dtype=np.float64)


def rounds_needed(d: NDArray[np.float64], effect: float, alpha: float, power: float) -> int:
    """Rounds a paired comparison with this spread of per-round log ratios needs to detect a relative
    change of `effect` at `power` (normal approximation of the one-sample test on the log ratios)."""
    if d.size < 2:
        return 0
    sd = float(np.std(d, ddof=1))
    if sd == 0:
        return 2
    from scipy.stats import norm

    z = norm.ppf(1 - alpha / 2) + norm.ppf(power)
    return max(2, math.ceil((z * sd / math.log1p(effect)) ** 2))


def pair_row(cand: pd.DataFrame, ref: pd.DataFrame, settings: StatisticsSettings, seed: int = 0) -> dict[str, Any]:
    """Every statistic of one candidate / reference pair in one phase. `cand` and `ref` are the two
    sides' launch values (columns launch, seconds, cpu_seconds); rounds pair by launch number."""
    a = cand.set_index("launch")
    b = ref.set_index("launch")
    rounds = sorted(set(a.index) & set(b.index))
    ta, tb = a.loc[rounds, "seconds"].to_numpy(float), b.loc[rounds, "seconds"].to_numpy(float)
    d = paired.log_ratios(ta, tb) if rounds else np.empty(0)
    est = paired.paired_estimate(d, settings.confidence, settings.resamples, seed)
    outcome = paired.outcome(est.ratio_low, est.ratio_high, settings.delta)
    u_ratio, u_low, u_high = paired.unpaired_estimate(
        a["seconds"].to_numpy(float), b["seconds"].to_numpy(float), settings.confidence, settings.resamples, seed
    )
    ca, cb = a.loc[rounds, "cpu_seconds"].to_numpy(float), b.loc[rounds, "cpu_seconds"].to_numpy(float)
    ok = np.isfinite(ca) & np.isfinite(cb) & (ca > 0) & (cb > 0)
    cpu = paired.paired_estimate(paired.log_ratios(ca[ok], cb[ok]), settings.confidence) if ok.sum() else None
    cpu_ratio = cpu.ratio if cpu is not None else math.nan
    mismatch = (
        bool(abs(math.log(cpu_ratio) - est.log_estimate) > math.log1p(settings.delta))
        if cpu is not None and cpu_ratio > 0 and not math.isnan(est.log_estimate)
        else False
    )
    paired_width = est.log_high - est.log_low
    unpaired_width = math.log(u_high) - math.log(u_low) if u_low > 0 and u_high > 0 else math.nan
    needed = rounds_needed(d, settings.effect, settings.alpha, settings.power)
    delta = stats.cliffs_delta(a["seconds"], b["seconds"]) if len(a) and len(b) else math.nan
    return {
        "n_rounds": len(rounds),
        "reference_median_s": float(np.median(b["seconds"])) if len(b) else math.nan,
        "candidate_median_s": float(np.median(a["seconds"])) if len(a) else math.nan,
        "ratio": est.ratio,
        "ratio_ci_low": est.ratio_low,
        "ratio_ci_high": est.ratio_high,
        "ci_confidence": est.confidence,
        "ci_method": est.method,
        "speedup": 1.0 / est.ratio if est.ratio > 0 else math.nan,
        "speedup_ci_low": 1.0 / est.ratio_high if est.ratio_high > 0 else math.nan,
        "speedup_ci_high": 1.0 / est.ratio_low if est.ratio_low > 0 else math.nan,
        "p_wilcoxon": est.p_wilcoxon,
        "lag1_autocorrelation": est.lag1_autocorrelation,
        "unpaired_ratio": u_ratio,
        "unpaired_ci_low": u_low,
        "unpaired_ci_high": u_high,
        # How much narrower pairing made the interval (unpaired width / paired width, log scale).
        "pairing_gain": unpaired_width / paired_width if paired_width > 0 else math.nan,
        "cpu_ratio": cpu_ratio,
        "cpu_ratio_ci_low": cpu.ratio_low if cpu is not None else math.nan,
        "cpu_ratio_ci_high": cpu.ratio_high if cpu is not None else math.nan,
        # CPU-time and wall-time ratios more than delta apart: threads, I/O or waiting differ between the sides.
        "cpu_wall_mismatch": mismatch,
        "cliffs_delta": delta,
        "cliffs_magnitude": stats.cliffs_magnitude(delta) if not math.isnan(delta) else "undefined",
        "rounds_needed": needed,
        "underpowered": bool(len(rounds) < needed),
        "delta": settings.delta,
        "outcome": outcome,
    }


def verdict_text(candidate: str, outcome: str) -> str:
    """`linfa faster`, `linfa slower`, `equivalent` or `inconclusive`."""
    return f"{candidate} {outcome}" if outcome in ("faster", "slower") else outcome


def apply_corrections(table: pd.DataFrame) -> pd.DataFrame:
    """Holm and Bonferroni adjusted Wilcoxon p-values over the whole table, as columns only."""
    if table.empty:
        return table
    table = table.copy()
    table["p_holm"] = stats.holm(table["p_wilcoxon"].to_numpy())
    table["p_bonferroni"] = stats.bonferroni(table["p_wilcoxon"].to_numpy())
    return table


def compare_frameworks(
    values: pd.DataFrame,
    settings: StatisticsSettings,
    side_order: dict[str, list[str]] | None = None,
    kinds: dict[str, ComparisonSpec] | None = None,
) -> pd.DataFrame:
    """candidate time / reference time per (cell, phase, pair), from `values` (tidy.launch_values_table).
    `side_order` maps cell_id to its frameworks, baseline first; without it, Python frameworks come first.
    `kinds` maps cell_id to what its comparisons compare (`comparison_kind`: same_algorithm by default)."""
    if values.empty:
        return pd.DataFrame()
    rows = []
    for n, (key, group) in enumerate(values.groupby([*CELL_KEYS, "phase"], sort=True)):
        sides = {fw: g for fw, g in group.groupby("framework", sort=False)}
        languages = {fw: str(g["language"].iloc[0]) for fw, g in sides.items()}
        listed = (side_order or {}).get(key[0]) or []
        base_names = {f: f.split("#", 1)[0] for f in sides}
        order = sorted(
            sides,
            key=lambda f: (
                listed.index(base_names[f]) if base_names[f] in listed else len(listed),
                languages[f] != "python",
                f,
            ),
        )
        for cand, ref in side_pairs(order):
            head = {
                **dict(zip([*CELL_KEYS, "phase"], key, strict=True)),
                "candidate": cand,
                "reference": ref,
                "candidate_language": languages[cand],
                "reference_language": languages[ref],
                "kind": AA if "#" in cand else PAIR,
                "comparison_kind": (kinds or {}).get(key[0], ComparisonSpec()).pair_kind(cand, ref),
            }
            rows.append({**head, **pair_row(sides[cand], sides[ref], settings, settings.seed + n)})
    if not rows:  # every cell has at most one side left (the others failed): nothing to compare
        return pd.DataFrame()
    table = apply_corrections(pd.DataFrame(rows))
    table["verdict"] = [verdict_text(c, o) for c, o in zip(table["candidate"], table["outcome"], strict=True)]
    return table


def geometric_mean_speedups(
    comparisons: pd.DataFrame, values: pd.DataFrame, settings: StatisticsSettings | None = None
) -> pd.DataFrame:
    """Geometric-mean speed-up (reference time / candidate time) per domain, pair and phase, over cells.

    The interval is a two-level bootstrap: resample the cells, then each drawn cell's rounds (its
    Hodges-Lehmann estimate of the resampled per-round log ratios). Below `settings.geomean_min_cells`
    cells no pooled interval is given (NaN): a handful of cells says nothing about the population of
    cells, so `per_cell` lists each cell's own ratio and interval instead. A pooled interval wider
    than a factor of `settings.geomean_max_ci_factor` carries a warning in `interval_warning`.
    Inconclusive cells count with their estimate; the outcome counts say how many there were. Only
    same-algorithm comparisons count: a best-available one says nothing about a language.
    """
    settings = settings or StatisticsSettings()
    if comparisons.empty:
        return pd.DataFrame()
    pairs = comparisons[comparisons["kind"] == PAIR] if "kind" in comparisons else comparisons
    if "comparison_kind" in pairs:  # a language summary: best-available comparisons are reported on their own
        pairs = pairs[pairs["comparison_kind"] == SAME_ALGORITHM]
    indexed = (
        {k: g.set_index("launch")["seconds"] for k, g in values.groupby([*CELL_KEYS, "framework", "phase"])}
        if not values.empty
        else None
    )
    rng = np.random.default_rng(settings.seed)
    rows = []
    for (domain, cand, ref, phase), group in pairs.groupby(["domain", "candidate", "reference", "phase"], sort=True):
        group = group[np.isfinite(group["speedup"]) & (group["speedup"] > 0)]
        if group.empty:
            continue
        sp = group["speedup"].to_numpy(dtype=np.float64)
        per_cell = "; ".join(
            f"{a}/{d}: {s_:.3g}x [{lo:.3g}, {hi:.3g}] {o}"
            for a, d, s_, lo, hi, o in zip(
                group["algorithm"], group["dataset"], sp, group["speedup_ci_low"], group["speedup_ci_high"],
                group["outcome"], strict=True,
            )
        )  # fmt: skip
        draws = []
        for row in group.itertuples(index=False):
            key = tuple(getattr(row, k) for k in CELL_KEYS)
            d = _cell_log_ratios(indexed, key, cand, ref, phase)
            # speed-up = reference / candidate: minus the log time ratio
            draws.append(-round_bootstrap(d, settings.resamples, rng) if d.size else np.array([math.nan]))
        logs = np.log(sp)
        if any(np.isnan(x).all() for x in draws):
            draws = [np.array([v]) for v in logs]  # no launch values: resample cells only
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
                **{f"n_{o}": int((group["outcome"] == o).sum()) for o in paired.OUTCOMES},
            }
        )
    return pd.DataFrame(rows)


def _cell_log_ratios(
    indexed: dict[tuple[Any, ...], pd.Series] | None, key: tuple[Any, ...], cand: str, ref: str, phase: str
) -> NDArray[np.float64]:
    """The per-round log time ratios of one cell's pair in one phase (empty when not available)."""
    a = (indexed or {}).get((*key, cand, phase))
    b = (indexed or {}).get((*key, ref, phase))
    if a is None or b is None:
        return np.empty(0)
    rounds = sorted(set(a.index) & set(b.index))
    return paired.log_ratios(a.loc[rounds].to_numpy(float), b.loc[rounds].to_numpy(float)) if rounds else np.empty(0)
