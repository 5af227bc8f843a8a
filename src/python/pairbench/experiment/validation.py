"""Phase 3 cross-check: run every side once on the real split and gate each against the baseline.

Each side's predictions are saved and scored here by one metric implementation, so a disagreement
is a disagreement of models, not of metric code; the sides' own scores are kept for comparison.
A side that fails the gate is not timed; the cell is timed when at least one candidate passes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from pairbench.core.cells import Cell
from pairbench.core.schema import read_result
from pairbench.datasets.materialise import load_verified
from pairbench.experiment.crossval import score_folds, summarise_cv
from pairbench.experiment.gate import apply_gate, chance_levels
from pairbench.harness.benchmark import scores_path
from pairbench.harness.launcher import run_side
from pairbench.metrics import score_predictions
from pairbench.metrics.llm import LLM_TASKS, paired_quality


def validate_cell(
    cell_path: Path,
    data_dir: Path,
    work_dir: Path,
    *,
    timeout_s: float = 600,
    implementations: dict[str, Any] | None = None,
    cv: bool = True,
) -> dict[str, Any]:
    cell = Cell.read(cell_path)
    split = load_verified(data_dir / cell.dataset)
    # Cross-validation rides on the validation run: one extra untimed fit per fold and side.
    cv = cv and split.folds is not None and cell.task in ("classification", "regression")
    baseline = cell.side_names[0]
    work_dir.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {
        "cell_id": cell.cell_id,
        "domain": cell.domain,
        "task": cell.task,
        "algorithm": cell.algorithm,
        "dataset": cell.dataset,
        "params": cell.params,
        "quality_gate": cell.quality_gate,
        "launches": cell.launches,
        "baseline": baseline,
        "sides": {},
    }
    predictions: dict[str, np.ndarray] = {}
    scores: dict[str, np.ndarray | None] = {}
    loss_curves: dict[str, list[float]] = {}
    loss_components: dict[str, dict[str, list[float]]] = {}
    # Trained models (deep learning) are gated after a few epochs, not one: `validation_samples`.
    validation_samples = int(cell.quality_gate.get("validation_samples", 1))
    for side in cell.side_names:
        out = work_dir / f"{cell.cell_id}.{side}.validation.json"
        pred_path = work_dir / f"{cell.cell_id}.{side}.predictions.npy"
        cv_args = ["--cv-predictions-dir", str(work_dir / f"{cell.cell_id}.{side}.cv")] if cv else []
        outcome = run_side(
            cell_path,
            side,
            data_dir,
            out,
            timeout_s=timeout_s,
            implementations=implementations,
            extra=[
                "--samples",
                str(validation_samples),
                "--warmup",
                "0",
                "--predictions-out",
                str(pred_path),
                *cv_args,
            ],
        )
        language = cell.side(side)["language"]
        if not outcome.ok:
            report["sides"][side] = {"language": language, "ok": False, "error": outcome.error}
            continue
        result = read_result(out)
        predictions[side] = np.load(pred_path, allow_pickle=False)
        spath = scores_path(pred_path)
        scores[side] = np.load(spath, allow_pickle=False) if spath.is_file() else None
        curve = (result.get("metadata") or {}).get("loss_steps")
        if isinstance(curve, list) and curve:
            loss_curves[side] = [float(v) for v in curve]
        components = (result.get("metadata") or {}).get("loss_components")
        if isinstance(components, dict):
            loss_components[side] = {k: [float(v) for v in c] for k, c in components.items()}
        report["sides"][side] = {
            "language": language,
            "ok": True,
            "native_quality": result["quality"],
            "framework": result["framework"],
        }

    for side, pred in predictions.items():
        if cell.task in LLM_TASKS:
            # No labels: every side (the baseline too, against itself) is scored against the baseline's outputs.
            report["sides"][side]["quality"] = (
                paired_quality(cell.task, split, predictions[baseline], scores.get(baseline), pred, scores.get(side))
                if baseline in predictions
                else {}
            )
        else:
            report["sides"][side]["quality"] = score_predictions(cell.task, split, pred, scores.get(side))

    gates: list[dict[str, Any]] = []
    comparable_sides: list[str] = []
    for side in cell.side_names[1:]:
        entry: dict[str, Any] = {"candidate": side, "baseline": baseline}
        if side not in predictions or baseline not in predictions:
            failed = [s for s in (baseline, side) if s not in predictions]
            reasons = [f"{s} side failed its validation run: {report['sides'][s]['error']}" for s in failed]
            entry.update(comparable=False, reasons=reasons)
        else:
            verdict = apply_gate(
                cell.quality_gate,
                report["sides"][baseline]["quality"],
                report["sides"][side]["quality"],
                chance_levels(cell.task, split.y_test),
            )
            entry.update(verdict.to_dict())
            if predictions[baseline].shape != predictions[side].shape:
                entry["prediction_max_abs_diff"] = float("inf")
            else:
                diff = np.abs(predictions[baseline].astype(np.float64) - predictions[side].astype(np.float64))
                entry["prediction_max_abs_diff"] = float(diff.max()) if diff.size else 0.0
            if baseline in loss_curves and side in loss_curves:
                entry["loss_curve_max_rel_dev"] = loss_curve_deviation(loss_curves[baseline], loss_curves[side])
            if baseline in loss_components:
                # Named parts of the loss (RL PPO: policy, value) are held to the same bound.
                parts = component_deviations(loss_components[baseline], loss_components.get(side, {}))
                entry["loss_component_max_rel_dev"] = parts
                devs = [entry.get("loss_curve_max_rel_dev"), *parts.values()]
                entry["loss_curve_max_rel_dev"] = None if None in devs else max(devs)  # type: ignore[type-var]
            extra = strict_reasons(
                cell.quality_gate, entry.get("prediction_max_abs_diff"), entry.get("loss_curve_max_rel_dev")
            )
            entry["reasons"] = [*entry["reasons"], *extra]
            entry["comparable"] = verdict.comparable and not extra
            if entry["comparable"]:
                comparable_sides.append(side)
        gates.append(entry)
    report["gates"] = gates
    # The folds phase 3 materialised decide (the catalogue's cross_validation_folds can set them).
    if cv and split.folds is not None:
        fold_quality = {
            side: q
            for side in predictions
            if (q := score_folds(cell.task, split, work_dir / f"{cell.cell_id}.{side}.cv")) is not None
        }
        report["cv"] = summarise_cv(
            fold_quality,
            baseline,
            str(cell.quality_gate.get("metric")),
            int(split.folds.max()) + 1,  # type: ignore[union-attr]
            bool((split.manifest.get("cv") or {}).get("stratified")),
        )
    report["comparable_sides"] = [baseline, *comparable_sides] if comparable_sides else []
    report["comparable"] = bool(comparable_sides) and len(comparable_sides) == len(cell.side_names) - 1
    report["reasons"] = [f"{g['candidate']}: {r}" for g in gates for r in g.get("reasons", [])]
    return report


def strict_reasons(gate: dict[str, Any], prediction_diff: float | None, loss_dev: float | None) -> list[str]:
    """Gate keys for sides that must agree step for step (RL lockstep): `prediction_tolerance` bounds
    the largest prediction difference, `max_loss_curve_rel_dev` the per-step loss deviation. A check
    asked for but without data fails: it must not pass vacuously."""
    reasons = []
    if (tol := gate.get("prediction_tolerance")) is not None:
        if prediction_diff is None:
            reasons.append("no predictions to compare (prediction_tolerance asked for)")
        elif prediction_diff > float(tol):
            reasons.append(f"predictions differ by up to {prediction_diff:.4g} > prediction_tolerance {tol:g}")
    if (tol := gate.get("max_loss_curve_rel_dev")) is not None:
        if loss_dev is None:
            reasons.append("no loss curves of equal length to compare (max_loss_curve_rel_dev asked for)")
        elif loss_dev > float(tol):
            reasons.append(f"loss curve deviates by up to {loss_dev:.3g} relative > max_loss_curve_rel_dev {tol:g}")
    return reasons


def component_deviations(
    baseline: dict[str, list[float]], candidate: dict[str, list[float]]
) -> dict[str, float | None]:
    """Per named loss component: the largest |candidate - baseline| over the steps relative to the
    baseline curve's largest |value|. Relative to the curve's scale, not step by step, because a
    component can sit at round-off level on some steps (PPO's policy loss is -mean(normalised
    advantage), ~1e-8, whenever the ratio is 1). None when the candidate lacks it or the lengths differ."""
    out: dict[str, float | None] = {}
    for name, b in sorted(baseline.items()):
        c = candidate.get(name)
        if c is None or len(c) != len(b) or not b:
            out[name] = None
            continue
        scale = max(float(np.max(np.abs(b))), 1e-12)
        out[name] = float(np.max(np.abs(np.subtract(c, b)))) / scale
    return out


def loss_curve_deviation(baseline: list[float], candidate: list[float]) -> float | None:
    """Largest |candidate - baseline| / |baseline| over the steps both sides report (same start, same
    batches, so step k is the same mini-batch on both)."""
    n = min(len(baseline), len(candidate))
    if n == 0 or len(baseline) != len(candidate):
        return None
    b, c = np.asarray(baseline[:n]), np.asarray(candidate[:n])
    return float(np.max(np.abs(c - b) / np.maximum(np.abs(b), 1e-12)))


def write_validation(report: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
