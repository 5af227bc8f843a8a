"""Loading and validating config/benchmarks.yaml and config/frameworks.yaml, with errors a user can act on.

Every problem is reported as `<file>: <dotted.key>: <what is wrong>; allowed: <values>` and all
problems are collected before failing, so one run shows everything that needs fixing. The shape of
each file is its JSON Schema under schemas/ (checked by pairbench.configuration.schema_check); this module adds the
checks that depend on the code: names, sources and their options, domains, tasks and algorithms.
"""

from __future__ import annotations

import inspect
from dataclasses import replace
from pathlib import Path
from typing import Any

from pairbench.configuration.catalogue import (
    DEVICES,
    Catalogue,
    ConfigError,
    FrameworkSpec,
    Problems,
    TaskSpec,
    load_yaml,
)
from pairbench.configuration.schema_check import schema_problems
from pairbench.configuration.spec_layout import is_spec_layout, translate
from pairbench.core.comparisons import ComparisonSpec
from pairbench.core.names import config_name_problem, shown
from pairbench.core.paths import config_dir
from pairbench.core.registry import algorithms, dataset_sources, task_runners
from pairbench.datasets.materialise import DatasetSpec

# The catalogue's types are catalogue.py's; callers take them from here with the loaders.
__all__ = [
    "DEVICES",
    "Catalogue",
    "ConfigError",
    "FrameworkSpec",
    "TaskSpec",
    "load_catalogue",
    "load_frameworks",
    "load_yaml",
]


def load_frameworks(path: Path) -> dict[str, FrameworkSpec]:
    """frameworks.yaml: its shape checked by schemas/frameworks.schema.json, names and domains here."""
    doc = load_yaml(path)
    p = Problems(str(path))
    p.items.extend(schema_problems(doc, "frameworks", str(path)))
    known_domains = sorted({d for d, _ in task_runners()} | {"deep_learning", "llm", "rl"})
    out: dict[str, FrameworkSpec] = {}
    entries = doc.get("frameworks")
    for name, entry in entries.items() if isinstance(entries, dict) else ():
        key = f"frameworks.{shown(name)}"
        if why := config_name_problem(name):
            p.add(key, why)
            continue
        if not isinstance(entry, dict):
            continue  # named by the schema
        # These become file names and command words (the binary is run, the module imported).
        for field_name in ("binary", "module", "package", "crate"):
            if isinstance(entry.get(field_name), str) and (why := config_name_problem(entry[field_name])):
                p.add(f"{key}.{field_name}", why)
        domains = entry.get("domains") if isinstance(entry.get("domains"), list) else []
        for d in domains:
            if d not in known_domains:
                p.add(f"{key}.domains", f"unknown domain {d!r}", known_domains)
        if p.items:
            continue
        out[name] = FrameworkSpec(
            name=name,
            language=str(entry["language"]),
            backend=str(entry["backend"]),
            domains=tuple(domains),
            devices=tuple(entry.get("devices", ["cpu"])),
            takes_device="devices" in entry,
            sources=tuple(entry.get("sources", [])),
            **{k: str(entry[k]) for k in ("package", "module", "crate", "binary", "homepage", "license") if k in entry},
        )
    if p.items:
        raise ConfigError(p.items)
    return out


def _dict(value: Any) -> dict[Any, Any]:
    """A section the schema requires to be a mapping: itself, or empty when it is not (already named)."""
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def load_catalogue(benchmarks_path: Path, frameworks_path: Path) -> Catalogue:
    """benchmarks.yaml (or the specification's layout) + frameworks.yaml -> the validated catalogue.

    Shape (keys, types, ranges) is schemas/benchmarks.schema.json's; what depends on the code is checked
    here: names, dataset sources and their options, frameworks per domain, known tasks and algorithms.
    """
    frameworks = load_frameworks(frameworks_path)
    doc = load_yaml(benchmarks_path)
    if is_spec_layout(doc):
        # The specification's layout selects from, and overrides, the shipped catalogue.
        return translate(doc, benchmarks_path, load_catalogue(config_dir() / "benchmarks.yaml", frameworks_path))
    p = Problems(str(benchmarks_path))
    p.items.extend(schema_problems(doc, "benchmarks", str(benchmarks_path)))
    defaults = {"seed": 42, "dtype": "float64", "test_fraction": 0.2, **_dict(doc.get("defaults"))}
    datasets = _datasets(p, _dict(doc.get("datasets")))
    runners = task_runners()
    domains_known = sorted({d for d, _ in runners})
    tasks: list[TaskSpec] = []
    domain_frameworks: dict[str, list[str]] = {}
    for domain, dentry in _dict(doc.get("domains")).items():
        dkey = f"domains.{shown(domain)}"
        if domain not in domains_known:
            p.add(dkey, "unknown domain", domains_known)
            continue
        dentry = _dict(dentry)
        domain_frameworks[domain] = _domain_frameworks(
            p, dkey, domain, dentry.get("frameworks"), frameworks, frameworks_path
        )
        tasks_known = sorted(t for d, t in runners if d == domain)
        for task, tentry in _dict(dentry.get("tasks")).items():
            tkey = f"{dkey}.tasks.{shown(task)}"
            if task not in tasks_known:
                p.add(tkey, "unknown task", tasks_known)
                continue
            spec = _task(p, tkey, domain, str(task), _dict(tentry), datasets, domain_frameworks[domain])
            tasks.append(_task_frameworks(p, tkey, spec, tentry, domain_frameworks[domain]))
    if p.items:
        raise ConfigError(p.items)
    return Catalogue(defaults, datasets, frameworks, domain_frameworks, tasks)


def _datasets(p: Problems, entries: dict[Any, Any]) -> dict[str, DatasetSpec]:
    sources = dataset_sources()
    out: dict[str, DatasetSpec] = {}
    for name, entry in entries.items():
        key = f"datasets.{shown(name)}"
        if why := config_name_problem(name):  # the name is the dataset's folder and part of every cell id
            p.add(key, why)
            continue
        entry = _dict(entry)
        source = entry.get("source")
        if isinstance(source, str) and source not in sources:
            p.add(f"{key}.source", f"unknown dataset source {source!r}", sorted(sources))
            continue
        options = _dict(entry.get("options"))
        if isinstance(source, str):
            accepted = [a for a in inspect.signature(sources[source]).parameters if a != "seed"]
            for opt in options:
                if opt not in accepted:
                    p.add(f"{key}.options.{opt}", f"not an option of source {source!r}", accepted or "<none>")
        out[name] = DatasetSpec(
            name, str(source), str(entry.get("task")), entry.get("standardize") is True, dict(options)
        )
    return out


def _domain_frameworks(
    p: Problems, dkey: str, domain: str, names: Any, frameworks: dict[str, FrameworkSpec], frameworks_path: Path
) -> list[str]:
    options = sorted(n for n, f in frameworks.items() if domain in f.domains)
    if not isinstance(names, list) or len(names) < 2 or not all(isinstance(n, str) for n in names):
        p.add(
            f"{dkey}.frameworks",
            f"expected a list of at least two frameworks (the first is the baseline), got {names!r}",
            options or "<none>",
        )
        return []
    for fw in names:
        if fw not in options:
            p.add(
                f"{dkey}.frameworks",
                f"unknown framework {fw!r} for {domain} (see {frameworks_path})",
                options or "<none>",
            )
    if len(set(names)) != len(names):
        p.add(f"{dkey}.frameworks", f"a framework is listed twice in {names!r}")
    return [str(n) for n in names]


def _task_frameworks(p: Problems, tkey: str, spec: TaskSpec, tentry: Any, domain_fws: list[str]) -> TaskSpec:
    """A task's own `frameworks`: at least two of the domain's, its baseline first."""
    names = tentry.get("frameworks") if isinstance(tentry, dict) else None
    if names is None:
        return spec
    key = f"{tkey}.frameworks"
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        return spec  # named by the schema
    for fw in names:
        if fw not in domain_fws:
            p.add(key, f"{fw!r} is not one of the domain's frameworks", domain_fws or "<none>")
    if len(names) < 2 or len(set(names)) != len(names):
        p.add(key, f"expected at least two distinct frameworks, got {names!r}", domain_fws or "<none>")
    elif domain_fws and names[0] != domain_fws[0]:
        p.add(key, f"the first must be the domain's baseline {domain_fws[0]!r}, got {names[0]!r}", domain_fws)
    return replace(spec, frameworks=tuple(str(n) for n in names))


def _task(
    p: Problems,
    tkey: str,
    domain: str,
    task: str,
    tentry: dict[str, Any],
    datasets: dict[str, DatasetSpec],
    domain_frameworks: list[str] | None = None,
) -> TaskSpec:
    ds_names = [ds for ds in _list(tentry.get("datasets")) if isinstance(ds, str)]
    for ds in ds_names:
        if why := config_name_problem(ds):
            p.add(f"{tkey}.datasets", why)
        elif ds not in datasets:
            p.add(f"{tkey}.datasets", f"unknown dataset {ds!r}", sorted(datasets) or "<none>")
    algos_known = sorted(algorithms(domain, task))
    algos: dict[str, dict[str, Any]] = {}
    per_dataset: dict[str, dict[str, dict[str, Any]]] = {}
    fixtures: set[str] = set()
    comparisons: dict[str, ComparisonSpec] = {}
    for algo, aentry in _dict(tentry.get("algorithms")).items():
        akey = f"{tkey}.algorithms.{shown(algo)}"
        if why := config_name_problem(algo):
            p.add(akey, why)
            continue
        if algo not in algos_known:
            p.add(akey, "unknown algorithm", algos_known)
            continue
        aentry = _dict(aentry)
        algos[algo] = dict(_dict(aentry.get("params")))
        if aentry.get("fixture") is True:
            fixtures.add(algo)
        if isinstance(aentry.get("comparison"), dict):
            spec = ComparisonSpec.from_json(aentry["comparison"])
            domain_sides = set(domain_frameworks or ())
            for side in spec.sides:
                if domain_sides and side not in domain_sides:
                    p.add(f"{akey}.comparison.sides", f"unknown side {side!r}", sorted(domain_sides))
            comparisons[algo] = spec
        # The threads axis (selection.THREADS_AXIS): a cell's thread count, checked here so a bad one names its key.
        threads = algos[algo].get("threads", 1)
        for value in threads if isinstance(threads, list) else [threads]:
            if value != "all" and not (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
                p.add(f"{akey}.params.threads", f"invalid value {value!r}", "a positive integer, all")
        for ds, ov in _dict(aentry.get("dataset_params")).items():
            okey = f"{akey}.dataset_params.{ds}"
            if ds not in ds_names:
                p.add(okey, "not a dataset of this task", sorted(ds_names) or "<none>")
                continue
            ov = dict(_dict(ov))
            for name in ov:
                if name not in algos[algo]:
                    p.add(f"{okey}.{name}", "overrides no parameter of the algorithm", sorted(algos[algo]) or "<none>")
            per_dataset.setdefault(algo, {})[str(ds)] = ov
    return TaskSpec(
        domain,
        task,
        dict(_dict(tentry.get("quality_gate"))),
        tuple(ds_names),
        algos,
        per_dataset,
        samples=tentry.get("repetitions"),
        warmup=tentry.get("warmup"),
        fixtures=frozenset(fixtures),
        comparisons=comparisons,
    )
