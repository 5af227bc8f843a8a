"""Scale on paper: what a full grid costs on a Slurm cluster, from overheads measured on a real one.

Reads the Nextflow trace of a `-profile ...,slurm` run (tests/test_slurm.py writes one) for the
per-task scheduler overhead (submit -> start), and its rounds records (out/rounds/) for the wall time of
one launch; counts the jobs of the full grid (`-profile full`: every grid point; a timed cell is one job
of --min_rounds rounds of every side, a training run one job per seed and side) with phase 1's own
selection, and writes benchmarks/results/scale_on_paper.json (docs/performance.md shows it):

    .venv/bin/python benchmarks/scale_on_paper.py --trace out/pipeline_info/execution_trace_*.txt \
        --rounds-dir out/rounds

An estimate, not a measurement at scale: it assumes every side passes its quality gate, one cell per
node at a time (--slurm_exclusive), the full profile's minimum rounds, and the launch duration of the
traced run.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import statistics
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from measured import finish, header

from pairbench.configuration.config import load_catalogue
from pairbench.configuration.selection import RunParams, select
from pairbench.core.paths import config_dir, project_root

# Tasks outside phase 4 that do not grow with the grid: selection, build, datasets, environment,
# analysis, report.
FIXED_TASKS = 6


def _time(text: str) -> datetime:
    return datetime.strptime(text.strip(), "%Y-%m-%d %H:%M:%S.%f")


def _seconds(text: str) -> float:
    """Nextflow's trace durations: '1.2s', '350ms', '1m 3s', '1h 2m'."""
    total = 0.0
    for part in text.split():
        for unit, factor in (("ms", 1e-3), ("s", 1.0), ("m", 60.0), ("h", 3600.0), ("d", 86400.0)):
            if part.endswith(unit) and part[: -len(unit)].replace(".", "", 1).isdigit():
                total += float(part[: -len(unit)]) * factor
                break
    return total


def measured(trace: Path, rounds_dir: Path) -> dict[str, Any]:
    """Submit -> start of the Slurm tasks that share nodes (not the exclusive benchmark jobs, which on a
    one-node cluster also wait for each other), and the wall time of one launch in the rounds records."""
    with trace.open(encoding="utf-8") as fh:
        rows = [
            r
            for r in csv.DictReader(fh, delimiter="\t")
            if r.get("native_id", "-") not in ("-", "") and "RECORD_LOST_LAUNCH" not in r["name"]
        ]
    benchmark = ("RUN_ROUNDS", "RUN_TRAINING", "RUN_BENCHMARK")
    shared = [r for r in rows if not any(b in r["name"] for b in benchmark) and r["start"] != "-"]
    waits = [(_time(r["start"]) - _time(r["submit"])).total_seconds() for r in shared]
    launches = [
        launch["wall_s"]
        for path in sorted(rounds_dir.glob("*.rounds.json"))
        for rnd in json.loads(path.read_text(encoding="utf-8"))["rounds"]
        for launch in rnd["launches"]
        if launch["ok"]
    ]
    if not waits or not launches:
        raise SystemExit(f"{trace}, {rounds_dir}: no Slurm tasks with submit/start, or no launch in a rounds record")
    return {
        "tasks": len(rows),
        "wait_median_s": statistics.median(waits),
        "wait_min_s": min(waits),
        "launch_median_s": statistics.median(launches),
        "launches_traced": len(launches),
    }


def full_grid(min_rounds: int) -> dict[str, int]:
    """The full profile's jobs: a timed cell is one job of min_rounds rounds of its sides; a training cell one
    job per seed and side."""
    catalogue = load_catalogue(config_dir() / "benchmarks.yaml", config_dir() / "frameworks.yaml")
    selection = select(catalogue, RunParams(run_id="paper", grid="all", devices="cpu", rl_seeds=10))
    timed = [c for c in selection["cells"] if not int(c.get("launches") or 0)]
    training = [c for c in selection["cells"] if int(c.get("launches") or 0)]
    return {
        "cells": len(selection["cells"]),
        "cell_jobs": len(timed),
        "training_jobs": sum(len(c["frameworks"]) * int(c["launches"]) for c in training),
        "launches": sum(len(c["frameworks"]) * min_rounds for c in timed)
        + sum(len(c["frameworks"]) * int(c["launches"]) for c in training),
    }


def estimate(
    m: dict[str, Any], grid: dict[str, int], nodes: list[int], array_size: int, cores: int, rate_per_s: float
) -> dict[str, Any]:
    """Submissions with and without job arrays, and per node count the wall time of phase 4, the node-hours
    and core-hours of its jobs, and the scheduler's wait inside that wall time."""
    jobs = grid["cell_jobs"] + grid["training_jobs"]
    per_job_launches = grid["launches"] / jobs
    job_s = per_job_launches * m["launch_median_s"]
    rows = []
    for k in nodes:
        waves = math.ceil(jobs / k)
        node_h = grid["launches"] * m["launch_median_s"] / 3600
        rows.append(
            {
                "nodes": k,
                "phase4_wall_s": waves * (job_s + m["wait_median_s"]),
                "node_hours": node_h,
                "core_hours_exclusive": node_h * cores,
                "scheduler_wait_s": waves * m["wait_median_s"],
            }
        )
    return {
        "jobs": jobs,
        "sbatch_calls_one_per_job": FIXED_TASKS + grid["cells"] + jobs,
        "sbatch_calls_with_arrays": FIXED_TASKS + grid["cells"] + math.ceil(jobs / array_size),
        "array_size": array_size,
        "submit_rate_per_s": rate_per_s,
        "cores_per_node": cores,
        "rows": rows,
    }


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trace", type=Path, required=True, help="execution_trace_*.txt of a slurm run")
    parser.add_argument("--rounds-dir", type=Path, required=True, help="that run's rounds/ folder")
    parser.add_argument("--min-rounds", type=int, default=10, help="the full profile's --min_rounds")
    parser.add_argument("--nodes", default="10,100,1000")
    parser.add_argument("--array-size", type=int, default=100)
    parser.add_argument("--cores-per-node", type=int, default=64)
    parser.add_argument("--submit-rate", type=float, default=10.0, help="sbatch calls per second (submitRateLimit)")
    parser.add_argument("--out", type=Path, default=project_root() / "benchmarks" / "results" / "scale_on_paper.json")
    args = parser.parse_args(argv)
    doc = header("what the full grid costs on a Slurm cluster, from overheads measured on the local test cluster",
                 trace=str(args.trace), min_rounds=args.min_rounds)  # fmt: skip
    m = measured(args.trace, args.rounds_dir)
    grid = full_grid(args.min_rounds)
    nodes = [int(x) for x in args.nodes.split(",")]
    doc.update({"measured": m, "grid": grid,
                **estimate(m, grid, nodes, args.array_size, args.cores_per_node, args.submit_rate)})  # fmt: skip
    finish(doc, args.out)
    for r in doc["rows"]:
        print(
            f"{r['nodes']:>6,} nodes: phase 4 {_duration(r['phase4_wall_s'])}, {r['node_hours']:,.1f} node-hours, "
            f"{r['core_hours_exclusive']:,.0f} core-hours, scheduler wait {_duration(r['scheduler_wait_s'])}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
