"""Extension points: one decorator per kind of pluggable thing.

Adding an algorithm means writing one function decorated with `@algorithm(...)` in the task's module
and adding one entry to config/benchmarks.yaml; adding a dataset means one `@dataset_loader(...)`
function. Nothing in the core lists them by hand.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

# Modules imported on first lookup so every decorator has run; a new domain adds its module here.
_PLUGIN_MODULES = (
    "pairbench.datasets.builtin",
    "pairbench.datasets.synthetic",
    "pairbench.tasks.classical.regression",
    "pairbench.tasks.classical.classification",
    "pairbench.tasks.classical.clustering",
    "pairbench.tasks.classical.linfa_py",
    "pairbench.datasets.deep",
    "pairbench.tasks.deep.tasks",
    "pairbench.datasets.rl",
    "pairbench.tasks.rl.tasks",
    "pairbench.datasets.text",
    "pairbench.tasks.llm.tasks",
)


@dataclass(frozen=True)
class AlgorithmEntry:
    domain: str
    task: str
    name: str
    build: Callable[..., Any]
    doc: str


_ALGORITHMS: dict[tuple[str, str, str], AlgorithmEntry] = {}
_TASK_RUNNERS: dict[tuple[str, str], Callable[..., Any]] = {}
# Runners of a Python framework other than the domain's default one (linfa-py next to scikit-learn).
_FRAMEWORK_RUNNERS: dict[tuple[str, str, str], Callable[..., Any]] = {}
_DATASET_LOADERS: dict[str, Callable[..., Any]] = {}
_DATASET_CHECKS: dict[str, Callable[[dict[str, Any]], str | None]] = {}
_CELL_PREPARERS: dict[str, Callable[..., Any]] = {}
_loaded = False


def _ensure_loaded() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        for module in _PLUGIN_MODULES:
            importlib.import_module(module)


def algorithm(domain: str, task: str, name: str) -> Callable[[F], F]:
    def register(fn: F) -> F:
        key = (domain, task, name)
        if key in _ALGORITHMS:
            raise ValueError(f"algorithm {key} registered twice")
        _ALGORITHMS[key] = AlgorithmEntry(domain, task, name, fn, (fn.__doc__ or "").strip())
        return fn

    return register


def task_runner(domain: str, task: str, framework: str | None = None) -> Callable[[F], F]:
    """The runner of a task; with `framework`, that Python framework's runner instead of the default."""
    def register(fn: F) -> F:
        if framework is None:
            _TASK_RUNNERS[(domain, task)] = fn
        else:
            _FRAMEWORK_RUNNERS[(domain, task, framework)] = fn
        return fn

    return register


def dataset_loader(source: str) -> Callable[[F], F]:
    def register(fn: F) -> F:
        if source in _DATASET_LOADERS:
            raise ValueError(f"dataset source {source!r} registered twice")
        _DATASET_LOADERS[source] = fn
        return fn

    return register


def dataset_check(source: str) -> Callable[[F], F]:
    """For sources that read files the user supplies: f(options) -> why it is unavailable, or None."""
    def register(fn: F) -> F:
        _DATASET_CHECKS[source] = fn
        return fn

    return register


def cell_preparer(domain: str) -> Callable[[F], F]:
    """f(cell_dict, data_dir): per-cell artefacts every side reads (e.g. shared initial weights),
    written once when datasets are materialised."""
    def register(fn: F) -> F:
        _CELL_PREPARERS[domain] = fn
        return fn

    return register


def dataset_unavailable(source: str, options: dict[str, Any]) -> str | None:
    _ensure_loaded()
    check = _DATASET_CHECKS.get(source)
    return check(options) if check else None


def get_cell_preparer(domain: str) -> Callable[..., Any] | None:
    _ensure_loaded()
    return _CELL_PREPARERS.get(domain)


def algorithms(domain: str | None = None, task: str | None = None) -> dict[str, AlgorithmEntry]:
    _ensure_loaded()
    return {
        name: entry
        for (d, t, name), entry in sorted(_ALGORITHMS.items())
        if (domain is None or d == domain) and (task is None or t == task)
    }


def get_algorithm(domain: str, task: str, name: str) -> AlgorithmEntry:
    _ensure_loaded()
    try:
        return _ALGORITHMS[(domain, task, name)]
    except KeyError:
        allowed = ", ".join(algorithms(domain, task)) or "<none>"
        raise KeyError(f"no Python algorithm {name!r} for {domain}/{task}; allowed: {allowed}") from None


def get_task_runner(domain: str, task: str, framework: str | None = None) -> Callable[..., Any]:
    _ensure_loaded()
    if framework is not None and (domain, task, framework) in _FRAMEWORK_RUNNERS:
        return _FRAMEWORK_RUNNERS[(domain, task, framework)]
    try:
        return _TASK_RUNNERS[(domain, task)]
    except KeyError:
        allowed = ", ".join(f"{d}/{t}" for d, t in sorted(_TASK_RUNNERS)) or "<none>"
        raise KeyError(f"no task runner for {domain}/{task}; allowed: {allowed}") from None


def task_runners() -> list[tuple[str, str]]:
    _ensure_loaded()
    return sorted(_TASK_RUNNERS)


def dataset_sources() -> dict[str, Callable[..., Any]]:
    _ensure_loaded()
    return dict(sorted(_DATASET_LOADERS.items()))
