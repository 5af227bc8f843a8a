"""Time `pairbench analyse` on N synthetic-but-schema-valid result records (default 10,000).

    .venv/bin/python benchmarks/analyse_10k.py [--n 10000] [--keep DIR]

Records mix a two-framework classical domain (fit/predict, r2) and a three-framework deep-learning
domain (train_epoch/infer_b32, accuracy), 3 launches x 10 samples each, with ~1% failed launches,
so every step of the analysis (including pairwise comparisons of three frameworks) is exercised.
Target: under 30 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from pairbench.analysis.run import AnalysisInputs, analyse
from pairbench.analysis.settings import StatisticsSettings
from pairbench.core.paths import config_dir
from pairbench.core.schema import validate_result

DOMAINS = {
    "classical_ml": {
        "frameworks": [("scikit-learn", "python"), ("linfa", "rust")],
        "phases": ["fit", "predict"],
        "metric": "r2",
        "task": "regression",
    },
    "deep_learning": {
        "frameworks": [("pytorch", "python"), ("candle", "rust"), ("tch", "rust")],
        "phases": ["train_epoch", "infer_b32"],
        "metric": "accuracy",
        "task": "image_classification",
    },
}


def make_results(n: int, out: Path, seed: int = 0, launches: int = 3, samples: int = 10) -> int:
    """Write n result JSON files under `out`; every one is validated against the schema."""
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    written, cell = 0, 0
    while written < n:
        domain = "classical_ml" if cell % 2 == 0 else "deep_learning"
        spec = DOMAINS[domain]
        algorithm, dataset = f"algo{cell % 17}", f"data{cell // 17}"
        cell_id = f"{spec['task']}.{algorithm}.{dataset}"
        base = {p: float(rng.uniform(1e-4, 1e-1)) for p in spec["phases"]}
        for f_index, (framework, language) in enumerate(spec["frameworks"]):
            speed = float(rng.choice([0.5, 1.0, 1.0, 2.0])) if f_index else 1.0
            for launch in range(1, launches + 1):
                if written >= n:
                    break
                failed = rng.random() < 0.01
                doc = {
                    "schema_version": "1.0",
                    "run_id": "bench-10k",
                    "cell_id": cell_id,
                    "launch": launch,
                    "language": language,
                    "framework": {"name": framework, "version": "1.0", "backend": "cpu"},
                    "domain": domain,
                    "task": spec["task"],
                    "algorithm": algorithm,
                    "dataset": {
                        "name": dataset,
                        "n_train": 1000,
                        "n_test": 250,
                        "n_features": 10,
                        "sha256": "",
                    },
                    "params": {},
                    "seed": 42,
                    "dtype": "float32",
                    "threads": 1,
                    "quality": {} if failed else {spec["metric"]: float(0.9 + rng.normal(0, 0.001))},
                    "timing": {
                        "phases": {}
                        if failed
                        else {
                            p: {
                                "unit": "s",
                                "warmup": 2,
                                "samples": (base[p] * speed * rng.lognormal(0, 0.03, samples)).tolist(),
                            }
                            for p in spec["phases"]
                        }
                    },
                    "resources": {"peak_rss_mb": float(rng.uniform(50, 500)), "cpu_percent": 99.0},
                    "status": "failed" if failed else "ok",
                    "error": "synthetic crash" if failed else None,
                    "started_at": "2026-01-01T00:00:00Z",
                    "finished_at": "2026-01-01T00:00:01Z",
                    "host": "bench",
                }
                validate_result(doc)
                (out / f"{cell_id}.{framework}.{launch}.json").write_text(json.dumps(doc), encoding="utf-8")
                written += 1
        cell += 1
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--resamples", type=int, default=5000)
    parser.add_argument("--keep", type=Path, help="keep the generated records and analysis here")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="pairbench-bench-"))
    try:
        t0 = time.perf_counter()
        n = make_results(args.n, root / "raw")
        t1 = time.perf_counter()
        overview = analyse(
            root / "raw",
            root / "analysis",
            None,
            StatisticsSettings(resamples=args.resamples),
            AnalysisInputs(
                analysis_config=config_dir() / "analysis.yaml",
                hardware=config_dir() / "hardware.yaml",
                history_db=root / "history.duckdb",
            ),
        )
        t2 = time.perf_counter()
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    print(f"generated {n} records in {t1 - t0:.1f} s")
    print(
        f"analyse: {overview['n_results']} records ({overview['n_failed']} failed) in {t2 - t1:.1f} s "
        f"(resamples={args.resamples}); steps: {overview['timings_s']}"
    )
    target = 30.0
    print(f"target < {target:.0f} s: {'met' if t2 - t1 < target else 'MISSED'}")
    return 0 if t2 - t1 < target else 1


if __name__ == "__main__":
    sys.exit(main())
