"""Scaling study: fit time vs n_samples per side, log-log slopes and crossover (opt-in phase)."""

from __future__ import annotations

import argparse
from pathlib import Path

from pairbench.cli.common import read_json
from pairbench.configuration.config import load_catalogue
from pairbench.configuration.run_defaults import run_default
from pairbench.experiment.scaling import SAMPLES_PER_SIZE, run_scaling


def add_arguments(parser: argparse.ArgumentParser) -> None:
    # Defaults from their one source: the pipeline's --scaling_* params (nextflow_schema.json).
    parser.add_argument("--benchmarks", type=Path, required=True)
    parser.add_argument("--frameworks", type=Path, required=True)
    parser.add_argument("--sizes", default=run_default("scaling_sizes"), help="comma-separated n_samples (log-spaced)")
    parser.add_argument("--algorithms", default=run_default("scaling_algorithms"))
    parser.add_argument("--samples", type=int, default=SAMPLES_PER_SIZE, help="timed fits per size and side")
    parser.add_argument(
        "--max-fit-s",
        type=float,
        default=float(run_default("scaling_max_fit_s")),
        help="a side stops growing n once one fit takes longer than this",
    )
    parser.add_argument("--threads", type=int, required=True, help="the run's --threads")
    parser.add_argument("--run-id", default="scaling")
    parser.add_argument("--implementations", type=Path)
    parser.add_argument("--out-dir", type=Path, default=Path("scaling"))


def run(args: argparse.Namespace) -> int:
    catalogue = load_catalogue(args.benchmarks, args.frameworks)
    doc = run_scaling(
        catalogue,
        [a.strip() for a in args.algorithms.split(",") if a.strip()],
        [int(s) for s in args.sizes.split(",")],
        args.out_dir,
        run_id=args.run_id,
        samples=args.samples,
        max_fit_s=args.max_fit_s,
        threads=args.threads,
        implementations=read_json(args.implementations) or None,
    )
    for algo, info in doc["algorithms"].items():
        slopes = ", ".join(f"{s}: {v:.2f}" if v is not None else f"{s}: -" for s, v in info["slopes"].items())
        print(f"{algo}: slopes {slopes}; " + "; ".join(c["statement"] for c in info["crossovers"]))
    return 0
