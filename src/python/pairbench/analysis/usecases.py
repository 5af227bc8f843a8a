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

NO_COMPARISON = "none — comparison missing"


@dataclass(frozen=True)
class UseCase:
    name: str
    label: str
    weight: float
    phases: tuple[str, ...]  # empty: decided by memory


DEFAULT_USE_CASES = (
    UseCase("training_throughput", "training throughput", 1.0, ("fit", "train_epoch")),
    UseCase("batch_inference", "batch inference", 1.0, ("predict", "eval_epoch", "infer_b32", "infer_b256")),
    UseCase("single_request_latency", "single-request latency", 1.0, ("infer_b1",)),
    UseCase("memory_constrained", "memory-constrained deployment", 1.0, ()),
)


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


def _outcomes(cmp: pd.DataFrame, fw: str, other: str, phases: tuple[str, ...] | None) -> tuple[int, int, int]:
    """(wins, losses, equivalent) of fw against other, over the given phases (None: all); inconclusive
    comparisons count in none of the three."""
    if cmp.empty:
        return 0, 0, 0
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
    return wins, losses, int((mine["outcome"] == "equivalent").sum())


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
        _, losses, _ = _outcomes(cmp, fw, other, None)
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
    for task, s in summary.groupby("task", sort=True):
        task_cmp = comparisons[comparisons["task"] == task] if not comparisons.empty else comparisons
        memory = _memory(resources, str(task))
        measured = sorted(set(s["framework"]))
        missing = [f for f in (expected or {}).get(str(task), []) if f not in measured]
        scores: dict[str, float] = {}
        total_weight = 0.0
        for uc in use_cases:
            row: dict[str, Any] = {"task": task, "use_case": uc.name, "weight": uc.weight}
            if uc.phases:
                times = _rel_times(s, uc.phases)
                value = {str(f): float(np.exp(np.mean(np.log(g["median_s"])))) for f, g in times.groupby("framework")}
                factor = f"time on {', '.join(sorted(set(times['phase'])))}" if not times.empty else ""
            else:
                times = pd.DataFrame()
                value = {f: m for f, m in memory.items() if f in measured}
                factor = "peak memory (median RSS over cells)"
            if not value:
                rows.append(
                    {
                        **row,
                        "framework": "",
                        "confidence": "not measured",
                        "deciding_factor": "",
                        "recommendation": f"{uc.label}: not measured in this run (no "
                        + (f"{'/'.join(uc.phases)} phase" if uc.phases else "peak memory")
                        + ")",
                        "trade_off": "",
                    }
                )
                continue
            # Rank: by the geometric mean of relative time over shared (cell, phase), or by memory.
            if uc.phases:
                ranked = sorted(value, key=lambda f: (_pair_ratio(times, f, min(value, key=value.get))[0], f))
            else:
                ranked = sorted(value, key=lambda f: (value[f], f))
            top = ranked[0]
            if len(ranked) == 1:
                gone = ", ".join(missing) if missing else "no other framework in this task"
                rows.append(
                    {
                        **row,
                        "framework": top,
                        "confidence": NO_COMPARISON,
                        "deciding_factor": factor,
                        "recommendation": f"{uc.label}: only {top} was measured ({gone} missing): "
                        "no comparison, so no recommendation",
                        "trade_off": "",
                    }
                )
                continue
            other = ranked[1]
            if uc.phases:
                ratio, n = _pair_ratio(times, other, top)
                wins, losses, ties = _outcomes(task_cmp, top, other, uc.phases)
                decisive = (
                    f"{top}: {ratio:.3g}x faster than {other} (geometric mean over {n} cell-phase(s)); "
                    f"{wins} win(s), {losses} loss(es), {ties} equivalent"
                )
                confidence = "high" if wins > 0 and losses == 0 else "medium" if wins > losses else "low"
                for f in value:
                    r, _ = _pair_ratio(times, top, f)
                    scores.setdefault(f, 0.0)
                    scores[f] += uc.weight * (r if not math.isnan(r) else 0.0)
            else:
                ratio = value[other] / value[top]
                decisive = f"{top}: {value[top]:.0f} MB vs {value[other]:.0f} MB peak memory ({other}, {ratio:.3g}x)"
                confidence = "high" if ratio >= 1.2 else "medium" if ratio >= 1.05 else "low"
                for f in value:
                    scores.setdefault(f, 0.0)
                    scores[f] += uc.weight * value[top] / value[f]
            total_weight += uc.weight
            if missing:
                decisive += f"; not measured: {', '.join(missing)}"
            trade = speed_trade_off(top, other, s, task_cmp, memory, decided_by_memory=not uc.phases)
            rows.append(
                {
                    **row,
                    "framework": top,
                    "confidence": confidence,
                    "deciding_factor": factor,
                    "recommendation": f"{uc.label}: use {top}. {decisive}",
                    "trade_off": f"vs {other}: {trade}",
                }
            )
        if scores and total_weight > 0:
            ranked = sorted(scores, key=lambda f: (-scores[f], f))
            best = ranked[0]
            shares = ", ".join(f"{f} {scores[f] / total_weight:.2f}" for f in ranked)
            rows.append(
                {
                    "task": task,
                    "use_case": "weighted",
                    "weight": total_weight,
                    "framework": best,
                    "confidence": "",
                    "deciding_factor": "use-case weights from the requirements file",
                    "recommendation": f"weighted over use cases: use {best} (score, 1 = best in every use "
                    f"case: {shares})",
                    "trade_off": "",
                }
            )
    cols = ["task", "use_case", "weight", "framework", "confidence", "deciding_factor", "recommendation", "trade_off"]
    return pd.DataFrame(rows, columns=cols)
