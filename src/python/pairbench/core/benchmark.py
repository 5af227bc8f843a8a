"""The benchmark contract of the Python side, method for method the Rust `Benchmark` trait
(pairbench-core/src/runner.rs): what a task runner returns and what the worker's protocol calls.

A task runner is registered with `@task_runner(domain, task)` and called as
`runner(algorithm_name, params, split, context)`; it returns a `Benchmark`. Importing this module
imports no numerical library (the worker may import it before pinning its threads).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class RunContext:
    """What a runner may need besides the algorithm, its parameters and the data: the per-cell
    artefacts written in phase 3 (deep learning's shared initial weights) live under `data_dir`. No thread
    count: the worker pins the process to the cell's before any library loads (harness/threads.py)."""

    cell_id: str
    data_dir: Path
    seed: int = 42
    # The launch index (1-based): rl's `solve` task trains seed k in launch k.
    launch: int = 1


@runtime_checkable
class Benchmark(Protocol):
    """One algorithm on one prepared dataset; only `run_phase` is inside the timed region."""

    phases: tuple[str, ...]

    def run_phase(self, phase: str) -> None: ...

    def prepare_phase(self, phase: str, calls: int) -> None:
        """Untimed preparation of the next `calls` calls of `phase` (a fresh unfitted estimator)."""

    def quality(self) -> dict[str, float | None]: ...

    def write_predictions(self, path: Path) -> None:
        """The last test-set predictions (and decision values, where the task has them), saved so the
        gate can recompute quality from outputs."""

    def metadata(self) -> dict[str, Any]: ...

    def repeats(self, phase: str) -> int:
        """Timed runs of `phase` per repetition, each its own sample (latency phases)."""

    def stateful(self) -> bool:
        """True when a phase changes the benchmark's state (a training epoch): see harness/protocol.py."""


TaskRunner = Callable[[str, dict[str, Any], Any, RunContext], Benchmark]


def scores_path(predictions_path: Path) -> Path:
    """Where a side saves its decision values next to its predictions (same rule in the Rust binary)."""
    return predictions_path.with_name(predictions_path.name.removesuffix(".npy") + ".scores.npy")


class BenchmarkBase(ABC):
    """The trait's default methods. Subclasses set `phases`, implement `run_phase` and `quality`, and
    fill `predictions` (and `scores`) as they predict."""

    phases: tuple[str, ...] = ()
    # Phases that change state (see `stateful`); timed runs per repetition for latency phases.
    stateful_phases: tuple[str, ...] = ()
    phase_repeats: dict[str, int] = {}  # noqa: RUF012 - read-only default, instances assign their own
    predictions: Any = None
    scores: Any = None

    @abstractmethod
    def run_phase(self, phase: str) -> None: ...

    @abstractmethod
    def quality(self) -> dict[str, float | None]: ...

    def prepare_phase(self, phase: str, calls: int) -> None:
        del phase, calls

    def metadata(self) -> dict[str, Any]:
        return {}

    def repeats(self, phase: str) -> int:
        return int(self.phase_repeats.get(phase, 1))

    def stateful(self) -> bool:
        return bool(self.stateful_phases)

    def write_predictions(self, path: Path) -> None:
        import numpy as np

        if self.predictions is None:
            return
        np.save(path, np.asarray(self.predictions), allow_pickle=False)
        if self.scores is not None:
            np.save(scores_path(path), np.asarray(self.scores, dtype=np.float64), allow_pickle=False)
