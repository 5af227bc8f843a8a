"""The stable-baselines3 side of the `solve` task for DQN: SB3's own DQN (the lockstep subclass, so it
reads seed k's pre-drawn randoms) trained over the whole budget with the evaluation hook of training.py.

Phase `train` (one sample per launch, no warm-up: a training run is its own measurement). Validation
runs no phase (validation_samples 0): its quality is the seeded start's evaluation and probe actions,
which must be identical on every side (the same start)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file

from pairbench.core.cells import require_params
from pairbench.datasets.materialise import Split
from pairbench.harness.benchmark import BenchmarkBase
from pairbench.tasks.rl.sb3_runner import FIXED_IN_CODE, LockstepDQN, evaluate, make_dqn, q_state
from pairbench.tasks.rl.spec import DqnParams, cell_dir, verify_start
from pairbench.tasks.rl.training import EvalTracker, curve_metadata, eval_callback, seed_dir


def solve_settings(params: dict[str, Any], cell_id: str) -> tuple[int, float]:
    missing = [k for k in ("eval_interval", "threshold") if k not in params]
    if missing:
        raise ValueError(f"cell {cell_id}: " + "; ".join(f'param "{k}" missing' for k in missing))
    interval = int(params["eval_interval"])
    if interval < 1:
        raise ValueError(f'cell {cell_id}: param "eval_interval"={interval} out of range; allowed: >= 1')
    return interval, float(params["threshold"])


class DqnSolveBenchmark(BenchmarkBase):
    phases = ("train",)
    stateful_phases = ("train",)

    def __init__(
        self, params: dict[str, Any], split: Split, *, cell_id: str, data_dir: Path, launch: int, threads: int = 1
    ) -> None:
        torch.set_num_threads(threads)
        self.p = DqnParams.from_params(params, cell_id)
        self.interval, self.threshold = solve_settings(params, cell_id)
        self.split, self.seed = split, launch
        # The run's device (--devices), written into the cell by phase 1; rl_eval.rs requires it too.
        require_params(cell_id, params, ("device",))
        self.device = str(params["device"])
        self.dir = seed_dir(cell_dir(data_dir, cell_id), launch)
        verify_start(self.dir)
        self.init = load_file(str(self.dir / "init.safetensors"))
        self.tables = {
            n: np.load(self.dir / f"{n}.npy", allow_pickle=False)
            for n in ("explore_u", "explore_a", "batch_idx", "probe_obs")
        }
        self.model = self._fresh_model()
        self.tracker = EvalTracker(
            self.interval, self.threshold, lambda: float(evaluate(self.model.q_net, split.X_test).mean())
        )
        self.result: dict[str, float | None] = {}

    def _fresh_model(self) -> LockstepDQN:
        model = make_dqn(self.p, self.split.X_train, self.seed, self.device)
        differ = set(q_state(model)) ^ set(self.init)
        if differ:
            raise ValueError(f"weights file and SB3 policy disagree on tensors: {sorted(differ)}")
        model.policy.load_state_dict(self.init)
        model.explore_u, model.explore_a = self.tables["explore_u"], self.tables["explore_a"]
        # lockstep_updates 0: no early stop, the whole budget.
        model.lockstep_updates, model.losses = 0, []
        model.replay_buffer.batch_idx = self.tables["batch_idx"]  # type: ignore[union-attr]
        return model

    def run_phase(self, phase: str) -> None:
        if phase != "train":
            raise ValueError(f"unknown phase {phase!r}; allowed: train")
        self.model = self._fresh_model()
        self.tracker.start()
        self.model.learn(total_timesteps=self.p.total_timesteps, callback=eval_callback(self.tracker))
        train_s = self.tracker.train_s()
        final = float(evaluate(self.model.q_net, self.split.X_test).mean())
        self.result = self.tracker.summary(final, train_s)

    def quality(self) -> dict[str, float | None]:
        start = self._fresh_model()
        returns = evaluate(start.q_net, self.split.X_test)
        actions, _ = start.policy.predict(self.tables["probe_obs"], deterministic=True)
        # Predictions: the seeded start's evaluation returns and probe actions (same start everywhere).
        self.predictions = np.concatenate([returns, np.asarray(actions, dtype=np.float64)])
        return {"mean_return": float(returns.mean()), "train_seed": float(self.seed), **self.result}

    def metadata(self) -> dict[str, Any]:
        import gymnasium
        import stable_baselines3

        return {
            "torch": torch.__version__,
            "gymnasium": gymnasium.__version__,
            "stable_baselines3": stable_baselines3.__version__,
            "torch_threads": torch.get_num_threads(),
            "optimizer": "Adam",
            "fixed_in_code": FIXED_IN_CODE,
            "train_seed": self.seed,
            "loss_steps": self.model.losses[:256],
            "compute_dtype": "float32",
            "eval_episodes": len(self.split.X_test),
            **curve_metadata(self.tracker),
        }


class PpoSolveBenchmark(BenchmarkBase):
    """The `solve` task for PPO: SB3's PPO (sb3_ppo.py's lockstep subclass, reading seed k's pre-drawn
    action uniforms and minibatch orders) over the whole budget, with the same evaluation hook. SB3
    calls the callback after every vectorised step, so evaluations fall on multiples of n_envs."""

    phases = ("train",)
    stateful_phases = ("train",)

    def __init__(
        self, params: dict[str, Any], split: Split, *, cell_id: str, data_dir: Path, launch: int, threads: int = 1
    ) -> None:
        from pairbench.tasks.rl.ppo_spec import PPO_ARRAYS, PpoParams
        from pairbench.tasks.rl.sb3_ppo import ActorLogits

        torch.set_num_threads(threads)
        self.p = PpoParams.from_params(params, cell_id)
        self.interval, self.threshold = solve_settings(params, cell_id)
        self.split, self.seed = split, launch
        require_params(cell_id, params, ("device",))
        self.device = str(params["device"])
        self.dir = seed_dir(cell_dir(data_dir, cell_id), launch)
        verify_start(self.dir)
        self.init = load_file(str(self.dir / "init.safetensors"))
        self.tables = {n: np.load(self.dir / f"{n}.npy", allow_pickle=False) for n in PPO_ARRAYS}
        self.model = self._fresh_model()
        self.tracker = EvalTracker(
            self.interval, self.threshold, lambda: float(evaluate(ActorLogits(self.model), split.X_test).mean())
        )
        self.result: dict[str, float | None] = {}

    def _fresh_model(self) -> Any:
        from pairbench.tasks.rl.sb3_ppo import DrawnCategorical, make_ppo, policy_state

        model = make_ppo(self.p, self.split.X_train, self.seed, self.device)
        differ = set(policy_state(model)) ^ set(self.init)
        if differ:
            raise ValueError(f"weights file and SB3 policy disagree on tensors: {sorted(differ)}")
        model.policy.load_state_dict(self.init)
        dist = DrawnCategorical(int(model.action_space.n))  # type: ignore[attr-defined]
        dist.action_u = self.tables["action_u"]
        model.policy.action_dist = dist
        model.rollout_buffer.perm = self.tables["perm"]  # type: ignore[attr-defined]
        # lockstep_updates 0: no early stop, the whole budget.
        model.lockstep_updates = 0
        model.losses, model.policy_losses, model.value_losses = [], [], []
        return model

    def run_phase(self, phase: str) -> None:
        from pairbench.tasks.rl.sb3_ppo import ActorLogits

        if phase != "train":
            raise ValueError(f"unknown phase {phase!r}; allowed: train")
        self.model = self._fresh_model()
        self.tracker.start()
        self.model.learn(total_timesteps=self.p.total_timesteps, callback=eval_callback(self.tracker))
        train_s = self.tracker.train_s()
        final = float(evaluate(ActorLogits(self.model), self.split.X_test).mean())
        self.result = self.tracker.summary(final, train_s)

    def quality(self) -> dict[str, float | None]:
        from pairbench.tasks.rl.sb3_ppo import ActorLogits

        start = self._fresh_model()
        returns = evaluate(ActorLogits(start), self.split.X_test)
        actions, _ = start.policy.predict(self.tables["probe_obs"], deterministic=True)
        self.predictions = np.concatenate([returns, np.asarray(actions, dtype=np.float64)])
        return {"mean_return": float(returns.mean()), "train_seed": float(self.seed), **self.result}

    def metadata(self) -> dict[str, Any]:
        import gymnasium
        import stable_baselines3

        from pairbench.tasks.rl.ppo_spec import FIXED_IN_CODE as PPO_FIXED_IN_CODE

        return {
            "torch": torch.__version__,
            "gymnasium": gymnasium.__version__,
            "stable_baselines3": stable_baselines3.__version__,
            "torch_threads": torch.get_num_threads(),
            "optimizer": "Adam",
            "fixed_in_code": PPO_FIXED_IN_CODE,
            "train_seed": self.seed,
            "loss_steps": self.model.losses[:256],
            "compute_dtype": "float32",
            "eval_episodes": len(self.split.X_test),
            **curve_metadata(self.tracker),
        }
