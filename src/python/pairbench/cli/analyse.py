"""Phase 5: tidy tables, per-pair statistics, rankings, recommendations, cost, history, figures."""

from __future__ import annotations

import argparse
from pathlib import Path

from pairbench.analysis.run import AnalysisInputs, analyse
from pairbench.analysis.settings import StatisticsSettings
from pairbench.cli.common import read_json


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--results-dir", type=Path, required=True, help="directory of result JSON (searched recursively)"
    )
    parser.add_argument("--validation-dir", type=Path, help="directory of phase-3 validation JSON")
    parser.add_argument("--out-dir", type=Path, default=Path("analysis"))
    # Defaults: nextflow_schema.json's, through StatisticsSettings (one source).
    parser.add_argument("--alpha", type=float, help="1 - the confidence of every verdict's interval")
    parser.add_argument("--delta", type=float, help="the verdicts' margin (0.05 = 5%%)")
    parser.add_argument("--resamples", type=int)
    parser.add_argument("--analysis-config", type=Path, help="config/analysis.yaml (power, ranking weights, cost)")
    parser.add_argument("--requirements", type=Path, help="requirements YAML for recommendations")
    parser.add_argument("--hardware", type=Path, help="config/hardware.yaml (cost and energy)")
    parser.add_argument("--hardware-profile", default="default", help="machine profile in the hardware file")
    parser.add_argument("--history-db", type=Path, help="DuckDB results store this run is appended to")
    parser.add_argument("--baseline-run", help="compare this run with a stored run (needs --history-db)")
    parser.add_argument(
        "--fail-on-regression",
        action="store_true",
        help="exit 3 when a series is a confirmed regression against --baseline-run",
    )
    parser.add_argument("--no-figures", action="store_true", help="skip the figure (analysis/speed_ratio.svg)")
    parser.add_argument(
        "--launches",
        type=int,
        help="launches expected at least per comparable (cell, side) (the pipeline: 1, every timed side's first "
        "round; training cells expect their own count); any that did not arrive is listed as missing",
    )
    parser.add_argument(
        "--selection",
        type=Path,
        help="phase 1's selection.json: its run_settings (alpha, power) from the catalogue win "
        "over --alpha and --analysis-config",
    )
    parser.add_argument(
        "--implementations",
        type=Path,
        help="phase 2's implementations.json: the frameworks' measured facts (versions, licences, build cost, "
        "code lines, findings) for the ecosystem tables",
    )
    parser.add_argument(
        "--trace-dir",
        type=Path,
        help="pipeline_info/ of the run: its Nextflow trace gives a missing launch's task hash",
    )


def run(args: argparse.Namespace) -> int:
    selection = (read_json(args.selection) or {}) if args.selection else None
    inputs = AnalysisInputs(
        validation_dir=args.validation_dir,
        analysis_config=args.analysis_config,
        requirements=args.requirements,
        hardware=args.hardware,
        hardware_profile=args.hardware_profile,
        history_db=args.history_db,
        baseline_run=args.baseline_run or None,
        figures=not args.no_figures,
        launches=args.launches,
        trace_dir=args.trace_dir,
        run_settings=selection.get("run_settings") if selection is not None else None,
        rounds=selection.get("params") if selection is not None else None,
        selection=selection,
        implementations=(read_json(args.implementations) or {}) if args.implementations else None,
    )
    overview = analyse(
        args.results_dir,
        args.out_dir,
        None,
        StatisticsSettings(**{k: v for k in ("alpha", "delta", "resamples") if (v := getattr(args, k)) is not None}),
        inputs,
    )
    print(
        f"analysed {overview['n_results']} results ({overview['n_failed']} failed, {overview['n_missing']} missing, "
        f"{len(overview['invalid_result_files'])} invalid files) in {sum(overview['timings_s'].values()):.1f} s"
    )
    for problem in overview["invalid_result_files"]:
        print(f"  invalid: {problem.splitlines()[0]}")
    hist = overview["history"]
    if hist["note"]:
        print(f"  history: {hist['note']}")
    if hist["baseline_run"] and hist["n_regressed"]:
        print(f"  {hist['n_regressed']} confirmed regression(s) against {hist['baseline_run']}")
        if args.fail_on_regression:
            return 3
    return 0
