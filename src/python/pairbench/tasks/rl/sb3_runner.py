"""The stable-baselines3 DQN of an RL cell: SB3's own DQN, fed the pre-drawn randoms of spec.py. It plugs
into agent.py's lockstep-agent layer (phases, evaluation, metadata) as `DQN_AGENT` (rl.rs's `Dqn`).
"""

from __future__ import annotations

import types
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray
from stable_baselines3 import DQN
from stable_baselines3.common.buffers import ReplayBuffer
from stable_baselines3.common.vec_env import DummyVecEnv
from stable_baselines3.dqn import dqn as sb3_dqn

from pairbench.tasks.rl.lockstep import LockstepDone, cartpole
from pairbench.tasks.rl.spec import DQN_ARRAYS, FIXED_IN_CODE, DqnParams


class DrawnBuffer(ReplayBuffer):
    """SB3's replay buffer with the minibatch rows read from the shared table instead of np.random."""

    batch_idx: NDArray[np.int64] | None = None
    n_sampled = 0

    def sample(self, batch_size: int, env: Any = None) -> Any:
        if self.batch_idx is None or self.n_sampled >= len(self.batch_idx):
            raise RuntimeError("pre-drawn minibatch indices exhausted")
        idx = self.batch_idx[self.n_sampled]
        self.n_sampled += 1
        return self._get_samples(idx, env=env)


class LockstepDQN(DQN):
    """SB3's DQN whose exploration draws come from the shared tables and whose per-step losses are kept.

    Everything else (rollout collection, the replay buffer, target updates, the TD loss, clipping, Adam)
    is SB3's own code."""

    explore_u: NDArray[np.float64]
    explore_a: NDArray[np.int64]
    lockstep_updates = 0
    losses: list[float]

    def _sample_action(self, learning_starts: int, action_noise: Any = None, n_envs: int = 1) -> Any:
        t = self.num_timesteps
        if t < learning_starts or self.explore_u[t] < self.exploration_rate:
            action = np.array([self.explore_a[t]])
        else:
            action, _ = self.policy.predict(self._last_obs, deterministic=True)  # type: ignore[arg-type]
        return action, action

    def train(self, gradient_steps: int, batch_size: int = 100) -> None:
        # SB3's train() computes F.smooth_l1_loss once per gradient step: record each value there.
        real = sb3_dqn.F

        def smooth_l1_loss(*args: Any, **kwargs: Any) -> torch.Tensor:
            loss = real.smooth_l1_loss(*args, **kwargs)
            self.losses.append(float(loss.item()))
            return loss

        sb3_dqn.F = types.SimpleNamespace(smooth_l1_loss=smooth_l1_loss)  # type: ignore[assignment]
        try:
            super().train(gradient_steps, batch_size)
        finally:
            sb3_dqn.F = real
        if self.lockstep_updates and self._n_updates >= self.lockstep_updates:
            raise LockstepDone


def make_dqn(p: DqnParams, states: NDArray[np.float64], seed: int, device: str) -> LockstepDQN:
    env = DummyVecEnv([lambda: cartpole(states)])
    return LockstepDQN(
        "MlpPolicy",
        env,
        learning_rate=p.learning_rate,
        buffer_size=p.buffer_size,
        learning_starts=p.learning_starts,
        batch_size=p.batch_size,
        tau=FIXED_IN_CODE["tau"],
        gamma=p.gamma,
        train_freq=p.train_freq,
        gradient_steps=p.gradient_steps,
        target_update_interval=p.target_update_interval,
        exploration_fraction=p.exploration_fraction,
        exploration_initial_eps=FIXED_IN_CODE["exploration_initial_eps"],
        exploration_final_eps=p.exploration_final_eps,
        max_grad_norm=p.max_grad_norm,
        replay_buffer_class=DrawnBuffer,
        policy_kwargs={"net_arch": p.net_arch, "optimizer_kwargs": p.optimizer_kwargs},
        seed=seed,
        device=device,
    )


class DqnAgent:
    """DQN as agent.py's `Agent`."""

    name = "dqn"
    phases = ("env_steps", "infer_b1", "infer_b256", "train_lockstep")
    arrays = DQN_ARRAYS
    components: tuple[str, ...] = ()
    fixed_in_code = FIXED_IN_CODE
    params = DqnParams

    def make(self, p: DqnParams, states: NDArray[np.float64], seed: int, device: str) -> LockstepDQN:
        return make_dqn(p, states, seed, device)

    def attach(self, model: LockstepDQN, tables: dict[str, NDArray[Any]], lockstep_updates: int) -> None:
        model.explore_u, model.explore_a = tables["explore_u"], tables["explore_a"]
        model.lockstep_updates, model.losses = lockstep_updates, []
        model.replay_buffer.batch_idx = tables["batch_idx"]  # type: ignore[union-attr]

    def actor(self, model: LockstepDQN) -> torch.nn.Module:
        return model.q_net

    def trainable(self, model: LockstepDQN) -> torch.nn.Module:
        return model.q_net

    def losses(self, model: LockstepDQN) -> dict[str, list[float]]:
        return {"total": model.losses}


DQN_AGENT = DqnAgent()
