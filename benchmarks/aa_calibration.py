"""A/A calibration of the verdict design: what it answers when there is nothing to find, and when there is.

    # an A/A run of the smoke cells: every side against a second arm of itself, interleaved like a pair
    .venv/bin/python benchmarks/aa_calibration.py --run --label smoke -- -profile smoke
    # ... and of some standard cells (each labelled run is kept; the total counts them all)
    .venv/bin/python benchmarks/aa_calibration.py --run --label standard -- -profile standard --algorithms ridge,gru
    # the known-effect cell (1.10x the work on one arm) ten times over, through phase 4's rounds runner
    .venv/bin/python benchmarks/aa_calibration.py --known-effect 10 --min-rounds 6 --max-rounds 12

The A/A run goes through the whole pipeline with `--aa true`; its analysis.json `calibration` block gives
the share of faster/slower verdicts among the side-against-itself comparisons (issue 24's target: at most
5% over at least 60), the spread of their log ratios and the margin this host supports (Q3 + 3 IQR). The
known-effect repeats must come out `slower` (target: at least 9 of 10 per harness).
Results: benchmarks/results/aa_calibration.json (machine, commit, date and load inside); the figures of a
run not repeated (another label, or the known effect) are kept from the file, and `aa_total` adds up every
labelled A/A run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd
from measured import finish, header

from pairbench.analysis.paired import OUTCOMES, log_ratios, outcome, paired_estimate
from pairbench.analysis.stopping import RoundsRule, look
from pairbench.core.paths import project_root
from pairbench.core.schema import phase_values, read_result
from pairbench.harness.rounds import RoundsSettings, run_rounds


def aa_run(outdir: Path, nextflow_args: list[str]) -> dict[str, Any]:
    """One pipeline run with --aa true; its calibration block and its A/A comparisons by domain."""
    t0 = time.monotonic()
    subprocess.run(
        [str(project_root() / "nextflow"), "run", str(project_root() / "main.nf"), *nextflow_args, "--aa", "true",
         "--outdir", str(outdir), "-w", str(outdir.parent / f"work-{outdir.name}"),
         "--history_db", str(outdir.parent / "aa-history.duckdb")],
        check=True,
    )  # fmt: skip
    analysis = json.loads((outdir / "analysis" / "analysis.json").read_text())
    cmp = pd.read_csv(outdir / "analysis" / "comparisons.csv")
    aa = cmp[(cmp["kind"] == "aa") & (cmp["domain"] != "calibration")]
    by_domain = {
        str(domain): {o: int((g["outcome"] == o).sum()) for o in ("faster", "slower", "equivalent", "inconclusive")}
        for domain, g in aa.groupby("domain")
    }
    return {
        "nextflow_args": nextflow_args,
        "wall_s": round(time.monotonic() - t0, 1),
        "calibration": analysis.get("calibration"),
        "by_domain": by_domain,
        "false_verdict_rows": aa.loc[
            aa["outcome"].isin(["faster", "slower"]),
            ["cell_id", "phase", "candidate", "ratio", "ratio_ci_low", "ratio_ci_high", "n_rounds", "outcome"],
        ].to_dict("records"),
    }


def aa_total(runs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Every labelled A/A run's side-against-itself comparisons added up (issue 24: at most 5% faster or
    slower over at least 60)."""
    blocks = [r["calibration"] for r in runs.values() if r.get("calibration")]
    n = sum(b["aa_comparisons"] for b in blocks)
    false = sum(b["false_verdicts"] for b in blocks)
    outcomes = {o: sum(b["outcomes"].get(o, 0) for b in blocks) for o in OUTCOMES}
    return {"runs": sorted(runs), "aa_comparisons": n, "outcomes": outcomes, "false_verdicts": false,
            "false_verdict_share": false / n if n else None}  # fmt: skip


def known_effect(repeats: int, min_rounds: int, max_rounds: int, delta: float, samples: int) -> dict[str, Any]:
    """The calibration cell `repeats` times over, each a full rounds run of both harnesses' two arms (the
    second doing 1.10x the work), decided by the stopping rule; each arm pair's final outcome."""
    cli = str(Path(sys.executable).with_name("pairbench"))
    rule = RoundsRule(min_rounds, max_rounds, delta)
    rows = []
    with tempfile.TemporaryDirectory(prefix="pairbench-known-") as tmp:
        work = Path(tmp)
        params = {"outdir": "unused", "aa": True, "domains": "calibration", "samples": samples}
        (work / "p.json").write_text(json.dumps(params))
        subprocess.run([cli, "select", "--params", str(work / "p.json"), "--run-id", "known", "--out-dir",
                        str(work / "sel")], check=True)  # fmt: skip
        subprocess.run([cli, "datasets", "--selection", str(work / "sel" / "selection.json"), "--out-dir",
                        str(work / "data")], check=True)  # fmt: skip
        (cell,) = sorted((work / "sel" / "cells").glob("*.json"))
        sides = [f["name"] for f in json.loads(cell.read_text())["frameworks"]]
        for k in range(1, repeats + 1):
            settings = RoundsSettings(min_rounds, max_rounds, budget_s=1e9, seed=k, timeout_s=600, aa=True)
            out = work / f"repeat{k}"
            record = run_rounds(
                cell, sides, work / "data", out, settings,
                lambda values, pairs, n: look(values, pairs, rule, n) if rule.is_look(n) else None,
                record_path=work / f"repeat{k}.rounds.json",
            )  # fmt: skip
            docs = [read_result(p) for p in sorted(out.glob("*.json"))]
            for side in sides:
                arm = {d["launch"]: phase_values(d)["spin"][0] for d in docs
                       if d["framework"]["name"] == side and d["metadata"]["arm"] == "b"}  # fmt: skip
                base = {d["launch"]: phase_values(d)["spin"][0] for d in docs
                        if d["framework"]["name"] == side and d["metadata"]["arm"] == "a"}  # fmt: skip
                rounds = sorted(set(arm) & set(base))
                est = paired_estimate(log_ratios([arm[r] for r in rounds], [base[r] for r in rounds]))
                rows.append(
                    {"repeat": k, "side": side, "rounds": len(rounds), "ratio": est.ratio,
                     "ratio_ci_low": est.ratio_low, "ratio_ci_high": est.ratio_high,
                     "outcome": outcome(est.ratio_low, est.ratio_high, delta), "stop_reason": record.stop_reason}
                )  # fmt: skip
            print(f"known effect, repeat {k}: " + ", ".join(f"{r['side']} {r['outcome']} x{r['ratio']:.3f}"
                                                           for r in rows[-len(sides):]), flush=True)  # fmt: skip
    detected = {s: sum(r["outcome"] == "slower" for r in rows if r["side"] == s) for s in sides}
    return {"repeats": repeats, "rule": {"min_rounds": min_rounds, "max_rounds": max_rounds, "delta": delta},
            "samples": samples, "slower_per_side": detected, "rows": rows}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", action="store_true", help="an A/A pipeline run (Nextflow arguments after --)")
    parser.add_argument("--outdir", type=Path, default=Path("aa-calibration"), help="where the A/A run goes")
    parser.add_argument("--label", default="smoke", help="the A/A run's name in the results file (a-z, 0-9, _)")
    parser.add_argument("--known-effect", type=int, default=0, metavar="N", help="repeat the known-effect cell N times")
    parser.add_argument("--min-rounds", type=int, default=6)
    parser.add_argument("--max-rounds", type=int, default=12)
    parser.add_argument("--samples", type=int, default=5)
    parser.add_argument("--delta", type=float, default=0.05)
    parser.add_argument("--out", type=Path, default=project_root() / "benchmarks" / "results" / "aa_calibration.json")
    parser.add_argument("nextflow_args", nargs="*")
    args = parser.parse_args()
    if not args.run and not args.known_effect:
        parser.error("give --run -- <nextflow args>, or --known-effect N, or both")
    previous = json.loads(args.out.read_text()) if args.out.is_file() else {}
    doc = header("A/A calibration: false verdicts of a side against itself, and a known 1.10x effect",
                 nextflow_args=args.nextflow_args, known_effect=args.known_effect)  # fmt: skip
    if not args.label.replace("_", "").isalnum() or not args.label.islower():
        parser.error(f"--label {args.label!r}: expected lower-case letters, digits and _")
    doc["aa_runs"] = dict(previous.get("aa_runs") or {})
    # each part keeps the commit and time it was measured at: a later call may measure only the other part
    measured = {"commit": doc["commit"], "measured_at": doc["measured_at"]}
    if args.run:
        doc["aa_runs"][args.label] = {**aa_run(args.outdir / args.label, args.nextflow_args), **measured}
    doc["aa_total"] = aa_total(doc["aa_runs"])
    doc["known_effect"] = (
        {**known_effect(args.known_effect, args.min_rounds, args.max_rounds, args.delta, args.samples), **measured}
        if args.known_effect
        else previous.get("known_effect")
    )
    finish(doc, args.out)
    print(json.dumps({k: doc[k] for k in ("aa_total", "known_effect")}, indent=1, default=str)[:4000])
    return 0


if __name__ == "__main__":
    sys.exit(main())
