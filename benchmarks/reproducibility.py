"""Run-to-run reproducibility of the verdicts: run a profile twice (or take two finished runs) and compare.

    # run the standard profile twice, an hour apart, into one history store, then compare
    .venv/bin/python benchmarks/reproducibility.py --run --gap-min 60 -- -profile standard
    # ... and use the hour: other measurements run between the two (each a command line, no shell)
    .venv/bin/python benchmarks/reproducibility.py --run --gap-min 60 \
        --between ".venv/bin/python benchmarks/aa_calibration.py --run -- -profile smoke" -- -profile standard
    # compare two finished runs (their analysis folders; --history-db for `pairbench compare`)
    .venv/bin/python benchmarks/reproducibility.py --compare runs/a/analysis runs/b/analysis --history-db h.duckdb

Reports (issue 24's targets in brackets), on the comparisons both runs made (comparisons.csv):
- contradictory verdicts: decided in both runs and decided differently (faster in one, slower or equivalent
  in the other) [<= 2%];
- agreement among the comparisons decided in both runs [>= 95%], and over all of them;
- paired ratio estimates within +-5% of each other [>= 90%], and what that target would cost: whether the
  moves are as large as the runs' own intervals said (the share beyond the two runs' combined 95% interval,
  about 5% when the intervals are honest), and how many times the rounds would bring 90% of the moves
  within +-5% (moves shrink as one over the square root of the rounds), against the rounds' task time;
- the share inconclusive in each run [<= 15% in standard];
- `pairbench compare` of the second run against the first (same commit): series flagged regressed or
  improved [<= 5%];
- Spearman's rank correlation of the leaderboards, and the spread of each series' median.
Results: benchmarks/results/reproducibility.json (machine, commit, date and load inside).
"""

from __future__ import annotations

import argparse
import json
import math
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
from measured import finish, header
from nextflow_overhead import duration_s
from scipy import stats

from pairbench.core.paths import project_root

SERIES = ["cell_id", "framework", "phase"]
PAIR = ["cell_id", "phase", "candidate", "reference"]
DECIDED = ("faster", "slower", "equivalent")
WITHIN = 0.05  # the run-to-run target: paired ratios within +-5% of each other
SHARE = 0.90  # ... for at least this share of the comparisons


def ratio_precision(both: pd.DataFrame) -> dict[str, Any]:
    """Are the run-to-run moves of the paired ratios what the runs' intervals predicted, and how many times
    the rounds would bring SHARE of them within +-WITHIN (a move's spread shrinks as 1/sqrt(rounds))."""
    moves = (both["ratio_b"] / both["ratio_a"]).map(math.log).abs()

    def standard_error(run: str) -> pd.Series:
        z = stats.norm.ppf(0.5 + both[f"ci_confidence_{run}"] / 2)
        return (both[f"ratio_ci_high_{run}"].map(math.log) - both[f"ratio_ci_low_{run}"].map(math.log)) / (2 * z)

    combined = (standard_error("a") ** 2 + standard_error("b") ** 2) ** 0.5
    with_interval = combined.notna() & (combined > 0)
    beyond = moves[with_interval] > stats.norm.ppf(0.975) * combined[with_interval]
    quantile = float(moves.quantile(SHARE)) if len(moves) else float("nan")
    return {
        "ratio_move_p90": math.expm1(quantile),
        "ratio_moves_beyond_95pct_intervals": int(beyond.sum()),
        "ratio_moves_with_intervals": int(with_interval.sum()),
        "ratio_moves_beyond_95pct_intervals_share": float(beyond.mean()) if len(beyond) else float("nan"),
        "rounds_factor_for_target": (quantile / math.log1p(WITHIN)) ** 2,
        "rounds_median": float(both["n_rounds_a"].median()) if "n_rounds_a" in both else float("nan"),
    }


def rounds_task_s(analysis: Path) -> float | None:
    """Task seconds of the run's RUN_ROUNDS tasks, from the Nextflow trace beside its analysis folder."""
    traces = sorted((analysis.parent / "pipeline_info").glob("execution_trace_*.txt"))
    if not traces:
        return None
    rows = pd.read_csv(traces[-1], sep="\t", dtype=str)
    rounds = rows[rows["name"].str.contains("RUN_ROUNDS", na=False)]
    return round(sum(duration_s(t) for t in rounds["realtime"].fillna("")), 1)


def run_to_run_agreement(a: Path, b: Path) -> dict[str, Any]:
    """How far two runs of the same selection agree: verdicts, ratios, leaderboards and medians."""
    ca, cb = pd.read_csv(a / "comparisons.csv"), pd.read_csv(b / "comparisons.csv")
    if "kind" in ca:
        ca, cb = ca[ca["kind"] == "pair"], cb[cb["kind"] == "pair"]
    both = ca.merge(cb, on=PAIR, suffixes=("_a", "_b"))
    decided = both[both["outcome_a"].isin(DECIDED) & both["outcome_b"].isin(DECIDED)]
    contradictory = decided[decided["outcome_a"] != decided["outcome_b"]]
    ratio_moves = (both["ratio_b"] / both["ratio_a"] - 1).abs()
    sa, sb = pd.read_csv(a / "summary.csv"), pd.read_csv(b / "summary.csv")
    s = sa.merge(sb, on=SERIES, suffixes=("_a", "_b"))
    spread = (s["median_s_b"] / s["median_s_a"] - 1).abs()
    ra, rb = pd.read_csv(a / "rankings.csv"), pd.read_csv(b / "rankings.csv")
    r = ra.merge(rb, on=["scope", "framework"], suffixes=("_a", "_b"))
    rho = float(stats.spearmanr(r["rank_a"], r["rank_b"]).statistic) if len(r) > 2 else float("nan")
    n = len(both)
    return {
        "comparisons_matched": n,
        "contradictory": len(contradictory),
        "contradictory_share": len(contradictory) / n if n else float("nan"),
        "decided_in_both": len(decided),
        "agreement_when_decided_in_both": 1 - len(contradictory) / len(decided) if len(decided) else float("nan"),
        "agreement_all": float((both["outcome_a"] == both["outcome_b"]).mean()) if n else float("nan"),
        "ratio_within_5pct_share": float((ratio_moves <= WITHIN).mean()) if n else float("nan"),
        "ratio_move_median": float(ratio_moves.median()) if n else float("nan"),
        **(ratio_precision(both) if n else {}),
        "rounds_task_s": {"a": rounds_task_s(a), "b": rounds_task_s(b)},
        "inconclusive_share": {
            "a": float((ca["outcome"] == "inconclusive").mean()) if len(ca) else float("nan"),
            "b": float((cb["outcome"] == "inconclusive").mean()) if len(cb) else float("nan"),
        },
        "outcomes": {
            "a": ca["outcome"].value_counts().to_dict(),
            "b": cb["outcome"].value_counts().to_dict(),
        },
        "disagreements": both.loc[
            both["outcome_a"] != both["outcome_b"], [*PAIR, "ratio_a", "ratio_b", "outcome_a", "outcome_b"]
        ].to_dict("records"),
        "leaderboard_spearman": rho,
        "series_matched": len(s),
        "median_spread_median": float(spread.median()) if len(s) else float("nan"),
        "median_spread_share_within_5pct": float((spread <= 0.05).mean()) if len(s) else float("nan"),
    }


def run_against_run(db: Path, a: Path, b: Path, delta: float) -> dict[str, Any]:
    """`pairbench compare` of run b against run a: the share of series flagged regressed or improved."""
    from pairbench.analysis import history, paired
    from pairbench.analysis.settings import StatisticsSettings

    ids = [json.loads((x / "analysis.json").read_text())["run_id"] for x in (a, b)]
    settings = StatisticsSettings(delta=delta)
    table = history.compare_runs(db, ids[0], ids[1], settings)
    compared = table[table["status"].isin(["improved", "regressed", "unchanged", "inconclusive"])]
    flagged = compared[compared["status"].isin(["improved", "regressed"])]
    # the same series judged on their own ratios (`pairbench compare --absolute`), from the same table
    raw = [
        paired.outcome(lo, hi, delta)
        for lo, hi in zip(compared["ratio_ci_low"], compared["ratio_ci_high"], strict=True)
    ]
    absolute = pd.Series(raw, dtype=object).map(history.STATUS)
    shift = table.attrs["run_shift"]
    return {
        "runs": ids,
        "series_compared": len(compared),
        "flagged": len(flagged),
        "flagged_share": len(flagged) / len(compared) if len(compared) else float("nan"),
        "status": compared["status"].value_counts().to_dict(),
        "run_shift": {
            "ratio": shift.ratio,
            "ci": [math.exp(shift.log_low), math.exp(shift.log_high)],
            "outcome": shift.outcome(delta),
            "series": shift.n_series,
            "applied": shift.applied,
        },
        "flagged_absolute": int(absolute.isin(["improved", "regressed"]).sum()),
        "status_absolute": absolute.value_counts().to_dict(),
        "flagged_series": flagged[
            [*SERIES, "ratio", "relative_ratio", "relative_ci_low", "relative_ci_high", "status"]
        ].to_dict("records"),
    }


RUN_FACTS = (
    "run_wall_s", "started_at", "between", "settings", "commit", "dirty", "measured_at", "load_average_1_5_15_min",
    "wall_s",
)  # fmt: skip


def _carry_over_runs(doc: dict[str, Any], out: Path, a: Path, b: Path) -> None:
    """Re-analysing the two runs `out` already describes keeps what was measured when they ran (walls, start
    times, the commit they ran) and records this analysis' commit and date beside them."""
    if not out.is_file():
        return
    before = json.loads(out.read_text())
    if (before.get("a"), before.get("b")) != (str(a), str(b)):
        return
    doc["reanalysed"] = {"commit": doc["commit"], "measured_at": doc["measured_at"]}
    doc.update({k: before[k] for k in RUN_FACTS if k in before})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("A", "B"), help="two analysis folders")
    parser.add_argument("--run", action="store_true", help="run ./nextflow run main.nf twice (arguments after --)")
    parser.add_argument("--gap-min", type=float, default=0.0, help="minutes to wait between the two runs' starts")
    parser.add_argument("--between", action="append", default=[],
                        help="a command line to run after the first run, before the wait (repeatable; split "
                             "with shlex, no shell); it ends before run two; its exit status is kept")  # fmt: skip
    parser.add_argument("--outdir", type=Path, default=Path("reproducibility"), help="where the two runs go")
    parser.add_argument("--history-db", type=Path, help="the history store both runs went into (for compare)")
    parser.add_argument("--delta", type=float, default=0.05)
    parser.add_argument("--out", type=Path, default=project_root() / "benchmarks" / "results" / "reproducibility.json")
    parser.add_argument("nextflow_args", nargs="*", help="arguments for `nextflow run main.nf` (after --)")
    args = parser.parse_args()
    doc = header("run-to-run reproducibility of the verdicts and run-against-run regressions, same commit",
                 nextflow_args=args.nextflow_args, gap_min=args.gap_min, delta=args.delta)  # fmt: skip
    walls: dict[str, float] = {}
    if args.run:
        db = args.history_db or args.outdir / "history.duckdb"
        args.history_db = db
        started = time.monotonic()
        for tag in ("a", "b"):
            if tag == "b":
                for command in args.between:
                    t0 = time.monotonic()
                    # a failed measurement between the runs is recorded, and the second run still goes ahead
                    code = subprocess.run(shlex.split(command), check=False).returncode
                    took = round(time.monotonic() - t0, 1)
                    doc.setdefault("between", []).append({"command": command, "wall_s": took, "returncode": code})
            if tag == "b" and args.gap_min:
                time.sleep(max(0.0, args.gap_min * 60 - (time.monotonic() - started)))
            out = args.outdir / tag
            t0 = time.monotonic()
            doc.setdefault("started_at", {})[tag] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            subprocess.run(
                [str(project_root() / "nextflow"), "run", str(project_root() / "main.nf"), *args.nextflow_args,
                 "--outdir", str(out), "-w", str(args.outdir / f"work-{tag}"), "--history_db", str(db)],
                check=True,
            )  # fmt: skip
            walls[tag] = round(time.monotonic() - t0, 1)
        a, b = args.outdir / "a" / "analysis", args.outdir / "b" / "analysis"
    elif args.compare:
        a, b = args.compare
        _carry_over_runs(doc, args.out, a, b)
    else:
        parser.error("give --compare A B or --run -- <nextflow args>")
    doc.update({"a": str(a), "b": str(b), **run_to_run_agreement(a, b)})
    doc.setdefault("run_wall_s", walls)
    if args.history_db and args.history_db.is_file():
        doc["run_against_run"] = run_against_run(args.history_db, a, b, args.delta)
    finish(doc, args.out)
    print(json.dumps({k: v for k, v in doc.items() if k not in ("disagreements",)}, indent=2, default=str)[:6000])
    return 0


if __name__ == "__main__":
    sys.exit(main())
