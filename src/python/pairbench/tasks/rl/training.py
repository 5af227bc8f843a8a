"""Training to the threshold (the `solve` task), generic over the agent: the evaluation schedule, the
learning curve and what is read from it. Any SB3 algorithm plugs in through `EvalCallback` (it only
needs `num_timesteps` and a greedy evaluation function); the Rust side is deep-common/src/rl_eval.rs.

Each launch of a `solve` cell trains one seed (the launch index) from scratch, in a fresh process:
  seed k   SB3's seeded initial weights and the pre-drawn randoms of `<data>/_rl/<cell>/seed_k/`
  train    the whole budget; every `eval_interval` env steps a deterministic greedy evaluation from
           the 100 evaluation starts (its time is measured and excluded from the training time)
The curve (env step, mean return, training seconds so far) goes into the result's metadata; quality
holds the steps and training seconds until the mean first reaches `threshold`, and the final mean.
The analysis (pairbench.analysis.rl_training) reads them over seeds: success rate, time to threshold with
bootstrap CIs, and the training gate (success rates and the final returns' equivalence, seed for seed).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

SOLVE_TASK = "solve"
SEED_DIR = "seed_{}"


def seed_dir(cell_path: Path, seed: int) -> Path:
    return cell_path / SEED_DIR.format(seed)


def first_reaching(steps: Sequence[float], values: Sequence[float], threshold: float) -> int | None:
    """Index of the first evaluation whose mean return reaches `threshold`, or None."""
    for i, (_, v) in enumerate(zip(steps, values, strict=True)):
        if v >= threshold:
            return i
    return None


def success_rate(steps_to_threshold: Sequence[float | None]) -> float:
    """Share of seeds whose evaluation mean reached the threshold (None: never reached)."""
    if not steps_to_threshold:
        return float("nan")
    return sum(s is not None and np.isfinite(s) for s in steps_to_threshold) / len(steps_to_threshold)


@dataclass
class EvalTracker:
    """The evaluation schedule and the clocks: training time is wall time minus evaluation time."""

    interval: int
    threshold: float
    evaluate: Callable[[], float]
    curve: list[tuple[int, float, float]] = field(default_factory=list)
    eval_s: float = 0.0
    next_at: int = 0
    t0: float = 0.0

    def start(self) -> None:
        self.curve, self.eval_s, self.next_at = [], 0.0, self.interval
        self.t0 = time.perf_counter()

    def train_s(self) -> float:
        return time.perf_counter() - self.t0 - self.eval_s

    def after_step(self, num_timesteps: int) -> None:
        """Called after every env step (vectorised envs: after every batch of steps)."""
        if num_timesteps < self.next_at:
            return
        self.record(num_timesteps)
        while self.next_at <= num_timesteps:
            self.next_at += self.interval

    def record(self, num_timesteps: int) -> float:
        t = time.perf_counter()
        train_at = t - self.t0 - self.eval_s
        mean = float(self.evaluate())
        self.eval_s += time.perf_counter() - t
        self.curve.append((num_timesteps, mean, train_at))
        return mean

    def summary(self, final_mean: float, train_s: float) -> dict[str, float | None]:
        steps = [c[0] for c in self.curve]
        means = [c[1] for c in self.curve]
        hit = first_reaching(steps, means, self.threshold)
        return {
            "final_mean_return": final_mean,
            "best_mean_return": max(means, default=None),
            "steps_to_threshold": None if hit is None else float(steps[hit]),
            "seconds_to_threshold": None if hit is None else float(self.curve[hit][2]),
            "train_s": train_s,
            "eval_s": self.eval_s,
            "evaluations": float(len(self.curve)),
        }


def eval_callback(tracker: EvalTracker) -> Any:
    """An SB3 callback that hands every env step to `tracker` (SB3 imported only here)."""
    from stable_baselines3.common.callbacks import BaseCallback

    class EvalCallback(BaseCallback):  # type: ignore[misc]
        def _on_step(self) -> bool:
            tracker.after_step(int(self.num_timesteps))
            return True

    return EvalCallback()


def curve_metadata(tracker: EvalTracker) -> dict[str, Any]:
    return {
        "eval_interval": tracker.interval,
        "threshold": tracker.threshold,
        # [env step, mean evaluation return, training seconds (evaluation excluded) at that step]
        "learning_curve": [[int(s), float(m), round(float(t), 6)] for s, m, t in tracker.curve],
    }
