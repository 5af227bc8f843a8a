"""Phase 3: capture the machine and software environment as environment.json."""

from __future__ import annotations

import argparse
from pathlib import Path

from pairbench.cli.common import write_json
from pairbench.harness.environment import capture_environment


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--threads", type=int, required=True, help="the run's --threads")
    parser.add_argument("--out", type=Path, default=Path("environment.json"))


def run(args: argparse.Namespace) -> int:
    env = capture_environment(args.threads)
    write_json(env, args.out)
    s = env["summary"]
    print(f"{s['cpu_model']} ({s['cpu_logical_cores']} logical cores), {s['memory_gb']} GiB, {s['os']}")
    for warning in env.get("system", {}).get("warnings", []):
        print(f"WARNING: {warning}")
    return 0
