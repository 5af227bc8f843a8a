"""Phase 1: from the catalogue and the run's params to the list of cells, each kept or skipped with why."""

from __future__ import annotations

import ctypes
import importlib.util
import itertools
import os
import shutil
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from pairbench.configuration.catalogue import DEVICES, Catalogue, ConfigError, FrameworkSpec
from pairbench.configuration.point_values import PointResolver
from pairbench.configuration.run_defaults import run_default
from pairbench.configuration.wanted import wanted_names
from pairbench.core.cells import Cell, make_cell_id
from pairbench.core.comparisons import ComparisonSpec
from pairbench.core.paths import rust_target_dir
from pairbench.core.registry import dataset_unavailable
from pairbench.datasets.materialise import DatasetSpec


@dataclass(frozen=True)
class RunParams:
    """The subset of pipeline params that decides what runs (validated against nextflow_schema.json, whose
    defaults these are: one source)."""

    run_id: str
    domains: str = field(default_factory=lambda: str(run_default("domains")))
    algorithms: str = field(default_factory=lambda: str(run_default("algorithms")))
    datasets: str = field(default_factory=lambda: str(run_default("datasets")))
    min_rounds: int = field(default_factory=lambda: int(run_default("min_rounds")))
    max_rounds: int = field(default_factory=lambda: int(run_default("max_rounds")))
    cell_budget_s: float = field(default_factory=lambda: float(run_default("cell_budget_s")))
    aa: bool = field(default_factory=lambda: bool(run_default("aa")))
    order_seed: int = field(default_factory=lambda: int(run_default("order_seed")))
    max_parallel_benchmarks: int = field(default_factory=lambda: int(run_default("max_parallel_benchmarks")))
    max_parallel_training: int = field(default_factory=lambda: int(run_default("max_parallel_training")))
    samples: int = field(default_factory=lambda: int(run_default("samples")))
    warmup: int = field(default_factory=lambda: int(run_default("warmup")))
    threads: int = field(default_factory=lambda: int(run_default("threads")))
    grid: str = field(default_factory=lambda: str(run_default("grid")))
    coverage: str = field(default_factory=lambda: str(run_default("coverage")))
    synthetic_n_samples: int | None = None
    cv_folds: int = field(default_factory=lambda: int(run_default("cv_folds")))
    devices: str = field(default_factory=lambda: str(run_default("devices")))
    rl_seeds: int = field(default_factory=lambda: int(run_default("rl_seeds")))

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> RunParams:
        fields = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in params.items() if k in fields and v is not None})


def seed_launches(domain: str, task: str, rl_seeds: int) -> dict[str, int]:
    """rl's `solve` trains seed k in launch k, from scratch: one sample, no warm-up, --rl_seeds launches."""
    if domain == "rl" and task == "solve":
        return {"launches": rl_seeds, "warmup": 0, "samples": 1}
    return {}


# A task parameter that is the cell's thread count, not a parameter of either side: every value runs in every
# grid mode (LLM users compare one core with all of them even in `standard`), "all" is every CPU phase 1 may
# use, and the cells that declare it ignore --threads. Tasks without it keep the run's --threads.
THREADS_AXIS = "threads"


def all_cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def thread_count(value: Any, where: str) -> int:
    """A threads-axis value as a count: a positive integer, or "all"."""
    if value == "all":
        return all_cpus()
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    raise ConfigError([f"{where}: threads: invalid value {value!r}; allowed: a positive integer, all"])


def grid_points(params: dict[str, Any], mode: str) -> list[dict[str, Any]]:
    """Cartesian product of list-valued params; `first` keeps the first value of every axis but the threads
    axis (see THREADS_AXIS), whose values all stay."""
    axes = {k: (v if isinstance(v, list) else [v]) for k, v in params.items()}
    if mode == "first":
        axes = {k: (v if k == THREADS_AXIS else v[:1]) for k, v in axes.items()}
    keys = list(axes)
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*(axes[k] for k in keys))]


def framework_missing(fw: FrameworkSpec) -> str | None:
    """Why a framework cannot run here, or None when it can (or can be built in phase 2)."""
    if fw.language == "python":
        if fw.module and importlib.util.find_spec(fw.module) is None:
            return f"python module {fw.module!r} is not importable (install the {fw.package!r} distribution)"
        return None
    # A Rust framework with `module` links against that Python package (tch: the venv's libtorch).
    if fw.module and importlib.util.find_spec(fw.module) is None:
        return f"rust binary {fw.binary!r} builds against python module {fw.module!r}, which is not importable"
    binary = rust_target_dir() / "release" / fw.binary
    if not binary.exists() and shutil.which(fw.binary) is None and shutil.which("cargo") is None:
        return f"rust binary {fw.binary!r} is not built and cargo is not on PATH"
    return None


def cuda_unavailable() -> str | None:
    """Why no CUDA device can be used here, or None when torch sees one.

    Every CUDA framework (torch, candle, tch) needs the NVIDIA driver's library: where it does not load
    there is no device to look for, and phase 1 skips importing torch (about 4 s on a CPU-only machine).
    """
    try:
        ctypes.CDLL("libcuda.so.1")
    except OSError:
        return "no NVIDIA driver here (libcuda.so.1 does not load), so no CUDA device can be used"
    if importlib.util.find_spec("torch") is None:
        return "torch is not importable, so no CUDA device can be detected"
    import torch

    if not torch.cuda.is_available():
        return f"torch {torch.__version__} sees no CUDA device"
    return None


def run_devices(spec: str, offered: set[str]) -> tuple[list[str], dict[str, str]]:
    """The devices to make cells for, and why a wanted device cannot run (its cells are then skipped).

    `auto` is cpu plus cuda when one is visible; naming a device asks for it even when it is absent, so
    the selection says why those cells did not run.
    """
    names = ["cpu", "cuda"] if spec == "auto" else [d.strip() for d in spec.split(",") if d.strip()]
    unknown = sorted(set(names) - set(DEVICES))
    if unknown or not names:
        raise ConfigError(
            [
                f"params: --devices: invalid value {spec!r}; allowed: auto, or a comma-separated "
                "list of " + ", ".join(DEVICES)
            ]
        )
    devices = [d for d in DEVICES if d in names and d in offered]
    absent = {}
    if "cuda" in devices and (why := cuda_unavailable()):
        absent["cuda"] = why
        if spec == "auto":
            devices.remove("cuda")
    return devices, absent


def effective_datasets(catalogue: Catalogue, rp: RunParams) -> dict[str, DatasetSpec]:
    """The datasets with --synthetic_n_samples applied to generated data only (`synthetic_*` sources).
    Other sources with an `n_samples` option keep theirs: a subsample of a real dataset, or rl's table of
    initial states, whose evaluation starts (100) the rl gate counts on."""
    out = {}
    for name, spec in catalogue.datasets.items():
        if rp.synthetic_n_samples and "n_samples" in spec.options and spec.source.startswith("synthetic_"):
            spec = replace(spec, options={**spec.options, "n_samples": rp.synthetic_n_samples})
        out[name] = spec
    return out


def select(catalogue: Catalogue, rp: RunParams, resolve_data: bool = True) -> dict[str, Any]:
    """`resolve_data` False leaves data-dependent grid values (gamma "scale") unresolved: a count of cells."""
    domains, algos, dsets = wanted_names(catalogue, rp.domains, rp.algorithms, rp.datasets, rp.aa)
    if rp.grid not in ("first", "all"):
        raise ConfigError([f"params: --grid: invalid value {rp.grid!r}; allowed: first, all"])
    threads = rp.threads
    datasets = effective_datasets(catalogue, rp)
    cv_folds = int(catalogue.run_settings.get("cv_folds", rp.cv_folds))
    resolver = PointResolver(datasets, catalogue.defaults)

    offered = {
        d
        for t in catalogue.tasks
        if t.domain in domains
        for name in catalogue.task_frameworks(t)
        for d in catalogue.frameworks[name].devices
    }
    devices, device_absent = run_devices(rp.devices, offered)

    def skip_reason(domain: str, algo: str, ds: str, device: str) -> str | None:
        if domain not in domains:
            return f"domain {domain!r} not selected (--domains {rp.domains})"
        if algo not in algos:
            return f"algorithm not selected (--algorithms {rp.algorithms})"
        if ds not in dsets:
            return f"dataset not selected (--datasets {rp.datasets})"
        if why := dataset_unavailable(datasets[ds].source, datasets[ds].options):
            return f"dataset {ds!r} unavailable: {why}"
        if device in device_absent:
            return f"device {device}: {device_absent[device]}"
        return None

    if rp.coverage not in ("all", "rotate"):
        raise ConfigError([f"params: --coverage: invalid value {rp.coverage!r}; allowed: all, rotate"])

    def rotated(task: Any) -> dict[str, str]:
        """--coverage rotate: each algorithm's one dataset, rotating through the task's available ones."""
        usable = [
            d for d in task.datasets if d in dsets and not dataset_unavailable(datasets[d].source, datasets[d].options)
        ]
        chosen = [a for a in task.algorithms if a in algos]
        return {a: usable[i % len(usable)] for i, a in enumerate(chosen)} if usable else {}

    decisions: list[dict[str, Any]] = []
    cells: list[Cell] = []
    for task in catalogue.tasks:
        fws = [catalogue.frameworks[name] for name in catalogue.task_frameworks(task)]
        missing = {fw.name: why for fw in fws if (why := framework_missing(fw))}
        # A device axis only where the baseline runs on it (rl's SB3 is cpu-only, though tch is not).
        for device in (d for d in devices if d in fws[0].devices):
            # The device is a run param (--devices): every side that is told one reads it from the cell,
            # never from a default in code (make_cell_id leaves device=cpu out, so cpu ids stay as they were).
            on_device = {"device": device} if any(fw.takes_device for fw in fws) else {}
            absent = missing | {
                fw.name: f"runs on {', '.join(fw.devices)} only (frameworks.yaml devices)"
                for fw in fws
                if device not in fw.devices and fw.name not in missing
            }
            why_absent = "; ".join(f"{name}: {why}" for name, why in sorted(absent.items()))
            # A cell needs its baseline and one other side; otherwise it runs the sides that can run.
            sides_reason = why_absent if fws[0].name in absent or len(absent) == len(fws) - 1 else None
            selected = f"selected without {why_absent}" if absent else "selected"
            rotation = rotated(task) if rp.coverage == "rotate" else {}
            for algo in task.algorithms:
                seen: set[str] = set()
                for ds, point in (
                    (d, pt) for d in task.datasets for pt in grid_points(task.params_for(algo, d), rp.grid)
                ):
                    point = {**point, **on_device}
                    reason = skip_reason(task.domain, algo, ds, device) or sides_reason
                    if reason is None and rotation and rotation.get(algo) != ds:
                        reason = (
                            f"--coverage rotate: {algo} runs on {rotation.get(algo)} in this run (all: every dataset)"
                        )
                    # Values only one library understands become numbers (gamma "scale"), and values no side
                    # can honour the same way skip their point (pairbench.configuration.point_values).
                    point, why_value = resolver.resolve(
                        task.domain, algo, ds, point, data=resolve_data and reason is None
                    )
                    reason = reason or why_value
                    cell_threads, cell_id = threads, ""
                    if THREADS_AXIS in point:
                        where = f"{task.domain}.{task.task}.{algo}"
                        cell_threads = thread_count(point.pop(THREADS_AXIS), where)
                        cell_id = make_cell_id(task.task, algo, ds, {**point, THREADS_AXIS: cell_threads})
                        if cell_id in seen:  # [1, all] on a one-CPU machine
                            continue
                        seen.add(cell_id)
                    cell = Cell(
                        run_id=rp.run_id,
                        domain=task.domain,
                        task=task.task,
                        algorithm=algo,
                        dataset=ds,
                        params=point,
                        frameworks=[fw.cell_entry() for fw in fws if fw.name not in absent],
                        seed=int(catalogue.defaults["seed"]),
                        dtype=str(catalogue.defaults["dtype"]),
                        threads=cell_threads,
                        quality_gate=task.quality_gate,
                        comparison=task.comparisons.get(algo, ComparisonSpec()).to_json(),
                        cell_id=cell_id,
                        **{
                            "warmup": rp.warmup if task.warmup is None else task.warmup,
                            "samples": task.samples or rp.samples,
                            **seed_launches(task.domain, task.task, rp.rl_seeds),
                        },
                    )
                    if reason is None and task.domain == "rl" and task.task == "solve" and rp.rl_seeds == 0:
                        reason = "rl_seeds 0: training to the threshold needs seeds (smoke: lockstep and actions only)"
                    decisions.append(
                        {
                            "cell_id": cell.cell_id,
                            "domain": task.domain,
                            "task": task.task,
                            "algorithm": algo,
                            "dataset": ds,
                            "params": point,
                            "selected": reason is None,
                            "reason": reason or selected,
                        }
                    )
                    if reason is None:
                        cells.append(cell)
    used = {c.dataset for c in cells}
    return {
        "run_id": rp.run_id,
        "layout": catalogue.layout,
        "params": asdict(rp) | {"threads": threads, "cv_folds": cv_folds},
        "run_settings": catalogue.run_settings,
        "spec_mapping": catalogue.mapping,
        "skipped": skipped_entries(catalogue, datasets, domains, dsets),
        "defaults": catalogue.defaults,
        "devices": {"used": devices, "unavailable": device_absent},
        "datasets": {n: asdict(s) for n, s in datasets.items() if n in used},
        "frameworks": {n: asdict(f) for n, f in catalogue.frameworks.items()},
        "decisions": decisions,
        "cells": [asdict(c) for c in cells],
        # The selected algorithms the catalogue marks `fixture: true` (seeded test models): a run with one
        # is a functional check, and the analysis gives it no readiness word (analysis/readiness.py).
        "fixtures": sorted({c.algorithm for c in cells} & {a for t in catalogue.tasks for a in t.fixtures}),
    }


def skipped_entries(
    catalogue: Catalogue, datasets: dict[str, DatasetSpec], domains: set[str], dsets: set[str]
) -> list[dict[str, Any]]:
    """What of the selected part of the catalogue cannot run here, and why: one list for the report.

    The cells these entries touch are also in `decisions` with the same reason; this is the view by
    dataset and framework, including the catalogue's own entries that never became a cell.
    """
    out = [dict(s) for s in catalogue.skipped if s["domain"] in domains or s["domain"] is None]
    for task in catalogue.tasks:
        if task.domain not in domains:
            continue
        for ds in task.datasets:
            if ds in dsets and (why := dataset_unavailable(datasets[ds].source, datasets[ds].options)):
                out.append(
                    {
                        "kind": "dataset",
                        "name": ds,
                        "domain": task.domain,
                        "task": task.task,
                        "reason": f"dataset {ds!r} unavailable: {why}",
                    }
                )
    for domain in sorted(domains):
        for name in catalogue.domain_frameworks.get(domain, []):
            if why := framework_missing(catalogue.frameworks[name]):
                out.append({"kind": "framework", "name": name, "domain": domain, "task": None, "reason": why})
    return out


def cell_counts(catalogue: Catalogue, rp: RunParams) -> dict[str, int]:
    """The cells `--grid first` and `--grid all` would run: said before anything runs, since full grids
    multiply to thousands of cells."""
    return {
        mode: len(select(catalogue, replace(rp, grid=mode), resolve_data=False)["cells"]) for mode in ("first", "all")
    }


def nothing_to_run(catalogue: Catalogue, rp: RunParams, selection: dict[str, Any]) -> str | None:
    """One line saying why a selection keeps no cell (None when it keeps some), before any skip list."""
    if selection["cells"]:
        return None
    domains, algos, dsets = wanted_names(catalogue, rp.domains, rp.algorithms, rp.datasets, rp.aa)
    tasks = [t for t in catalogue.tasks if t.domain in domains]
    pairs = [(a, d) for t in tasks for a in t.algorithms if a in algos for d in t.datasets if d in dsets]
    if not pairs:
        needs = []
        for algo in sorted(algos):
            kinds = sorted({t.task for t in tasks if algo in t.algorithms})
            if kinds:
                needs.append(f"{algo} needs a {' or '.join(kinds)} dataset")
            else:
                needs.append(f"{algo} is in none of the selected domains ({', '.join(sorted(domains))})")
        has = [f"{d} is {catalogue.datasets[d].task}" for d in sorted(dsets)]
        return "nothing to run: " + "; ".join(needs + has)
    reasons = sorted(
        {
            d["reason"]
            for d in selection["decisions"]
            if d["algorithm"] in algos and d["dataset"] in dsets and d["domain"] in domains
        }
    )
    return (
        f"nothing to run: all {len(pairs)} matching cell(s) were skipped: "
        + "; ".join(reasons[:3])
        + (f"; and {len(reasons) - 3} more reason(s) in selection.json" if len(reasons) > 3 else "")
    )
