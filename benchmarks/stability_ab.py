"""Interleaved A/B of timing stability: the same cells, data and thread settings, launched in turn by
(a) a reference checkout's harness (the "before": its worker and binary, unpinned), (b) this
checkout's harness unpinned and (c) this checkout's harness pinned to one CPU.

Arms alternate launch by launch (a b c a b c ...), so a load change on a shared machine hits every arm
alike: absolute figures from a loaded machine say little, the differences between arms still do.

    python benchmarks/stability_ab.py --before /work/main --launches 5 --out stability.json

Per series (cell x side x phase x arm): samples pooled over launches as the analysis pools them, CV,
MAD/median, pyperf's instability rules (std >= 10% of the mean, min or max >= 50% away), and the CV
of the per-launch medians (launch-to-launch spread).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from pairbench.analysis import stats
from pairbench.core.cells import Cell
from pairbench.core.schema import read_result
from pairbench.datasets.materialise import DatasetSpec, materialise
from pairbench.harness.launcher import pinned_cpus, run_pinned, side_command
from pairbench.harness.threads import thread_env

SKLEARN = {"name": "scikit-learn", "language": "python", "backend": "numpy", "package": "scikit-learn"}
LINFA = {"name": "linfa", "language": "rust", "backend": "pure Rust", "binary": "pairbench-classical"}
CELLS = [
    ("regression", "ridge", "diabetes", {"alpha": 0.1, "fit_intercept": True, "tol": 1e-6, "max_iter": 1000}),
    ("regression", "linear", "synthetic_linear", {"fit_intercept": True}),
    (
        "clustering",
        "kmeans",
        "synthetic_blobs",
        {"n_clusters": 4, "init": "k-means++", "n_init": 10, "tol": 1e-4, "max_iter": 300},
    ),
]
DATASETS = {
    "diabetes": DatasetSpec("diabetes", "sklearn_diabetes", "regression", True, {}),
    "synthetic_linear": DatasetSpec(
        "synthetic_linear", "synthetic_linear", "regression", True, {"n_samples": 1000, "n_features": 20, "noise": 10.0}
    ),
    "synthetic_blobs": DatasetSpec(
        "synthetic_blobs",
        "synthetic_blobs",
        "clustering",
        True,
        {"n_samples": 1000, "n_features": 2, "centers": 4, "cluster_std": 1.0},
    ),
}


def launch(
    arm: str, cell: Cell, cell_path: Path, side: str, data_dir: Path, out: Path, n: int, before: Path
) -> dict[str, Any]:
    env = {**os.environ, **thread_env(cell.threads), "PYTHONHASHSEED": str(cell.seed)}
    if arm == "before":
        env["PYTHONPATH"] = str(before / "src" / "python")
        impl = {"frameworks": {"linfa": {"binary_path": str(before / "target" / "release" / "pairbench-classical")}}}
        cpus = None
    else:
        impl = None
        cpus = pinned_cpus(cell.threads, "auto" if arm == "pinned" else "off")
    cmd = side_command(cell, side, cell_path, data_dir, n, out, impl, [])
    proc = run_pinned(cmd, cpus, 600, env)
    if proc.returncode != 0:
        raise RuntimeError(f"{arm} {side} {cell.algorithm}: {proc.stderr[-2000:]}")
    return dict(read_result(out))


def summarise(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    out = {}
    for phase in docs[0]["timing"]["phases"]:
        per_launch = [d["timing"]["phases"][phase]["samples"] for d in docs]
        pooled = [s for xs in per_launch for s in xs]
        medians = [statistics.median(xs) for xs in per_launch]
        warnings = [w for w in stats.instability_warnings(pooled, 0) if not w.startswith("only")]
        out[phase] = {
            "median_s": statistics.median(pooled),
            "cv": stats.cv(pooled),
            "mad_rel": stats.robust_spread(pooled)[0],
            "unstable": bool(warnings),
            "launch_median_cv": statistics.stdev(medians) / statistics.fmean(medians) if len(medians) > 1 else None,
            "batch": docs[0]["timing"]["phases"][phase].get("batch", 1),
        }
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=Path, required=True, help="reference checkout (built) for the 'before' arm")
    parser.add_argument("--launches", type=int, default=5, help="launches per arm and series")
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("stability_ab.json"))
    args = parser.parse_args()
    arms = ("before", "unpinned", "pinned")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name, spec in DATASETS.items():
            materialise(spec, root / "data" / name, seed=42, test_fraction=0.2, dtype="float64")
        docs: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
        for i in range(1, args.launches + 1):
            for task, algo, ds, params in CELLS:
                cell = Cell(
                    run_id="ab",
                    domain="classical_ml",
                    task=task,
                    algorithm=algo,
                    dataset=ds,
                    params=params,
                    frameworks=[SKLEARN, LINFA],
                    warmup=args.warmup,
                    samples=args.samples,
                    threads=1,
                )
                path = cell.write(root / "cells")
                for side in ("scikit-learn", "linfa"):
                    for arm in arms:
                        doc = launch(arm, cell, path, side, root / "data", root / f"{arm}.json", i, args.before)
                        docs.setdefault((f"{algo}/{ds}", side, arm), []).append(doc)
            print(f"launch round {i}/{args.launches} done", file=sys.stderr)
    series = [
        {"cell": c, "side": s, "arm": a, "phase": p, **v}
        for (c, s, a), ds_ in docs.items()
        for p, v in summarise(ds_).items()
    ]
    table = {}
    for arm in arms:
        rows = [r for r in series if r["arm"] == arm]
        long = [r for r in rows if r["median_s"] >= 1e-3]
        table[arm] = {
            "series": len(rows),
            "unstable": sum(r["unstable"] for r in rows),
            "median_cv": statistics.median(r["cv"] for r in rows),
            "median_cv_ge_1ms": statistics.median(r["cv"] for r in long) if long else None,
            "median_mad_rel": statistics.median(r["mad_rel"] for r in rows),
            "median_launch_median_cv": statistics.median(r["launch_median_cv"] for r in rows),
        }
    args.out.write_text(
        json.dumps({"arms": table, "series": series, "load_average_1m_end": os.getloadavg()[0]}, indent=2) + "\n"
    )
    print(json.dumps(table, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
