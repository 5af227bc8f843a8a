"""Boundary cost of calling linfa from Python through PyO3 (linfa-py), per call, at small and large n.

    .venv/bin/python benchmarks/boundary_cost.py [--sizes 200,20000] [--algorithms linear,ridge]
        [--launches 3] [--samples 10] [--out benchmarks/results/boundary_cost.json] [--keep DIR]

For each size the classical regression cells on `synthetic_linear` with that many rows are selected and
materialised once by pairbench itself (`select`, `datasets`). Then linfa (the native binary) and linfa-py
(the Python worker calling the same Rust functions) are launched alternately, every launch a fresh process
(`pairbench launch`). Per phase: boundary cost per call = median(linfa-py) - median(linfa), with a 95%
percentile-bootstrap CI over the raw samples, and the ratio of medians. Inputs cross without a copy, so
the cost should not grow with n; what grows is left to see in the numbers.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from pairbench.analysis.stats import bootstrap_medians, percentile_ci

SIDES = ("linfa", "linfa-py")


def _pairbench(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pairbench.cli.main", *args], check=True, stdout=subprocess.DEVNULL)


def measure(size: int, algorithms: str, launches: int, samples: int, work: Path) -> list[dict[str, object]]:
    work.mkdir(parents=True, exist_ok=True)
    params = {
        "domains": "classical_ml",
        "algorithms": algorithms,
        "datasets": "synthetic_linear",
        "synthetic_n_samples": size,
        "launches": launches,
        "samples": samples,
        "cv_folds": 0,
        "outdir": str(work),
    }
    (work / "params.json").write_text(json.dumps(params), encoding="utf-8")
    _pairbench("select", "--params", str(work / "params.json"), "--run-id", f"boundary-{size}", "--out-dir", str(work))
    _pairbench("datasets", "--selection", str(work / "selection.json"), "--out-dir", str(work / "data"))
    rows = []
    for cell in sorted((work / "cells").glob("*.json")):
        times: dict[str, dict[str, list[float]]] = {s: {} for s in SIDES}
        for launch in range(1, launches + 1):
            for side in SIDES:  # alternating, so drift hits both sides alike
                out = work / "raw" / f"{cell.stem}.{side}.{launch}.json"
                out.parent.mkdir(exist_ok=True)
                _pairbench(
                    "launch",
                    "--cell",
                    str(cell),
                    "--side",
                    side,
                    "--launch",
                    str(launch),
                    "--data-dir",
                    str(work / "data"),
                    "--out",
                    str(out),
                )
                result = json.loads(out.read_text(encoding="utf-8"))
                if result["status"] != "ok":
                    raise RuntimeError(f"{cell.stem} {side}: {result.get('error')}")
                for phase, t in result["timing"]["phases"].items():
                    times[side].setdefault(phase, []).extend(t["samples"])
        n_train = result["dataset"]["n_train"]
        for phase in times["linfa"]:
            py, native = np.array(times["linfa-py"][phase]), np.array(times["linfa"][phase])
            bp, bn = bootstrap_medians(py, seed=1), bootstrap_medians(native, seed=2)
            low, high = percentile_ci(bp - bn, 0.95)
            rlow, rhigh = percentile_ci(bp / bn, 0.95)
            rows.append(
                {
                    "cell_id": cell.stem,
                    "n_samples": size,
                    "n_train": n_train,
                    "phase": phase,
                    "linfa_median_s": float(np.median(native)),
                    "linfa_py_median_s": float(np.median(py)),
                    "boundary_s": float(np.median(py) - np.median(native)),
                    "boundary_ci_low_s": float(low),
                    "boundary_ci_high_s": float(high),
                    "ratio": float(np.median(py) / np.median(native)),
                    "ratio_ci_low": float(rlow),
                    "ratio_ci_high": float(rhigh),
                    "n_samples_each": int(py.size),
                }
            )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="200,20000", help="synthetic_linear rows (train + test)")
    parser.add_argument("--algorithms", default="linear,ridge")
    parser.add_argument("--launches", type=int, default=3)
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/boundary_cost.json"))
    parser.add_argument("--keep", type=Path, help="keep the work directory here")
    args = parser.parse_args()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="pairbench-boundary-") as tmp:
        base = args.keep or Path(tmp)
        rows = [
            r
            for size in (int(s) for s in args.sizes.split(","))
            for r in measure(size, args.algorithms, args.launches, args.samples, base / f"n{size}")
        ]
    doc = {
        "what": "linfa-py minus native linfa, per timed call (same Rust functions)",
        "host": platform.node(),
        "cpu": platform.processor() or platform.machine(),
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "launches": args.launches,
        "samples": args.samples,
        "rows": rows,
        "wall_s": round(time.perf_counter() - t0, 1),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    for r in rows:
        print(
            f"{r['cell_id']:<60} {r['phase']:<8} n_train={r['n_train']:<6} linfa {r['linfa_median_s'] * 1e6:9.1f} us"
            f"  linfa-py {r['linfa_py_median_s'] * 1e6:9.1f} us  boundary {r['boundary_s'] * 1e6:8.1f} us "
            f"[{r['boundary_ci_low_s'] * 1e6:.1f}, {r['boundary_ci_high_s'] * 1e6:.1f}]"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
