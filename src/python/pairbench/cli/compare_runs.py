"""Compare a stored run with a baseline run: improved / regressed / unchanged / inconclusive per series,
with the four outcomes and margin of the framework comparisons, on launch values (unpaired: two runs
cannot be interleaved), each series judged relative to the run-wide shift (analysis/history.py)."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import pandas as pd

from pairbench.analysis import history
from pairbench.analysis.settings import StatisticsSettings
from pairbench.configuration.run_defaults import run_default


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", type=Path, required=True, help="DuckDB results store (the history_db param)")
    parser.add_argument("--baseline", required=True, metavar="RUN_ID", help="the run to compare against")
    parser.add_argument("--run", metavar="RUN_ID", help="the run to judge (default: the latest stored run)")
    parser.add_argument(
        "--alpha", type=float, default=float(run_default("alpha")), help="1 - the interval's confidence"
    )
    parser.add_argument("--delta", type=float, default=float(run_default("delta")), help="the margin (0.05 = 5%%)")
    parser.add_argument(
        "--absolute",
        action="store_true",
        help="judge each series' own ratio, not its ratio relative to the shift of every series together",
    )
    parser.add_argument("--out", type=Path, help="write the per-series table as CSV")
    parser.add_argument("--steps", action="store_true", help="also list steps detected over the whole history")
    parser.add_argument("--fail-on-regression", action="store_true", help="exit 3 on a confirmed regression")


def run(args: argparse.Namespace) -> int:
    if not args.db.is_file():
        print(f"pairbench compare: error: {args.db}: no such results store", flush=True)
        return 2
    stored = history.runs(args.db)
    current = args.run or (str(stored["run_id"].iloc[-1]) if not stored.empty else "")
    settings = StatisticsSettings(alpha=args.alpha, delta=args.delta)
    try:
        table = history.compare_runs(args.db, args.baseline, current, settings, relative=not args.absolute)
    except KeyError as exc:
        print(f"pairbench compare: error: {exc.args[0]}")
        return 2
    if args.out:
        table.to_csv(args.out, index=False)
    counts = table["status"].value_counts().to_dict() if not table.empty else {}
    print(
        f"{current} vs baseline {args.baseline} (unpaired, launch values, margin ±{args.delta:.0%}): "
        + (", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "no common series")
    )
    shift = table.attrs["run_shift"]
    if shift.n_series:
        judged = "each series judged relative to it" if shift.applied else "series judged on their own ratios"
        bounds = f"[{math.exp(shift.log_low):.3g}, {math.exp(shift.log_high):.3g}]" if shift.n_series > 5 else ""
        print(
            f"  every series together (median of {shift.n_series}): x{shift.ratio:.3g} {bounds}, "
            f"{shift.outcome(args.delta)} (the host, or a change that reaches every series); {judged}"
        )
    flagged = table[table["status"].isin(["regressed", "improved"])] if not table.empty else table
    for _, r in flagged.iterrows():
        print(
            f"  {r['status']:9s} {r['cell_id']} {r['framework']} {r['phase']}: x{r['relative_ratio']:.3g} "
            f"[{r['relative_ci_low']:.3g}, {r['relative_ci_high']:.3g}] (own ratio x{r['ratio']:.3g}; "
            f"{int(r['n_reference'])} vs {int(r['n_candidate'])} launches)"
        )
    if args.steps:
        steps = history.step_report(args.db, args.delta)
        with pd.option_context("display.width", 200, "display.max_columns", 20):
            print(steps.to_string(index=False) if not steps.empty else "no steps detected")
    if args.fail_on_regression and counts.get("regressed", 0):
        return 3
    return 0
