"""Phase 4: the rounds of one cell: every side launched once per round in a seeded random order, each a
fresh process, until the cell's verdicts are settled or its limits are reached (harness/rounds.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

from pairbench.cli.common import read_json
from pairbench.configuration.run_defaults import run_default


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cell", type=Path, required=True, help="the cell spec phase 1 wrote")
    parser.add_argument(
        "--sides", help="comma-separated sides to run, baseline first (default: every side of the cell)"
    )
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--implementations", type=Path)
    parser.add_argument("--out-dir", type=Path, required=True, help="one result file per launch")
    parser.add_argument(
        "--record", type=Path, required=True, help="the rounds record (JSON: every round's order and times, every look)"
    )
    parser.add_argument("--min-rounds", type=int, default=int(run_default("min_rounds")))
    parser.add_argument("--max-rounds", type=int, default=int(run_default("max_rounds")))
    parser.add_argument(
        "--budget-s", type=float, default=float(run_default("cell_budget_s")),
        help="no new round starts once the cell has run this long (its first --min-rounds always run)",
    )  # fmt: skip
    parser.add_argument("--delta", type=float, default=float(run_default("delta")), help="the verdicts' margin")
    parser.add_argument(
        "--alpha", type=float, default=float(run_default("alpha")), help="1 - the interval's confidence"
    )
    parser.add_argument("--seed", type=int, default=int(run_default("order_seed")), help="seeds every round's order")
    parser.add_argument("--timeout", type=float, default=float(run_default("timeout_s")), help="seconds per launch")
    parser.add_argument("--max-attempts", type=int, default=int(run_default("max_attempts")))
    parser.add_argument("--aa", action="store_true", help="A/A: launch every side twice per round (arms a and b)")
    parser.add_argument(
        "--record-lost",
        type=int,
        metavar="EXIT_STATUS",
        help="run nothing: the rounds runner of this cell died with this exit status (kill -9, the OOM killer); "
        "keep the results it finished and record every arm without a first round as lost (the task script "
        "calls this on the last attempt)",
    )
    parser.add_argument("--task-hash", default="", help="the Nextflow task hash recorded with a lost launch")


def run(args: argparse.Namespace) -> int:
    from pairbench.analysis.stopping import RoundsRule, look
    from pairbench.core.cells import Cell
    from pairbench.harness.rounds import RoundsSettings, run_rounds

    cell = Cell.read(args.cell)
    sides = [s.strip() for s in args.sides.split(",") if s.strip()] if args.sides else cell.side_names
    for side in sides:
        cell.side(side)  # an unknown side is a KeyError naming the cell's sides
    # Baseline first, in the cell's own order, whatever order --sides came in.
    sides = sorted(set(sides), key=cell.side_names.index)
    if args.record_lost is not None:
        from pairbench.harness.rounds import record_lost_rounds

        lost = record_lost_rounds(
            args.cell, sides, args.data_dir, args.out_dir, args.record, aa=args.aa,
            exit_status=args.record_lost, task_hash=args.task_hash,
        )  # fmt: skip
        print(f"{cell.cell_id}: the rounds runner died (exit status {args.record_lost}); {lost} arm(s) recorded lost")
        return 0
    rule = RoundsRule(args.min_rounds, args.max_rounds, args.delta, 1.0 - args.alpha)
    settings = RoundsSettings(
        min_rounds=args.min_rounds, max_rounds=args.max_rounds, budget_s=args.budget_s, seed=args.seed,
        timeout_s=args.timeout, max_attempts=args.max_attempts, aa=args.aa,
    )  # fmt: skip

    def decide(values: dict[str, dict[str, list[float]]], pairs: list[tuple[str, str]], n: int) -> object:
        return look(values, pairs, rule, n) if rule.is_look(n) else None

    record = run_rounds(
        args.cell, sides, args.data_dir, args.out_dir, settings, decide,
        implementations=read_json(args.implementations) or None, record_path=args.record,
    )  # fmt: skip
    print(f"{cell.cell_id}: {len(record.rounds)} round(s) of {', '.join(record.arms)}: {record.stop_reason}")
    return 0
