"""rl's training runs read over seeds: learning curves, success rate, time to threshold with bootstrap
CIs over seeds, and the training gate. Also the per-gradient-step lockstep deviation of the policy
cells' loss curves.

The training gate is a rule of its own, outside the timing verdicts (no multiplicity couples them):
does each side learn as well as the baseline, seed for seed? Seeds pair (seed k starts every side
from the same network and the same pre-drawn randoms), and a candidate is
- `comparable` when each side reaches the threshold in at least `min_success_rate` of its seeds, the
  candidate's success rate is at most `success_margin` below the baseline's, and the final returns
  are shown equivalent: the 90% interval of the Hodges-Lehmann estimate of the per-seed differences
  (candidate - baseline; the signed-rank interval of analysis/paired.py, the two one-sided tests at
  5% each) lies within +-`return_margin`;
- `not comparable` when a side misses the success rate or the margin, or that interval lies wholly
  outside +-`return_margin` (a real difference);
- `inconclusive` otherwise: too few seeds, or too much spread between them, to tell. Its time-to-solve
  figures are shown, and said to be inconclusive.

Inputs are the result documents (`status: ok`) of the `solve` cells (one launch per seed) and of the
`policy` cells (the lockstep losses in `metadata.loss_steps`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from pairbench.analysis import paired

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
    "return_difference",
    "return_difference_ci_low",
    "return_difference_ci_high",
    "return_margin",
    "success_margin",
    "gate",
    "comparable",
    "reasons",
]
# The training gate's defaults (a cell's quality_gate may set each): a fifth of the seeds' success,
# and a tenth of the threshold in final return.
SUCCESS_MARGIN = 0.2
RETURN_MARGIN_OF_THRESHOLD = 0.1
EQUIVALENCE_CONFIDENCE = 0.90
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


def return_equivalence(
    baseline: pd.DataFrame, candidate: pd.DataFrame, margin: float
) -> tuple[str, float, float, float]:
    """(outcome, estimate, low, high) of the per-seed final-return differences (candidate - baseline,
    seeds paired by number): `equivalent` when the 90% signed-rank interval lies within +-margin,
    `different` when it lies wholly outside, `inconclusive` otherwise (or with too few paired seeds)."""
    a = baseline.set_index("seed")["final_mean_return"]
    b = candidate.set_index("seed")["final_mean_return"]
    seeds = sorted(set(a.dropna().index) & set(b.dropna().index))
    d = np.asarray([b[k] - a[k] for k in seeds], dtype=np.float64)
    est = paired.paired_estimate(d, EQUIVALENCE_CONFIDENCE)
    low, high = est.log_low, est.log_high  # the differences themselves: no log is taken here
    if np.isnan(low):
        return "inconclusive", est.log_estimate, low, high
    if -margin <= low and high <= margin:
        return "equivalent", est.log_estimate, low, high
    if high < -margin or low > margin:
        return "different", est.log_estimate, low, high
    return "inconclusive", est.log_estimate, low, high


def _ci_text(lo: float, hi: float) -> str:
    return "" if not np.isfinite(lo) else f"[{lo:.4g}, {hi:.4g}]"


def training_gate(runs: pd.DataFrame, validations: Sequence[dict[str, Any]], confidence: float = 0.95) -> pd.DataFrame:
    """Per (solve cell, side): success rate, time to threshold, and the gate (see the module docstring)."""
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
        min_rate = float(gate.get("min_success_rate", 0.8))
        success_margin = float(gate.get("success_margin", SUCCESS_MARGIN))
        threshold = float((v.get("params") or {}).get("threshold", 475.0))
        return_margin = float(gate.get("return_margin", RETURN_MARGIN_OF_THRESHOLD * threshold))
        base_rate = success_rate(base["steps_to_threshold"].tolist())
        for fw, s in g.groupby("framework", sort=False):
            steps = median_ci(s["steps_to_threshold"].tolist(), confidence)
            secs = median_ci(s["seconds_to_threshold"].tolist(), confidence)
            rate = success_rate(s["steps_to_threshold"].tolist())
            reasons, failed = [], False
            if want and len(s) < want:
                reasons.append(f"{len(s)} of {want} seeds arrived")
            if not rate >= min_rate:
                reasons.append(f"success rate {rate:.0%} < min_success_rate {min_rate:.0%}")
                failed = True
            row = {
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
                "return_difference": np.nan,
                "return_difference_ci_low": np.nan,
                "return_difference_ci_high": np.nan,
                "return_margin": return_margin,
                "success_margin": success_margin,
            }
            if fw == baseline:
                rows.append({**row, "gate": "baseline" if not failed else "not comparable",
                             "comparable": not failed, "reasons": "; ".join(reasons)})  # fmt: skip
                continue
            if rate < base_rate - success_margin - 1e-12:
                reasons.append(
                    f"success rate {rate:.0%} is more than {success_margin:.0%} below {baseline}'s {base_rate:.0%}"
                )
                failed = True
            outcome, diff, low, high = return_equivalence(base, s, return_margin)
            row.update(return_difference=diff, return_difference_ci_low=low, return_difference_ci_high=high)
            interval = f"{diff:+.4g} [{low:+.4g}, {high:+.4g}]" if not np.isnan(low) else f"{diff:+.4g} (no interval)"
            if outcome == "different":
                reasons.append(f"final returns differ from {baseline}'s by {interval}, beyond ±{return_margin:g}")
                failed = True
            elif outcome == "inconclusive":
                reasons.append(
                    f"final returns not shown within ±{return_margin:g} of {baseline}'s: difference {interval} "
                    f"over {len(s)} seeds"
                )
            verdict = "not comparable" if failed else ("comparable" if outcome == "equivalent" else "inconclusive")
            rows.append({**row, "gate": verdict, "comparable": verdict == "comparable", "reasons": "; ".join(reasons)})
    return pd.DataFrame(rows, columns=GATE_COLUMNS)


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
    results: Sequence[dict[str, Any]], validations: Sequence[dict[str, Any]], confidence: float = 0.95
) -> dict[str, pd.DataFrame]:
    """The rl tables to write (empty when no rl ran); `confidence` is that of the time-to-threshold intervals."""
    runs, curves = solve_runs(results)
    gate = training_gate(runs, validations, confidence) if not runs.empty else pd.DataFrame(columns=GATE_COLUMNS)
    return {
        "rl_solve_runs": runs,
        "rl_curves": curves,
        "rl_training": gate,
        "rl_lockstep": lockstep_deviation(results),
    }
