"""The Python side of the calibration kernel: a fixed number of steps of a SHA-256 chain per call
(pairbench.datasets.calibration), in the Python harness (the Rust twin is src/rust/calibration). No
allocation beyond one digest a step and no I/O, so its cost is steps x a constant. In an A/A run the second
arm (`PAIRBENCH_ARM=b`) runs `effect` times as many steps."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pairbench.core.benchmark import BenchmarkBase, RunContext
from pairbench.core.cells import require_params
from pairbench.core.registry import algorithm, get_algorithm, task_runner
from pairbench.datasets.calibration import GATE_STEPS, chain, gate_value, start_state
from pairbench.datasets.materialise import Split

SECOND_ARM = "b"


def arm_steps(steps: int, effect: float, arm: str | None) -> int:
    """Steps per call of one arm: `steps`, or round(steps x effect) for the second arm of an A/A run."""
    return round(steps * effect) if arm == SECOND_ARM else steps


@algorithm("calibration", "known_effect", "spin")
def spin_steps(params: dict[str, Any]) -> int:
    """Steps of the SHA-256 chain per call (the same recurrence as the Rust side's)."""
    return int(params["steps"])


class SpinBenchmark(BenchmarkBase):
    phases = ("spin",)

    def __init__(self, steps: int, split: Split) -> None:
        self.steps = steps
        self.state = start_state(int(split.X_train[0, 0]))
        self.starts = [int(s) for s in split.X_test[:, 0]]

    def run_phase(self, phase: str) -> None:
        del phase
        self.state = chain(self.state, self.steps)

    def quality(self) -> dict[str, float | None]:
        return {}

    def write_predictions(self, path: Path) -> None:
        import numpy as np

        # The gate's check that both sides run the same chain: GATE_STEPS steps from every test start.
        ends = [gate_value(chain(start_state(s), GATE_STEPS)) for s in self.starts]
        np.save(path, np.array(ends, dtype=np.float64))

    def metadata(self) -> dict[str, Any]:
        return {"steps_per_call": self.steps, "items_per_call": {"spin": self.steps}}


@task_runner("calibration", "known_effect")
def run_spin(algorithm: str, params: dict[str, Any], split: Split, context: RunContext) -> SpinBenchmark:
    require_params(context.cell_id, params, ["steps", "effect"])
    base = get_algorithm("calibration", "known_effect", algorithm).build(params)
    steps = arm_steps(base, float(params["effect"]), os.environ.get("PAIRBENCH_ARM"))
    return SpinBenchmark(steps, split)
