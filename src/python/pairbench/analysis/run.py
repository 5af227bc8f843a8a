"""Phase 5 entry point: raw results + validation reports -> tables, comparisons, figures."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd

from pairbench.analysis.compare import AnalysisSettings, compare_pairs, resources_by_side, summarise
from pairbench.analysis.plots import speed_ratio_figure
from pairbench.analysis.tidy import launches_table, load_results, samples_table


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
            rows.append({
                "cell_id": v["cell_id"], "task": v["task"], "algorithm": v["algorithm"], "dataset": v["dataset"],
                "baseline": gate["baseline"], "candidate": gate["candidate"],
                "metric": gate.get("metric", spec.get("metric")),
                "baseline_value": gate.get("baseline_value"), "candidate_value": gate.get("candidate_value"),
                "delta": gate.get("delta"), "tolerance": gate.get("tolerance", spec.get("tolerance")),
                "floor": gate.get("floor", spec.get("floor")),
                "prediction_max_abs_diff": gate.get("prediction_max_abs_diff"),
                "comparable": bool(gate.get("comparable")), "reasons": "; ".join(gate.get("reasons", [])),
            })
    return pd.DataFrame(rows)


def side_order(validations: list[dict[str, Any]]) -> dict[str, list[str]]:
    return {v["cell_id"]: [v["baseline"], *[g["candidate"] for g in v.get("gates", [])]] for v in validations}


def analyse(results_dir: Path, out_dir: Path, validation_dir: Path | None = None,
            settings: AnalysisSettings | None = None) -> dict[str, Any]:
    settings = settings or AnalysisSettings()
    out_dir.mkdir(parents=True, exist_ok=True)
    results, problems = load_results(results_dir)
    validations = load_validations(validation_dir)
    parity = quality_parity_table(validations)
    samples = samples_table(results)
    launches = launches_table(results)
    summary = summarise(samples, settings) if not samples.empty else pd.DataFrame()
    comparisons = compare_pairs(samples, settings, side_order(validations)) if not samples.empty else pd.DataFrame()
    resources = resources_by_side(launches) if not launches.empty else pd.DataFrame()
    failures = launches[launches["status"] == "failed"] if not launches.empty else pd.DataFrame()

    tables = {"samples": samples, "launches": launches, "summary": summary, "comparisons": comparisons,
              "resources": resources, "quality_parity": parity, "failures": failures}
    for name, table in tables.items():
        table.to_csv(out_dir / f"{name}.csv", index=False)
    figures = [str(p.relative_to(out_dir)) for p in speed_ratio_figure(comparisons, out_dir / "speed_ratio",
                                                                         settings.noise)]
    overview = {
        "settings": asdict(settings),
        "n_results": len(results),
        "n_ok": int((launches["status"] == "ok").sum()) if not launches.empty else 0,
        "n_failed": len(failures),
        "invalid_result_files": problems,
        "figures": figures,
        "tables": {name: f"{name}.csv" for name in tables},
    }
    (out_dir / "analysis.json").write_text(json.dumps(overview, indent=2) + "\n", encoding="utf-8")
    return overview
