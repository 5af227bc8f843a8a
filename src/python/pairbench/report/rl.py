"""Report pieces specific to RL: environment speed, inference latency, lockstep update time and the
lockstep deviation, one row per (cell, framework)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from pairbench.report.formatting import times
from pairbench.tasks.rl.spec import ENV_ACTIONS

RL_COLUMNS = [
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


RL_PHASES = ("env_steps", "infer_b1", "infer_b256", "train_lockstep")


def _ci(lo: float, hi: float, scale: float = 1.0, invert: float | None = None) -> str:
    if invert is not None:
        lo, hi = invert / hi, invert / lo
    return f"[{lo * scale:.4g}, {hi * scale:.4g}]"


def rl_table(summary: pd.DataFrame, parity: pd.DataFrame) -> pd.DataFrame:
    """Medians (bootstrap 95% CIs) per side of the RL phases, plus each candidate's lockstep verdict."""
    if summary.empty or "domain" not in summary.columns:
        return pd.DataFrame(columns=RL_COLUMNS)
    # The policy cells' phases; a solve cell (phase `train`) has its own table (training_table).
    rl = summary[(summary["domain"] == "rl") & summary["phase"].isin(RL_PHASES)]
    rows: list[dict[str, Any]] = []
    for (cell, algo, ds, fw), g in rl.groupby(["cell_id", "algorithm", "dataset", "framework"], sort=True):
        by = {r["phase"]: r for _, r in g.iterrows()}
        row: dict[str, Any] = {"algorithm": algo, "dataset": ds, "framework": fw}
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
    return pd.DataFrame(rows, columns=RL_COLUMNS)


RL_NOTE = (
    "Environment speed: the same 20,000 recorded actions replayed on gymnasium's CartPole-v1 (Python) and on "
    "the Rust CartPole (bit-identical dynamics; on the candle and tch rows it is the same Rust code). "
    "Agent update speed: SB3's DQN or PPO learn() vs the Rust DQN or PPO (candle, tch) from the same SB3-exported "
    "weights, with the same pre-drawn exploration (PPO: action-sampling) and minibatch randoms, until the "
    "lockstep's gradient steps are done. Gate (all profiles): per-step losses within 1e-4 relative of SB3's "
    "(PPO's policy and value losses within 1e-4 of their curve's scale), and identical greedy actions and "
    "evaluation returns of the shared initial policy. That is the whole gate in smoke (rl_seeds 0): smoke "
    "does not train to the threshold."
)

TRAINING_COLUMNS = [
    "algorithm",
    "framework",
    "seeds",
    "success_rate",
    "final_return_median",
    "steps_to_threshold_median",
    "steps_to_threshold_ci",
    "seconds_to_threshold_median",
    "seconds_to_threshold_ci",
    "train_s_median",
    "return_difference",
    "return_difference_ci_low",
    "return_difference_ci_high",
    "gate",
]

TRAINING_NOTE = (
    "End-to-end time to solve (`solve` task): launch k trains seed k from scratch in a fresh process (SB3's "
    "seeded weights for k and seed k's pre-drawn randoms, the same on every side) over the whole zoo budget, "
    "with a deterministic greedy evaluation from the 100 evaluation starts every eval_interval env steps. "
    "Steps and seconds are those of the first evaluation whose mean reaches the threshold; seconds are "
    "training time, evaluation time excluded. Medians over the seeds that reached it, with percentile "
    "bootstrap 95% CIs over seeds. Gate (a rule of its own, outside the timing verdicts): comparable when every "
    "side reaches the threshold in at least min_success_rate of its seeds, the candidate's success rate is at most "
    "success_margin below SB3's, and the final returns are shown equivalent seed for seed (the 90% signed-rank "
    "interval of the per-seed differences within ±return_margin, a tenth of the threshold by default); not "
    "comparable on a real difference (a missed success rate, or that interval wholly outside the margin); "
    "inconclusive when the seeds cannot tell."
)

SPEED_SPLIT_COLUMNS = ["algorithm", "framework", "environment_steps_per_s", "agent_update_s", "time_to_solve_s"]


def training_table(training: pd.DataFrame) -> pd.DataFrame:
    """The training gate's table as the report shows it."""
    if training.empty:
        return pd.DataFrame(columns=TRAINING_COLUMNS)
    t = training.copy()
    t["gate"] = [
        gate if not why else f"{gate}: {why}" for gate, why in zip(t["gate"], t["reasons"].fillna(""), strict=True)
    ]
    return t[[c for c in TRAINING_COLUMNS if c in t.columns]]


def speed_split(rl: pd.DataFrame, training: pd.DataFrame) -> pd.DataFrame:
    """The executive view: environment speed, agent update speed (the lockstep run) and end-to-end time
    to solve, one row per side; each column its own question."""
    # One row per (algorithm, side): DQN's and PPO's figures must not overwrite each other.
    rows: dict[tuple[str, str], dict[str, object]] = {}
    for _, r in rl.iterrows() if not rl.empty else []:
        key = (str(r.get("algorithm", "")), str(r["framework"]))
        row = rows.setdefault(key, {"algorithm": r.get("algorithm"), "framework": r["framework"]})
        for column, source in (("environment_steps_per_s", "env_steps_per_s"), ("agent_update_s", "train_lockstep_s")):
            if not pd.isna(value := r.get(source)):
                row[column] = value
    for _, r in training.iterrows() if not training.empty else []:
        key = (str(r.get("algorithm", "")), str(r["framework"]))
        row = rows.setdefault(key, {"algorithm": r.get("algorithm"), "framework": r["framework"]})
        row["time_to_solve_s"] = r.get("seconds_to_threshold_median")
    return pd.DataFrame(list(rows.values()), columns=SPEED_SPLIT_COLUMNS)


def _baselines(rl: pd.DataFrame, training: pd.DataFrame) -> dict[str, str]:
    """Per algorithm, the side every other is compared with (gate "baseline" in the RL or training table)."""
    out: dict[str, str] = {}
    for frame in (rl, training):
        if frame.empty or "gate" not in frame.columns:
            continue
        for _, r in frame[frame["gate"] == "baseline"].iterrows():
            out.setdefault(str(r["algorithm"]), str(r["framework"]))
    return out


def _versus(g: pd.DataFrame, base: str, column: str, higher_is_better: bool) -> tuple[str, float, float] | None:
    """(best other side, its value, the baseline's value) for one speed column, or None without both."""
    values = g.set_index("framework")[column].dropna() if column in g.columns else pd.Series(dtype=float)
    values = values.astype(float)
    if base not in values.index or len(values) < 2:
        return None
    others = values.drop(base)
    best = str(others.idxmax() if higher_is_better else others.idxmin())
    return best, float(others[best]), float(values[base])


def _relative(speedup: float) -> str:
    return f"{times(speedup)} faster than" if speedup >= 1 else f"{times(1 / speedup)} slower than"


def rl_advice(rl: pd.DataFrame, training: pd.DataFrame, split: pd.DataFrame) -> pd.DataFrame:
    """The executive summary's RL lines, one per algorithm, with the three speeds kept apart: environment
    speed, agent update speed and end-to-end time to solve (each the fastest challenger against the baseline)."""
    lines: list[str] = []
    baselines = _baselines(rl, training)
    for algo, g in split.groupby("algorithm", sort=True) if not split.empty else []:
        base = baselines.get(str(algo))
        if base is None:
            continue
        parts = []
        if env := _versus(g, base, "environment_steps_per_s", higher_is_better=True):
            parts.append(
                f"environment speed: {env[0]}'s env {_relative(env[1] / env[2])} {base}'s "
                f"({env[1]:,.0f} vs {env[2]:,.0f} steps/s)"
            )
        if upd := _versus(g, base, "agent_update_s", higher_is_better=False):
            parts.append(
                f"agent update speed: {upd[0]} {_relative(upd[2] / upd[1])} {base} "
                f"({upd[1]:.3g} s vs {upd[2]:.3g} s per lockstep run)"
            )
        if solve := _versus(g, base, "time_to_solve_s", higher_is_better=False):
            parts.append(
                f"end-to-end time to solve: {solve[0]} {_relative(solve[2] / solve[1])} {base} "
                f"(median {solve[1]:.3g} s vs {solve[2]:.3g} s of training to the threshold)"
            )
        if parts:
            lines.append(f"rl {algo}: " + "; ".join(parts))
    return pd.DataFrame({"line": lines}, columns=["line"])
