"""Phase 5: tidy tables, per-pair statistics with CIs and Holm correction, figures."""

from __future__ import annotations

import argparse
from pathlib import Path

from pairbench.analysis.compare import AnalysisSettings
from pairbench.analysis.run import analyse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--results-dir", type=Path, required=True,
                        help="directory of result JSON (searched recursively)")
    parser.add_argument("--validation-dir", type=Path, help="directory of phase-3 validation JSON")
    parser.add_argument("--out-dir", type=Path, default=Path("analysis"))
    parser.add_argument("--alpha", type=float, default=0.05)
    parser.add_argument("--noise", type=float, default=0.02, help="noise band for verdicts (0.02 = ±2%%)")
    parser.add_argument("--resamples", type=int, default=5000)


def run(args: argparse.Namespace) -> int:
    overview = analyse(args.results_dir, args.out_dir, args.validation_dir,
                       AnalysisSettings(alpha=args.alpha, noise=args.noise, resamples=args.resamples))
    print(f"analysed {overview['n_results']} results ({overview['n_failed']} failed, "
          f"{len(overview['invalid_result_files'])} invalid files)")
    for problem in overview["invalid_result_files"]:
        print(f"  invalid: {problem.splitlines()[0]}")
    return 0
