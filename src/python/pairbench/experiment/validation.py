"""Phase 3 cross-check: run every side once on the real split and gate each against the baseline.

Each side's predictions are saved and scored here by one metric implementation, so a disagreement
is a disagreement of models, not of metric code; the sides' own scores are kept for comparison.
A side that fails the gate is not timed; the cell is timed when at least one candidate passes.
Several cells validated together share one worker process per Python side (`validate_cells`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pairbench.core.benchmark import scores_path
from pairbench.core.cells import Cell
from pairbench.core.schema import read_result
from pairbench.datasets.materialise import Split, load_verified
from pairbench.experiment.crossval import score_folds, summarise_cv
from pairbench.experiment.gate import apply_gate, chance_levels
from pairbench.harness.launcher import LaunchOutcome, run_python_batch, run_side
from pairbench.metrics import score_predictions
from pairbench.metrics.llm import LLM_TASKS, paired_quality


def validate_cells(
    cell_paths: list[Path],
    data_dir: Path,
    work_dir: Path,
    *,
    timeout_s: float = 600,
    implementations: dict[str, Any] | None = None,
    cv: bool = True,
) -> list[dict[str, Any]]:
    """`validate_cell` for each cell, with the Python sides that several cells share run first in one
    worker process per side (`run_python_batch`): these runs are untimed, and a fresh interpreter per
    cell would spend most of a small cell's validation importing scikit-learn again. What a batch
    leaves without a result (other than a timeout), `validate_cell` runs on its own as before."""
    work_dir.mkdir(parents=True, exist_ok=True)
    cells = [Cell.read(path) for path in cell_paths]
    splits: dict[str, Split] = {}
    for cell in cells:
        if cell.dataset not in splits:
            splits[cell.dataset] = load_verified(data_dir / cell.dataset)
    groups: dict[tuple[str, int, int], list[tuple[Path, Cell]]] = {}
    for path, cell in zip(cell_paths, cells, strict=True):
        for side in cell.side_names:
            if cell.side(side)["language"] == "python":
                groups.setdefault((side, cell.threads, cell.seed), []).append((path, cell))
    done: dict[str, dict[str, LaunchOutcome]] = {}
    for i, ((side, _, _), members) in enumerate(groups.items()):
        if len(members) < 2:
            continue
        jobs = [
            validation_job(path, cell, side, work_dir, wants_cv(cell, splits[cell.dataset], cv))
            for path, cell in members
        ]
        outcomes = run_python_batch(side, jobs, data_dir, work_dir / f"{side}.{i}.jobs.json", timeout_s=timeout_s)
        for (_, cell), outcome in zip(members, outcomes, strict=True):
            if outcome is not None:
                done.setdefault(cell.cell_id, {})[side] = outcome
    return [
        validate_cell(
            path,
            data_dir,
            work_dir,
            timeout_s=timeout_s,
            implementations=implementations,
            cv=cv,
            split=splits[cell.dataset],
            done=done.get(cell.cell_id, {}),
        )
        for path, cell in zip(cell_paths, cells, strict=True)
    ]


def wants_cv(cell: Cell, split: Split, cv: bool) -> bool:
    """Cross-validation rides on the validation run: one extra untimed fit per fold and side."""
    return cv and split.folds is not None and cell.task in ("classification", "regression")


def validation_job(cell_path: Path, cell: Cell, side: str, work_dir: Path, cv: bool) -> dict[str, Any]:
    """One side's validation run: the worker options, and where it leaves its result and predictions.
    Trained models (deep learning) are gated after a few epochs, not one: `validation_samples`."""
    stem = work_dir / f"{cell.cell_id}.{side}"
    return {
        "cell": str(cell_path),
        "out": f"{stem}.validation.json",
        "predictions_out": f"{stem}.predictions.npy",
        "samples": int(cell.quality_gate.get("validation_samples", 1)),
        "warmup": 0,
        "cv_predictions_dir": f"{stem}.cv" if cv else None,
    }


def validate_cell(
    cell_path: Path,
    data_dir: Path,
    work_dir: Path,
    *,
    timeout_s: float = 600,
    implementations: dict[str, Any] | None = None,
    cv: bool = True,
    split: Split | None = None,
    done: Mapping[str, LaunchOutcome] | None = None,
) -> dict[str, Any]:
    """Run each side once (except those in `done`, whose validation run in a batch already left its
    files in `work_dir`, or timed out), score their predictions with one metric implementation and gate
    each candidate."""
    done = done or {}
    cell = Cell.read(cell_path)
    split = split if split is not None else load_verified(data_dir / cell.dataset)
    cv = wants_cv(cell, split, cv)
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
        "comparison": cell.comparison,
        "launches": cell.launches,
        "baseline": baseline,
        "sides": {},
    }
    outputs = SideOutputs()
    for side in cell.side_names:
        job = validation_job(cell_path, cell, side, work_dir, cv)
        outcome = (
            done[side] if side in done else _run_validation(cell_path, side, data_dir, job, timeout_s, implementations)
        )
        report["sides"][side] = _read_validation(cell, side, job, outcome, outputs)
    _score_sides(cell, split, outputs, report["sides"])
    gates = [_gate(cell, split, side, outputs, report["sides"]) for side in cell.side_names[1:]]
    report["gates"] = gates
    # The folds phase 3 materialised decide (the catalogue's cross_validation_folds can set them).
    if cv and split.folds is not None:
        report["cv"] = _cross_validate(cell, split, outputs, work_dir)
    comparable_sides = [g["candidate"] for g in gates if g["comparable"]]
    report["comparable_sides"] = [baseline, *comparable_sides] if comparable_sides else []
    report["comparable"] = bool(comparable_sides) and len(comparable_sides) == len(cell.side_names) - 1
    report["reasons"] = [f"{g['candidate']}: {r}" for g in gates for r in g.get("reasons", [])]
    return report


@dataclass
class SideOutputs:
    """What the sides' validation runs left, by side: predictions, decision values, loss records."""

    predictions: dict[str, np.ndarray] = field(default_factory=dict)
    scores: dict[str, np.ndarray | None] = field(default_factory=dict)
    loss_curves: dict[str, list[float]] = field(default_factory=dict)
    loss_components: dict[str, dict[str, list[float]]] = field(default_factory=dict)


def _run_validation(
    cell_path: Path,
    side: str,
    data_dir: Path,
    job: dict[str, Any],
    timeout_s: float,
    implementations: dict[str, Any] | None,
) -> LaunchOutcome:
    """One side's validation run on its own (the batch's job options as command-line options)."""
    options = ["--samples", str(job["samples"]), "--warmup", "0", "--predictions-out", job["predictions_out"]]
    cv_args = ["--cv-predictions-dir", job["cv_predictions_dir"]] if job["cv_predictions_dir"] else []
    return run_side(
        cell_path,
        side,
        data_dir,
        Path(job["out"]),
        timeout_s=timeout_s,
        implementations=implementations,
        extra=[*options, *cv_args],
    )


def _read_validation(
    cell: Cell, side: str, job: dict[str, Any], outcome: LaunchOutcome, outputs: SideOutputs
) -> dict[str, Any]:
    """A side's report entry; its predictions, decision values and loss records go into `outputs`."""
    language = cell.side(side)["language"]
    if not outcome.ok:
        return {"language": language, "ok": False, "error": outcome.error}
    result = read_result(Path(job["out"]))
    pred_path = Path(job["predictions_out"])
    outputs.predictions[side] = np.load(pred_path, allow_pickle=False)
    spath = scores_path(pred_path)
    outputs.scores[side] = np.load(spath, allow_pickle=False) if spath.is_file() else None
    metadata = result.get("metadata") or {}
    curve = metadata.get("loss_steps")
    if isinstance(curve, list) and curve:
        outputs.loss_curves[side] = [float(v) for v in curve]
    components = metadata.get("loss_components")
    if isinstance(components, dict):
        outputs.loss_components[side] = {k: [float(v) for v in c] for k, c in components.items()}
    return {"language": language, "ok": True, "native_quality": result["quality"], "framework": result["framework"]}


def _score_sides(cell: Cell, split: Split, outputs: SideOutputs, sides: dict[str, Any]) -> None:
    """Every side's quality from its predictions, by one metric implementation."""
    baseline = cell.side_names[0]
    predictions, scores = outputs.predictions, outputs.scores
    for side, pred in predictions.items():
        if cell.task in LLM_TASKS:
            # No labels: every side (the baseline too, against itself) is scored against the baseline's outputs.
            sides[side]["quality"] = (
                paired_quality(cell.task, split, predictions[baseline], scores.get(baseline), pred, scores.get(side))
                if baseline in predictions
                else {}
            )
        else:
            sides[side]["quality"] = score_predictions(cell.task, split, pred, scores.get(side))


def _gate(cell: Cell, split: Split, side: str, outputs: SideOutputs, sides: dict[str, Any]) -> dict[str, Any]:
    """One candidate against the baseline: the quality gate, then the step-for-step checks it asks for."""
    baseline = cell.side_names[0]
    predictions = outputs.predictions
    entry: dict[str, Any] = {"candidate": side, "baseline": baseline}
    if side not in predictions or baseline not in predictions:
        failed = [s for s in (baseline, side) if s not in predictions]
        reasons = [f"{s} side failed its validation run: {sides[s]['error']}" for s in failed]
        entry.update(comparable=False, reasons=reasons)
        return entry
    verdict = apply_gate(
        cell.quality_gate, sides[baseline]["quality"], sides[side]["quality"], chance_levels(cell.task, split.y_test)
    )
    entry.update(verdict.to_dict())
    if predictions[baseline].shape != predictions[side].shape:
        entry["prediction_max_abs_diff"] = float("inf")
    else:
        diff = np.abs(predictions[baseline].astype(np.float64) - predictions[side].astype(np.float64))
        entry["prediction_max_abs_diff"] = float(diff.max()) if diff.size else 0.0
    if baseline in outputs.loss_curves and side in outputs.loss_curves:
        entry["loss_curve_max_rel_dev"] = loss_curve_deviation(outputs.loss_curves[baseline], outputs.loss_curves[side])
    if baseline in outputs.loss_components:
        # Named parts of the loss (RL PPO: policy, value) are held to the same bound.
        parts = component_deviations(outputs.loss_components[baseline], outputs.loss_components.get(side, {}))
        entry["loss_component_max_rel_dev"] = parts
        devs = [entry.get("loss_curve_max_rel_dev"), *parts.values()]
        entry["loss_curve_max_rel_dev"] = None if None in devs else max(devs)  # type: ignore[type-var]
    extra = strict_reasons(cell.quality_gate, entry.get("prediction_max_abs_diff"), entry.get("loss_curve_max_rel_dev"))
    entry["reasons"] = [*entry["reasons"], *extra]
    entry["comparable"] = verdict.comparable and not extra
    return entry


def _cross_validate(cell: Cell, split: Split, outputs: SideOutputs, work_dir: Path) -> dict[str, Any]:
    """Each side's quality per fold (from the fold predictions its validation run saved), summarised."""
    fold_quality = {
        side: q
        for side in outputs.predictions
        if (q := score_folds(cell.task, split, work_dir / f"{cell.cell_id}.{side}.cv")) is not None
    }
    return summarise_cv(
        fold_quality,
        cell.side_names[0],
        str(cell.quality_gate.get("metric")),
        int(split.folds.max()) + 1,  # type: ignore[union-attr]
        bool((split.manifest.get("cv") or {}).get("stratified")),
    )


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
