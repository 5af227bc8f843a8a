"""Requirements (latency budget, memory budget, quality floor, weights) -> a ranked framework
choice per task, with the reason and a confidence derived from the CIs. The requirements file and its
loader are in configuration/requirements.py.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from pairbench.analysis.rankings import weighted_scores
from pairbench.analysis.usecases import NO_COMPARISON, speed_trade_off
from pairbench.configuration.requirements import Requirements


def _check(framework_rows: pd.DataFrame, summary: pd.DataFrame, req: dict[str, Any]) -> tuple[str, list[str]]:
    """('pass' | 'marginal' | 'fail', reasons) for one framework on one task: 'pass' when every CI
    lies on the right side of every budget, 'marginal' when only the medians do."""
    status, reasons = "pass", []
    budget = req.get("latency_budget_s")
    if budget is not None and not summary.empty:
        s = summary if req.get("latency_phase") is None else summary[summary["phase"] == req["latency_phase"]]
        if s.empty:
            return "fail", [f"no timing for phase {req['latency_phase']}"]
        worst_median, worst_high = float(s["median_s"].max()), float(s["median_ci_high_s"].max())
        if worst_median > budget:
            return "fail", [f"median latency {worst_median:.3g} s exceeds the {budget:g} s budget"]
        if worst_high > budget:
            status = "marginal"
            reasons.append(f"latency CI reaches {worst_high:.3g} s, above the {budget:g} s budget")
        else:
            reasons.append(f"latency ≤ {worst_high:.3g} s (CI upper bound) within {budget:g} s")
    mem = req.get("memory_budget_mb")
    if mem is not None:
        rss = framework_rows["peak_rss_mb"].max()
        if pd.isna(rss):
            status = "marginal" if status == "pass" else status
            reasons.append("peak memory not measured")
        elif rss > mem:
            return "fail", [f"peak memory {rss:.0f} MB exceeds the {mem:g} MB budget"]
        else:
            reasons.append(f"peak memory {rss:.0f} MB within {mem:g} MB")
    floor = req.get("quality_floor")
    if floor is not None:
        q = framework_rows["quality_value"].min()
        if pd.isna(q):
            status = "marginal" if status == "pass" else status
            reasons.append("quality not measured")
        elif q < floor:
            return "fail", [f"quality {q:.4g} below the floor {floor:g}"]
        else:
            reasons.append(f"quality ≥ {q:.4g} meets the floor {floor:g}")
    return status, reasons


def recommend(
    profiles: pd.DataFrame,
    summary: pd.DataFrame,
    comparisons: pd.DataFrame,
    requirements: Requirements,
    expected: dict[str, list[str]] | None = None,
) -> pd.DataFrame:
    """One row per (task, framework), rank 1 = the recommendation for that task. `expected` maps a
    task to every framework that should have been measured (from the validation reports)."""
    if profiles.empty:
        return pd.DataFrame()
    profiles = profiles.assign(weighted_score=weighted_scores(profiles, requirements.weights))
    rows = []
    for task, prof in profiles.groupby("task", sort=True):
        req = requirements.for_task(str(task))
        cands = []
        for fw, fw_rows in prof.groupby("framework"):
            s = summary[(summary["task"] == task) & (summary["framework"] == fw)]
            status, reasons = _check(fw_rows, s, req)
            cands.append(
                {
                    "task": task,
                    "framework": fw,
                    "status": status,
                    "score": float(fw_rows["weighted_score"].mean()),
                    "cells": int(fw_rows["cell_id"].nunique()),
                    "checks": "; ".join(reasons) or "no requirements set",
                }
            )
        order = {"pass": 0, "marginal": 1, "fail": 2}
        cands.sort(
            key=lambda c: (
                order[c["status"]],
                -c["score"] if not math.isnan(c["score"]) else 0.0,
                c["framework"],
            )
        )
        task_cmp = comparisons[comparisons["task"] == task] if not comparisons.empty else comparisons
        for rank, c in enumerate(cands, start=1):
            c["rank"] = rank
        top = cands[0]
        missing = [f for f in (expected or {}).get(str(task), []) if f not in {c["framework"] for c in cands}]
        runner_up = cands[1] if len(cands) > 1 else None
        confidence, why = _confidence(top, runner_up, task_cmp, missing)
        if runner_up is not None and top["status"] != "fail":
            why += "; " + _deciding(
                top, runner_up, prof, summary[summary["task"] == task], task_cmp, requirements.weights
            )
        for c in cands:
            c["confidence"] = confidence if c is top else ""
            c["reason"] = why if c is top else c["checks"]
        rows.extend(cands)
    cols = ["task", "rank", "framework", "status", "score", "cells", "confidence", "reason", "checks"]
    return pd.DataFrame(rows)[cols]


def _confidence(
    top: dict[str, Any], runner_up: dict[str, Any] | None, cmp: pd.DataFrame, missing: list[str] | None = None
) -> tuple[str, str]:
    """high: meets every requirement with its CI, and either it alone does or it has significant
    speed wins and no loss against the runner-up; medium: it leads on score only (CIs overlap, or a
    budget is met only at the median); low: nothing meets the requirements; none: only one
    framework was measured, so there is nothing it was chosen over."""
    fw = top["framework"]
    gone = f" ({', '.join(missing)} not measured: failed, timed out or not comparable)" if missing else ""
    if runner_up is None:
        return NO_COMPARISON, (
            f"only {fw} was measured for this task{gone}; with one side measured there is no comparison, "
            f"so this is not a recommendation ({top['checks']})"
        )
    if top["status"] == "fail":
        return "low", f"no framework meets the requirements; {fw} is closest ({top['checks']})"
    base = f"{fw}: weighted score {top['score']:.3f} over {top['cells']} cell(s); {top['checks']}"
    if missing:
        base += f"; {', '.join(missing)} not measured"
    mine = (
        cmp[
            ((cmp["candidate"] == fw) & (cmp["reference"] == runner_up["framework"]))
            | ((cmp["reference"] == fw) & (cmp["candidate"] == runner_up["framework"]))
        ]
        if not cmp.empty
        else cmp
    )
    wins = losses = ties = unknown = 0
    for c, o in zip(mine.get("candidate", []), mine.get("outcome", []), strict=False):
        won = (o == "faster") if c == fw else (o == "slower")
        lost = (o == "slower") if c == fw else (o == "faster")
        wins, losses = wins + won, losses + lost
        ties, unknown = ties + (o == "equivalent"), unknown + (o == "inconclusive")
    versus = (
        f"vs {runner_up['framework']} (score {runner_up['score']:.3f}, {runner_up['status']}): "
        f"{wins} speed win(s), {losses} loss(es), {ties} equivalent, {unknown} inconclusive"
    )
    if top["status"] == "pass" and runner_up["status"] != "pass":
        return "high", f"{base}; only framework meeting every budget with its CI; {versus}"
    if top["status"] == "pass" and wins > 0 and losses == 0:
        return "high", f"{base}; {versus}"
    return "medium", f"{base}; {versus}"


def _deciding(
    top: dict[str, Any],
    runner_up: dict[str, Any],
    prof: pd.DataFrame,
    summary: pd.DataFrame,
    cmp: pd.DataFrame,
    weights: dict[str, float],
) -> str:
    """The score component that decided top over runner-up (largest weighted difference), in numbers,
    and the trade-off: what top gives up on the other components."""
    a = prof[prof["framework"] == top["framework"]]
    b = prof[prof["framework"] == runner_up["framework"]]
    contrib = {}
    for k in ("speed", "memory", "quality"):
        col = f"{k}_score"
        if col in prof and a[col].notna().any() and b[col].notna().any():
            contrib[k] = float(weights.get(k, 0.0)) * (float(a[col].mean()) - float(b[col].mean()))
    if not contrib:
        return "deciding factor unknown (no common scores)"
    key = max(contrib, key=lambda k: contrib[k])
    fw, other = top["framework"], runner_up["framework"]
    memory = {fw: float(a["peak_rss_mb"].median()), other: float(b["peak_rss_mb"].median())}

    def describe(k: str) -> str:
        if k == "memory":
            return f"{memory[fw]:.0f} MB vs {memory[other]:.0f} MB peak memory"
        if k == "quality":
            return f"quality {a['quality_value'].mean():.4g} vs {b['quality_value'].mean():.4g}"
        rel = float(np.exp(np.mean(np.log(b["rel_time"])) - np.mean(np.log(a["rel_time"]))))
        return f"{rel:.3g}x the speed of {other} (geometric mean of relative time)"

    text = f"deciding factor: {key} (weight {weights.get(key, 0.0):g}): {describe(key)}"
    # A component counts as given up only when it moves the weighted score by 0.001 or more.
    give_up = [k for k, v in contrib.items() if v <= -1e-3]
    # Slower phases are a trade-off even when the speed score as a whole is higher (e.g. a much faster
    # predict hiding a slower fit).
    slower = speed_trade_off(fw, other, summary, cmp, {}, decided_by_memory=False)
    trade = [slower] if slower.startswith("slower") else []
    trade += [describe(k) for k in give_up if k != "speed"]
    return text + ("; trade-off vs " + other + ": " + "; ".join(trade) if trade else "; no trade-off vs " + other)
