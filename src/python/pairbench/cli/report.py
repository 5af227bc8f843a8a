"""Phase 6: ecosystem table and the final report (self-contained HTML; Markdown, JSON, CSV, Excel)."""

from __future__ import annotations

import argparse
from pathlib import Path

from pairbench.report.render import render_report


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--analysis-dir", type=Path, required=True)
    parser.add_argument("--selection", type=Path, required=True)
    parser.add_argument("--environment", type=Path)
    parser.add_argument("--implementations", type=Path)
    parser.add_argument("--out-dir", type=Path, default=Path("report"))
    parser.add_argument("--scaling-dir", type=Path, help="output of `pairbench scaling`, when it ran")
    parser.add_argument(
        "--raw-href",
        default="../raw/",
        help="where the report links raw result files, relative to the report (published layout)",
    )


def run(args: argparse.Namespace) -> int:
    from pairbench.configuration.config import ConfigError

    problems = []
    if not (args.analysis_dir / "analysis.json").is_file():
        problems.append(f"{args.analysis_dir}: no analysis here (analysis.json missing); run `pairbench analyse` first")
    for path in (args.selection, args.environment, args.implementations, args.scaling_dir):
        if path is not None and not path.exists():
            problems.append(f"{path}: file not found")
    if problems:
        raise ConfigError(problems)
    doc = render_report(
        args.analysis_dir,
        args.out_dir,
        selection_path=args.selection,
        environment_path=args.environment,
        implementations_path=args.implementations,
        raw_href=args.raw_href,
        scaling_dir=args.scaling_dir,
    )
    for line in doc["headline"]:
        print(line)
    return 0
