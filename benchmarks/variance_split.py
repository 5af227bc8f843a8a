"""Where a cell's timing variance lives: between launches or between samples of one launch (Kalibera &
Jones, "Rigorous benchmarking in reasonable time", ISMM 2013), and what that says about how to spend a
time budget: many samples per launch, or more launches (rounds) with fewer samples each.

    .venv/bin/python benchmarks/variance_split.py --rounds 8 --samples 10 \\
        --cells classical_ml:ridge:diabetes classical_ml:kmeans:synthetic_blobs deep_learning:lenet:digits

Each cell runs through phase 4's own rounds runner (harness/rounds.py): `--rounds` rounds, every side
launched once per round in a seeded random order, each launch a fresh process taking `--samples`
samples. Per series (cell x side x phase), on log seconds:
- between: the variance of the launch medians; within: the mean variance of the samples inside a launch;
- launch cost: a launch's wall time minus its timed seconds (process start, imports, data, warm-up);
- sample cost: the median timed seconds of one sample;
- K&J's optimum n* = sqrt((launch cost / sample cost) x (within / between)) samples per launch: where
  between-launch variance dominates, more launches with fewer samples each buy more precision per second.
Per pair (each side against the cell's baseline): the spread of the per-round log ratios (what the
verdict's interval is built on) and the rounds a 5% margin needs at it.
Results: benchmarks/results/variance_split.json (machine, commit, date and load inside).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from measured import finish, header

from pairbench.core.paths import project_root
from pairbench.core.schema import read_result
from pairbench.harness.rounds import RoundsSettings, run_rounds

DEFAULT_CELLS = [
    "classical_ml:ridge:diabetes",
    "classical_ml:kmeans:synthetic_blobs",
    "classical_ml:svc:iris",
    "deep_learning:lenet:digits",
    "deep_learning:lstm:synthetic_sequences",
    "rl:dqn:cartpole",
    "llm:minilm_l6:text_corpus",
]


def _select(cells: list[str], work: Path, samples: int, warmup: int, synthetic_n: int) -> list[dict[str, Any]]:
    """Phase 1 and the datasets of phase 3, for the named cells (their first grid point, one thread)."""
    domains = sorted({c.split(":")[0] for c in cells})
    algorithms = sorted({c.split(":")[1] for c in cells})
    datasets = sorted({c.split(":")[2] for c in cells})
    params = {
        "outdir": "unused", "domains": ",".join(domains), "algorithms": ",".join(algorithms),
        "datasets": ",".join(datasets), "samples": samples, "warmup": warmup, "threads": 1,
        "synthetic_n_samples": synthetic_n, "rl_seeds": 0,
    }  # fmt: skip
    (work / "params.json").write_text(json.dumps(params))
    cli = str(Path(sys.executable).with_name("pairbench"))
    subprocess.run([cli, "select", "--params", str(work / "params.json"), "--run-id", "variance", "--out-dir",
                    str(work / "sel")], check=True)  # fmt: skip
    subprocess.run([cli, "datasets", "--selection", str(work / "sel" / "selection.json"), "--out-dir",
                    str(work / "data")], check=True)  # fmt: skip
    wanted = {tuple(c.split(":")) for c in cells}
    chosen = []
    for path in sorted((work / "sel" / "cells").glob("*.json")):
        doc = json.loads(path.read_text())
        threads_axis = doc["threads"] == 1
        if (doc["domain"], doc["algorithm"], doc["dataset"]) in wanted and threads_axis:
            chosen.append({"path": path, "doc": doc})
    # one cell per requested triple (a threads axis or grid may give several)
    seen: set[tuple[str, str, str]] = set()
    out = []
    for c in chosen:
        key = (c["doc"]["domain"], c["doc"]["algorithm"], c["doc"]["dataset"])
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


def _never(values: dict[str, Any], pairs: list[tuple[str, str]], n: int) -> None:
    return None


def series_rows(cell: dict[str, Any], results: Path, record: dict[str, Any]) -> list[dict[str, Any]]:
    """Per (side, phase): the variance split, the costs and K&J's optimum."""
    wall = {(x["arm"], r["round"]): x["wall_s"] for r in record["rounds"] for x in r["launches"]}
    docs = [read_result(p) for p in sorted(results.glob("*.json"))]
    rows = []
    for side in record["arms"]:
        mine = [d for d in docs if d["framework"]["name"] == side and d["status"] == "ok"]
        phases = sorted({p for d in mine for p in d["timing"]["phases"]})
        overhead = []
        for d in mine:
            timed = sum(
                sum(t["samples"]) * (t.get("batch") or 1) + (t.get("warmup_s") or 0.0)
                for t in d["timing"]["phases"].values()
            )
            overhead.append(max(0.0, wall[(side, d["launch"])] - timed))
        for phase in phases:
            per_launch = [
                np.log(d["timing"]["phases"][phase]["samples"]) for d in mine if phase in d["timing"]["phases"]
            ]
            per_launch = [x for x in per_launch if x.size > 1]
            if len(per_launch) < 3:
                continue
            medians = np.array([float(np.median(x)) for x in per_launch])
            between = float(np.var(medians, ddof=1))
            within = float(np.mean([np.var(x, ddof=1) for x in per_launch]))
            # the share of a launch median's variance that is the launch's own, not its samples' average
            size = max(1, per_launch[0].size)
            share = between / (between + within / size) if between + within else math.nan
            sample_cost = float(np.median([np.exp(np.median(x)) for x in per_launch]))
            batch = int(np.median([d["timing"]["phases"][phase].get("batch") or 1 for d in mine]))
            launch_cost = float(np.median(overhead)) if overhead else math.nan
            optimum = (
                math.sqrt((launch_cost / (sample_cost * batch)) * (within / between))
                if between > 0 and sample_cost > 0
                else math.inf
            )
            rows.append(
                {
                    "cell_id": cell["doc"]["cell_id"], "domain": cell["doc"]["domain"], "side": side, "phase": phase,
                    "launches": len(per_launch), "samples_per_launch": int(np.median([x.size for x in per_launch])),
                    "sd_between_log": math.sqrt(between), "sd_within_log": math.sqrt(within),
                    "between_share": share,
                    "launch_cost_s": launch_cost, "sample_cost_s": sample_cost * batch,
                    "launch_wall_s": float(np.median([wall[(side, d["launch"])] for d in mine])),
                    "optimal_samples_per_launch": optimum,
                }
            )  # fmt: skip
    return rows


def pair_rows(cell: dict[str, Any], results: Path, record: dict[str, Any], delta: float) -> list[dict[str, Any]]:
    """Per (side against the baseline, phase): the spread of the per-round log ratios of launch medians."""
    docs = [read_result(p) for p in sorted(results.glob("*.json"))]
    medians: dict[tuple[str, str, int], float] = {}
    for d in docs:
        if d["status"] != "ok":
            continue
        for phase, t in d["timing"]["phases"].items():
            if t["samples"]:
                medians[(d["framework"]["name"], phase, d["launch"])] = float(statistics.median(t["samples"]))
    base, rows = record["arms"][0], []
    for side in record["arms"][1:]:
        for phase in sorted({p for (s, p, _) in medians if s == side}):
            rounds = sorted(
                {r for (s, p, r) in medians if s == side and p == phase}
                & {r for (s, p, r) in medians if s == base and p == phase}
            )
            d = np.array([math.log(medians[(side, phase, r)] / medians[(base, phase, r)]) for r in rounds])
            if d.size < 3:
                continue
            sd = float(np.std(d, ddof=1))
            # rounds for a 95% interval half-width of half the margin (normal approximation)
            need = math.ceil((1.96 * sd / (math.log1p(delta) / 2)) ** 2) if sd > 0 else 2
            rows.append(
                {
                    "cell_id": cell["doc"]["cell_id"], "domain": cell["doc"]["domain"], "pair": f"{side}/{base}",
                    "phase": phase, "rounds": int(d.size), "ratio": float(math.exp(np.median(d))),
                    "sd_log_ratio": sd, "rounds_for_half_margin": need,
                }
            )  # fmt: skip
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cells", nargs="+", default=DEFAULT_CELLS, help="domain:algorithm:dataset, first grid point")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--synthetic-n-samples", type=int, default=2000)
    parser.add_argument("--delta", type=float, default=0.05)
    parser.add_argument("--out", type=Path, default=project_root() / "benchmarks" / "results" / "variance_split.json")
    args = parser.parse_args()
    doc = header(
        "where timing variance lives (between launches vs within one), launch and sample costs, and the samples "
        "per launch Kalibera & Jones's rule suggests; per pair, the spread of the per-round log ratios",
        rounds=args.rounds, samples=args.samples, warmup=args.warmup, cells=args.cells,
        synthetic_n_samples=args.synthetic_n_samples, delta=args.delta,
    )  # fmt: skip
    series, pairs = [], []
    with tempfile.TemporaryDirectory(prefix="pairbench-variance-") as tmp:
        work = Path(tmp)
        for cell in _select(args.cells, work, args.samples, args.warmup, args.synthetic_n_samples):
            results = work / "raw" / cell["doc"]["cell_id"]
            settings = RoundsSettings(args.rounds, args.rounds, budget_s=1e9, seed=1, timeout_s=1800)
            sides = [f["name"] for f in cell["doc"]["frameworks"]]
            record_path = work / f"{cell['doc']['cell_id']}.rounds.json"
            run_rounds(cell["path"], sides, work / "data", results, settings, _never, record_path=record_path)
            record = json.loads(record_path.read_text())
            series += series_rows(cell, results, record)
            pairs += pair_rows(cell, results, record, args.delta)
            print(
                f"{cell['doc']['cell_id']}: {len(record['rounds'])} rounds in {record['elapsed_s']:.0f} s", flush=True
            )
    doc["series"], doc["pairs"] = series, pairs
    finish(doc, args.out)
    for r in series:
        print(
            f"{r['cell_id'][:48]:48s} {r['side']:20s} {r['phase']:12s} between {r['sd_between_log']:.3f} "
            f"within {r['sd_within_log']:.3f} launch {r['launch_cost_s']:.2f}s sample {r['sample_cost_s']:.4f}s "
            f"n* {r['optimal_samples_per_launch']:.1f}"
        )
    for r in pairs:
        print(
            f"{r['cell_id'][:48]:48s} {r['pair']:32s} {r['phase']:12s} sd {r['sd_log_ratio']:.3f}",
            f"rounds {r['rounds_for_half_margin']}",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
