"""Result JSON -> tidy pandas tables (one row per observation), the input of every analysis."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from pairbench.schema import Result, ResultValidationError, read_result

CELL_KEYS = ("cell_id", "domain", "task", "algorithm", "dataset")


def load_results(results_dir: Path) -> tuple[list[Result], list[tuple[str, str]]]:
    """Every *.json below `results_dir` that validates, and (file, reason) for every one that does not:
    an invalid file is listed with the failures, never dropped silently."""
    results: list[Result] = []
    problems: list[tuple[str, str]] = []
    for path in sorted(results_dir.rglob("*.json")):
        source = str(path.relative_to(results_dir))
        try:
            doc = read_result(path)
        except ResultValidationError as exc:
            reason = str(exc).replace(f"{path}: ", "", 1)
            problems.append((source, " ".join(line.strip() for line in reason.splitlines())))
            continue
        doc.setdefault("metadata", {})["source_file"] = source
        results.append(doc)
    return results, problems


def _base(doc: Result) -> dict[str, Any]:
    return {
        "run_id": doc["run_id"],
        "cell_id": doc["cell_id"],
        "domain": doc["domain"],
        "task": doc["task"],
        "algorithm": doc["algorithm"],
        "dataset": doc["dataset"]["name"],
        "language": doc["language"],
        "framework": doc["framework"]["name"],
        "framework_version": doc["framework"]["version"],
        "launch": doc["launch"],
        "threads": doc["threads"],
        "dtype": doc["dtype"],
        "seed": doc["seed"],
        # Observations pair across frameworks when they share a seed and a fold (paired t-test).
        "fold": str(doc.get("metadata", {}).get("fold", "")),
    }


def samples_table(results: list[Result]) -> pd.DataFrame:
    rows = [
        {**_base(doc), "phase": phase, "sample": i, "seconds": s}
        for doc in results
        if doc["status"] == "ok"
        for phase, timing in doc["timing"]["phases"].items()
        for i, s in enumerate(timing["samples"])
    ]
    columns = [*_base_columns(), "phase", "sample", "seconds"]
    return pd.DataFrame(rows, columns=columns)


def launches_table(results: list[Result]) -> pd.DataFrame:
    rows = []
    for doc in results:
        row = {
            **_base(doc),
            "status": doc["status"],
            "error": doc["error"],
            "peak_rss_mb": doc["resources"]["peak_rss_mb"],
            "cpu_percent": doc["resources"]["cpu_percent"],
            "n_train": doc["dataset"]["n_train"],
            "n_test": doc["dataset"]["n_test"],
            "n_features": doc["dataset"]["n_features"],
            "started_at": doc["started_at"],
            "host": doc["host"],
            "source_file": doc.get("metadata", {}).get("source_file", ""),
        }
        meta = doc.get("metadata", {})
        # Optional measurement facts a harness may add: measured energy and items per timed call.
        for phase, joules in (meta.get("energy_j") or {}).items():
            row[f"energy_j_{phase}"] = joules
        for phase, items in (meta.get("items_per_call") or {}).items():
            row[f"items_per_call_{phase}"] = items
        if "gpu_peak_memory_mb" in meta:  # GPU cells: the allocator's peak, which peak RSS does not see
            row["gpu_peak_memory_mb"] = meta["gpu_peak_memory_mb"]
        # An iterative solver that stops at max_iter has not met its tolerance: its time measures
        # max_iter iterations, not convergence, and the report must say so.
        max_iter = doc["params"].get("max_iter")
        n_iter = _iterations_used(meta.get("n_iter"))
        if n_iter is not None and isinstance(max_iter, int) and not isinstance(max_iter, bool):
            row["n_iter"] = n_iter
            row["hit_max_iter"] = n_iter >= max_iter
        row.update({f"quality_{k}": v for k, v in doc["quality"].items()})
        rows.append(row)
    return pd.DataFrame(rows)


def _iterations_used(n_iter: object) -> int | None:
    """The solver's iteration count; per-class counts (one-vs-rest, per-init) reduce to the largest."""
    values = n_iter if isinstance(n_iter, list) else [n_iter]
    numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    return int(max(numbers)) if numbers else None


def _base_columns() -> list[str]:
    return [
        "run_id",
        "cell_id",
        "domain",
        "task",
        "algorithm",
        "dataset",
        "language",
        "framework",
        "framework_version",
        "launch",
        "threads",
        "dtype",
        "seed",
        "fold",
    ]
