"""The shared result schema (schemas/result.schema.json): loading, validating, round-tripping.

Both languages write results in this one format; every result Python reads goes through
`validate_result` first, so a malformed Rust (or Python) result is caught at the boundary.
"""

from __future__ import annotations

import json
import platform
import socket
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import fastjsonschema

from pairbench.core.paths import schema_path

if TYPE_CHECKING:
    import jsonschema

SCHEMA_VERSION = "1.1"

Result = dict[str, Any]


class ResultValidationError(ValueError):
    """A result document does not conform to the shared schema."""


@lru_cache(maxsize=4)
def load_schema(name: str = "result") -> dict[str, Any]:
    with schema_path(name).open(encoding="utf-8") as fh:
        schema: dict[str, Any] = json.load(fh)
    return schema


@lru_cache(maxsize=4)
def _validator(name: str = "result") -> jsonschema.Draft202012Validator:
    """The reference validator, which also checks the schema itself. Imported here, on the path that
    explains a refused document: a measured launch writes its result through the fast path and never pays
    for jsonschema's import (about 0.12 s of every Python launch)."""
    import jsonschema

    schema = load_schema(name)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


@lru_cache(maxsize=4)
def _fast_validator(name: str = "result") -> Any:
    """The same schema compiled to Python by fastjsonschema (~20x faster than jsonschema): analysis
    reads tens of thousands of results. Compiled as draft-07, which has every keyword the schema uses;
    jsonschema (2020-12) still produces the error messages."""
    return fastjsonschema.compile({**load_schema(name), "$schema": "http://json-schema.org/draft-07/schema#"})


def validate_result(doc: Any, source: str = "<memory>") -> Result:
    """Return `doc` if it conforms to the schema, else raise naming every violation and its path."""
    try:
        _fast_validator()(doc)
        return doc  # type: ignore[no-any-return]
    except fastjsonschema.JsonSchemaException:
        pass
    errors = sorted(_validator().iter_errors(doc), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"{source}: result does not match schema v{SCHEMA_VERSION}:"]
        for err in errors[:20]:
            where = "/".join(str(p) for p in err.absolute_path) or "<root>"
            lines.append(f"  - at {where}: {err.message}")
        raise ResultValidationError("\n".join(lines))
    return doc  # type: ignore[no-any-return]


def read_result(path: Path) -> Result:
    """The validated result in `path`; any unreadable, non-JSON or non-conforming file raises
    ResultValidationError (a missing file raises FileNotFoundError)."""
    try:
        raw = path.read_bytes()
    except IsADirectoryError as exc:
        raise ResultValidationError(f"{path}: a directory, not a result file") from exc
    if not raw.strip():
        raise ResultValidationError(f"{path}: empty file")
    try:
        doc = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ResultValidationError(f"{path}: not UTF-8 text (byte {exc.start})") from exc
    except json.JSONDecodeError as exc:
        raise ResultValidationError(f"{path}: not valid JSON: {exc}") from exc
    return validate_result(doc, str(path))


def write_result(doc: Result, path: Path) -> None:
    validate_result(doc, str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(doc, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    tmp.replace(path)


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def hostname() -> str:
    return socket.gethostname()


def cpu_model() -> str:
    """The CPU's model name as /proc/cpuinfo gives it (the architecture where it gives none): results
    from different CPU models are never pooled into one comparison. Same rule as the Rust side."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8")
    except OSError:
        text = ""
    for line in text.splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.machine()


def phase_values(doc: Result) -> dict[str, tuple[float, float | None]]:
    """One launch's value per phase, the unit the verdicts are built on: (median seconds per call,
    median CPU seconds per call or None where not recorded). Phases without samples are left out."""
    import statistics

    out: dict[str, tuple[float, float | None]] = {}
    for phase, timing in ((doc.get("timing") or {}).get("phases") or {}).items():
        samples = timing.get("samples") or []
        if not samples:
            continue
        cpu = timing.get("cpu_samples")
        out[phase] = (float(statistics.median(samples)), float(statistics.median(cpu)) if cpu else None)
    return out


# The typed result document, field for field `ResultDoc` of pairbench-core/src/schema.rs (same names,
# same order, same optional fields left out when absent), so both sides build results one way.


@dataclass(frozen=True)
class Framework:
    name: str
    version: str
    backend: str


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    n_train: int
    n_test: int
    n_features: int
    sha256: str

    @classmethod
    def from_manifest(cls, name: str, manifest: dict[str, Any]) -> DatasetInfo:
        """From a dataset's manifest.json; an empty manifest (data never materialised) gives zeros."""
        return cls(
            name,
            int(manifest.get("n_train", 0)),
            int(manifest.get("n_test", 0)),
            int(manifest.get("n_features", 0)),
            str(manifest.get("sha256", "")),
        )


@dataclass(frozen=True)
class PhaseTiming:
    warmup: int
    samples: list[float]
    # Absent in older results: read as None and written back absent, as serde's skip_serializing_if.
    batch: int | None = None
    warmup_s: float | None = None
    unit: str = "s"
    cpu_samples: list[float] | None = None

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"unit": self.unit, "warmup": self.warmup, "samples": self.samples}
        if self.batch is not None:
            doc["batch"] = self.batch
        if self.warmup_s is not None:
            doc["warmup_s"] = self.warmup_s
        if self.cpu_samples is not None:
            doc["cpu_samples"] = self.cpu_samples
        return doc

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> PhaseTiming:
        cpu = doc.get("cpu_samples")
        return cls(
            doc["warmup"],
            list(doc["samples"]),
            doc.get("batch"),
            doc.get("warmup_s"),
            doc["unit"],
            list(cpu) if cpu is not None else None,
        )


@dataclass(frozen=True)
class Resources:
    peak_rss_mb: float | None
    cpu_percent: float | None
    # The whole measured process's CPU seconds (the launcher's getrusage of its child; absent before 1.1).
    cpu_user_s: float | None = None
    cpu_sys_s: float | None = None

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"peak_rss_mb": self.peak_rss_mb, "cpu_percent": self.cpu_percent}
        if self.cpu_user_s is not None:
            doc["cpu_user_s"] = self.cpu_user_s
        if self.cpu_sys_s is not None:
            doc["cpu_sys_s"] = self.cpu_sys_s
        return doc


@dataclass(frozen=True)
class Launch:
    """One process launch of one cell on one side: one result file (schemas/result.schema.json)."""

    run_id: str
    cell_id: str
    launch: int
    language: str
    framework: Framework
    domain: str
    task: str
    algorithm: str
    dataset: DatasetInfo
    params: dict[str, Any]
    seed: int
    dtype: str
    threads: int
    quality: dict[str, float | None]
    phases: dict[str, PhaseTiming]
    resources: Resources
    status: str
    error: str | None
    started_at: str
    finished_at: str
    host: str
    cpu_model: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    schema_version: str = SCHEMA_VERSION

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_json(self) -> Result:
        """The result document, keys in the schema's (and Rust's) order; validated on write, not here."""
        doc: Result = {
            "schema_version": self.schema_version,
            "run_id": self.run_id,
            "cell_id": self.cell_id,
            "launch": self.launch,
            "language": self.language,
            "framework": asdict(self.framework),
            "domain": self.domain,
            "task": self.task,
            "algorithm": self.algorithm,
            "dataset": asdict(self.dataset),
            "params": self.params,
            "seed": self.seed,
            "dtype": self.dtype,
            "threads": self.threads,
            "quality": self.quality,
            "timing": {"phases": {p: t.to_json() for p, t in self.phases.items()}},
            "resources": self.resources.to_json(),
            "status": self.status,
            "error": self.error,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "host": self.host,
        }
        if self.cpu_model is not None:
            doc["cpu_model"] = self.cpu_model
        if self.metadata:
            doc["metadata"] = self.metadata
        return doc

    @classmethod
    def from_json(cls, doc: Any, source: str = "<memory>", *, validated: bool = False) -> Launch:
        """A launch from a result document, validated first (ResultValidationError names every problem)
        unless the caller already did (`validated`: analysis reads every file through read_result)."""
        if not validated:
            doc = validate_result(doc, source)
        return cls(
            run_id=doc["run_id"],
            cell_id=doc["cell_id"],
            launch=doc["launch"],
            language=doc["language"],
            framework=Framework(**doc["framework"]),
            domain=doc["domain"],
            task=doc["task"],
            algorithm=doc["algorithm"],
            dataset=DatasetInfo(**doc["dataset"]),
            params=doc["params"],
            seed=doc["seed"],
            dtype=doc["dtype"],
            threads=doc["threads"],
            quality=doc["quality"],
            phases={p: PhaseTiming.from_json(t) for p, t in doc["timing"]["phases"].items()},
            resources=Resources(**doc["resources"]),
            status=doc["status"],
            error=doc["error"],
            started_at=doc["started_at"],
            finished_at=doc["finished_at"],
            host=doc["host"],
            cpu_model=doc.get("cpu_model"),
            metadata=doc.get("metadata", {}),
            schema_version=doc["schema_version"],
        )

    @classmethod
    def read(cls, path: Path) -> Launch:
        return cls.from_json(read_result(path), str(path))

    def write(self, path: Path) -> None:
        write_result(self.to_json(), path)


class SeriesMismatch(ValueError):
    """A launch measured something other than the launches already in its series."""


# What must be equal across the launches of one series for their samples to be pooled (pyperf's
# Benchmark.add_run refuses a run whose metadata differs in the same way).
SERIES_IDENTITY = ("cell_id", "language", "framework", "dataset sha256", "threads", "dtype")


def _series_key(launch: Launch) -> tuple[object, ...]:
    return (launch.cell_id, launch.language, launch.framework.name, launch.dataset.sha256, launch.threads, launch.dtype)


@dataclass
class Series:
    """The launches of one cell on one side, the unit analysis pools samples over: analysis's timing
    series (cell x framework x phase) are `samples(phase)` of one Series."""

    launches: list[Launch] = field(default_factory=list)

    def add(self, launch: Launch) -> None:
        """Append `launch`; raise SeriesMismatch naming every field where it differs from the series."""
        if self.launches:
            first = self.launches[0]
            diffs = [
                f"{name}: {a!r} here, {b!r} in launch {first.launch}"
                for name, a, b in zip(SERIES_IDENTITY, _series_key(launch), _series_key(first), strict=True)
                # A failed launch whose data was never materialised has no sha256: unknown, not different.
                if a != b and not (name == "dataset sha256" and "" in (a, b))
            ]
            if diffs:
                raise SeriesMismatch(
                    f"launch {launch.launch} of {launch.cell_id} ({launch.framework.name}) "
                    f"does not belong to this series: {'; '.join(diffs)}"
                )
        self.launches.append(launch)

    def samples(self, phase: str) -> list[float]:
        """Every sample of `phase` over the series' successful launches, in launch order."""
        return [
            s for launch in self.launches if launch.ok and phase in launch.phases for s in launch.phases[phase].samples
        ]

    def to_json(self) -> list[Result]:
        return [launch.to_json() for launch in self.launches]

    @classmethod
    def from_json(cls, docs: list[Any]) -> Series:
        series = cls()
        for doc in docs:
            series.add(Launch.from_json(doc))
        return series
