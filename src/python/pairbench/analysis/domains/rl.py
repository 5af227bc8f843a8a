"""The rl domain's phase-5 tables. The training runs' own rule (rl_solve_runs, rl_curves, rl_training,
rl_lockstep) is analysis/rl_training.py's; here, the policy cells' figures per side (`rl_policy`: environment
steps/s, inference latency, lockstep update time, the lockstep gate), the three speeds kept apart
(`rl_speeds`: environment, agent update, time to solve) and the advice (`rl_advice`), whose every speed
clause quotes the verdict of the pair it names. The report's rl section (report/domains/rl.py) renders them."""

from __future__ import annotations

from typing import Any

import pandas as pd

from pairbench.analysis.domains.base import DomainAnalyser, DomainInputs
from pairbench.analysis.rl_training import rl_training_tables
from pairbench.tasks.rl.spec import ENV_ACTIONS

DOMAIN = "rl"
POLICY_COLUMNS = [
    "cell_id",
    "algorithm",
    "dataset",
    "framework",
    "env_steps_per_s",
    "env_steps_ci",
    "infer_b1_ms",
    "infer_b1_ci",
    "infer_b256_per_s",
    "train_lockstep_s",
    "train_lockstep_ci",
    "lockstep_loss_rel_dev",
    "gate",
]
POLICY_PHASES = ("env_steps", "infer_b1", "infer_b256", "train_lockstep")
SPEEDS_COLUMNS = ["algorithm", "framework", "environment_steps_per_s", "agent_update_s", "time_to_solve_s"]
ADVICE_COLUMNS = ["algorithm", "baseline", "line"]
# The speeds with a paired verdict of their own: (what the reader asks, the phase timed).
TIMED_SPEEDS = (("environment speed", "env_steps"), ("agent update speed", "train_lockstep"))


def _ci(lo: float, hi: float, scale: float = 1.0, invert: float | None = None) -> str:
    if invert is not None:
        lo, hi = invert / hi, invert / lo
    return f"[{lo * scale:.4g}, {hi * scale:.4g}]"


def policy_table(summary: pd.DataFrame, parity: pd.DataFrame) -> pd.DataFrame:
    """Medians (bootstrap 95% CIs) per side of the policy cells' phases, plus each candidate's lockstep gate."""
    if summary.empty or "domain" not in summary.columns:
        return pd.DataFrame(columns=POLICY_COLUMNS)
    # The policy cells' phases; a solve cell (phase `train`) is the training gate's (rl_training).
    rl = summary[(summary["domain"] == DOMAIN) & summary["phase"].isin(POLICY_PHASES)]
    rows: list[dict[str, Any]] = []
    for (cell, algo, ds, fw), g in rl.groupby(["cell_id", "algorithm", "dataset", "framework"], sort=True):
        by = {r["phase"]: r for _, r in g.iterrows()}
        row: dict[str, Any] = {"cell_id": cell, "algorithm": algo, "dataset": ds, "framework": fw}
        if (r := by.get("env_steps")) is not None:
            row["env_steps_per_s"] = round(ENV_ACTIONS / r["median_s"])
            row["env_steps_ci"] = _ci(r["median_ci_low_s"], r["median_ci_high_s"], invert=ENV_ACTIONS)
        if (r := by.get("infer_b1")) is not None:
            row["infer_b1_ms"] = r["median_s"] * 1e3
            row["infer_b1_ci"] = _ci(r["median_ci_low_s"], r["median_ci_high_s"], 1e3)
        if (r := by.get("infer_b256")) is not None:
            row["infer_b256_per_s"] = round(256 / r["median_s"])
        if (r := by.get("train_lockstep")) is not None:
            row["train_lockstep_s"] = r["median_s"]
            row["train_lockstep_ci"] = _ci(r["median_ci_low_s"], r["median_ci_high_s"])
        gate = parity[(parity["cell_id"] == cell) & (parity["candidate"] == fw)] if not parity.empty else parity
        if not gate.empty:
            g0 = gate.iloc[0]
            row["lockstep_loss_rel_dev"] = g0.get("loss_curve_max_rel_dev")
            row["gate"] = "comparable" if bool(g0["comparable"]) else f"not comparable: {g0['reasons']}"
        else:
            row["gate"] = "baseline"
        rows.append(row)
    return pd.DataFrame(rows, columns=POLICY_COLUMNS)


def speeds_table(policy: pd.DataFrame, training: pd.DataFrame) -> pd.DataFrame:
    """Environment speed, agent update speed (the lockstep run) and end-to-end time to solve, one row per
    (algorithm, side); each column its own question, medians only (the verdicts are rl_advice's)."""
    # One row per (algorithm, side): DQN's and PPO's figures must not overwrite each other.
    rows: dict[tuple[str, str], dict[str, object]] = {}
    for _, r in policy.iterrows() if not policy.empty else []:
        key = (str(r.get("algorithm", "")), str(r["framework"]))
        row = rows.setdefault(key, {"algorithm": r.get("algorithm"), "framework": r["framework"]})
        for column, source in (("environment_steps_per_s", "env_steps_per_s"), ("agent_update_s", "train_lockstep_s")):
            if not pd.isna(value := r.get(source)):
                row[column] = value
    for _, r in training.iterrows() if not training.empty else []:
        key = (str(r.get("algorithm", "")), str(r["framework"]))
        row = rows.setdefault(key, {"algorithm": r.get("algorithm"), "framework": r["framework"]})
        row["time_to_solve_s"] = r.get("seconds_to_threshold_median")
    return pd.DataFrame(list(rows.values()), columns=SPEEDS_COLUMNS)


def verdict_clause(r: pd.Series) -> str:
    """A comparison row as a clause that says its outcome first: a speed-up is only called faster when the
    verdict is `faster`; an inconclusive pair is called inconclusive, with its interval."""
    ratio, lo, hi = float(r["ratio"]), float(r["ratio_ci_low"]), float(r["ratio_ci_high"])
    cand, ref, outcome = r["candidate"], r["reference"], r["outcome"]
    interval = f"time ratio {ratio:.3g} [{lo:.3g}, {hi:.3g}]"
    if outcome == "faster":
        speedup = 1 / ratio
        return (
            f"{cand} faster than {ref} ({speedup:.3g}x, {interval})"
            if speedup < 1000
            else (f"{cand} faster than {ref} ({speedup:,.0f}x, {interval})")
        )
    if outcome == "slower":
        return f"{cand} slower than {ref} ({ratio:.3g}x the time, {interval})"
    if outcome == "equivalent":
        return f"{cand} equivalent to {ref} ({interval}, within the margin)"
    return f"{cand} against {ref} inconclusive ({interval}: the interval straddles the margin)"


def _solve_clause(training: pd.DataFrame, algo: str) -> str:
    """Time to solve per side: medians over the seeds that reached the threshold, with the training gate's
    word; no paired verdict exists for it, and the clause says so."""
    g = training[training["algorithm"] == algo] if not training.empty else training
    if g.empty:
        return ""
    parts = []
    for _, r in g.iterrows():
        secs = r["seconds_to_threshold_median"]
        value = (
            "no seed reached the threshold" if pd.isna(secs) else f"median {secs:.3g} s {r['seconds_to_threshold_ci']}"
        )
        parts.append(f"{r['framework']} {value} ({r['gate']})")
    return "end-to-end time to solve: " + ", ".join(parts) + " (medians over seeds, no paired verdict)"


def advice_table(comparisons: pd.DataFrame, training: pd.DataFrame) -> pd.DataFrame:
    """One line per algorithm: the environment speed and the agent update speed of every challenger against
    the baseline, each with its verdict, and the time to solve per side with the training gate."""
    rows = []
    rl = comparisons[comparisons["domain"] == DOMAIN] if not comparisons.empty and "domain" in comparisons else None
    if rl is not None and "kind" in rl:
        rl = rl[rl["kind"] == "pair"]
    algorithms = set(rl["algorithm"]) if rl is not None else set()
    algorithms |= set(training["algorithm"]) if not training.empty else set()
    for algo in sorted(algorithms):
        parts, baseline = [], ""
        for label, phase in TIMED_SPEEDS:
            pairs = rl[(rl["algorithm"] == algo) & (rl["phase"] == phase)] if rl is not None else pd.DataFrame()
            if pairs.empty:
                continue
            # The baseline is the reference every other side meets: the side that is never a candidate.
            baseline = str(sorted(set(pairs["reference"]) - set(pairs["candidate"]) or set(pairs["reference"]))[0])
            mine = pairs[pairs["reference"] == baseline].sort_values("candidate")
            parts.append(f"{label}: " + "; ".join(verdict_clause(r) for _, r in mine.iterrows()))
        if solve := _solve_clause(training, algo):
            parts.append(solve)
            baseline = baseline or str(training.loc[training["algorithm"] == algo, "baseline"].iloc[0])
        if parts:
            rows.append({"algorithm": algo, "baseline": baseline, "line": f"rl {algo}: " + "; ".join(parts)})
    return pd.DataFrame(rows, columns=ADVICE_COLUMNS)


def rl_tables(inputs: DomainInputs) -> dict[str, pd.DataFrame]:
    """The training runs' tables (rl_training.py) and the policy cells', speeds and advice tables."""
    tables = rl_training_tables(list(inputs.results), list(inputs.validations), inputs.confidence)
    policy = policy_table(inputs.table("summary"), inputs.table("quality_parity"))
    return {
        **tables,
        "rl_policy": policy,
        "rl_speeds": speeds_table(policy, tables["rl_training"]),
        "rl_advice": advice_table(inputs.table("comparisons"), tables["rl_training"]),
    }


ANALYSER = DomainAnalyser(DOMAIN, rl_tables, advice="rl_advice")
