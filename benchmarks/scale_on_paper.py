"""Scale on paper: what a full grid costs on a Slurm cluster, from overheads measured on a real one.

Reads the Nextflow trace of a `-profile ...,slurm` run (tests/test_slurm.py writes one) for the
per-task scheduler overhead (submit -> start) and the duration of a benchmark launch, counts the
launches of the full grid (`-profile full`: every grid point, 5 launches per side) with phase 1's own
selection, and prints the Markdown table of docs/hpc.md:

    .venv/bin/python benchmarks/scale_on_paper.py --trace out/pipeline_info/execution_trace_*.txt

An estimate, not a measurement at scale: it assumes every side passes its quality gate, one
launch per node at a time (--slurm_exclusive), and the launch duration of the traced run.
"""

from __future__ import annotations

import argparse
import csv
import math
import statistics
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from pairbench.configuration.config import load_catalogue
from pairbench.configuration.selection import RunParams, select
from pairbench.core.paths import config_dir

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


def measured(trace: Path) -> dict[str, Any]:
    """Submit -> start of the Slurm tasks that share nodes (not the exclusive benchmark launches, which
    on a one-node cluster also wait for each other), and the run time of a completed benchmark launch."""
    with trace.open(encoding="utf-8") as fh:
        rows = [
            r
            for r in csv.DictReader(fh, delimiter="\t")
            if r.get("native_id", "-") not in ("-", "") and "RECORD_LOST_LAUNCH" not in r["name"]
        ]
    shared = [r for r in rows if "RUN_BENCHMARK" not in r["name"] and r["start"] != "-"]
    waits = [(_time(r["start"]) - _time(r["submit"])).total_seconds() for r in shared]
    launches = [_seconds(r["realtime"]) for r in rows if "RUN_BENCHMARK" in r["name"] and r["status"] == "COMPLETED"]
    if not waits or not launches:
        raise SystemExit(f"{trace}: no Slurm tasks with submit/start, or no completed benchmark launch")
    return {
        "tasks": len(rows),
        "wait_median_s": statistics.median(waits),
        "wait_min_s": min(waits),
        "launch_median_s": statistics.median(launches),
    }


def full_grid() -> dict[str, int]:
    catalogue = load_catalogue(config_dir() / "benchmarks.yaml", config_dir() / "frameworks.yaml")
    selection = select(catalogue, RunParams(run_id="paper", grid="all", launches=5, devices="cpu"))
    cells = selection["cells"]
    launches = sum(len(c["frameworks"]) * int(c["launches"]) for c in cells)
    return {"cells": len(cells), "launches": launches}


def table(
    m: dict[str, Any], grid: dict[str, int], nodes: list[int], array_size: int, cores: int, rate_per_s: float
) -> str:
    n = grid["launches"]
    tasks_plain = FIXED_TASKS + grid["cells"] + n
    tasks_array = FIXED_TASKS + grid["cells"] + math.ceil(n / array_size)
    per_launch = m["launch_median_s"] + m["wait_median_s"]
    lines = [
        f"Full grid (`-profile full`, every side assumed to pass its gate): {grid['cells']:,} cells, "
        f"{n:,} benchmark launches. Measured on the local Slurm cluster ({m['tasks']} Slurm tasks): submit → start "
        f"median {m['wait_median_s']:.1f} s (min {m['wait_min_s']:.1f} s) per task; benchmark launch median "
        f"{m['launch_median_s']:.1f} s of run time.",
        "",
        f"Submissions: {tasks_plain:,} sbatch calls with one job per launch, {tasks_array:,} with job arrays of "
        f"{array_size} (`--slurm_array_size`). At Nextflow's `submitRateLimit` of {rate_per_s:g}/s that is "
        f"{tasks_plain / rate_per_s / 60:.1f} min versus {tasks_array / rate_per_s / 60:.1f} min of submitting.",
        "",
        f"| nodes | phase 4 wall time | node-hours in benchmark jobs | core-hours charged ({cores}-core nodes, "
        "exclusive) | scheduler wait in the wall time |",
        "|---:|---:|---:|---:|---:|",
    ]
    for k in nodes:
        waves = math.ceil(n / k)
        wall_s = waves * per_launch
        node_h = n * m["launch_median_s"] / 3600
        core_h = node_h * cores
        # While a job waits to start, its node is idle but not charged: the wait costs wall time only.
        lines.append(
            f"| {k:,} | {_duration(wall_s)} | {node_h:,.1f} | {core_h:,.0f} | {_duration(waves * m['wait_median_s'])} |"
        )
    lines += [
        "",
        "Launch durations come from the traced run's small cells; the full grid's 20,000-row datasets run "
        "longer, and every column but submissions grows with them. Exclusive nodes charge all cores for a "
        "launch that uses `--threads` of them: with `--threads 1` on 64-core nodes, 63/64 of the core-hours "
        "buy isolation, not compute. `executor.queueSize` (100 in `conf/slurm.config`) caps the jobs Nextflow "
        "keeps queued, so raise it to at least the node count for 1,000 nodes.",
    ]
    return "\n".join(lines)


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trace", type=Path, required=True, help="execution_trace_*.txt of a slurm run")
    parser.add_argument("--nodes", default="10,100,1000")
    parser.add_argument("--array-size", type=int, default=100)
    parser.add_argument("--cores-per-node", type=int, default=64)
    parser.add_argument("--submit-rate", type=float, default=10.0, help="sbatch calls per second (submitRateLimit)")
    args = parser.parse_args(argv)
    m = measured(args.trace)
    print(
        table(
            m,
            full_grid(),
            [int(x) for x in args.nodes.split(",")],
            args.array_size,
            args.cores_per_node,
            args.submit_rate,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
