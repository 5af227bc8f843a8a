"""Result JSON -> tidy pandas tables (one row per observation), the input of every analysis."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from pairbench.core.schema import (
    Launch,
    Result,
    ResultValidationError,
    Series,
    SeriesMismatch,
    phase_values,
    read_result,
)

CELL_KEYS = ("cell_id", "domain", "task", "algorithm", "dataset")
MIXED_CPU_MODELS = "mixed_cpu_models"
MIXED_SERIES = "mixed_series"
UNKNOWN_CPU = "unknown"


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


def refuse_mixed_cpu_models(results: list[Result]) -> tuple[list[Result], dict[str, dict[str, list[str]]]]:
    """A cell whose successful launches ran on more than one CPU model is not compared: pooling its
    samples would put a hardware difference into the speed ratio. Its launches become failed rows whose
    error names the rule (`mixed_cpu_models`) and which launch ran on which model; the rest are kept.
    Returns the results and, per refused cell, {cpu model: ["framework#launch", ...]}."""
    models: dict[str, dict[str, list[str]]] = {}
    for doc in results:
        if doc["status"] == "ok":
            model = doc.get("cpu_model") or UNKNOWN_CPU
            models.setdefault(doc["cell_id"], {}).setdefault(model, []).append(
                f"{doc['framework']['name']}#{doc['launch']}"
            )
    mixed = {cell: by_model for cell, by_model in models.items() if len(by_model) > 1}
    if not mixed:
        return results, {}
    out = []
    for doc in results:
        by_model = mixed.get(doc["cell_id"])
        if by_model is None or doc["status"] != "ok":
            out.append(doc)
            continue
        where = "; ".join(f"{m}: {', '.join(sorted(runs))}" for m, runs in sorted(by_model.items()))
        error = (
            f"{MIXED_CPU_MODELS}: the launches of this cell ran on {len(by_model)} CPU models ({where}); "
            "samples from different CPU models are never pooled into one comparison. Run the cell on one "
            "node type (with Slurm: --slurm_cluster_options '--constraint=FEATURE')."
        )
        out.append({**doc, "status": "failed", "error": error, "timing": {"phases": {}}})
    return out, mixed


def refuse_mixed_series(results: list[Result]) -> tuple[list[Result], dict[str, str]]:
    """The successful launches of one cell on one side must have measured the same thing (same dataset
    bytes, threads and dtype: `schema.Series`, pyperf's add_run rule) for their samples to be pooled.
    Where they did not, which launch is right is unknown: every successful launch of that side of
    the cell becomes a failed row whose error names the rule (`mixed_series`) and the difference.
    Returns the results and, per refused "cell_id framework", the difference."""
    series: dict[tuple[str, str], Series] = {}
    refused: dict[tuple[str, str], str] = {}
    for doc in results:
        key = (doc["cell_id"], doc["framework"]["name"])
        if doc["status"] != "ok" or key in refused:
            continue
        try:
            series.setdefault(key, Series()).add(Launch.from_json(doc, validated=True))
        except SeriesMismatch as exc:
            refused[key] = str(exc)
    if not refused:
        return results, {}
    out = []
    for doc in results:
        why = refused.get((doc["cell_id"], doc["framework"]["name"]))
        if why is None or doc["status"] != "ok":
            out.append(doc)
            continue
        error = (
            f"{MIXED_SERIES}: {why}; the samples of launches that measured different data, threads or "
            "precision are never pooled. Re-run the cell."
        )
        out.append({**doc, "status": "failed", "error": error, "timing": {"phases": {}}})
    return out, {f"{cell} {fw}": why for (cell, fw), why in refused.items()}


def nodes_table(launches: pd.DataFrame) -> pd.DataFrame:
    """Which node (host, CPU model) ran which frameworks' launches: the report's methods say it. A launch
    lost with its node (empty host) ran nowhere known and is counted among the failures only."""
    columns = ["host", "cpu_model", "framework", "launches"]
    if launches.empty:
        return pd.DataFrame(columns=columns)
    return (
        launches[launches["host"] != ""]
        .groupby(["host", "cpu_model", "framework"], sort=True)["launch"]
        .size()
        .rename("launches")
        .reset_index()
    )


def side_label(doc: Result) -> str:
    """The name a launch is analysed under: its framework's, with `#b` for an A/A run's second arm
    (harness/rounds.py), so each side's two arms form a pair of their own."""
    arm = (doc.get("metadata") or {}).get("arm", "a")
    name = str(doc["framework"]["name"])
    return name if arm in ("a", None) else f"{name}#{arm}"


def _base(doc: Result) -> dict[str, Any]:
    return {
        "run_id": doc["run_id"],
        "cell_id": doc["cell_id"],
        "domain": doc["domain"],
        "task": doc["task"],
        "algorithm": doc["algorithm"],
        "dataset": doc["dataset"]["name"],
        "language": doc["language"],
        "framework": side_label(doc),
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


def launch_values_table(results: list[Result]) -> pd.DataFrame:
    """One row per (successful launch, phase): the launch's value, the median of its samples (seconds
    per call), and the median of its CPU seconds per call (NaN where not recorded). The launch is the
    unit of replication the verdicts are built on; `launch` is its round."""
    rows = [
        {**_base(doc), "phase": phase, "seconds": wall, "cpu_seconds": cpu if cpu is not None else float("nan"),
         "n_samples": len(doc["timing"]["phases"][phase]["samples"])}
        for doc in results
        if doc["status"] == "ok"
        for phase, (wall, cpu) in phase_values(doc).items()
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=[*_base_columns(), "phase", "seconds", "cpu_seconds", "n_samples"])


def launch_values_from_samples(samples: pd.DataFrame) -> pd.DataFrame:
    """The launch values of a samples table (the median of each launch's samples per phase; no CPU
    times): what `launch_values_table` gives from the results themselves."""
    keys = [c for c in (*_base_columns(), "phase") if c in samples.columns]
    grouped = samples.groupby(keys, sort=True)["seconds"]
    out = grouped.median().rename("seconds").to_frame()
    out["n_samples"] = grouped.size()
    out["cpu_seconds"] = float("nan")
    return out.reset_index()


def launches_table(results: list[Result]) -> pd.DataFrame:
    rows = []
    for doc in results:
        row = {
            **_base(doc),
            "status": doc["status"],
            "error": doc["error"],
            "peak_rss_mb": doc["resources"]["peak_rss_mb"],
            "cpu_percent": doc["resources"]["cpu_percent"],
            "cpu_user_s": doc["resources"].get("cpu_user_s"),
            "cpu_sys_s": doc["resources"].get("cpu_sys_s"),
            "n_train": doc["dataset"]["n_train"],
            "n_test": doc["dataset"]["n_test"],
            "n_features": doc["dataset"]["n_features"],
            "started_at": doc["started_at"],
            "host": doc["host"],
            "cpu_model": doc.get("cpu_model") or UNKNOWN_CPU,
            "source_file": doc.get("metadata", {}).get("source_file", ""),
        }
        meta = doc.get("metadata", {})
        # Optional measurement facts a harness may add: items per timed call.
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
