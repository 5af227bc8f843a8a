"""Cross-check pairbench's harnesses against pyperf (Python) and criterion.rs (Rust, `--rust`) on the
same cells, data, calls and CPU.

For each case, launches alternate: one pairbench launch (the real launcher and worker, pinned to one
CPU), then one pyperf run in a fresh process pinned to the same CPU (`--affinity`), and so on. Each
reports seconds per call; the table gives harness median / pyperf median with a 95% bootstrap CI.

Cases: a >= 1 ms call (k-means fit on 1,000 blobs) and a ~100 us call (ridge predict on diabetes).
Both harnesses time the same thing: `fit` starts from a fresh estimator cloned outside the timer,
`predict` predicts with a fitted model in a steady loop.

    .venv/bin/python benchmarks/crosscheck.py --launches 10   # -> benchmarks/results/crosscheck_python.json

pyperf calibrates its loop count so that each value lasts >= 100 ms; pairbench batches only below
100 us per call. Needs pyperf (a dev dependency in pyproject.toml).

`--rust` cross-checks the linfa side instead, against criterion.rs 0.5.1: the bench crate
benchmarks/criterion-crosscheck (a workspace member outside `default-members`, built here with
`cargo bench --no-run`) builds the cell's benchmark with the same library code as the
`pairbench-classical` binary, on the same verified data files, and criterion times the same
`run_phase` call. Launches alternate: one pairbench launch (pinned), then one criterion run pinned to
the same CPU with `taskset`. Criterion's per-iteration times (`new/sample.json`: time / iterations of
each sample) are the reference samples. Cases: k-means fit on 1,000 blobs (>= 1 ms) and OLS linear
fit on diabetes (~20 us; both harnesses batch it).

    .venv/bin/python benchmarks/crosscheck.py --rust --launches 10   # -> benchmarks/results/crosscheck_rust.json
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from measured import finish, header

from pairbench.analysis import stats
from pairbench.core.cells import Cell
from pairbench.core.paths import project_root
from pairbench.core.schema import read_result
from pairbench.datasets.materialise import DatasetSpec, materialise
from pairbench.harness.launcher import pinned_cpus, run_side
from pairbench.harness.threads import thread_env

SKLEARN = {"name": "scikit-learn", "language": "python", "backend": "numpy", "package": "scikit-learn"}
LINFA = {"name": "linfa", "language": "rust", "backend": "pure Rust", "binary": "pairbench-classical"}
CASES = [
    # (label, task, algorithm, dataset, params, phase)
    (
        "kmeans fit (>= 1 ms)",
        "clustering",
        "kmeans",
        "synthetic_blobs",
        {"n_clusters": 4, "init": "k-means++", "n_init": 10, "tol": 1e-4, "max_iter": 300},
        "fit",
    ),
    (
        "ridge predict (~100 us)",
        "regression",
        "ridge",
        "diabetes",
        {"alpha": 0.1, "fit_intercept": True, "tol": 1e-6, "max_iter": 1000},
        "predict",
    ),
]
RUST_CASES = [
    (
        "kmeans fit (>= 1 ms)",
        "clustering",
        "kmeans",
        "synthetic_blobs",
        {"n_clusters": 4, "init": "k-means++", "n_init": 10, "tol": 1e-4, "max_iter": 300},
        "fit",
    ),
    (
        "linear fit (~20 us)",
        "regression",
        "linear",
        "diabetes",
        {"fit_intercept": True},
        "fit",
    ),
]
REPO = Path(__file__).resolve().parent.parent
CRITERION_CRATE = "pairbench-criterion-crosscheck"
DATASETS = {
    "diabetes": DatasetSpec("diabetes", "sklearn_diabetes", "regression", True, {}),
    "synthetic_blobs": DatasetSpec(
        "synthetic_blobs",
        "synthetic_blobs",
        "clustering",
        True,
        {"n_samples": 1000, "n_features": 2, "centers": 4, "cluster_std": 1.0},
    ),
}

PYPERF_WORKER = r"""
import sys, time
import pyperf
from sklearn.base import clone
from pairbench.datasets.materialise import load_verified
from pairbench.core.registry import get_algorithm
from pathlib import Path
import json

# pyperf re-runs this script for its worker process: the case comes from the file beside it.
spec = json.loads(Path(__file__).with_suffix(".json").read_text())
split = load_verified(Path(spec["data"]))
X = split.X_train
if spec["task"] == "clustering":
    template = get_algorithm("classical_ml", "clustering", spec["algorithm"]).build(spec["params"], X, 42)
    fit = lambda m: m.fit_predict(X)
else:
    template = get_algorithm("classical_ml", spec["task"], spec["algorithm"]).build(spec["params"], X.shape[0])
    fit = lambda m: m.fit(X, split.y_train)

def bench_fit(loops):
    fresh = [clone(template) for _ in range(loops)]  # outside the timer, as pairbench's prepare_phase
    t0 = time.perf_counter()
    for m in fresh:
        fit(m)
    return time.perf_counter() - t0

model = fit(clone(template)) if spec["task"] != "clustering" else None

def bench_predict(loops):
    t0 = time.perf_counter()
    for _ in range(loops):
        model.predict(split.X_test)
    return time.perf_counter() - t0

runner = pyperf.Runner()
runner.bench_time_func(spec["name"], bench_fit if spec["phase"] == "fit" else bench_predict)
"""


def _cv(values: list[float]) -> float:
    """Coefficient of variation (sample std / mean)."""
    arr = np.asarray(values, dtype=float)
    return float(arr.std(ddof=1) / arr.mean()) if arr.size > 1 and arr.mean() else float("nan")


def compare(harness: list[list[float]], reference: list[list[float]], resamples: int = 5000) -> dict[str, Any]:
    """Harness / reference, per launch pair (launch i of each, run back to back) and pooled.

    - pooled: ratio of the medians of all samples, CI resampling both pools;
    - paired: median over launch pairs of (harness launch median / reference run median), CI resampling
      pairs. On a host whose speed drifts between launches (a shared VM) the paired ratio cancels the
      drift that the pooled one absorbs;
    - means: ratio of the mean seconds per call. criterion's and pyperf's values are means over many
      calls, so they carry a right-skewed tail that a median of single-call samples leaves out.
    """
    pooled_h = [x for launch in harness for x in launch]
    pooled_r = [x for launch in reference for x in launch]
    ratio, low, high = stats.ratio_of_medians_ci(pooled_h, pooled_r)
    per_pair = np.array([np.median(h) / np.median(r) for h, r in zip(harness, reference, strict=True)])
    rng = np.random.default_rng(0)
    boot = np.median(per_pair[rng.integers(0, len(per_pair), (resamples, len(per_pair)))], axis=1)
    return {
        "harness_median_s": float(np.median(pooled_h)),
        "reference_median_s": float(np.median(pooled_r)),
        "ratio": ratio,
        "ci_low": low,
        "ci_high": high,
        "paired_ratio": float(np.median(per_pair)),
        "paired_ci_low": float(np.percentile(boot, 2.5)),
        "paired_ci_high": float(np.percentile(boot, 97.5)),
        "per_launch_ratios": [round(float(x), 4) for x in per_pair],
        "mean_ratio": float(np.mean(pooled_h) / np.mean(pooled_r)),
        "harness_cv": _cv(pooled_h),
        "reference_cv": _cv(pooled_r),
    }


def pyperf_values(
    worker: Path, spec: dict[str, Any], cpu: int, values: int, out: Path, min_time: float | None = None
) -> list[float]:
    out.unlink(missing_ok=True)
    worker.with_suffix(".json").write_text(json.dumps(spec))
    cmd = [
        sys.executable,
        str(worker),
        "--processes",
        "1",
        "--values",
        str(values),
        "--warmups",
        "1",
        "--affinity",
        str(cpu),
        "--quiet",
        "--output",
        str(out),
        "--inherit-environ",
        "PYTHONPATH,OMP_NUM_THREADS,OPENBLAS_NUM_THREADS,MKL_NUM_THREADS",
        *(["--min-time", str(min_time)] if min_time else []),
    ]
    subprocess.run(
        cmd,
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"},
    )
    doc = json.loads(out.read_text())
    return [float(v) for run in doc["benchmarks"][0]["runs"] for v in run.get("values", [])]


def build_criterion_bench() -> Path:
    """Build the criterion bench (release-like `bench` profile) and return its executable."""
    proc = subprocess.run(
        ["cargo", "bench", "-p", CRITERION_CRATE, "--bench", "linfa_cell", "--no-run", "--message-format=json"],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    )
    for line in proc.stdout.splitlines():
        msg = json.loads(line)
        target = msg.get("target", {}).get("name")
        if msg.get("reason") == "compiler-artifact" and target == "linfa_cell" and msg.get("executable"):
            return Path(msg["executable"])
    raise RuntimeError(f"cargo bench --no-run: no executable for {CRITERION_CRATE}/linfa_cell")


def criterion_values(
    exe: Path, cell: Path, data: Path, phase: str, bench_id: str, cpu: int, home: Path, measurement_s: float
) -> list[float]:
    """One criterion run in a fresh process pinned to `cpu`: seconds per call of each sample."""
    shutil.rmtree(home, ignore_errors=True)
    env = {
        **os.environ,
        **thread_env(1),
        "CRITERION_HOME": str(home),
        "PAIRBENCH_CROSSCHECK_CELL": str(cell),
        "PAIRBENCH_CROSSCHECK_DATA": str(data),
        "PAIRBENCH_CROSSCHECK_PHASE": phase,
        "PAIRBENCH_CROSSCHECK_ID": bench_id,
    }
    cmd = ["taskset", "-c", str(cpu), str(exe), "--bench", "--noplot"]
    cmd += ["--warm-up-time", "1", "--measurement-time", str(measurement_s), "--sample-size", "20"]
    subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
    sample = json.loads((home / bench_id / "new" / "sample.json").read_text())
    return [t * 1e-9 / n for t, n in zip(sample["times"], sample["iters"], strict=True)]


def materialise_datasets(root: Path) -> None:
    """The cases' datasets, written as phase 3 writes them, under root/data."""
    for name, spec in DATASETS.items():
        materialise(spec, root / "data" / name, seed=42, test_fraction=0.2, dtype="float64")


def crosscheck_cell(root: Path, task: str, algo: str, ds: str, params: dict[str, Any], samples: int) -> Path:
    """One classical cell file, scikit-learn and linfa, one thread, as phase 1 would write it."""
    cell = Cell(
        run_id="crosscheck",
        domain="classical_ml",
        task=task,
        algorithm=algo,
        dataset=ds,
        params=params,
        frameworks=[SKLEARN, LINFA],
        warmup=2,
        samples=samples,
        threads=1,
    )
    return cell.write(root / "cells")


def rust_main(args: argparse.Namespace, cpu: int) -> list[dict[str, Any]]:
    exe = build_criterion_bench()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        materialise_datasets(root)
        for label, task, algo, ds, params, phase in RUST_CASES:
            path = crosscheck_cell(root, task, algo, ds, params, args.samples)
            bench_id = f"{algo}_{phase}"
            harness: list[list[float]] = []
            reference: list[list[float]] = []
            batches = set()
            for i in range(1, args.launches + 1):
                out = root / "r.json"
                outcome = run_side(path, "linfa", root / "data", out, launch=i, pin=str(cpu))
                if not outcome.ok:
                    raise RuntimeError(outcome.error)
                timing = read_result(out)["timing"]["phases"][phase]
                harness.append(timing["samples"])
                batches.add(timing.get("batch", 1))
                reference.append(
                    criterion_values(
                        exe, path, root / "data", phase, bench_id, cpu, root / "criterion", args.measurement_time
                    )
                )
            row = {
                "case": label,
                "side": "rust",
                "reference": "criterion.rs 0.5.1 (pinned, warm-up 1 s, 20 samples)",
                **compare(harness, reference),
                "harness_batch": sorted(batches),
                "launches": args.launches,
                "cpu": cpu,
            }
            rows.append(row)
            print(f"rust {label}: paired {row['paired_ratio']:.3f}, pooled {row['ratio']:.3f}", file=sys.stderr)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--launches", type=int, default=5, help="launches per harness and case")
    parser.add_argument("--samples", type=int, default=10, help="samples (pairbench) / values (pyperf) per launch")
    parser.add_argument(
        "--out", type=Path, help="default: benchmarks/results/crosscheck_python.json (_rust.json with --rust)"
    )
    parser.add_argument("--rust", action="store_true", help="cross-check the linfa side against criterion.rs")
    parser.add_argument("--measurement-time", type=float, default=3.0, help="criterion seconds per run (--rust)")
    args = parser.parse_args()
    cpus = pinned_cpus(1, "auto")
    cpu = cpus[0] if cpus else 0
    side = "rust" if args.rust else "python"
    out = args.out or project_root() / "benchmarks" / "results" / f"crosscheck_{side}.json"
    doc = header(
        f"pairbench's {side} harness against {'criterion.rs' if args.rust else 'pyperf'} on the same cells, "
        "data, calls and CPU, launches interleaved",
        launches=args.launches,
        samples=args.samples,
        cpu=cpu,
    )
    rows = rust_main(args, cpu) if args.rust else python_rows(args, cpu)
    doc["rows"] = rows
    finish(doc, out)
    print(
        "| case | reference | harness median | reference median | pooled ratio (95% CI) "
        "| paired ratio (95% CI) | ratio of means |"
    )
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        side = "Python" if r["side"] == "python" else "Rust"
        print(
            f"| {side} {r['case']} | {r['reference']} | {r['harness_median_s'] * 1e6:.2f} µs | "
            f"{r['reference_median_s'] * 1e6:.2f} µs | {r['ratio']:.3f} [{r['ci_low']:.3f}, {r['ci_high']:.3f}] | "
            f"{r['paired_ratio']:.3f} [{r['paired_ci_low']:.3f}, {r['paired_ci_high']:.3f}] | {r['mean_ratio']:.3f} |"
        )
    return 0


def python_rows(args: argparse.Namespace, cpu: int) -> list[dict[str, Any]]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        worker = root / "pyperf_worker.py"
        worker.write_text(PYPERF_WORKER)
        materialise_datasets(root)
        for label, task, algo, ds, params, phase in CASES:
            path = crosscheck_cell(root, task, algo, ds, params, args.samples)
            spec = {
                "name": label,
                "task": task,
                "algorithm": algo,
                "params": params,
                "phase": phase,
                "data": str(root / "data" / ds),
            }
            harness: list[list[float]] = []
            # pyperf's default values last >= 100 ms, so on a busy machine each one absorbs run-queue
            # waits that a ~100 us pairbench sample mostly dodges; the second reference times values of
            # about the harness's own sample length, which isolates the harness from that effect.
            references: dict[str, list[list[float]]] = {
                "pyperf 2.11 (default, values >= 100 ms)": [],
                "pyperf 2.11 (--min-time = harness sample)": [],
            }
            batches = set()
            for i in range(1, args.launches + 1):
                out = root / "r.json"
                outcome = run_side(path, "scikit-learn", root / "data", out, launch=i, pin=str(cpu))
                if not outcome.ok:
                    raise RuntimeError(outcome.error)
                timing = read_result(out)["timing"]["phases"][phase]
                harness.append(timing["samples"])
                batches.add(timing.get("batch", 1))
                sample_s = max(1e-4, float(np.median(timing["samples"])) * timing.get("batch", 1))
                for name, min_time in zip(references, (None, sample_s), strict=True):
                    references[name].append(
                        pyperf_values(worker, spec, cpu, args.samples, root / "pyperf.json", min_time)
                    )
            for name, reference in references.items():
                row = {
                    "case": label,
                    "side": "python",
                    "reference": name,
                    **compare(harness, reference),
                    "harness_batch": sorted(batches),
                    "launches": args.launches,
                    "cpu": cpu,
                }
                rows.append(row)
                print(
                    f"{label} vs {name}: paired {row['paired_ratio']:.3f}, pooled {row['ratio']:.3f}", file=sys.stderr
                )
    return rows


if __name__ == "__main__":
    sys.exit(main())
