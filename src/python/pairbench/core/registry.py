"""Extension points: one decorator per kind of pluggable thing.

Adding an algorithm means writing one function decorated with `@algorithm(...)` in the task's module
and adding one entry to config/benchmarks.yaml; adding a dataset means one `@dataset_loader(...)`
function. Nothing in the core lists them by hand: the modules that register plugins are found with
pkgutil under `pairbench.tasks` and `pairbench.datasets`.

A plugin module is one that imports a decorator from this module (`from pairbench.core.registry import
algorithm, ...`); that is read from its source, so finding the plugins imports none of the modules
that do the work (torch_runner, sb3_runner, ...). A task package names its domain in its
`__init__.py` (`DOMAIN = "rl"`), so a lookup for one domain imports only that domain's plugin
modules: a timed scikit-learn launch does not pay for importing torch, gymnasium or transformers.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from pairbench.core.benchmark import TaskRunner

F = TypeVar("F", bound=Callable[..., Any])

_PLUGIN_PACKAGES = ("pairbench.datasets", "pairbench.tasks")
_REGISTERS = re.compile(
    r"^from pairbench\.core\.registry import [^\n]*"
    r"\b(algorithm|task_runner|dataset_loader|dataset_check|cell_preparer)\b",
    re.MULTILINE,
)


@dataclass(frozen=True)
class AlgorithmEntry:
    domain: str
    task: str
    name: str
    build: Callable[..., Any]
    doc: str


_ALGORITHMS: dict[tuple[str, str, str], AlgorithmEntry] = {}
_TASK_RUNNERS: dict[tuple[str, str], TaskRunner] = {}
# Runners of a Python framework other than the domain's default one (linfa-py next to scikit-learn).
_FRAMEWORK_RUNNERS: dict[tuple[str, str, str], TaskRunner] = {}
_DATASET_LOADERS: dict[str, Callable[..., Any]] = {}
_DATASET_CHECKS: dict[str, Callable[[dict[str, Any]], str | None]] = {}
_CELL_PREPARERS: dict[str, Callable[..., Any]] = {}
_loaded: set[str | None] = set()


def plugin_modules() -> dict[str, str | None]:
    """Every plugin module, with its task package's DOMAIN (None for dataset modules), found without
    importing any module but the (import-light) package `__init__`s."""
    found: dict[str, str | None] = {}
    for package_name in _PLUGIN_PACKAGES:
        package = importlib.import_module(package_name)
        for info in pkgutil.walk_packages(package.__path__, package_name + "."):
            spec = None if info.ispkg else info.module_finder.find_spec(info.name, None)
            if spec is None or spec.origin is None or not _REGISTERS.search(Path(spec.origin).read_text("utf-8")):
                continue
            parent = sys.modules.get(info.name.rpartition(".")[0])
            domain = getattr(parent, "DOMAIN", None) if package_name == "pairbench.tasks" else None
            if package_name == "pairbench.tasks" and domain is None:
                raise RuntimeError(f"{info.name}: its package declares no DOMAIN in __init__.py")
            found[info.name] = domain
    return found


def _ensure_loaded(domain: str | None = None) -> None:
    """Import the plugin modules of `domain`'s tasks, or, with None, every plugin module."""
    if domain in _loaded or None in _loaded:
        return
    for module, module_domain in plugin_modules().items():
        if domain is None or module_domain == domain:
            importlib.import_module(module)
    _loaded.add(domain)


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
    _ensure_loaded(domain)
    return _CELL_PREPARERS.get(domain)


def algorithms(domain: str | None = None, task: str | None = None) -> dict[str, AlgorithmEntry]:
    _ensure_loaded(domain)
    return {
        name: entry
        for (d, t, name), entry in sorted(_ALGORITHMS.items())
        if (domain is None or d == domain) and (task is None or t == task)
    }


def get_algorithm(domain: str, task: str, name: str) -> AlgorithmEntry:
    _ensure_loaded(domain)
    try:
        return _ALGORITHMS[(domain, task, name)]
    except KeyError:
        _ensure_loaded()
        allowed = ", ".join(algorithms(domain, task)) or "<none>"
        raise KeyError(f"no Python algorithm {name!r} for {domain}/{task}; allowed: {allowed}") from None


def get_task_runner(domain: str, task: str, framework: str | None = None) -> TaskRunner:
    _ensure_loaded(domain)
    if framework is not None and (domain, task, framework) in _FRAMEWORK_RUNNERS:
        return _FRAMEWORK_RUNNERS[(domain, task, framework)]
    try:
        return _TASK_RUNNERS[(domain, task)]
    except KeyError:
        _ensure_loaded()  # the message lists every domain's tasks
        allowed = ", ".join(f"{d}/{t}" for d, t in sorted(_TASK_RUNNERS)) or "<none>"
        raise KeyError(f"no task runner for {domain}/{task}; allowed: {allowed}") from None


def task_runners() -> list[tuple[str, str]]:
    _ensure_loaded()
    return sorted(_TASK_RUNNERS)


def dataset_sources() -> dict[str, Callable[..., Any]]:
    _ensure_loaded()
    return dict(sorted(_DATASET_LOADERS.items()))
