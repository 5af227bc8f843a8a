"""Where a pipeline run's wall time goes: task work, Nextflow's per-task overhead, and waiting.

    python benchmarks/nextflow_overhead.py results-smoke/pipeline_info/execution_trace_*.txt

Reads Nextflow's execution trace (conf/base.config asks for submit, start, complete and realtime) and
prints, per process and in total:
- `work`: the sum of the task scripts' own run times (`realtime`);
- `wrapper`: the per-task cost outside the script (`complete - start - realtime`: staging, the
  .command.run wrapper, the trace poll);
- `queued`: time between submission and start (waiting for a free CPU slot, or the Slurm queue);
and the run's wall time (first submit to last complete) against the summed work, i.e. how busy the
run kept the machine's slots.
"""

from __future__ import annotations

import argparse
import csv
import re
from collections import defaultdict
from datetime import datetime
from pathlib import Path

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def duration_s(text: str) -> float:
    """Nextflow's human duration ('1m 2s', '850ms', '-') in seconds."""
    return sum(float(v) * _UNITS[u] for v, u in re.findall(r"([\d.]+)(ms|s|m|h|d)\b", text))


def timestamp(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S.%f")


def overhead(trace: Path) -> tuple[dict[str, dict[str, float]], dict[str, float]]:
    rows = [r for r in csv.DictReader(trace.open(encoding="utf-8"), delimiter="\t") if r["start"] not in ("", "-")]
    if not rows:
        raise SystemExit(f"{trace}: no started task in the trace")
    per: dict[str, dict[str, float]] = defaultdict(lambda: {"tasks": 0, "work": 0.0, "wrapper": 0.0, "queued": 0.0})
    for r in rows:
        process = r["name"].split(" (")[0]
        start, complete = timestamp(r["start"]), timestamp(r["complete"])
        work = duration_s(r["realtime"])
        p = per[process]
        p["tasks"] += 1
        p["work"] += work
        p["wrapper"] += max((complete - start).total_seconds() - work, 0.0)
        p["queued"] += max((start - timestamp(r["submit"])).total_seconds(), 0.0)
    wall = (max(timestamp(r["complete"]) for r in rows) - min(timestamp(r["submit"]) for r in rows)).total_seconds()
    total = {k: sum(p[k] for p in per.values()) for k in ("tasks", "work", "wrapper", "queued")}
    total["wall"] = wall
    return dict(per), total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("trace", type=Path)
    args = ap.parse_args()
    per, total = overhead(args.trace)
    print(f"{'process':<45} {'tasks':>5} {'work s':>8} {'wrapper s':>9} {'per task':>8} {'queued s':>9}")
    for name, p in sorted(per.items(), key=lambda kv: -kv[1]["work"]):
        print(
            f"{name:<45} {p['tasks']:>5.0f} {p['work']:>8.1f} {p['wrapper']:>9.1f} "
            f"{p['wrapper'] / p['tasks']:>8.2f} {p['queued']:>9.1f}"
        )
    print(
        f"\nwall {total['wall']:.0f} s; {total['tasks']:.0f} tasks; work {total['work']:.0f} s "
        f"({total['work'] / total['wall']:.2f} task-seconds per wall second); Nextflow wrapper "
        f"{total['wrapper']:.0f} s ({total['wrapper'] / max(total['work'] + total['wrapper'], 1e-9):.1%} "
        f"of task time)"
    )


if __name__ == "__main__":
    main()
