"""Scaling study (opt-in, `--scaling true`): fit time against n_samples on seeded synthetic data.

For each algorithm, its first grid point from config/benchmarks.yaml (with per-algorithm overrides
below, e.g. a linear kernel for svc) is run on log-spaced sizes, every side in fresh processes through
the same launcher as the benchmark phase. A side stops growing once one fit takes longer than
`max_fit_s` (or fails, e.g. runs out of time): the sizes each side reached are reported. Per side the
slope of log10(median fit time) on log10(n) is fitted by least squares; a crossover is where the
sides' measured medians change order, interpolated in log-log space.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pairbench.configuration.config import Catalogue
from pairbench.core.cells import Cell
from pairbench.core.schema import read_result
from pairbench.datasets.materialise import DatasetSpec, materialise
from pairbench.harness.launcher import run_side


@dataclass(frozen=True)
class ScalingCase:
    source: str
    task: str
    options: dict[str, Any]
    overrides: dict[str, Any]


# What each algorithm is scaled on. svc uses the linear kernel (the brief's "linear-kernel svc").
# Timed fits per size and side: not a pipeline param (nextflow_schema.json holds the study's others), so the
# CLI's --samples default is this one.
SAMPLES_PER_SIZE = 3
CASES: dict[str, ScalingCase] = {
    "kmeans": ScalingCase("synthetic_blobs", "clustering", {"n_features": 2, "centers": 4}, {"init": "k-means++"}),
    "dbscan": ScalingCase("synthetic_blobs", "clustering", {"n_features": 2, "centers": 4}, {}),
    "ridge": ScalingCase("synthetic_linear", "regression", {"n_features": 20}, {}),
    "svc": ScalingCase(
        "synthetic_classification",
        "classification",
        {"n_features": 20, "n_informative": 10, "n_classes": 2},
        {"kernel": "linear"},
    ),
}


def _first_point(catalogue: Catalogue, algorithm: str) -> tuple[Any, dict[str, Any]]:
    for task in catalogue.tasks:
        if algorithm in task.algorithms:
            params = {k: (v[0] if isinstance(v, list) else v) for k, v in task.algorithms[algorithm].items()}
            return task, params
    raise KeyError(f"algorithm {algorithm!r} is not in the catalogue")


def loglog_slope(n: list[float], t: list[float]) -> float | None:
    if len(n) < 2:
        return None
    return float(np.polyfit(np.log10(n), np.log10(t), 1)[0])


def crossover(points: dict[str, dict[int, float]], reference: str, candidate: str) -> dict[str, Any]:
    """Where candidate/reference median fit-time ratio crosses 1 over the sizes both sides reached."""
    sizes = sorted(set(points.get(reference, {})) & set(points.get(candidate, {})))
    if not sizes:
        return {"sizes_compared": [], "crossover_n": None, "statement": "no size measured on both sides"}
    ratios = [points[candidate][n] / points[reference][n] for n in sizes]
    for (n0, r0), (n1, r1) in zip(
        zip(sizes, ratios, strict=True), zip(sizes[1:], ratios[1:], strict=True), strict=False
    ):
        if (r0 - 1) * (r1 - 1) < 0:
            f = math.log(r0) / (math.log(r0) - math.log(r1))
            at = 10 ** (math.log10(n0) + f * (math.log10(n1) - math.log10(n0)))
            faster_small = candidate if r0 < 1 else reference
            return {
                "sizes_compared": sizes,
                "ratios": ratios,
                "crossover_n": round(at),
                "statement": f"crossover near n = {round(at):,}: {faster_small} is faster below it",
            }
    who = candidate if ratios[0] < 1 else reference
    return {
        "sizes_compared": sizes,
        "ratios": ratios,
        "crossover_n": None,
        "statement": f"no crossover between n = {sizes[0]:,} and {sizes[-1]:,}: {who} faster throughout",
    }


def run_scaling(
    catalogue: Catalogue,
    algorithms: list[str],
    sizes: list[int],
    out_dir: Path,
    *,
    run_id: str,
    samples: int,
    max_fit_s: float,
    threads: int,
    implementations: dict[str, Any] | None = None,
) -> dict[str, Any]:
    out_dir.mkdir(parents=True, exist_ok=True)
    seed = int(catalogue.defaults["seed"])
    rows: list[dict[str, Any]] = []
    summary: dict[str, Any] = {}
    for algorithm in algorithms:
        if algorithm not in CASES:
            raise KeyError(f"no scaling case for {algorithm!r}; allowed: {', '.join(sorted(CASES))}")
        case = CASES[algorithm]
        task, params = _first_point(catalogue, algorithm)
        params = {**params, **case.overrides}
        frameworks = [catalogue.frameworks[n].cell_entry() for n in catalogue.task_frameworks(task)]
        stopped: dict[str, str] = {}
        points: dict[str, dict[int, float]] = {fw["name"]: {} for fw in frameworks}
        for n in sorted(sizes):
            name = f"scaling_{algorithm}_{n}"
            spec = DatasetSpec(name, case.source, case.task, True, {**case.options, "n_samples": n})
            materialise(
                spec, out_dir / "data" / name, seed=seed, test_fraction=0.2, dtype=str(catalogue.defaults["dtype"])
            )
            cell = Cell(
                run_id=run_id,
                domain=task.domain,
                task=task.task,
                algorithm=algorithm,
                dataset=name,
                params=params,
                frameworks=frameworks,
                seed=seed,
                threads=threads,
                warmup=1,
                samples=samples,
            )
            cell_path = cell.write(out_dir / "cells")
            for fw in frameworks:
                side = fw["name"]
                row: dict[str, Any] = {"algorithm": algorithm, "n_samples": n, "n_train": int(n * 0.8), "side": side}
                if side in stopped:
                    rows.append({**row, "status": "skipped", "reason": stopped[side]})
                    continue
                out = out_dir / "raw" / f"{cell.cell_id}.{side}.json"
                out.parent.mkdir(parents=True, exist_ok=True)
                # Warm-up + samples fits must fit in the budget with room for start-up and data loading.
                timeout = max_fit_s * (samples + 1) * 2 + 30
                outcome = run_side(
                    cell_path, side, out_dir / "data", out, timeout_s=timeout, implementations=implementations
                )
                if not outcome.ok:
                    stopped[side] = f"failed at n = {n}: {(outcome.error or '')[:200]}"
                    rows.append({**row, "status": "failed", "reason": stopped[side]})
                    continue
                fit = read_result(out)["timing"]["phases"]["fit"]["samples"]
                median = float(np.median(fit))
                points[side][n] = median
                rows.append(
                    {
                        **row,
                        "status": "ok",
                        "fit_median_s": median,
                        "fit_min_s": float(np.min(fit)),
                        "fit_max_s": float(np.max(fit)),
                        "samples": len(fit),
                    }
                )
                if median > max_fit_s:
                    stopped[side] = f"one fit took {median:.3g} s > {max_fit_s:g} s at n = {n}"
        reference = frameworks[0]["name"]
        summary[algorithm] = {
            "task": task.task,
            "params": params,
            "source": case.source,
            "options": case.options,
            "slopes": {
                side: loglog_slope([float(k) for k in sorted(p)], [p[k] for k in sorted(p)])
                for side, p in points.items()
            },
            "sizes_reached": {side: sorted(p) for side, p in points.items()},
            "stopped": stopped,
            "crossovers": [
                crossover(points, reference, fw["name"]) | {"reference": reference, "candidate": fw["name"]}
                for fw in frameworks[1:]
            ],
        }
    doc = {
        "sizes": sorted(sizes),
        "samples": samples,
        "max_fit_s": max_fit_s,
        "threads": threads,
        "algorithms": summary,
        "points": rows,
    }
    (out_dir / "scaling.json").write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    import pandas as pd

    pd.DataFrame(rows).to_csv(out_dir / "scaling.csv", index=False)
    scaling_figure(doc, out_dir / "scaling")
    return doc


def scaling_figure(doc: dict[str, Any], out_stem: Path) -> list[Path]:
    """Log-log fit time vs n, one panel per algorithm, with each side's fitted slope in the legend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    algos = list(doc["algorithms"])
    if not algos:
        return []
    fig, axes = plt.subplots(1, len(algos), figsize=(4 * len(algos), 3.6), squeeze=False)
    for ax, algo in zip(axes[0], algos, strict=True):
        info = doc["algorithms"][algo]
        for side, slope in info["slopes"].items():
            pts = [
                (r["n_samples"], r["fit_median_s"])
                for r in doc["points"]
                if r["algorithm"] == algo and r["side"] == side and r["status"] == "ok"
            ]
            if not pts:
                continue
            n, t = zip(*pts, strict=True)
            label = f"{side} (slope {slope:.2f})" if slope is not None else side
            ax.loglog(n, t, marker="o", label=label)
        ax.set_title(algo)
        ax.set_xlabel("n_samples")
        ax.set_ylabel("median fit time (s)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    paths = [out_stem.with_suffix(".png"), out_stem.with_suffix(".svg")]
    for p in paths:
        fig.savefig(p, dpi=120)
    plt.close(fig)
    return paths
