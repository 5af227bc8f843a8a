"""Recommendations by use case: training throughput, batch inference, single-request latency and
memory-constrained deployment. Each names the deciding factor and its trade-off, in numbers.

A use case is decided by one factor: the geometric mean of median times over its phases (for the
three speed use cases) or the median peak RSS (memory). The winner is compared with the runner-up on
that factor, and the trade-off is what the winner gives up elsewhere (phases where it is slower, or
memory). The weights of `use_cases:` in the requirements file combine the use cases into one choice.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pairbench.configuration.requirements import DEFAULT_USE_CASES, UseCase

NO_COMPARISON = "none — comparison missing"


def _rel_times(summary: pd.DataFrame, phases: tuple[str, ...]) -> pd.DataFrame:
    """(cell, phase, framework, median_s) rows of the given phases."""
    if summary.empty:
        return summary
    return summary[summary["phase"].isin(phases)][["cell_id", "phase", "framework", "median_s"]]


def _pair_ratio(times: pd.DataFrame, slow: str, fast: str) -> tuple[float, int]:
    """Geometric mean of median(slow) / median(fast) over the (cell, phase) both measured."""
    a = times[times["framework"] == slow].set_index(["cell_id", "phase"])["median_s"]
    b = times[times["framework"] == fast].set_index(["cell_id", "phase"])["median_s"]
    both = a.index.intersection(b.index)
    if both.empty:
        return math.nan, 0
    return float(np.exp(np.mean(np.log(a[both] / b[both])))), len(both)


def _outcomes(cmp: pd.DataFrame, fw: str, other: str, phases: tuple[str, ...] | None) -> tuple[int, int, int, int]:
    """(wins, losses, equivalent, inconclusive) of fw against other, over the given phases (None: all); an
    inconclusive comparison is neither a win nor a tie, and is counted apart."""
    if cmp.empty:
        return 0, 0, 0, 0
    mine = cmp[
        ((cmp["candidate"] == fw) & (cmp["reference"] == other))
        | ((cmp["candidate"] == other) & (cmp["reference"] == fw))
    ]
    if phases is not None:
        mine = mine[mine["phase"].isin(phases)]
    wins = losses = 0
    for c, o in zip(mine["candidate"], mine["outcome"], strict=True):
        wins += (o == "faster") if c == fw else (o == "slower")
        losses += (o == "slower") if c == fw else (o == "faster")
    return wins, losses, int((mine["outcome"] == "equivalent").sum()), int((mine["outcome"] == "inconclusive").sum())


def _memory(resources: pd.DataFrame, task: str) -> dict[str, float]:
    if resources.empty or "peak_rss_mb_median" not in resources:
        return {}
    r = resources[resources["task"] == task].dropna(subset=["peak_rss_mb_median"])
    return {str(k): float(v) for k, v in r.groupby("framework")["peak_rss_mb_median"].median().items()}


def speed_trade_off(
    fw: str, other: str, summary: pd.DataFrame, cmp: pd.DataFrame, memory: dict[str, float], decided_by_memory: bool
) -> str:
    """What `fw` gives up against `other`: slower phases (count and the worst ratio), or memory."""
    parts = []
    if not {"cell_id", "phase", "framework", "median_s"} <= set(summary.columns):
        return "timings not available per cell"
    task_times = summary[summary["framework"].isin([fw, other])]
    a = task_times[task_times["framework"] == fw].set_index(["cell_id", "phase"])["median_s"]
    b = task_times[task_times["framework"] == other].set_index(["cell_id", "phase"])["median_s"]
    both = a.index.intersection(b.index)
    if not both.empty:
        ratio = (a[both] / b[both]).groupby(level="phase").apply(lambda v: float(np.exp(np.mean(np.log(v)))))
        slower = ratio[ratio > 1.0]
        _, losses, _, _ = _outcomes(cmp, fw, other, None)
        if not slower.empty:
            worst = slower.idxmax()
            parts.append(
                f"slower on {len(slower)} of {len(ratio)} phases ({losses} decided loss(es) over cells), "
                f"up to {slower.max():.2g}x on {worst}"
            )
        elif decided_by_memory:
            parts.append(f"no slower phase ({len(ratio)} compared)")
    if not decided_by_memory and fw in memory and other in memory and memory[fw] > memory[other]:
        parts.append(f"{memory[fw]:.0f} MB vs {memory[other]:.0f} MB peak memory")
    if parts:
        return "; ".join(parts)
    return "none: no slower phase and no larger peak memory" if not both.empty else "none measured"


COLUMNS = ["task", "use_case", "weight", "framework", "confidence", "deciding_factor", "recommendation", "trade_off"]
UNDECIDED = "undecided"  # the confidence of a speed use case no comparison decided


@dataclass(frozen=True)
class _Task:
    """One task's inputs: its summary rows, comparisons, median peak memory per side, and the sides that
    should have been measured but were not."""

    summary: pd.DataFrame
    cmp: pd.DataFrame
    memory: dict[str, float]
    missing: list[str]


def _factor(uc: UseCase, task: _Task) -> tuple[dict[str, float], pd.DataFrame, str]:
    """The use case's value per side (geometric mean of median times over its phases, or median peak
    memory), the times it came from, and the deciding factor in words."""
    if uc.phases:
        times = _rel_times(task.summary, uc.phases)
        value = {str(f): float(np.exp(np.mean(np.log(g["median_s"])))) for f, g in times.groupby("framework")}
        return value, times, f"time on {', '.join(sorted(set(times['phase'])))}" if not times.empty else ""
    measured = set(task.summary["framework"])
    return (
        {f: m for f, m in task.memory.items() if f in measured},
        pd.DataFrame(),
        "peak memory (median RSS over cells)",
    )


def _speed_choice(uc: UseCase, task: _Task, times: pd.DataFrame, top: str, other: str) -> tuple[str, str]:
    """(confidence, the sentence) for a speed use case: the word `faster` only when comparisons decided it."""
    ratio, n = _pair_ratio(times, other, top)
    wins, losses, ties, unknown = _outcomes(task.cmp, top, other, uc.phases)
    counts = f"{wins} win(s), {losses} loss(es), {ties} equivalent, {unknown} inconclusive"
    if wins == 0 and losses == 0:
        return UNDECIDED, (
            f"{uc.label}: no side decided faster: {top} has {ratio:.3g}x the speed of {other} by the geometric "
            f"mean of medians over {n} cell-phase(s), but {counts}"
        )
    confidence = "high" if wins > 0 and losses == 0 else "medium" if wins > losses else "low"
    return confidence, (
        f"{uc.label}: use {top}. {top}: {ratio:.3g}x faster than {other} (geometric mean over {n} cell-phase(s)); "
        f"{counts}"
    )


def _memory_choice(uc: UseCase, value: dict[str, float], top: str, other: str) -> tuple[str, str]:
    ratio = value[other] / value[top]
    confidence = "high" if ratio >= 1.2 else "medium" if ratio >= 1.05 else "low"
    return confidence, (
        f"{uc.label}: use {top}. {top}: {value[top]:.0f} MB vs {value[other]:.0f} MB peak memory "
        f"({other}, {ratio:.3g}x)"
    )


def _use_case_row(uc: UseCase, task_name: str, task: _Task, scores: dict[str, float]) -> dict[str, Any]:
    """One use case's row; adds each side's score to `scores` when the use case could be decided."""
    row: dict[str, Any] = {"task": task_name, "use_case": uc.name, "weight": uc.weight, "trade_off": ""}
    value, times, factor = _factor(uc, task)
    if not value:
        what = f"{'/'.join(uc.phases)} phase" if uc.phases else "peak memory"
        text = f"{uc.label}: not measured in this run (no {what})"
        return {**row, "framework": "", "confidence": "not measured", "deciding_factor": "", "recommendation": text}
    # Rank: by the geometric mean of relative time over shared (cell, phase), or by memory.
    if uc.phases:
        ranked = sorted(value, key=lambda f: (_pair_ratio(times, f, min(value, key=value.__getitem__))[0], f))
    else:
        ranked = sorted(value, key=lambda f: (value[f], f))
    top = ranked[0]
    if len(ranked) == 1:
        gone = ", ".join(task.missing) if task.missing else "no other framework in this task"
        text = f"{uc.label}: only {top} was measured ({gone} missing): no comparison, so no recommendation"
        return {**row, "framework": top, "confidence": NO_COMPARISON, "deciding_factor": factor, "recommendation": text}
    other = ranked[1]
    if uc.phases:
        confidence, text = _speed_choice(uc, task, times, top, other)
        for f in value:
            r, _ = _pair_ratio(times, top, f)
            scores[f] = scores.get(f, 0.0) + uc.weight * (r if not math.isnan(r) else 0.0)
    else:
        confidence, text = _memory_choice(uc, value, top, other)
        for f in value:
            scores[f] = scores.get(f, 0.0) + uc.weight * value[top] / value[f]
    if task.missing:
        text += f"; not measured: {', '.join(task.missing)}"
    trade = speed_trade_off(top, other, task.summary, task.cmp, task.memory, decided_by_memory=not uc.phases)
    row.update(framework=top, confidence=confidence, deciding_factor=factor, recommendation=text)
    return {**row, "trade_off": f"vs {other}: {trade}"}


def _weighted_row(task_name: str, scores: dict[str, float], total_weight: float, undecided: bool) -> dict[str, Any]:
    """The use cases combined by their weights; `undecided` when a speed use case in it was decided by no
    comparison, so that the combination rests on medians alone and says so instead of `use`."""
    ranked = sorted(scores, key=lambda f: (-scores[f], f))
    shares = ", ".join(f"{f} {scores[f] / total_weight:.2f}" for f in ranked)
    head = (
        f"{ranked[0]} scores highest by medians, but a speed use case was decided by no comparison"
        if undecided
        else (f"use {ranked[0]}")
    )
    return {
        "task": task_name,
        "use_case": "weighted",
        "weight": total_weight,
        "framework": ranked[0],
        "confidence": UNDECIDED if undecided else "",
        "deciding_factor": "use-case weights from the requirements file",
        "recommendation": f"weighted over use cases: {head} (score, 1 = best in every use case: {shares})",
        "trade_off": "",
    }


def recommend_use_cases(
    summary: pd.DataFrame,
    resources: pd.DataFrame,
    comparisons: pd.DataFrame,
    use_cases: tuple[UseCase, ...] = DEFAULT_USE_CASES,
    expected: dict[str, list[str]] | None = None,
) -> pd.DataFrame:
    """One row per (task, use case), plus one `weighted` row per task combining the use cases by
    their weights. `expected` maps a task to every framework that should have been measured, so that
    a use case with one side measured says which side is missing instead of recommending it."""
    if summary.empty:
        return pd.DataFrame()
    rows = []
    for name, s in summary.groupby("task", sort=True):
        measured = set(s["framework"])
        task = _Task(
            s,
            comparisons[comparisons["task"] == name] if not comparisons.empty else comparisons,
            _memory(resources, str(name)),
            [f for f in (expected or {}).get(str(name), []) if f not in measured],
        )
        scores: dict[str, float] = {}
        decided = [_use_case_row(uc, str(name), task, scores) for uc in use_cases]
        rows += decided
        compared = [r["confidence"] not in ("not measured", NO_COMPARISON) for r in decided]
        total_weight = sum(uc.weight for uc, c in zip(use_cases, compared, strict=True) if c)
        if scores and total_weight > 0:
            undecided = any(r["confidence"] == UNDECIDED for r in decided)
            rows.append(_weighted_row(str(name), scores, total_weight, undecided))
    return pd.DataFrame(rows, columns=COLUMNS)
