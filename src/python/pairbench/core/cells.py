"""A cell: one (domain, task, algorithm, dataset, parameter point) compared across the two sides.

Phase 1 writes each cell as JSON; the Python worker and the Rust binary read the same file, so both
sides are told exactly the same parameters, seed, dtype, thread count and repetition counts.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pairbench.core.comparisons import ComparisonSpec
from pairbench.core.names import name_problem
from pairbench.core.protocol import Protocol

_UNSAFE = re.compile(r"[^A-Za-z0-9_.=-]+")
# File names derived from a cell id add up to ~40 characters (".sb3.predictions.scores.npy" ...), and a
# file name may have 255 bytes; 200 keeps every explicit-parameter deep cell id readable in full.
MAX_ID = 200


@dataclass(frozen=True)
class Cell:
    run_id: str
    domain: str
    task: str
    algorithm: str
    dataset: str
    params: dict[str, Any]
    # One entry per side (name, language, backend, package|binary); the first is the baseline.
    frameworks: list[dict[str, str]]
    # Threads for every side: the run's --threads or the task's threads axis. Like the repetition counts
    # (--warmup, --samples, or the task's own), phase 1 writes it; no default here, so no second source.
    threads: int
    warmup: int
    samples: int
    seed: int = 42
    dtype: str = "float64"
    quality_gate: dict[str, Any] = field(default_factory=dict)
    # Launches of this cell; 0 = the run's --launches (rl's `solve` runs one launch per seed).
    launches: int = 0
    cell_id: str = ""
    # The measurement protocol both harnesses apply (core/protocol.py is its one source).
    protocol: dict[str, Any] = field(default_factory=lambda: Protocol().to_json())
    # What its comparisons compare: the same algorithm, or each side's best available (core/comparisons.py).
    comparison: dict[str, Any] = field(default_factory=lambda: ComparisonSpec().to_json())

    def __post_init__(self) -> None:
        if not self.cell_id:
            object.__setattr__(self, "cell_id", make_cell_id(self.task, self.algorithm, self.dataset, self.params))

    @property
    def side_names(self) -> list[str]:
        return [fw["name"] for fw in self.frameworks]

    def side(self, name: str) -> dict[str, str]:
        for fw in self.frameworks:
            if fw["name"] == name:
                return fw
        raise KeyError(f"cell {self.cell_id}: no side {name!r}; allowed: {', '.join(self.side_names)}")

    @property
    def protocol_settings(self) -> Protocol:
        return Protocol.from_json(self.protocol, f"cell {self.cell_id}")

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    def write(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{self.cell_id}.json"
        path.write_text(self.to_json(), encoding="utf-8")
        return path

    @classmethod
    def read(cls, path: Path) -> Cell:
        """A cell spec from its file; a malformed spec or an unsafe name is a ValueError naming the file."""
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"{path}: not a valid cell spec: {exc}") from None
        if not isinstance(doc, dict):
            raise ValueError(f"{path}: not a valid cell spec: expected a JSON object, got {type(doc).__name__}")
        kinds = {name: kind for name, kind in _FIELD_TYPES.items() if name in doc and not _is(doc[name], kind)}
        if kinds:
            raise ValueError(
                f"{path}: not a valid cell spec: "
                + "; ".join(
                    f"{name}: expected {kind.__name__}, got {type(doc[name]).__name__}" for name, kind in kinds.items()
                )
            )
        try:
            cell = cls(**doc)
        except TypeError as exc:
            raise ValueError(f"{path}: not a valid cell spec: {exc}") from None
        bad = [
            f"{key}: {why}"
            for key in ("domain", "task", "algorithm", "dataset")
            if (why := name_problem(getattr(cell, key)))
        ]
        if name_problem(cell.cell_id.replace("=", "_")):
            bad.append(f"cell_id: {name_problem(cell.cell_id)}")
        if not isinstance(cell.frameworks, list) or not all(
            isinstance(f, dict) and "name" in f for f in cell.frameworks
        ):
            bad.append("frameworks: expected a list of {name, language, ...} objects")
        if bad:
            raise ValueError(f"{path}: " + "; ".join(bad))
        return cell


_FIELD_TYPES: dict[str, type] = {
    "run_id": str,
    "domain": str,
    "task": str,
    "algorithm": str,
    "dataset": str,
    "params": dict,
    "frameworks": list,
    "seed": int,
    "dtype": str,
    "threads": int,
    "warmup": int,
    "samples": int,
    "quality_gate": dict,
    "launches": int,
    "cell_id": str,
    "protocol": dict,
    "comparison": dict,
}


def require_params(cell_id: str, params: dict[str, Any], keys: Iterable[str]) -> None:
    """Every key a side reads from the cell, none with a default in code, so the cell file holds every
    value used; each missing one is named, in the Rust sides' words (`pairbench_core::cell::require_params`)."""
    missing = [k for k in keys if k not in params]
    if missing:
        raise ValueError(f"cell {cell_id}: " + "; ".join(f'param "{k}" missing' for k in missing))


def _is(value: Any, kind: type) -> bool:
    return isinstance(value, kind) and not (kind is int and isinstance(value, bool))


def _id_value(value: Any) -> str:
    """A parameter value as it appears in a cell id: short and file-name safe (True -> T, 0.10 -> 0.1)."""
    if isinstance(value, bool):
        return "T" if value else "F"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def make_cell_id(task: str, algorithm: str, dataset: str, params: dict[str, Any]) -> str:
    """Readable, filesystem-safe and unique per grid point: task.algorithm.dataset[.k=v...]."""
    parts = [task, algorithm, dataset]
    # cpu is the device cells ran on before there was a choice: leaving it out keeps their ids (and so
    # comparisons with earlier runs); any other device is in the id.
    parts += [f"{k}={_id_value(v)}" for k, v in sorted(params.items()) if (k, v) != ("device", "cpu")]
    cell_id = _UNSAFE.sub("_", ".".join(parts))
    if len(cell_id) > MAX_ID:
        # Many parameters (RL hyper-parameters) would exceed file-name limits once suffixes are added:
        # keep a readable head and make it unique with a digest of the whole id.
        digest = hashlib.sha256(cell_id.encode()).hexdigest()[:16]
        cell_id = f"{cell_id[: MAX_ID - 19]}.h={digest}"
    return cell_id
