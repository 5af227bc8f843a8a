"""Validate config files and pipeline params; exit 2 naming file, key and allowed values."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pairbench.analysis.cost import load_machine, validate_hardware
from pairbench.analysis.settings import load_analysis_config
from pairbench.cli.common import add_config_arguments, grid_line, read_json
from pairbench.configuration.config import ConfigError, load_catalogue
from pairbench.configuration.params import validate_params
from pairbench.configuration.requirements import load_requirements
from pairbench.configuration.selection import RunParams, cell_counts, nothing_to_run, select


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_arguments(parser)
    parser.add_argument("--hardware", type=Path, help="config/hardware.yaml (every machine profile checked)")
    parser.add_argument("--hardware-profile", help="the machine profile the run will use (must exist)")
    parser.add_argument("--analysis-config", type=Path, help="config/analysis.yaml")
    parser.add_argument("--requirements", type=Path, help="requirements YAML for recommendations")
    parser.add_argument("--params", type=Path, help="pipeline params as JSON (checked against nextflow_schema.json)")
    parser.add_argument(
        "--executor",
        default="local",
        help="the Nextflow executor the run will use (local: every cell's threads must fit this machine)",
    )
    parser.add_argument(
        "--executor-cpus",
        type=int,
        default=os.cpu_count() or 1,
        help="cores the local executor may use (Nextflow's executor.cpus)",
    )


def run(args: argparse.Namespace) -> int:
    """Every problem of every file and param is collected, then reported together."""
    problems: list[str] = []

    def collect(check: Callable[[], Any]) -> Any:
        try:
            return check()
        except ConfigError as exc:
            problems.extend(exc.problems)
            return None

    catalogue = collect(lambda: load_catalogue(args.benchmarks, args.frameworks))
    if args.hardware:
        hardware_problems = validate_hardware(args.hardware)
        problems.extend(hardware_problems)
        if args.hardware_profile and not hardware_problems:
            collect(lambda: load_machine(args.hardware, args.hardware_profile))
    for path, loader in ((args.analysis_config, load_analysis_config), (args.requirements, load_requirements)):
        if path:
            collect(lambda path=path, loader=loader: loader(path))
    params = None
    if args.params:
        names = (
            {}
            if catalogue is None
            else {
                "domains": sorted({t.domain for t in catalogue.tasks}),
                "algorithms": sorted({a for t in catalogue.tasks for a in t.algorithms}),
                "datasets": sorted(catalogue.datasets),
            }
        )
        raw = collect(lambda: read_json(args.params))
        if raw is not None:
            params = collect(lambda: validate_params(raw, allowed_names=names))
            problems.extend(run_problems(raw, args.executor, args.executor_cpus))
    if problems:
        raise ConfigError(problems)
    counts = None
    if params is not None:
        rp = RunParams.from_params({**params, "run_id": params.get("run_id") or "check"})
        selection = select(catalogue, rp, resolve_data=False)
        if why := nothing_to_run(catalogue, rp, selection):
            raise ConfigError([f"params: {why}"])
        if problems := thread_problems(selection["cells"], rp.threads, args.executor, args.executor_cpus):
            raise ConfigError(problems)
        counts = cell_counts(catalogue, rp)
    print(
        f"config ok: {len(catalogue.tasks)} task(s), {len(catalogue.datasets)} dataset(s), "
        f"{len(catalogue.frameworks)} framework(s)"
        + (
            " (specification layout, translated onto config/benchmarks.yaml)"
            if catalogue.layout == "specification"
            else ""
        )
    )
    for entry in catalogue.skipped:
        where = "/".join(x for x in (entry["domain"], entry["task"]) if x)
        print(f"  skipped {entry['kind']} {entry['name']} ({where}): {entry['reason']}")
    for stand_in in catalogue.mapping.get("stand_ins", []):
        print(f"  stand-in: {stand_in['spec']} runs as {stand_in['pairbench']}: {stand_in['note']}")
    if counts is not None:
        print(grid_line(counts, rp.grid))
    return 0


def thread_problems(cells: list[dict[str, Any]], run_threads: int, executor: str, executor_cpus: int) -> list[str]:
    """A cell's threads (phase 1 writes them: --threads, or its task's threads axis) are the CPUs its benchmark
    task asks Nextflow for (conf/base.config): on the local executor they must fit this machine."""
    if executor != "local":
        return []
    allowed = f"allowed: 1 to {executor_cpus}"
    problems: dict[str, None] = {}  # one line per setting, in the cells' order
    for cell in cells:
        n = int(cell["threads"])
        if n > executor_cpus:
            where = (
                "params: --threads"
                if n == run_threads
                else f"{cell['domain']}.{cell['task']}.{cell['algorithm']}: threads (its threads axis)"
            )
            problems[f"{where}: {n} threads, but the local executor has {executor_cpus} core(s); {allowed}"] = None
    return list(problems)


def run_problems(params: dict[str, Any], executor: str, executor_cpus: int) -> list[str]:
    """Checks that need more than one param, or the machine, or the history store."""
    problems = []
    low, high = params.get("min_rounds"), params.get("max_rounds")
    if isinstance(low, int) and isinstance(high, int) and high < low:
        problems.append(f"params: --max_rounds: {high} is below --min_rounds ({low}); allowed: {low} and more")
    baseline = params.get("baseline_run")
    if params.get("fail_on_regression") and not baseline:
        problems.append("params: --fail_on_regression: needs --baseline_run (the run to compare with)")
    if baseline:
        db = params.get("history_db")
        if not db:
            problems.append(f"params: --baseline_run: {baseline!r} needs --history_db, the store it is read from")
        elif not Path(db).is_file():
            problems.append(f"params: --baseline_run: {baseline!r} cannot be found: history store {db} does not exist")
        else:
            from pairbench.analysis.history import runs

            known = sorted(runs(Path(db))["run_id"])
            if baseline not in known:
                problems.append(
                    f"params: --baseline_run: run {baseline!r} is not in {db}; allowed: "
                    + (", ".join(known) or "<no runs stored yet>")
                )
    return problems
