"""Phase 3: run both sides once on the real split and apply the quality gate, to one cell or a batch."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from pairbench.cli.common import read_json
from pairbench.experiment.validation import validate_cells, write_validation


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--cell",
        type=Path,
        action="append",
        required=True,
        help="a cell spec; repeat it to validate a batch (Python sides then share one worker per side)",
    )
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--implementations", type=Path)
    parser.add_argument("--out-dir", type=Path, required=True, help="writes <cell_id>.validation.json here")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per side and cell")
    parser.add_argument(
        "--cv",
        choices=("true", "false"),
        default="true",
        help="also cross-validate (classification/regression datasets materialised with folds)",
    )


def run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="pairbench-validate-") as tmp:
        reports = validate_cells(
            args.cell,
            args.data_dir,
            Path(tmp),
            timeout_s=args.timeout,
            implementations=read_json(args.implementations) or None,
            cv=args.cv == "true",
        )
    for report in reports:
        write_validation(report, args.out_dir / f"{report['cell_id']}.validation.json")
        state = "comparable" if report["comparable"] else "NOT comparable: " + "; ".join(report["reasons"])
        print(f"{report['cell_id']}: {state}")
    return 0
