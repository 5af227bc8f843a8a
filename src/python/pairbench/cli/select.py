"""Phase 1: choose the cells to run; write selection.json and one cell spec per selected cell."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pairbench.cli.common import add_config_arguments, grid_line, read_json, write_json
from pairbench.configuration.config import load_catalogue
from pairbench.configuration.params import validate_params
from pairbench.configuration.selection import RunParams, cell_counts, nothing_to_run, select
from pairbench.core.cells import Cell


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_arguments(parser)
    parser.add_argument("--params", type=Path, required=True, help="pipeline params as JSON")
    parser.add_argument("--run-id", required=True)
    parser.add_argument("--out-dir", type=Path, default=Path("."))


def run(args: argparse.Namespace) -> int:
    params = validate_params(read_json(args.params))
    catalogue = load_catalogue(args.benchmarks, args.frameworks)
    rp = RunParams.from_params({**params, "run_id": args.run_id})
    # Said first: the specification's grids multiply to thousands of cells, and `first` is the default.
    print(grid_line(cell_counts(catalogue, rp), rp.grid))
    selection = select(catalogue, rp)
    write_json(selection, args.out_dir / "selection.json")
    for spec in selection["cells"]:
        Cell(**spec).write(args.out_dir / "cells")
    kept = len(selection["cells"])
    if why := nothing_to_run(catalogue, rp, selection):
        print(why, file=sys.stderr)
    print(
        f"selected {kept} of {len(selection['decisions'])} cells; every skipped cell and its reason is in "
        f"{args.out_dir / 'selection.json'}"
    )
    for entry in selection["skipped"]:
        print(f"skipped {entry['kind']} {entry['name']}: {entry['reason']}")
    for stand_in in selection["spec_mapping"].get("stand_ins", []):
        print(f"stand-in: {stand_in['spec']} runs as {stand_in['pairbench']}: {stand_in['note']}")
    devices = selection["devices"]
    print(
        f"devices: {', '.join(devices['used'])}"
        + "".join(f" ({d} not used: {why})" for d, why in devices["unavailable"].items())
    )
    return 0 if kept else 3
