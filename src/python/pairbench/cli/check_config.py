"""Validate config files and pipeline params; exit 2 naming file, key and allowed values."""

from __future__ import annotations

import argparse
from pathlib import Path

from pairbench.analysis.cost import load_machine, validate_hardware
from pairbench.analysis.recommend import load_requirements
from pairbench.analysis.settings import load_analysis_config
from pairbench.cli.common import add_config_arguments, read_json
from pairbench.config import ConfigError, load_catalogue
from pairbench.params import validate_params
from pairbench.selection import RunParams, select


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_arguments(parser)
    parser.add_argument("--hardware", type=Path, help="config/hardware.yaml (every machine profile checked)")
    parser.add_argument("--hardware-profile", help="the machine profile the run will use (must exist)")
    parser.add_argument("--analysis-config", type=Path, help="config/analysis.yaml")
    parser.add_argument("--requirements", type=Path, help="requirements YAML for recommendations")
    parser.add_argument("--params", type=Path, help="pipeline params as JSON (checked against nextflow_schema.json)")


def run(args: argparse.Namespace) -> int:
    catalogue = load_catalogue(args.benchmarks, args.frameworks)
    problems: list[str] = []
    if args.hardware:
        problems += validate_hardware(args.hardware)
        if args.hardware_profile and not problems:
            try:
                load_machine(args.hardware, args.hardware_profile)
            except ConfigError as exc:
                problems += exc.problems
    for path, loader in ((args.analysis_config, load_analysis_config), (args.requirements, load_requirements)):
        if path:
            try:
                loader(path)
            except ConfigError as exc:
                problems += exc.problems
    if problems:
        raise ConfigError(problems)
    if args.params:
        params = validate_params(read_json(args.params))
        select(catalogue, RunParams.from_params({**params, "run_id": params.get("run_id") or "check"}))
    print(f"config ok: {len(catalogue.tasks)} task(s), {len(catalogue.datasets)} dataset(s), "
          f"{len(catalogue.frameworks)} framework(s)")
    return 0
