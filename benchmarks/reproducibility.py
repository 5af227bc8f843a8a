"""Run-to-run reproducibility: run a profile twice (or take two finished runs) and compare them.

    # run the smoke profile twice, then compare
    python benchmarks/reproducibility.py --run -- -profile smoke --domains classical_ml
    # compare two finished runs' analysis folders
    python benchmarks/reproducibility.py --compare results-a/analysis results-b/analysis

Reports (targets from issue 15 in brackets):
- the share of verdicts (comparisons.csv `outcome`) that agree between the runs [>= 95%];
- Spearman's rank correlation of the leaderboards (rankings.csv, every scope pooled);
- the spread of each series' median between runs: |median_b / median_a - 1|, its median and the share
  of series within 5% [timings within ±5%].
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
from scipy import stats

SERIES = ["cell_id", "framework", "phase"]
PAIR = ["cell_id", "phase", "candidate", "reference"]


def run_to_run_agreement(a: Path, b: Path) -> dict[str, Any]:
    """How far two runs of the same selection agree: verdicts, leaderboards and medians."""
    ca, cb = pd.read_csv(a / "comparisons.csv"), pd.read_csv(b / "comparisons.csv")
    both = ca.merge(cb, on=PAIR, suffixes=("_a", "_b"))
    agree = (both["outcome_a"] == both["outcome_b"]).mean() if len(both) else float("nan")
    sa, sb = pd.read_csv(a / "summary.csv"), pd.read_csv(b / "summary.csv")
    s = sa.merge(sb, on=SERIES, suffixes=("_a", "_b"))
    spread = (s["median_s_b"] / s["median_s_a"] - 1).abs()
    ra, rb = pd.read_csv(a / "rankings.csv"), pd.read_csv(b / "rankings.csv")
    r = ra.merge(rb, on=["scope", "framework"], suffixes=("_a", "_b"))
    rho = float(stats.spearmanr(r["rank_a"], r["rank_b"]).statistic) if len(r) > 2 else float("nan")
    unstable = {k: int(v["unstable"].astype(bool).sum()) for k, v in (("a", sa), ("b", sb))}
    return {
        "comparisons_matched": len(both),
        "verdict_agreement": float(agree),
        "verdict_disagreements": both.loc[
            both["outcome_a"] != both["outcome_b"], [*PAIR, "outcome_a", "outcome_b"]
        ].to_dict("records"),
        "leaderboard_spearman": rho,
        "series_matched": len(s),
        "median_spread_median": float(spread.median()) if len(s) else float("nan"),
        "median_spread_share_within_5pct": float((spread <= 0.05).mean()) if len(s) else float("nan"),
        "unstable_series": unstable,
        "series": {k: len(v) for k, v in (("a", sa), ("b", sb))},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("A", "B"), help="two analysis folders")
    parser.add_argument("--run", action="store_true", help="run ./nextflow run main.nf twice (arguments after --)")
    parser.add_argument("--outdir", type=Path, default=Path("reproducibility"), help="where the two runs go")
    parser.add_argument("--out", type=Path, default=None, help="write the report JSON here")
    parser.add_argument("nextflow_args", nargs="*", help="arguments for `nextflow run main.nf` (after --)")
    args = parser.parse_args()
    walls = {}
    if args.run:
        for tag in ("a", "b"):
            out = args.outdir / tag
            t0 = time.monotonic()
            subprocess.run(
                [
                    "./nextflow",
                    "run",
                    "main.nf",
                    *args.nextflow_args,
                    "--outdir",
                    str(out),
                    "-w",
                    str(args.outdir / f"work-{tag}"),
                ],
                check=True,
            )
            walls[tag] = round(time.monotonic() - t0, 1)
        a, b = args.outdir / "a" / "analysis", args.outdir / "b" / "analysis"
    elif args.compare:
        a, b = args.compare
    else:
        parser.error("give --compare A B or --run -- <nextflow args>")
    report = {"a": str(a), "b": str(b), "wall_s": walls, **run_to_run_agreement(a, b)}
    text = json.dumps(report, indent=2, default=str)
    if args.out:
        args.out.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
