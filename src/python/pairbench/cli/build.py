"""Phase 2: build the Rust side (--release) and record implementations.json."""

from __future__ import annotations

import argparse
from pathlib import Path

from pairbench.build.implementations import record_implementations
from pairbench.cli.common import read_json, write_json


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--selection", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=Path("implementations.json"))
    parser.add_argument("--skip-build", action="store_true", help="record the existing binaries only")


def run(args: argparse.Namespace) -> int:
    record = record_implementations(read_json(args.selection), skip_build=args.skip_build)
    write_json(record, args.out)
    for name, fw in record["frameworks"].items():
        state = "ok" if fw["available"] else f"UNAVAILABLE: {fw.get('build_error', 'not importable / no capabilities')}"
        print(f"{fw['language']} {name} {fw.get('version', '')}: {state}")
    return 0
