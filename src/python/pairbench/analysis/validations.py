"""Phase 3's validation reports read back for the analysis: the quality-parity and cross-validation
tables, and the sides each cell and task has (baseline first)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from pairbench.core.comparisons import ComparisonSpec


def load_validations(validation_dir: Path | None) -> list[dict[str, Any]]:
    if validation_dir is None or not validation_dir.is_dir():
        return []
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(validation_dir.glob("*.json"))]


def quality_parity_table(validations: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per (cell, candidate side): both sides' gate metric, their difference, and the verdict."""
    rows = []
    for v in validations:
        spec = v.get("quality_gate", {})
        for gate in v.get("gates", []):
            rows.append(
                {
                    "cell_id": v["cell_id"],
                    "task": v["task"],
                    "algorithm": v["algorithm"],
                    "dataset": v["dataset"],
                    "baseline": gate["baseline"],
                    "candidate": gate["candidate"],
                    "metric": gate.get("metric", spec.get("metric")),
                    "baseline_value": gate.get("baseline_value"),
                    "candidate_value": gate.get("candidate_value"),
                    "delta": gate.get("delta"),
                    "tolerance": gate.get("tolerance", spec.get("tolerance")),
                    "floor": gate.get("floor", spec.get("floor")),
                    "prediction_max_abs_diff": gate.get("prediction_max_abs_diff"),
                    "loss_curve_max_rel_dev": gate.get("loss_curve_max_rel_dev"),
                    "comparable": bool(gate.get("comparable")),
                    "reasons": "; ".join(gate.get("reasons", [])),
                }
            )
            # Secondary gate metrics (`also:`): one more row each, same verdict, both numbers shown.
            for extra in gate.get("also") or []:
                rows.append(
                    {
                        **rows[-1],
                        "metric": extra["metric"],
                        "baseline_value": extra["baseline_value"],
                        "candidate_value": extra["candidate_value"],
                        "delta": extra["delta"],
                        "tolerance": extra["tolerance"],
                        "floor": extra["floor"],
                    }
                )
    return pd.DataFrame(rows)


def cross_validation_table(validations: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per (cell, candidate): k-fold mean of the gate metric per side with 95% CIs and the
    paired per-fold difference (candidate - baseline) with its CI and paired t-test p-value."""
    rows = []
    for v in validations:
        cv = v.get("cv")
        if not cv:
            continue
        metric = cv["metric"]
        base = v["baseline"]
        for pair in cv.get("paired", []):
            cand = pair["candidate"]
            b = cv["sides"].get(base, {}).get("mean_ci", {}).get(metric, {})
            c = cv["sides"].get(cand, {}).get("mean_ci", {}).get(metric, {})
            rows.append(
                {
                    "cell_id": v["cell_id"],
                    "algorithm": v["algorithm"],
                    "dataset": v["dataset"],
                    "k": cv["n_splits"],
                    "metric": metric,
                    "baseline": base,
                    "candidate": cand,
                    "baseline_mean": b.get("mean"),
                    "baseline_ci_low": b.get("ci_low"),
                    "baseline_ci_high": b.get("ci_high"),
                    "candidate_mean": c.get("mean"),
                    "candidate_ci_low": c.get("ci_low"),
                    "candidate_ci_high": c.get("ci_high"),
                    "paired_difference": pair.get("difference_mean"),
                    "difference_ci_low": pair.get("difference_ci_low"),
                    "difference_ci_high": pair.get("difference_ci_high"),
                    "paired_t_p": pair.get("paired_t_p"),
                }
            )
    return pd.DataFrame(rows)


def expected_frameworks(validations: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Every framework each task should have measured (failed or gated-out sides included), so that a
    recommendation with one side left can say which side is missing."""
    out: dict[str, list[str]] = {}
    for v in validations:
        names = out.setdefault(str(v["task"]), [])
        names += [s for s in [v["baseline"], *v.get("sides", {})] if s not in names]
    return out


def side_order(validations: list[dict[str, Any]]) -> dict[str, list[str]]:
    return {v["cell_id"]: [v["baseline"], *[g["candidate"] for g in v.get("gates", [])]] for v in validations}


def comparison_specs(validations: list[dict[str, Any]]) -> dict[str, ComparisonSpec]:
    """What each cell's comparisons compare (the catalogue's `comparison`, written into the cell by phase 1)."""
    return {v["cell_id"]: ComparisonSpec.from_json(v.get("comparison")) for v in validations}
