"""Validate config files and pipeline params; exit 2 naming file, key and allowed values."""

from __future__ import annotations

import argparse
from pathlib import Path

from pairbench.cli.common import add_config_arguments, read_json
from pairbench.config import load_catalogue, load_yaml
from pairbench.params import validate_params
from pairbench.selection import RunParams, select


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_arguments(parser)
    parser.add_argument("--hardware", type=Path, help="config/hardware.yaml (checked to be readable YAML)")
    parser.add_argument("--params", type=Path, help="pipeline params as JSON (checked against nextflow_schema.json)")


def run(args: argparse.Namespace) -> int:
    catalogue = load_catalogue(args.benchmarks, args.frameworks)
    if args.hardware:
        load_yaml(args.hardware)
    if args.params:
        params = validate_params(read_json(args.params))
        select(catalogue, RunParams.from_params({**params, "run_id": params.get("run_id") or "check"}))
    print(f"config ok: {len(catalogue.tasks)} task(s), {len(catalogue.datasets)} dataset(s), "
          f"{len(catalogue.frameworks)} framework(s)")
    return 0
