"""rl's training runs read over seeds: learning curves, success rate, time to threshold with bootstrap
CIs over seeds, and the training gate (success rate and Mann-Whitney U of the final returns against
the baseline's, Holm-corrected together with the run's timing comparisons). Also the per-gradient-step
lockstep deviation of the policy cells' loss curves.

Inputs are the result documents (`status: ok`) of the `solve` cells (one launch per seed) and of the
`policy` cells (the lockstep losses in `metadata.loss_steps`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from pairbench.analysis import stats

SOLVE_TASK = "solve"
RUN_COLUMNS = [
    "cell_id",
    "algorithm",
    "framework",
    "seed",
    "final_mean_return",
    "steps_to_threshold",
    "seconds_to_threshold",
    "train_s",
    "eval_s",
    "cpu_s",
    "language",
]
CURVE_COLUMNS = ["cell_id", "framework", "seed", "env_step", "mean_return"]
GATE_COLUMNS = [
    "cell_id",
    "algorithm",
    "framework",
    "baseline",
    "seeds",
    "success_rate",
    "min_success_rate",
    "final_return_median",
    "steps_to_threshold_median",
    "steps_to_threshold_ci",
    "seconds_to_threshold_median",
    "seconds_to_threshold_ci",
    "train_s_median",
    "p_mannwhitney",
    "p_holm",
    "comparable",
    "reasons",
]
LOCKSTEP_COLUMNS = ["cell_id", "framework", "step", "rel_dev"]


def _num(v: Any) -> float:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else float("nan")


def solve_runs(results: Sequence[dict[str, Any]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per (cell, side, seed) and the learning curves in long form."""
    runs, curves = [], []
    for d in results:
        if d.get("domain") != "rl" or d.get("task") != SOLVE_TASK or d.get("status", "ok") != "ok":
            continue
        q, meta = d.get("quality") or {}, d.get("metadata") or {}
        fw, seed = d["framework"]["name"], int(meta.get("train_seed", d.get("launch", 0)))
        # CPU seconds of the training run (evaluations included): the process's CPU share of the timed call.
        cpu_pct = _num((d.get("resources") or {}).get("cpu_percent"))
        wall = sum((((d.get("timing") or {}).get("phases") or {}).get("train") or {}).get("samples") or [float("nan")])
        runs.append(
            {
                "cell_id": d["cell_id"],
                "algorithm": d.get("algorithm"),
                "framework": fw,
                "seed": seed,
                **{k: _num(q.get(k)) for k in RUN_COLUMNS[4:9]},
                "cpu_s": cpu_pct / 100 * wall,
                "language": d.get("language"),
            }
        )
        for step, mean, *_ in meta.get("learning_curve") or []:
            curves.append(
                {"cell_id": d["cell_id"], "framework": fw, "seed": seed, "env_step": step, "mean_return": mean}
            )
    return pd.DataFrame(runs, columns=RUN_COLUMNS), pd.DataFrame(curves, columns=CURVE_COLUMNS)


def success_rate(steps_to_threshold: Sequence[float]) -> float:
    """Share of seeds that reached the threshold (NaN: never reached)."""
    s = np.asarray(steps_to_threshold, dtype=np.float64)
    return float(np.isfinite(s).mean()) if s.size else float("nan")


def time_to_threshold(steps: Sequence[float], means: Sequence[float], threshold: float) -> float:
    """Env steps of the first evaluation whose mean reaches `threshold`; NaN when none does."""
    for step, mean in zip(steps, means, strict=True):
        if mean >= threshold:
            return float(step)
    return float("nan")


def median_ci(
    values: Sequence[float], confidence: float = 0.95, resamples: int = 2000, seed: int = 0
) -> tuple[float, float, float]:
    """Median over seeds that reached the threshold and its percentile bootstrap CI (NaN when none)."""
    x = np.asarray([v for v in values if np.isfinite(v)], dtype=np.float64)
    if x.size == 0:
        return float("nan"), float("nan"), float("nan")
    if x.size == 1:
        return float(x[0]), float(x[0]), float(x[0])
    rng = np.random.default_rng(seed)
    boots = np.median(x[rng.integers(0, x.size, size=(resamples, x.size))], axis=1)
    a = (1 - confidence) / 2
    return float(np.median(x)), float(np.quantile(boots, a)), float(np.quantile(boots, 1 - a))


def mann_whitney_p(baseline: Sequence[float], candidate: Sequence[float]) -> float:
    """Two-sided Mann-Whitney U p-value of two samples of final returns (NaN below 2 per side).
    All-equal samples (every seed at 500) do not differ: p = 1."""
    from scipy.stats import mannwhitneyu

    a = np.asarray(baseline, dtype=np.float64)
    b = np.asarray(candidate, dtype=np.float64)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if a.size < 2 or b.size < 2:
        return float("nan")
    if np.unique(np.concatenate([a, b])).size == 1:
        return 1.0
    return float(mannwhitneyu(a, b, alternative="two-sided").pvalue)


def _ci_text(lo: float, hi: float) -> str:
    return "" if not np.isfinite(lo) else f"[{lo:.4g}, {hi:.4g}]"


def training_gate(
    runs: pd.DataFrame, validations: Sequence[dict[str, Any]], alpha: float = 0.05, confidence: float = 0.95
) -> pd.DataFrame:
    """Per (solve cell, side): success rate, time to threshold, and the gate's verdict. `p_holm` is the
    raw p until `joint_holm` adjusts it with the run's other tests."""
    rows = []
    gates = {v["cell_id"]: v for v in validations}
    for (cell, algo), g in runs.groupby(["cell_id", "algorithm"], sort=True):
        v = gates.get(cell, {})
        gate = v.get("quality_gate") or {}
        # Without a validation report the baseline is the Python side, as in every cell's side order.
        python = g.loc[g["language"] == "python", "framework"] if "language" in g else g["framework"].iloc[0:0]
        baseline = v.get("baseline") or (python.iloc[0] if len(python) else g["framework"].iloc[0])
        want = int(v.get("launches") or 0)
        base = g[g["framework"] == baseline]
        for fw, s in g.groupby("framework", sort=False):
            steps = median_ci(s["steps_to_threshold"].tolist(), confidence)
            secs = median_ci(s["seconds_to_threshold"].tolist(), confidence)
            rate = success_rate(s["steps_to_threshold"].tolist())
            min_rate = float(gate.get("min_success_rate", 0.8))
            p = mann_whitney_p(base["final_mean_return"].tolist(), s["final_mean_return"].tolist())
            reasons = []
            if want and len(s) < want:
                reasons.append(f"{len(s)} of {want} seeds arrived")
            if not rate >= min_rate:
                reasons.append(f"success rate {rate:.0%} < min_success_rate {min_rate:.0%}")
            rows.append(
                {
                    "cell_id": cell,
                    "algorithm": algo,
                    "framework": fw,
                    "baseline": baseline,
                    "seeds": len(s),
                    "success_rate": rate,
                    "min_success_rate": min_rate,
                    "final_return_median": float(s["final_mean_return"].median()),
                    "steps_to_threshold_median": steps[0],
                    "steps_to_threshold_ci": _ci_text(steps[1], steps[2]),
                    "seconds_to_threshold_median": secs[0],
                    "seconds_to_threshold_ci": _ci_text(secs[1], secs[2]),
                    "train_s_median": float(s["train_s"].median()),
                    "p_mannwhitney": float("nan") if fw == baseline else p,
                    "p_holm": float("nan") if fw == baseline else p,
                    "comparable": not reasons,
                    "reasons": "; ".join(reasons),
                }
            )
    table = pd.DataFrame(rows, columns=GATE_COLUMNS)
    return finish_gate(table, alpha)


def finish_gate(table: pd.DataFrame, alpha: float) -> pd.DataFrame:
    """The Mann-Whitney part of the verdict, from `p_holm` (a candidate whose final returns differ
    significantly from the baseline's is not comparable; an untestable one, fewer than 2 seeds, neither)."""
    table = table.copy()
    for i, r in table.iterrows():
        if r["framework"] == r["baseline"]:
            continue
        base = [x for x in str(r["reasons"]).split("; ") if x and not x.startswith("final returns")]
        p = r["p_holm"]
        if not np.isfinite(p):
            base.append("final returns not testable (fewer than 2 seeds a side)")
        elif p < alpha:
            base.append(f"final returns differ from {r['baseline']}'s (Mann-Whitney U, Holm p {p:.3g} < {alpha:g})")
        table.at[i, "reasons"] = "; ".join(base)
        table.at[i, "comparable"] = not base
    return table


def joint_holm(
    comparisons: pd.DataFrame, gate: pd.DataFrame, alpha: float, noise: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Holm over one family: the run's timing comparisons and the training gate's Mann-Whitney tests.
    Without training tests nothing changes."""
    tested = gate["p_mannwhitney"].notna() if not gate.empty else pd.Series(dtype=bool)
    if gate.empty or not tested.any():
        return comparisons, gate
    n = len(comparisons)
    p = np.concatenate(
        [
            comparisons["p_value"].to_numpy(dtype=np.float64) if n else np.empty(0),
            gate.loc[tested, "p_mannwhitney"].to_numpy(dtype=np.float64),
        ]
    )
    adjusted = stats.holm(p)
    gate = gate.copy()
    gate.loc[tested, "p_holm"] = adjusted[n:]
    if n:
        comparisons = comparisons.copy()
        comparisons["p_holm"] = adjusted[:n]
        verdicts = [
            stats.verdict((lo, hi), pv, alpha, noise)
            for lo, hi, pv in zip(
                comparisons["ratio_ci_low"], comparisons["ratio_ci_high"], comparisons["p_holm"], strict=True
            )
        ]
        comparisons["outcome"] = [v.label for v in verdicts]
        comparisons["verdict"] = [
            f"{c} {v.label}" if v.label != "no meaningful difference" else v.label
            for c, v in zip(comparisons["candidate"], verdicts, strict=True)
        ]
    return comparisons, finish_gate(gate, alpha)


def lockstep_deviation(results: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """Per gradient step, |loss - baseline's| / |baseline's| of each Rust side's lockstep run against
    the Python side's (the first launch of every `policy` cell that recorded its losses)."""
    first: dict[tuple[str, str], tuple[int, str, list[float]]] = {}
    for d in results:
        if d.get("domain") != "rl" or d.get("task") != "policy" or d.get("status", "ok") != "ok":
            continue
        curve = (d.get("metadata") or {}).get("loss_steps")
        if not (isinstance(curve, list) and curve):
            continue
        key, launch = (d["cell_id"], d["framework"]["name"]), int(d.get("launch", 0))
        if key not in first or launch < first[key][0]:
            first[key] = (launch, str(d.get("language")), [float(x) for x in curve])
    rows = []
    for (cell, fw), (_, language, curve) in sorted(first.items()):
        base = next((c for (bc, _), (_, lang, c) in first.items() if bc == cell and lang == "python"), None)
        if language == "python" or base is None or len(base) != len(curve):
            continue
        b = np.asarray(base)
        dev = np.abs(np.asarray(curve) - b) / np.maximum(np.abs(b), 1e-12)
        rows += [{"cell_id": cell, "framework": fw, "step": i + 1, "rel_dev": float(x)} for i, x in enumerate(dev)]
    return pd.DataFrame(rows, columns=LOCKSTEP_COLUMNS)


def rl_training_tables(
    results: Sequence[dict[str, Any]],
    validations: Sequence[dict[str, Any]],
    comparisons: pd.DataFrame,
    alpha: float,
    noise: float,
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """(comparisons with the joint Holm, the rl tables to write): empty tables when no rl ran."""
    runs, curves = solve_runs(results)
    gate = training_gate(runs, validations, alpha) if not runs.empty else pd.DataFrame(columns=GATE_COLUMNS)
    comparisons, gate = joint_holm(comparisons, gate, alpha, noise)
    return comparisons, {
        "rl_solve_runs": runs,
        "rl_curves": curves,
        "rl_training": gate,
        "rl_lockstep": lockstep_deviation(results),
    }
