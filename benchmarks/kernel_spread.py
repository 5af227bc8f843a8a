"""Where a Python launch's spread comes from on this host, and why the calibration kernel is a SHA-256 chain.

    .venv/bin/python benchmarks/kernel_spread.py            # 20 launches a kernel, 12 s of calls each
    .venv/bin/python benchmarks/kernel_spread.py --launches 10 --seconds 6

Two measurements of candidate kernels, each about 24 ms a call:
- launches: fresh processes, the kernels interleaved in a random order per round as phase 4's rounds
  interleave sides; each launch times 5 calls after 2 warm-up calls; the CV of the launch medians (between
  launches) and the median CV of the calls inside a launch (within);
- calls in time: one process calls each kernel back to back for `--seconds`; the 10th, 50th and 90th
  percentiles of the call times and the share of calls more than 25% slower than the 10th percentile (a host
  whose speed for this code changes from one moment to the next shows it here, inside one process).
Kernels: `lcg` (a 31-bit LCG in the interpreter, the calibration kernel before), `table` (an LCG by table
lookup: no allocation), `crc32` (zlib over 64 KiB, a C loop), `sha256_chain` (the calibration kernel now:
pairbench.datasets.calibration).
Results: benchmarks/results/kernel_spread.json (machine, commit, date and load inside).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics as st
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from measured import finish, header

from pairbench.core.paths import project_root

# One call of each kernel, about 24 ms on the build machine; `state` carries from call to call.
KERNELS = r"""
import hashlib, zlib
from itertools import repeat
from pairbench.datasets.calibration import chain, start_state

def lcg(state):
    x = state if isinstance(state, int) else 57
    for _ in range(150000):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
    return x

TABLE = [(165 * i + 13) & 255 for i in range(256)]
def table(state):
    x, t = (state if isinstance(state, int) else 57) & 255, TABLE
    for _ in repeat(None, 1100000):
        x = t[x]
    return x

BUF = bytes(range(256)) * 256
def crc32(state):
    x = state if isinstance(state, int) else 0
    for _ in repeat(None, 700):
        x = zlib.crc32(BUF, x)
    return x

def sha256_chain(state):
    return chain(state if isinstance(state, bytes) else start_state(57), 125)

KERNELS = {"lcg": lcg, "table": table, "crc32": crc32, "sha256_chain": sha256_chain}
"""

LAUNCH = (
    KERNELS
    + r"""
import json, sys, time
f, state, times = KERNELS[sys.argv[1]], None, []
for _ in range(2):
    state = f(state)
for _ in range(5):
    t0 = time.perf_counter(); state = f(state); times.append(time.perf_counter() - t0)
print(json.dumps(times))
"""
)

IN_TIME = (
    KERNELS
    + r"""
import json, sys, time
f, state, times = KERNELS[sys.argv[1]], None, []
end = time.perf_counter() + float(sys.argv[2])
while time.perf_counter() < end:
    t0 = time.perf_counter(); state = f(state); times.append(time.perf_counter() - t0)
print(json.dumps(times))
"""
)


def _run(code: str, *args: str) -> list[float]:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    return [float(t) for t in json.loads(out.stdout)]


def launches(names: list[str], rounds: int, seed: int) -> dict[str, dict[str, Any]]:
    medians: dict[str, list[float]] = {n: [] for n in names}
    within: dict[str, list[float]] = {n: [] for n in names}
    rng = random.Random(seed)
    for _ in range(rounds):
        for name in rng.sample(names, len(names)):
            times = _run(LAUNCH, name)
            medians[name].append(st.median(times))
            within[name].append(st.pstdev(times) / st.mean(times))
    return {
        n: {
            "launches": rounds,
            "median_ms": round(st.median(medians[n]) * 1e3, 3),
            "between_launch_cv": st.pstdev(medians[n]) / st.mean(medians[n]),
            "within_launch_cv": st.median(within[n]),
            "launch_medians_ms": [round(m * 1e3, 3) for m in medians[n]],
        }
        for n in names
    }


def in_time(names: list[str], seconds: float) -> dict[str, dict[str, Any]]:
    rows = {}
    for name in names:
        times = _run(IN_TIME, name, str(seconds))
        q = st.quantiles(times, n=10)
        rows[name] = {
            "calls": len(times),
            "p10_ms": round(q[0] * 1e3, 3),
            "p50_ms": round(st.median(times) * 1e3, 3),
            "p90_ms": round(q[-1] * 1e3, 3),
            "p90_over_p10": q[-1] / q[0],
            "share_25pct_slower_than_p10": sum(t > 1.25 * q[0] for t in times) / len(times),
        }
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--launches", type=int, default=20, help="fresh processes per kernel")
    parser.add_argument("--seconds", type=float, default=12.0, help="seconds of back-to-back calls per kernel")
    parser.add_argument("--seed", type=int, default=1, help="seed of the launch order")
    parser.add_argument("--out", default=str(project_root() / "benchmarks" / "results" / "kernel_spread.json"))
    args = parser.parse_args()
    names = ["lcg", "table", "crc32", "sha256_chain"]
    doc = header(
        "launch-to-launch spread of candidate calibration kernels, and their call times in time, one process",
        launches=args.launches, seconds=args.seconds, seed=args.seed,
    )  # fmt: skip
    started = time.monotonic()
    doc["launch_spread"] = launches(names, args.launches, args.seed)
    doc["calls_in_time"] = in_time(names, args.seconds)
    doc["measure_s"] = round(time.monotonic() - started, 1)
    finish(doc, Path(args.out))
    for n in names:
        a, b = doc["launch_spread"][n], doc["calls_in_time"][n]
        print(
            f"{n:13s} launches: median {a['median_ms']:6.2f} ms, between {a['between_launch_cv']:6.1%}, "
            f"within {a['within_launch_cv']:5.1%} | in time: p10 {b['p10_ms']:6.2f} p90 {b['p90_ms']:6.2f} ms, "
            f"{b['share_25pct_slower_than_p10']:5.1%} of calls >25% over p10"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
