"""The stable-baselines3 side of the `solve` task for any agent: SB3's own model (the agent's lockstep
subclass, so it reads seed k's pre-drawn randoms) trained over the whole budget with the evaluation hook
of training.py. Mirrors rl_eval.rs's `SolveBench`; the agent plugs in as agent.py's `Agent`. SB3 calls
the callback after every vectorised step, so PPO's evaluations fall on multiples of n_envs.

Phase `train` (one sample per launch, no warm-up: a training run is its own measurement). Validation
runs no phase (validation_samples 0): its quality is the seeded start's evaluation and probe actions,
which must be identical on every side (the same start)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from safetensors.torch import load_file

from pairbench.core.benchmark import BenchmarkBase
from pairbench.core.cells import require_params
from pairbench.datasets.materialise import Split
from pairbench.tasks.rl.agent import Agent, evaluate, fresh_model, library_versions, predictions, read_tables
from pairbench.tasks.rl.spec import cell_dir, verify_start
from pairbench.tasks.rl.training import EvalTracker, curve_metadata, eval_callback, seed_dir


def solve_settings(params: dict[str, Any], cell_id: str) -> tuple[int, float]:
    missing = [k for k in ("eval_interval", "threshold") if k not in params]
    if missing:
        raise ValueError(f"cell {cell_id}: " + "; ".join(f'param "{k}" missing' for k in missing))
    interval = int(params["eval_interval"])
    if interval < 1:
        raise ValueError(f'cell {cell_id}: param "eval_interval"={interval} out of range; allowed: >= 1')
    return interval, float(params["threshold"])


class SolveBenchmark(BenchmarkBase):
    phases = ("train",)
    stateful_phases = ("train",)

    def __init__(
        self,
        agent: Agent,
        params: dict[str, Any],
        split: Split,
        *,
        cell_id: str,
        data_dir: Path,
        launch: int,
    ) -> None:
        self.agent = agent
        self.p = agent.params.from_params(params, cell_id)
        self.interval, self.threshold = solve_settings(params, cell_id)
        self.split, self.seed = split, launch
        # The run's device (--devices), written into the cell by phase 1; rl_eval.rs requires it too.
        require_params(cell_id, params, ("device",))
        self.device = str(params["device"])
        self.dir = seed_dir(cell_dir(data_dir, cell_id), launch)
        verify_start(self.dir)
        self.init = load_file(str(self.dir / "init.safetensors"))
        self.tables = read_tables(self.dir, agent)
        self.model = self._fresh_model()
        self.tracker = EvalTracker(
            self.interval, self.threshold, lambda: float(evaluate(agent.actor(self.model), split.X_test).mean())
        )
        self.result: dict[str, float | None] = {}
        self.ready: Any = None

    def _fresh_model(self) -> Any:
        # lockstep_updates 0: no early stop, the whole budget.
        return fresh_model(self.agent, self.p, self.split.X_train, self.seed, self.device, self.init, self.tables, 0)

    def prepare_phase(self, phase: str, calls: int) -> None:
        """Outside the timer: the seeded model on its start (rl_eval.rs loads its engine here too)."""
        if phase == "train":
            self.ready = self._fresh_model()

    def run_phase(self, phase: str) -> None:
        if phase != "train":
            raise ValueError(f"unknown phase {phase!r}; allowed: train")
        if self.ready is None:
            raise RuntimeError("train without a prepared model (prepare_phase builds it)")
        self.model, self.ready = self.ready, None
        self.tracker.start()
        self.model.learn(total_timesteps=self.p.total_timesteps, callback=eval_callback(self.tracker))
        train_s = self.tracker.train_s()
        final = float(evaluate(self.agent.actor(self.model), self.split.X_test).mean())
        self.result = self.tracker.summary(final, train_s)

    def quality(self) -> dict[str, float | None]:
        # Predictions: the seeded start's evaluation returns and probe actions (same start everywhere).
        self.predictions = predictions(self.agent, self._fresh_model(), self.tables, self.split)
        n = len(self.split.X_test)
        return {"mean_return": float(self.predictions[:n].mean()), "train_seed": float(self.seed), **self.result}

    def metadata(self) -> dict[str, Any]:
        return {
            **library_versions(),
            "optimizer": "Adam",
            "fixed_in_code": self.agent.fixed_in_code,
            "train_seed": self.seed,
            "loss_steps": self.agent.losses(self.model)["total"][:256],
            "compute_dtype": "float32",
            "eval_episodes": len(self.split.X_test),
            **curve_metadata(self.tracker),
        }
