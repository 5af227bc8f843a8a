"""Rankings of frameworks: weighted score, Borda count, Bradley-Terry and Elo from pairwise speed
outcomes, and the Pareto front over speed, memory and quality -- per task and overall.

Every ranking is computed from per-(cell, framework) profiles, so it is generic over domains,
phases and quality metrics: scores are relative to the best framework of the same cell.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from pairbench.analysis.settings import RankingSettings
from pairbench.analysis.tidy import CELL_KEYS
from pairbench.core.comparisons import SAME_ALGORITHM

OVERALL = "(all tasks)"


def framework_profiles(
    summary: pd.DataFrame,
    resources: pd.DataFrame,
    quality: pd.DataFrame,
    gate_metrics: dict[str, tuple[str, bool]],
) -> pd.DataFrame:
    """One row per (cell, framework): relative time (geometric mean over phases of median / best
    median in the cell), relative memory, the gate metric's value, and scores in [0, 1] (1 = best).
    `gate_metrics` maps cell_id to (metric, higher_is_better); cells without one use no quality."""
    if summary.empty:
        return pd.DataFrame()
    s = summary[[*CELL_KEYS, "framework", "language", "phase", "median_s"]].copy()
    best = s.groupby([*CELL_KEYS, "phase"])["median_s"].transform("min")
    s["log_rel"] = np.log(s["median_s"] / best)
    prof = (
        s.groupby([*CELL_KEYS, "framework", "language"], sort=True)
        .agg(rel_time=("log_rel", "mean"), phases=("phase", "nunique"))
        .reset_index()
    )
    prof["rel_time"] = np.exp(prof["rel_time"])
    prof["speed_score"] = 1.0 / prof["rel_time"]
    if not resources.empty:
        prof = prof.merge(
            resources[[*CELL_KEYS, "framework", "peak_rss_mb_median"]],
            how="left",
            on=[*CELL_KEYS, "framework"],
        ).rename(columns={"peak_rss_mb_median": "peak_rss_mb"})
    else:
        prof["peak_rss_mb"] = np.nan
    prof["rel_memory"] = prof["peak_rss_mb"] / prof.groupby(list(CELL_KEYS))["peak_rss_mb"].transform("min")
    prof["memory_score"] = 1.0 / prof["rel_memory"]
    metric_of = {c: m for c, (m, _) in gate_metrics.items()}
    higher_of = {c: h for c, (_, h) in gate_metrics.items()}
    # Without a gate (no validation report), a cell's quality is its first reported metric.
    fallback = quality.groupby("cell_id")["metric"].first().to_dict() if not quality.empty else {}
    prof["quality_metric"] = [metric_of.get(c, fallback.get(c)) for c in prof["cell_id"]]
    prof["quality_metric"] = prof["quality_metric"].astype(object)
    if not quality.empty:
        q = quality.rename(columns={"metric": "quality_metric", "value": "quality_value"})
        prof = prof.merge(
            q[["cell_id", "framework", "quality_metric", "quality_value"]],
            how="left",
            on=["cell_id", "framework", "quality_metric"],
        )
    else:
        prof["quality_value"] = np.nan
    prof["quality_score"] = np.nan
    for cell, index in prof.groupby("cell_id").groups.items():
        values = prof.loc[index, "quality_value"]
        higher = higher_of.get(str(cell), True)
        prof.loc[index, "quality_score"] = [_quality_score(v, values, higher) for v in values]
    return prof


def _quality_score(value: float, cell_values: pd.Series, higher_is_better: bool) -> float:
    """1 for the best framework of the cell; otherwise one minus the relative gap to the best."""
    vals = cell_values.dropna()
    if vals.empty or value is None or (isinstance(value, float) and math.isnan(value)):
        return math.nan
    best = float(vals.max() if higher_is_better else vals.min())
    gap = (best - value) if higher_is_better else (value - best)
    scale = abs(best) if best != 0 else 1.0
    return float(min(1.0, max(0.0, 1.0 - gap / scale)))


def weighted_scores(profiles: pd.DataFrame, weights: dict[str, float]) -> pd.Series:
    """Weighted mean of the available scores; a missing score drops out and the weights renormalise."""
    cols = {k: f"{k}_score" for k in ("speed", "memory", "quality")}
    num = pd.Series(0.0, index=profiles.index)
    den = pd.Series(0.0, index=profiles.index)
    for key, col in cols.items():
        w = float(weights.get(key, 0.0))
        if w == 0 or col not in profiles:
            continue
        present = profiles[col].notna()
        num += np.where(present, w * profiles[col].fillna(0.0), 0.0)
        den += np.where(present, w, 0.0)
    return num / den.replace(0.0, np.nan)


def borda(profiles: pd.DataFrame) -> dict[str, float]:
    """Per cell, the k frameworks ranked by time get k-1 ... 0 points (ties share the mean)."""
    points: dict[str, float] = {}
    for _, cell in profiles.groupby("cell_id"):
        ranks = cell["rel_time"].rank(method="average", ascending=False) - 1
        for fw, r in zip(cell["framework"], ranks, strict=True):
            points[fw] = points.get(fw, 0.0) + float(r)
    return points


# A game's score for the candidate. `inconclusive` is no game at all: counting it as a tie would turn
# "we could not tell" into "they are equal".
GAME_SCORE = {"faster": 1.0, "slower": 0.0, "equivalent": 0.5}


def pairwise_outcomes(comparisons: pd.DataFrame) -> list[tuple[str, str, float]]:
    """(candidate, reference, score of the candidate): 1 faster, 0 slower, 0.5 equivalent; inconclusive
    comparisons, A/A pairs and best-available comparisons (not a language's result) are left out."""
    if comparisons.empty:
        return []
    decided = comparisons[comparisons["outcome"].isin(list(GAME_SCORE))]
    if "kind" in decided:
        decided = decided[decided["kind"] != "aa"]
    if "comparison_kind" in decided:
        decided = decided[decided["comparison_kind"] == SAME_ALGORITHM]
    ordered = decided.sort_values([*CELL_KEYS, "phase", "candidate", "reference"])
    return [
        (c, r, GAME_SCORE[o])
        for c, r, o in zip(ordered["candidate"], ordered["reference"], ordered["outcome"], strict=True)
    ]


def bradley_terry(
    outcomes: Iterable[tuple[str, str, float]],
    prior_wins: float = 0.5,
    iterations: int = 1000,
    tol: float = 1e-10,
) -> dict[str, float]:
    """Bradley-Terry strengths by Hunter's (2004) MM algorithm, normalised to a geometric mean of 1.
    A tie counts half a win each way."""
    outcomes = list(outcomes)
    players = sorted({p for a, b, _ in outcomes for p in (a, b)})
    if not players:
        return {}
    idx = {p: i for i, p in enumerate(players)}
    n = len(players)
    wins = np.zeros((n, n))
    for a, b, s in outcomes:
        wins[idx[a], idx[b]] += s
        wins[idx[b], idx[a]] += 1.0 - s
    games = wins + wins.T
    played = games > 0
    wins = wins + prior_wins * played
    games = wins + wins.T
    strength = np.ones(n)
    for _ in range(iterations):
        denom = np.array([np.sum(games[i] / (strength[i] + strength), where=games[i] > 0) for i in range(n)])
        new = np.where(denom > 0, wins.sum(axis=1) / np.where(denom > 0, denom, 1.0), strength)
        new = new / math.exp(float(np.mean(np.log(np.maximum(new, 1e-300)))))
        if np.max(np.abs(new - strength)) < tol:
            strength = new
            break
        strength = new
    return {p: float(strength[idx[p]]) for p in players}


def elo(outcomes: Iterable[tuple[str, str, float]], k: float = 32.0, initial: float = 1500.0) -> dict[str, float]:
    """Sequential Elo over the outcomes in their (deterministic) order."""
    rating: dict[str, float] = {}
    for a, b, s in outcomes:
        ra, rb = rating.setdefault(a, initial), rating.setdefault(b, initial)
        expected = 1.0 / (1.0 + 10 ** ((rb - ra) / 400.0))
        rating[a] = ra + k * (s - expected)
        rating[b] = rb - k * (s - expected)
    return rating


def pareto_front(points: pd.DataFrame, minimise: list[str], maximise: list[str]) -> pd.Series:
    """True for the rows that no other row dominates (no worse on every axis, better on one)."""
    cols = [c for c in minimise + maximise if c in points and points[c].notna().any()]
    if points.empty or not cols:
        return pd.Series(True, index=points.index)
    values = np.column_stack([points[c].to_numpy(dtype=float) * (1 if c in minimise else -1) for c in cols])
    values = np.where(np.isnan(values), np.inf, values)
    front = []
    for i in range(len(values)):
        others = np.delete(values, i, axis=0)
        dominated = np.any(np.all(others <= values[i], axis=1) & np.any(others < values[i], axis=1))
        front.append(not dominated)
    return pd.Series(front, index=points.index)


def rankings(profiles: pd.DataFrame, comparisons: pd.DataFrame, settings: RankingSettings) -> pd.DataFrame:
    """One row per (scope, framework), scope = each task and OVERALL; sorted by weighted score. A cell with a
    best-available comparison (different methods on its sides) is left out: a ranking is a language's."""
    if profiles.empty:
        return pd.DataFrame()
    if not comparisons.empty and "comparison_kind" in comparisons:
        mixed = set(comparisons.loc[comparisons["comparison_kind"] != SAME_ALGORITHM, "cell_id"])
        profiles = profiles[~profiles["cell_id"].isin(mixed)]
        if profiles.empty:
            return pd.DataFrame()
    profiles = profiles.assign(weighted_score=weighted_scores(profiles, settings.weights))
    scopes = [
        (
            t,
            profiles[profiles["task"] == t],
            comparisons[comparisons["task"] == t] if not comparisons.empty else comparisons,
        )
        for t in sorted(profiles["task"].unique())
    ]
    scopes.append((OVERALL, profiles, comparisons))
    rows = []
    for scope, prof, cmp in scopes:
        agg = (
            prof.groupby("framework")
            .agg(
                language=("language", "first"),
                cells=("cell_id", "nunique"),
                weighted_score=("weighted_score", "mean"),
                speed_score=("speed_score", "mean"),
                memory_score=("memory_score", "mean"),
                quality_score=("quality_score", "mean"),
                rel_time_geomean=("rel_time", lambda v: float(np.exp(np.mean(np.log(v))))),
                rel_memory_geomean=(
                    "rel_memory",
                    lambda v: float(np.exp(np.mean(np.log(v.dropna())))) if v.notna().any() else np.nan,
                ),
            )
            .reset_index()
        )
        outcomes = pairwise_outcomes(cmp)
        bt = bradley_terry(outcomes, settings.bt_prior_wins)
        el = elo(outcomes, settings.elo_k, settings.elo_initial)
        bo = borda(prof)
        agg["borda"] = agg["framework"].map(bo).fillna(0.0)
        agg["bradley_terry"] = agg["framework"].map(bt)
        agg["elo"] = agg["framework"].map(el)
        agg["pareto_optimal"] = pareto_front(agg, ["rel_time_geomean", "rel_memory_geomean"], ["quality_score"])
        agg = agg.sort_values(["weighted_score", "framework"], ascending=[False, True]).reset_index(drop=True)
        agg.insert(0, "rank", np.arange(1, len(agg) + 1))
        agg.insert(0, "scope", scope)
        rows.append(agg)
    return pd.concat(rows, ignore_index=True)


def gate_metrics_from(validations: list[dict[str, Any]]) -> dict[str, tuple[str, bool]]:
    out = {}
    for v in validations:
        spec = v.get("quality_gate") or {}
        if spec.get("metric"):
            out[v["cell_id"]] = (str(spec["metric"]), bool(spec.get("higher_is_better", True)))
    return out
