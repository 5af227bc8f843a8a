"""Phase 4: one measured launch of one side of one cell, in a fresh process, with retry semantics."""

from __future__ import annotations

import argparse
from pathlib import Path

from pairbench.cli.common import read_json
from pairbench.harness.launcher import launch_with_retry_policy, record_lost_launch


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cell", type=Path, required=True)
    parser.add_argument("--side", required=True, help="framework name of the side to run (one of the cell's)")
    parser.add_argument("--launch", type=int, default=1)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--implementations", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--attempt", type=int, default=1, help="this attempt (Nextflow's task.attempt)")
    parser.add_argument("--max-attempts", type=int, default=2, help="the last attempt records a failed result")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds before the launch is killed")
    parser.add_argument(
        "--record-lost",
        type=int,
        metavar="EXIT_STATUS",
        help="run nothing: record that the last attempt's launcher died with this exit status "
        "and wrote no result (the task script calls this; a valid result is kept)",
    )
    parser.add_argument("--task-hash", default="", help="the Nextflow task hash recorded with a lost launch")
    parser.add_argument(
        "--lost",
        metavar="REASON",
        help="run nothing: record this launch as failed with REASON (phase 4, when every attempt "
        "was killed before even the task script could record it)",
    )


def run(args: argparse.Namespace) -> int:
    if args.record_lost is not None or args.lost:
        return record_lost_launch(
            args.cell,
            args.side,
            args.data_dir,
            args.out,
            launch=args.launch,
            attempt=args.attempt,
            max_attempts=args.max_attempts,
            exit_status=args.record_lost,
            task_hash=args.task_hash,
            reason=args.lost,
        )
    return launch_with_retry_policy(
        args.cell,
        args.side,
        args.data_dir,
        args.out,
        launch=args.launch,
        attempt=args.attempt,
        max_attempts=args.max_attempts,
        timeout_s=args.timeout,
        implementations=read_json(args.implementations) or None,
    )
