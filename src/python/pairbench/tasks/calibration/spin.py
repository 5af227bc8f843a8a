"""The Python side of the calibration kernel: a fixed number of steps of a linear congruential
generator, in the Python harness (the Rust twin is src/rust/calibration). Pure interpreter work, no
allocation or I/O, so its cost is steps x a constant that the host can only move for both arms of a
round alike. In an A/A run the second arm (`PAIRBENCH_ARM=b`) spins `effect` times as many steps."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pairbench.core.benchmark import BenchmarkBase, RunContext
from pairbench.core.cells import require_params
from pairbench.core.registry import algorithm, get_algorithm, task_runner
from pairbench.datasets.calibration import GATE_STEPS, LCG_INCREMENT, LCG_MASK, LCG_MULTIPLIER
from pairbench.datasets.materialise import Split

SECOND_ARM = "b"


def arm_steps(steps: int, effect: float, arm: str | None) -> int:
    """Steps per call of one arm: `steps`, or round(steps x effect) for the second arm of an A/A run."""
    return round(steps * effect) if arm == SECOND_ARM else steps


@algorithm("calibration", "known_effect", "spin")
def spin_steps(params: dict[str, Any]) -> int:
    """Steps of a 31-bit linear congruential generator per call (C's rand() constants): pure
    interpreter work, the same recurrence as the Rust side's."""
    return int(params["python_steps"])


class SpinBenchmark(BenchmarkBase):
    phases = ("spin",)

    def __init__(self, steps: int, split: Split) -> None:
        self.steps = steps
        self.state = int(split.X_train[0, 0])
        self.starts = [int(s) for s in split.X_test[:, 0]]

    @staticmethod
    def spin(x: int, steps: int) -> int:
        a, c, m = LCG_MULTIPLIER, LCG_INCREMENT, LCG_MASK
        for _ in range(steps):
            x = (x * a + c) & m
        return x

    def run_phase(self, phase: str) -> None:
        del phase
        self.state = self.spin(self.state, self.steps)

    def quality(self) -> dict[str, float | None]:
        return {}

    def write_predictions(self, path: Path) -> None:
        import numpy as np

        # The gate's check that both sides spin the same recurrence: GATE_STEPS steps from every test start.
        np.save(path, np.array([self.spin(s, GATE_STEPS) for s in self.starts], dtype=np.float64))

    def metadata(self) -> dict[str, Any]:
        return {"steps_per_call": self.steps, "items_per_call": {"spin": self.steps}}


@task_runner("calibration", "known_effect")
def run_spin(algorithm: str, params: dict[str, Any], split: Split, context: RunContext) -> SpinBenchmark:
    require_params(context.cell_id, params, ["python_steps", "effect"])
    base = get_algorithm("calibration", "known_effect", algorithm).build(params)
    steps = arm_steps(base, float(params["effect"]), os.environ.get("PAIRBENCH_ARM"))
    return SpinBenchmark(steps, split)
