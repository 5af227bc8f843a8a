"""The catalogue's types and the problem list every config loader fills, with no loading rules of its own:
the two layouts of benchmarks.yaml (config.py's, and the specification's in spec_layout.py) both build a
`Catalogue`, and both report problems as `<file>: <dotted.key>: <what is wrong>; allowed: <values>`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pairbench.core.comparisons import ComparisonSpec
from pairbench.datasets.materialise import DatasetSpec

DEVICES = ("cpu", "cuda")  # also in schemas/frameworks.schema.json (devices)


class ConfigError(ValueError):
    """One or more configuration problems; `problems` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass
class Problems:
    """One file's problems, collected before failing so that one run names them all."""

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
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        # A binary file passed by mistake (or a text file in another encoding): say so, not a traceback.
        raise ConfigError([f"{path}: not a UTF-8 text file"]) from None
    try:
        # libyaml's loader where PyYAML has it: the same safe subset, ten times faster on benchmarks.yaml
        doc = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise ConfigError([f"{path}: not valid YAML: {exc}"]) from exc
    if not isinstance(doc, dict):
        raise ConfigError([f"{path}: <root>: expected a mapping, got {type(doc).__name__}"])
    return doc


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
    # Whether frameworks.yaml lists `devices` for it: such a framework is told its device by the cell
    # (`device`, cpu included); one without the key (classical) runs on cpu and reads no device.
    takes_device: bool = False
    # The project code a user of this framework writes for the benchmarks (globs from the repository
    # root), counted by phase 2 as the framework's effort.
    sources: tuple[str, ...] = ()

    def cell_entry(self) -> dict[str, str]:
        entry = {"name": self.name, "language": self.language, "backend": self.backend}
        entry.update(
            {k: v for k, v in (("package", self.package), ("crate", self.crate), ("binary", self.binary)) if v}
        )
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
    # Set by the specification's layout (pairbench.configuration.spec_layout): the metrics the user asked to see, and
    # the timed samples per launch (`repetitions`) that replace --samples for this task's cells. The default
    # layout sets `repetitions` and `warmup` per task where one repetition is long (a whole generation).
    metrics: tuple[str, ...] = ()
    samples: int | None = None
    warmup: int | None = None
    # The sides of this task's cells when not every side of the domain implements it (llm's
    # text_generation has no tch side): a subset of the domain's, baseline first; empty = the domain's.
    frameworks: tuple[str, ...] = ()
    # Algorithms marked `fixture: true`: seeded test models (llm's tiny_bert) that `--algorithms all`
    # leaves out; a run that names them (smoke, the tests) still gets them.
    fixtures: frozenset[str] = frozenset()
    # algorithm -> what its comparisons compare (pairbench.core.comparisons); absent = the same algorithm.
    comparisons: dict[str, ComparisonSpec] = field(default_factory=dict)

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
    # The specification's layout only: what each of its names became (entries), and the catalogue entries
    # that stand in for one of its names (stand_ins); selection.json `spec_mapping`.
    mapping: dict[str, Any] = field(default_factory=dict)

    def task_frameworks(self, task: TaskSpec) -> list[str]:
        """The sides of a task's cells, baseline first."""
        return list(task.frameworks) or self.domain_frameworks[task.domain]
