"""Loading and validating config/*.yaml and the pipeline params, with errors a user can act on.

Every problem is reported as `<file>: <dotted.key>: <what is wrong>; allowed: <values>` and all
problems are collected before failing, so one run shows everything that needs fixing.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pairbench.datasets.materialise import DatasetSpec
from pairbench.names import name_problem
from pairbench.registry import algorithms, dataset_sources, task_runners
from pairbench.schema_check import schema_problems

DTYPES = ("float32", "float64")
DATASET_TASKS = ("regression", "classification", "clustering", "control", "text")
LANGUAGES = ("python", "rust")
DEVICES = ("cpu", "cuda")


class ConfigError(ValueError):
    """One or more configuration problems; `problems` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass
class _Problems:
    file: str
    items: list[str] = field(default_factory=list)

    def add(self, key: str, message: str, allowed: Any = None) -> None:
        text = f"{self.file}: {key}: {message}"
        if allowed is not None:
            values = allowed if isinstance(allowed, str) else ", ".join(str(a) for a in allowed)
            text += f"; allowed: {values}"
        self.items.append(text)


def load_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError([f"{path}: file not found"])
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError([f"{path}: not valid YAML: {exc}"]) from exc
    if not isinstance(doc, dict):
        raise ConfigError([f"{path}: <root>: expected a mapping, got {type(doc).__name__}"])
    return doc


def _check_keys(p: _Problems, key: str, mapping: dict[str, Any], allowed: tuple[str, ...],
                required: tuple[str, ...] = ()) -> None:
    for k in mapping:
        if k not in allowed:
            p.add(f"{key}.{k}" if key else k, "unknown key", allowed)
    for k in required:
        if k not in mapping:
            p.add(f"{key}.{k}" if key else k, "missing required key")


def _is_mapping(p: _Problems, key: str, value: Any) -> bool:
    if not isinstance(value, dict):
        p.add(key, f"expected a mapping, got {type(value).__name__} {value!r}")
        return False
    return True


def _mapping(p: _Problems, key: str, value: Any) -> dict[Any, Any]:
    """A section that must be a mapping when present: itself, or empty (with the problem recorded)."""
    if value is None:
        return {}
    return value if _is_mapping(p, key, value) else {}


def _items(p: _Problems, key: str, value: Any) -> list[tuple[Any, Any]]:
    """The entries of a section that must be a mapping (none when it is absent or not a mapping)."""
    if value is None:
        return []
    return list(value.items()) if _is_mapping(p, key, value) else []


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclass(frozen=True)
class FrameworkSpec:
    name: str
    language: str
    backend: str
    domains: tuple[str, ...]
    package: str = ""
    module: str = ""
    crate: str = ""
    binary: str = ""
    homepage: str = ""
    license: str = ""
    # Where its adapter can run as built by `make setup`; a GPU cell keeps only the frameworks listing it.
    devices: tuple[str, ...] = ("cpu",)
    # The project code a user of this framework writes for the benchmarks (globs from the repository
    # root), counted by phase 2 as the framework's effort.
    sources: tuple[str, ...] = ()

    def cell_entry(self) -> dict[str, str]:
        entry = {"name": self.name, "language": self.language, "backend": self.backend}
        entry.update({k: v for k, v in (("package", self.package), ("crate", self.crate),
                                        ("binary", self.binary)) if v})
        return entry


@dataclass(frozen=True)
class TaskSpec:
    domain: str
    task: str
    quality_gate: dict[str, Any]
    datasets: tuple[str, ...]
    algorithms: dict[str, dict[str, Any]]
    # algorithm -> dataset -> params replacing the algorithm's own for that dataset (e.g. DBSCAN's eps,
    # which depends on the data's dimension and density).
    dataset_params: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    # Set by the specification's layout (pairbench.spec_layout): the metrics the user asked to see, and
    # the timed samples per launch (`repetitions`) that replace --samples for this task's cells.
    metrics: tuple[str, ...] = ()
    samples: int | None = None

    def params_for(self, algorithm: str, dataset: str) -> dict[str, Any]:
        return {**self.algorithms[algorithm], **self.dataset_params.get(algorithm, {}).get(dataset, {})}


@dataclass(frozen=True)
class Catalogue:
    """The validated contents of benchmarks.yaml + frameworks.yaml."""

    defaults: dict[str, Any]
    datasets: dict[str, DatasetSpec]
    frameworks: dict[str, FrameworkSpec]
    domain_frameworks: dict[str, list[str]]  # baseline first
    tasks: list[TaskSpec]
    # Entries of the catalogue that cannot run here (a dataset only available by download, an
    # environment whose package is missing), each {kind, name, domain, task, reason}.
    skipped: tuple[dict[str, Any], ...] = ()
    # Run-wide settings the catalogue sets (cv_folds, alpha, power); they win over the params' defaults.
    run_settings: dict[str, Any] = field(default_factory=dict)
    layout: str = "pairbench"  # or "specification" (benchmarks: <domain>: <task>: {...})


def load_frameworks(path: Path) -> dict[str, FrameworkSpec]:
    """frameworks.yaml: its shape checked by schemas/frameworks.schema.json, names and domains here."""
    doc = load_yaml(path)
    p = _Problems(str(path))
    p.items.extend(schema_problems(doc, "frameworks", str(path)))
    known_domains = sorted({d for d, _ in task_runners()} | {"deep_learning", "llm", "rl"})
    out: dict[str, FrameworkSpec] = {}
    entries = doc.get("frameworks")
    for name, entry in entries.items() if isinstance(entries, dict) else ():
        key = f"frameworks.{name}"
        if why := name_problem(name):
            p.add(key, why)
            continue
        if not isinstance(entry, dict):
            continue  # named by the schema
        # These become file names and command words (the binary is run, the module imported).
        for field_name in ("binary", "module", "package", "crate"):
            if isinstance(entry.get(field_name), str) and (why := name_problem(entry[field_name])):
                p.add(f"{key}.{field_name}", why)
        domains = entry.get("domains") if isinstance(entry.get("domains"), list) else []
        for d in domains:
            if d not in known_domains:
                p.add(f"{key}.domains", f"unknown domain {d!r}", known_domains)
        if p.items:
            continue
        out[name] = FrameworkSpec(
            name=name, language=str(entry["language"]), backend=str(entry["backend"]), domains=tuple(domains),
            devices=tuple(entry.get("devices", ["cpu"])), sources=tuple(entry.get("sources", [])),
            **{k: str(entry[k]) for k in ("package", "module", "crate", "binary", "homepage", "license")
               if k in entry},
        )
    if p.items:
        raise ConfigError(p.items)
    return out


# Dataset options whose values must be positive counts, or non-negative amounts: checked here so that
# a bad value is named before anything runs, not raised by a generator in phase 3.
_COUNT_OPTIONS = ("n_samples", "n_features", "n_informative", "n_classes", "n_channels", "seq_len", "centers")
_AMOUNT_OPTIONS = ("noise", "cluster_std", "factor")


def _option_problem(name: str, value: Any) -> str | None:
    if name in _COUNT_OPTIONS and (not _is_int(value) or value < 1):
        return f"expected a positive integer, got {value!r}"
    if name in _AMOUNT_OPTIONS and (not _is_number(value) or value < 0):
        return f"expected a number >= 0, got {value!r}"
    if name == "image_shape" and (not isinstance(value, list) or len(value) != 3
                                  or not all(_is_int(v) and v > 0 for v in value)):
        return f"expected [channels, height, width] of positive integers, got {value!r}"
    return None


def _check_params(p: _Problems, key: str, params: Any) -> dict[str, Any]:
    if params is None:
        return {}
    if not _is_mapping(p, key, params):
        return {}
    for name, value in params.items():
        values = value if isinstance(value, list) else [value]
        if not values:
            p.add(f"{key}.{name}", "an empty grid has no points")
        for v in values:
            if not isinstance(v, (bool, int, float, str)):
                p.add(f"{key}.{name}", f"expected a scalar or a list of scalars, got {v!r}")
    return dict(params)


def load_catalogue(benchmarks_path: Path, frameworks_path: Path) -> Catalogue:
    frameworks = load_frameworks(frameworks_path)
    doc = load_yaml(benchmarks_path)
    # Imported here because spec_layout builds on this module's loader and problem lines.
    from pairbench.spec_layout import is_spec_layout, load_spec_catalogue

    if is_spec_layout(doc):
        return load_spec_catalogue(doc, benchmarks_path, frameworks_path)
    p = _Problems(str(benchmarks_path))
    _check_keys(p, "", doc, ("version", "defaults", "datasets", "domains"), ("datasets", "domains"))

    defaults = {"seed": 42, "threads": 1, "dtype": "float64", "test_fraction": 0.2}
    raw_defaults = doc.get("defaults") or {}
    if _is_mapping(p, "defaults", raw_defaults):
        _check_keys(p, "defaults", raw_defaults, tuple(defaults))
        defaults.update(raw_defaults)
    if not _is_int(defaults["seed"]):
        p.add("defaults.seed", f"expected an integer, got {defaults['seed']!r}")
    if not _is_int(defaults["threads"]) or defaults["threads"] < 1:
        p.add("defaults.threads", f"expected an integer >= 1, got {defaults['threads']!r}")
    if defaults["dtype"] not in DTYPES:
        p.add("defaults.dtype", f"invalid value {defaults['dtype']!r}", DTYPES)
    tf = defaults["test_fraction"]
    if not _is_number(tf) or not 0 < tf < 1:
        p.add("defaults.test_fraction", f"expected a number in (0, 1), got {tf!r}")

    sources = dataset_sources()
    datasets: dict[str, DatasetSpec] = {}
    for name, entry in _items(p, "datasets", doc.get("datasets")):
        key = f"datasets.{name}"
        if why := name_problem(name):  # the name is the dataset's folder and part of every cell id
            p.add(key, why)
            continue
        if not _is_mapping(p, key, entry):
            continue
        _check_keys(p, key, entry, ("source", "task", "standardize", "options"), ("source", "task"))
        source, task = entry.get("source"), entry.get("task")
        if not isinstance(source, str) or source not in sources:
            p.add(f"{key}.source", f"unknown dataset source {source!r}", sorted(sources))
            continue
        if task not in DATASET_TASKS:
            p.add(f"{key}.task", f"invalid value {task!r}", DATASET_TASKS)
        options = _mapping(p, f"{key}.options", entry.get("options"))
        if options:
            accepted = [a for a in inspect.signature(sources[source]).parameters if a != "seed"]
            for opt in options:
                if opt not in accepted:
                    p.add(f"{key}.options.{opt}", f"not an option of source {source!r}", accepted or "<none>")
                elif why := _option_problem(opt, options[opt]):
                    p.add(f"{key}.options.{opt}", why)
        standardize = entry.get("standardize", False)
        if not isinstance(standardize, bool):
            p.add(f"{key}.standardize", f"expected true or false, got {standardize!r}")
        datasets[name] = DatasetSpec(name, str(source), str(task), bool(standardize), dict(options))

    runners = task_runners()
    domains_known = sorted({d for d, _ in runners})
    tasks: list[TaskSpec] = []
    domain_frameworks: dict[str, list[str]] = {}
    for domain, dentry in _items(p, "domains", doc.get("domains")):
        dkey = f"domains.{domain}"
        if domain not in domains_known:
            p.add(dkey, "unknown domain", domains_known)
            continue
        if not _is_mapping(p, dkey, dentry):
            continue
        _check_keys(p, dkey, dentry, ("frameworks", "tasks"), ("frameworks", "tasks"))
        names = dentry.get("frameworks") or []
        options = sorted(n for n, f in frameworks.items() if domain in f.domains)
        if not isinstance(names, list) or len(names) < 2 or not all(isinstance(n, str) for n in names):
            p.add(f"{dkey}.frameworks", f"expected a list of at least two frameworks (the first is the baseline), "
                  f"got {names!r}", options or "<none>")
            names = []
        for fw in names:
            if fw not in options:
                p.add(f"{dkey}.frameworks", f"unknown framework {fw!r} for {domain} (see {frameworks_path})",
                      options or "<none>")
        if len(set(names)) != len(names):
            p.add(f"{dkey}.frameworks", f"a framework is listed twice in {names!r}")
        domain_frameworks[domain] = [str(n) for n in names]
        tasks_known = sorted(t for d, t in runners if d == domain)
        for task, tentry in _items(p, f"{dkey}.tasks", dentry.get("tasks")):
            tkey = f"{dkey}.tasks.{task}"
            if task not in tasks_known:
                p.add(tkey, "unknown task", tasks_known)
                continue
            if not _is_mapping(p, tkey, tentry):
                continue
            _check_keys(p, tkey, tentry, ("quality_gate", "datasets", "algorithms"),
                        ("quality_gate", "datasets", "algorithms"))
            gate = _mapping(p, f"{tkey}.quality_gate", tentry.get("quality_gate"))
            _check_keys(p, f"{tkey}.quality_gate", gate, ("metric", "tolerance", "floor", "higher_is_better",
                                                                   "validation_samples", "also",
                                                                   "prediction_tolerance",
                                                                   "max_loss_curve_rel_dev"),
                        ("metric", "tolerance"))
            also = gate.get("also") or []
            if not isinstance(also, list):
                p.add(f"{tkey}.quality_gate.also", f"expected a list of {{metric, tolerance}}, got {also!r}")
                also = []
            for i, extra in enumerate(also):
                if not isinstance(extra, dict) or "metric" not in extra or not _is_number(extra.get("tolerance")):
                    p.add(f"{tkey}.quality_gate.also[{i}]", f"expected {{metric, tolerance}}, got {extra!r}")
            for num in ("tolerance", "floor", "prediction_tolerance", "max_loss_curve_rel_dev"):
                if num in gate and not _is_number(gate[num]):
                    p.add(f"{tkey}.quality_gate.{num}", f"expected a number, got {gate[num]!r}")
            ds_names = tentry.get("datasets") or []
            if not isinstance(ds_names, list):
                p.add(f"{tkey}.datasets", "expected a list of dataset names")
                ds_names = []
            for ds in ds_names:
                if not isinstance(ds, str) or ds not in datasets:
                    p.add(f"{tkey}.datasets", f"unknown dataset {ds!r}", sorted(datasets) or "<none>")
            ds_names = [ds for ds in ds_names if isinstance(ds, str)]
            algos_known = sorted(algorithms(domain, task))
            algos: dict[str, dict[str, Any]] = {}
            per_dataset: dict[str, dict[str, dict[str, Any]]] = {}
            for algo, aentry in _mapping(p, f"{tkey}.algorithms", tentry.get("algorithms")).items():
                akey = f"{tkey}.algorithms.{algo}"
                if algo not in algos_known:
                    p.add(akey, "unknown algorithm", algos_known)
                    continue
                aentry = _mapping(p, akey, aentry)
                _check_keys(p, akey, aentry, ("params", "dataset_params"))
                algos[algo] = _check_params(p, f"{akey}.params", aentry.get("params"))
                for ds, ov in _mapping(p, f"{akey}.dataset_params", aentry.get("dataset_params")).items():
                    dkey_ = f"{akey}.dataset_params.{ds}"
                    if ds not in ds_names:
                        p.add(dkey_, "not a dataset of this task", sorted(ds_names) or "<none>")
                        continue
                    ov = _check_params(p, dkey_, ov)
                    for name in ov:
                        if name not in algos[algo]:
                            p.add(f"{dkey_}.{name}", "overrides no parameter of the algorithm",
                                  sorted(algos[algo]) or "<none>")
                    per_dataset.setdefault(algo, {})[str(ds)] = ov
            tasks.append(TaskSpec(domain, task, dict(gate), tuple(ds_names), algos, per_dataset))
    if p.items:
        raise ConfigError(p.items)
    return Catalogue(defaults, datasets, frameworks, domain_frameworks, tasks)
