"""Phase 5 entry point: raw results + validation reports -> tables, comparisons, rankings,
recommendations, cost, history and figures. Each step lives in its own module; this only wires."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from pairbench.analysis import history
from pairbench.analysis.accounting import expected_launches, failures_table, trace_records
from pairbench.analysis.assessment import assessment_tables, readiness_block
from pairbench.analysis.calibration import calibration_summary
from pairbench.analysis.cost import Machine, cost_table, load_machine
from pairbench.analysis.domains import DomainInputs, domain_tables
from pairbench.analysis.forest import speed_ratio_figure
from pairbench.analysis.overview import overview_figure
from pairbench.analysis.pairs import compare_frameworks, geometric_mean_speedups
from pairbench.analysis.rankings import framework_profiles, gate_metrics_from, rankings
from pairbench.analysis.recommend import recommend
from pairbench.analysis.settings import AnalysisConfig, StatisticsSettings, load_analysis_config
from pairbench.analysis.stopping import RoundsRule, rule_error_rates
from pairbench.analysis.summaries import quality_by_side, resources_by_side, summarise
from pairbench.analysis.tidy import (
    launch_values_table,
    launches_table,
    load_results,
    nodes_table,
    refuse_mixed_cpu_models,
    refuse_mixed_series,
    samples_table,
    side_label,
)
from pairbench.analysis.usecases import recommend_use_cases
from pairbench.analysis.validations import (
    comparison_specs,
    cross_validation_table,
    expected_frameworks,
    load_validations,
    quality_parity_table,
    side_order,
)
from pairbench.configuration.config import ConfigError
from pairbench.configuration.requirements import Requirements, load_requirements
from pairbench.core.schema import Result


@dataclass(frozen=True)
class AnalysisInputs:
    """Optional inputs beyond the results; each one left None switches its step off."""

    validation_dir: Path | None = None
    analysis_config: Path | None = None
    requirements: Path | None = None
    hardware: Path | None = None
    hardware_profile: str = "default"
    history_db: Path | None = None
    baseline_run: str | None = None
    figures: bool = True
    # Launches per (cell, side) phase 4 scheduled at least (timed cells: round 1; training cells set their
    # own): any that did not arrive is listed as missing.
    launches: int | None = None
    trace_dir: Path | None = None  # pipeline_info/: the Nextflow trace names a missing launch's task
    # Run-wide settings the catalogue set (selection.json `run_settings`: alpha, power): they win over
    # --alpha and analysis.yaml, as phase 1 already applied the catalogue's cv_folds.
    run_settings: dict[str, Any] | None = None
    # The run's rounds (selection.json `params`: min_rounds, max_rounds): the stopping rule whose error
    # rates analysis.json states.
    rounds: dict[str, Any] | None = None
    # Phase 1's selection.json and phase 2's implementations.json, whole: the cells' sides, params and
    # fixtures (domains, readiness, decomposition) and the frameworks' measured facts (ecosystem tables).
    selection: dict[str, Any] | None = None
    implementations: dict[str, Any] | None = None


def with_run_settings(settings: StatisticsSettings, run_settings: dict[str, Any]) -> StatisticsSettings:
    """`settings` with the catalogue's run-wide alpha and power values, where it sets them."""
    power = run_settings.get("power") or {}
    changes = {"alpha": run_settings.get("alpha"), **{k: power.get(k) for k in ("power", "effect", "min_samples")}}
    return replace(settings, **{k: type(getattr(settings, k))(v) for k, v in changes.items() if v is not None})


class _Laps:
    """Seconds per step, recorded in analysis.json (the 10k-record benchmark reads them)."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._clock = time.perf_counter()

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = round(now - self._clock, 3)
        self._clock = now


def resolve_settings(
    settings: StatisticsSettings | None, inputs: AnalysisInputs
) -> tuple[StatisticsSettings, AnalysisConfig]:
    """The statistics settings after analysis.yaml and the catalogue's run settings; the config. The
    margin (delta) is the run's parameter and nothing else: it never moves with the host's noise."""
    config = load_analysis_config(inputs.analysis_config)
    settings = settings or StatisticsSettings()
    settings = replace(settings, effect=config.effect, power=config.power, min_samples=config.min_samples)
    settings = with_run_settings(settings, inputs.run_settings or {})
    return settings, config


@dataclass(frozen=True)
class _Loaded:
    results: list[Result]
    problems: list[tuple[str, str]]
    mixed_cpu: dict[str, dict[str, list[str]]]
    validations: list[dict[str, Any]]


def load_inputs(results_dir: Path, inputs: AnalysisInputs) -> _Loaded:
    """The valid results (refused as failed launches: a cell run on several CPU models, a side whose
    launches measured different data, threads or dtype), the invalid files and the validation
    reports; nothing at all to analyse is an error."""
    if not results_dir.is_dir():
        raise ConfigError([f"{results_dir}: no such directory; nothing to analyse"])
    results, problems = load_results(results_dir)
    results, mixed_cpu = refuse_mixed_cpu_models(results)
    results, _ = refuse_mixed_series(results)  # the failures table names each refused launch
    validations = load_validations(inputs.validation_dir)
    if not results and not problems and not validations:
        raise ConfigError([f"{results_dir}: nothing to analyse: no result files (*.json) and no validation reports"])
    return _Loaded(results, problems, mixed_cpu, validations)


def timing_tables(
    samples: pd.DataFrame,
    values: pd.DataFrame,
    settings: StatisticsSettings,
    validations: list[dict[str, Any]],
    lap: _Laps,
) -> dict[str, pd.DataFrame]:
    """Per-series summaries, pairwise comparisons and the cross-cell geometric means."""
    summary = summarise(samples, values, settings) if not samples.empty else pd.DataFrame()
    lap("summary")
    comparisons = (
        compare_frameworks(values, settings, side_order(validations), comparison_specs(validations))
        if not values.empty
        else pd.DataFrame()
    )
    geomeans = geometric_mean_speedups(comparisons, values, settings)
    lap("comparisons")
    return {"summary": summary, "comparisons": comparisons, "geomean_speedups": geomeans}


def decision_tables(
    loaded: _Loaded,
    launches: pd.DataFrame,
    timing: dict[str, pd.DataFrame],
    config: AnalysisConfig,
    inputs: AnalysisInputs,
) -> tuple[dict[str, pd.DataFrame], Requirements, Machine | None]:
    """Resources, quality, failures, profiles, rankings, recommendations and cost; with the
    requirements and the machine they were made for."""
    summary, comparisons = timing["summary"], timing["comparisons"]
    validations = loaded.validations
    resources = resources_by_side(launches) if not launches.empty else pd.DataFrame()
    quality = quality_by_side(launches) if not launches.empty else pd.DataFrame()
    expected = expected_launches(validations, inputs.launches) if inputs.launches else set()
    arrived = {(d["cell_id"], side_label(d), int(d["launch"])): d.get("metadata") or {} for d in loaded.results}
    failures = failures_table(launches, arrived, expected, loaded.problems, trace_records(inputs.trace_dir))
    profiles = framework_profiles(summary, resources, quality, gate_metrics_from(validations))
    ranks = rankings(profiles, comparisons, config.ranking)
    requirements = (
        load_requirements(inputs.requirements) if inputs.requirements else Requirements(weights=config.ranking.weights)
    )
    frameworks = expected_frameworks(validations)
    recommendations = recommend(profiles, summary, comparisons, requirements, frameworks)
    use_cases = recommend_use_cases(summary, resources, comparisons, requirements.use_case_list(), frameworks)
    machine = load_machine(inputs.hardware, inputs.hardware_profile) if inputs.hardware else None
    costs = cost_table(summary, launches, machine, config.cost) if machine and not launches.empty else pd.DataFrame()
    tables = {
        "resources": resources,
        "quality": quality,
        "failures": failures,
        "profiles": profiles,
        "rankings": ranks,
        "recommendations": recommendations,
        "use_cases": use_cases,
        "cost": costs,
    }
    return tables, requirements, machine


def history_tables(
    inputs: AnalysisInputs,
    run_id: str,
    samples: pd.DataFrame,
    summary: pd.DataFrame,
    launches: pd.DataFrame,
    settings: StatisticsSettings,
    values: pd.DataFrame | None = None,
) -> tuple[dict[str, pd.DataFrame], str | None]:
    """This run appended to the history database; its step changes and its regressions against the
    baseline run (with a note when the baseline is not in the database)."""
    regressions, steps, note = pd.DataFrame(), pd.DataFrame(), None
    if inputs.history_db is not None and run_id:
        history.append_run(inputs.history_db, run_id, samples, summary, launches, values=values)
        steps = history.step_report(inputs.history_db, settings.delta)
        if inputs.baseline_run:
            try:
                regressions = history.compare_runs(inputs.history_db, inputs.baseline_run, run_id, settings)
            except KeyError as exc:
                note = str(exc.args[0])
    return {"regressions": regressions, "steps": steps}, note


def analyse(
    results_dir: Path,
    out_dir: Path,
    validation_dir: Path | None = None,
    settings: StatisticsSettings | None = None,
    inputs: AnalysisInputs | None = None,
) -> dict[str, Any]:
    """Every step in order, each table written as CSV, and analysis.json (returned) describing the run."""
    inputs = inputs or AnalysisInputs(validation_dir=validation_dir)
    if validation_dir is not None and inputs.validation_dir is None:
        inputs = replace(inputs, validation_dir=validation_dir)
    settings, config = resolve_settings(settings, inputs)
    lap = _Laps()
    loaded = load_inputs(results_dir, inputs)
    out_dir.mkdir(parents=True, exist_ok=True)
    lap("load")
    parity = quality_parity_table(loaded.validations)
    samples = samples_table(loaded.results)
    values = launch_values_table(loaded.results)
    launches = launches_table(loaded.results)
    lap("tidy")
    timing = timing_tables(samples, values, settings, loaded.validations, lap)
    selection = inputs.selection or {}
    core = {**timing, "launches": launches, "quality_parity": parity}
    # Each domain with tables of its own (analysis/domains/; rl's training rule lies outside the timing verdicts).
    domains = domain_tables(DomainInputs(loaded.results, loaded.validations, selection, core, settings.confidence))
    decisions, requirements, machine = decision_tables(loaded, launches, timing, config, inputs)
    lap("rankings_cost")
    run_id = str(launches["run_id"].iloc[0]) if not launches.empty else ""
    past, history_note = history_tables(inputs, run_id, samples, timing["summary"], launches, settings, values)
    lap("history")
    counts = _counts(loaded, launches, decisions["failures"])
    history_info = {"baseline_run": inputs.baseline_run, "note": history_note}
    assessed = assessment_tables(
        {**core, **decisions, **past},
        selection,
        inputs.implementations or {},
        loaded.validations,
        counts,
        history_info,
    )
    lap("assessment")

    tables = {
        "samples": samples,
        "launch_values": values,
        "launches": launches,
        "summary": timing["summary"],
        "comparisons": timing["comparisons"],
        "geomean_speedups": timing["geomean_speedups"],
        "resources": decisions["resources"],
        "quality": decisions["quality"],
        "quality_parity": parity,
        "failures": decisions["failures"],
        "cross_validation": cross_validation_table(loaded.validations),
        "profiles": decisions["profiles"],
        "rankings": decisions["rankings"],
        "recommendations": decisions["recommendations"],
        "use_cases": decisions["use_cases"],
        "cost": decisions["cost"],
        "regressions": past["regressions"],
        "steps": past["steps"],
        **domains,
        **assessed,
    }
    for name, table in tables.items():
        table.to_csv(out_dir / f"{name}.csv", index=False)
    lap("write")
    figures = []
    if inputs.figures:
        figures = [
            str(p.relative_to(out_dir))
            for p in speed_ratio_figure(
                timing["comparisons"], out_dir / "speed_ratio", settings.delta, timing["geomean_speedups"], launches
            )
        ]
        figures += [
            str(p.relative_to(out_dir))
            for p in overview_figure(assessed["overview"], out_dir / "overview", settings.delta, launches)
        ]
    lap("figures")
    overview = {
        "run_id": run_id,
        "settings": {**asdict(settings), "confidence": settings.confidence},
        "calibration": calibration_summary(timing["comparisons"], settings.delta),
        "stopping_rule": _stopping_rule(inputs, settings),
        "readiness": readiness_block(selection),
        "analysis_config": {"ranking": asdict(config.ranking), "cost": asdict(config.cost)},
        "requirements": asdict(requirements),
        "machine": asdict(machine) if machine else None,
        **counts,
        "mixed_cpu_models": loaded.mixed_cpu,
        "history": {
            "db": str(inputs.history_db) if inputs.history_db else None,
            "baseline_run": inputs.baseline_run,
            "n_regressed": int((past["regressions"]["status"] == "regressed").sum())
            if not past["regressions"].empty
            else 0,
            "run_shift": asdict(past["regressions"].attrs["run_shift"])
            if "run_shift" in past["regressions"].attrs
            else None,
            "note": history_note,
        },
        "figures": figures,
        "tables": {name: f"{name}.csv" for name in tables},
        "timings_s": lap.timings,
    }
    (out_dir / "analysis.json").write_text(json.dumps(overview, indent=2, default=str) + "\n", encoding="utf-8")
    return overview


def _stopping_rule(inputs: AnalysisInputs, settings: StatisticsSettings) -> dict[str, Any] | None:
    """The error rates of the run's stopping rule, by simulation (analysis/stopping.py), or None when the
    run's rounds are not known (an analysis by hand without --selection)."""
    rounds = inputs.rounds or {}
    if not rounds.get("min_rounds") or not rounds.get("max_rounds"):
        return None
    rule = RoundsRule(int(rounds["min_rounds"]), int(rounds["max_rounds"]), settings.delta, settings.confidence)
    return rule_error_rates(rule, n_cells=1000, seed=settings.seed)


def _counts(loaded: _Loaded, launches: pd.DataFrame, failures: pd.DataFrame) -> dict[str, Any]:
    """analysis.json's counts of results, failures, invalid files, and which node ran what."""
    return {
        "n_results": len(loaded.results),
        "n_ok": int((launches["status"] == "ok").sum()) if not launches.empty else 0,
        "n_failed": int(failures["status"].isin(["failed", "lost"]).sum()),
        "n_missing": int((failures["status"] == "missing").sum()),
        "invalid_result_files": [f"{source}: {reason}" for source, reason in loaded.problems],
        "nodes": [
            {
                "host": str(r.host),
                "cpu_model": str(r.cpu_model),
                "framework": str(r.framework),
                "launches": int(r.launches),
            }
            for r in nodes_table(launches).itertuples(index=False)
        ],
    }
