"""Phase 3 cross-check: run both sides once on the real split and gate the cell on quality parity.

Each side's predictions are saved and scored here by one metric implementation, so a disagreement
is a disagreement of models, not of metric code; the sides' own scores are kept for comparison.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from pairbench.cells import Cell
from pairbench.datasets.materialise import load_verified
from pairbench.gate import apply_gate
from pairbench.harness.launcher import SIDES, run_side
from pairbench.metrics import QUALITY_BY_TASK
from pairbench.schema import read_result


def validate_cell(cell_path: Path, data_dir: Path, work_dir: Path, *, timeout_s: float = 600,
                  implementations: dict[str, Any] | None = None) -> dict[str, Any]:
    cell = Cell.read(cell_path)
    work_dir.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {"cell_id": cell.cell_id, "domain": cell.domain, "task": cell.task,
                              "algorithm": cell.algorithm, "dataset": cell.dataset, "params": cell.params,
                              "quality_gate": cell.quality_gate, "sides": {}}
    predictions: dict[str, np.ndarray] = {}
    errors: list[str] = []
    for side in SIDES:
        out = work_dir / f"{cell.cell_id}.{side}.validation.json"
        pred_path = work_dir / f"{cell.cell_id}.{side}.predictions.npy"
        outcome = run_side(cell_path, side, data_dir, out, timeout_s=timeout_s, implementations=implementations,
                           extra=["--samples", "1", "--warmup", "0", "--predictions-out", str(pred_path)])
        if not outcome.ok:
            errors.append(f"{side} side failed validation run: {outcome.error}")
            report["sides"][side] = {"ok": False, "error": outcome.error}
            continue
        result = read_result(out)
        predictions[side] = np.load(pred_path, allow_pickle=False)
        report["sides"][side] = {"ok": True, "native_quality": result["quality"],
                                 "framework": result["framework"]}

    if errors:
        report.update(comparable=False, reasons=errors)
        return report

    y_test = load_verified(data_dir / cell.dataset).y_test
    score = QUALITY_BY_TASK[cell.task]
    quality = {side: score(y_test, predictions[side]) for side in SIDES}
    for side in SIDES:
        report["sides"][side]["quality"] = quality[side]
    verdict = apply_gate(cell.quality_gate, quality["python"], quality["rust"])
    diff = np.abs(predictions["python"].astype(np.float64) - predictions["rust"].astype(np.float64))
    report["prediction_max_abs_diff"] = float(diff.max()) if diff.size else 0.0
    report["gate"] = verdict.to_dict()
    report["comparable"] = verdict.comparable
    report["reasons"] = verdict.reasons
    return report


def write_validation(report: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
