"""What a PPO cell needs besides the initial-state tables: its settings and its pre-drawn randoms.

prepare.py's `prepare_cell` runs once per cell when datasets are materialised (phase 3) and writes, under
`<data-dir>/_rl/<cell_id>/`:
  init.safetensors   the actor-critic of a seeded stable-baselines3 PPO (SB3's state-dict names)
  action_u.npy       one uniform per env per rollout step, turned into the sampled action by inverse
                     CDF of the policy's probabilities on every side (f64, rollout steps x n_envs)
  perm.npy           one permutation of the rollout's n_steps * n_envs samples per epoch, the
                     minibatch order (int64, rollouts * n_epochs x n_steps * n_envs)
  probe_obs.npy      observations the inference phases and the action-identity check use (f32)
Env i of the n_envs starts its episodes from rows i, i + n_envs, ... of the training starts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from pairbench.tasks.rl.spec import CommonParams

# What SB3's PPO fixes in its code (or make_ppo sets without a cell param) and the Rust agent fixes the
# same way; results record it as metadata. Same list as ppo.rs's `fixed_in_code`.
FIXED_IN_CODE: dict[str, Any] = {
    "learning_rate_schedule": "linear: learning_rate * progress_remaining (rl-zoo's lin_)",
    "clip_range_schedule": "linear: clip_range * progress_remaining (rl-zoo's lin_)",
    "activation": "Tanh",
    "net_arch": "separate pi and vf MLPs",
    "ortho_init": True,
    "normalize_advantage": True,
    "advantage_std_eps": 1e-8,
    "clip_range_vf": None,
    "target_kl": None,
    "timeout_bootstrap": "reward += gamma * V(terminal obs) on truncation",
    "amsgrad": False,
}
PPO_ARRAYS = ("action_u", "perm", "probe_obs")


@dataclass(frozen=True)
class PpoParams(CommonParams):
    """rl-baselines3-zoo's CartPole-v1 PPO; what SB3 hard-codes is FIXED_IN_CODE. learning_rate and
    clip_range are the initial values of the linear schedules (progress_remaining * value)."""

    n_envs: int
    n_steps: int
    batch_size: int
    n_epochs: int
    gamma: float
    gae_lambda: float
    clip_range: float
    ent_coef: float
    vf_coef: float
    NAME: ClassVar[str] = "ppo"

    @property
    def net_arch(self) -> dict[str, list[int]]:
        return {"pi": [self.hidden] * self.hidden_layers, "vf": [self.hidden] * self.hidden_layers}

    @property
    def rollout_size(self) -> int:
        return self.n_steps * self.n_envs

    def lockstep_schedule(self) -> tuple[int, int]:
        """(rollouts, gradient steps) of the lockstep run: SB3's learn() collects a rollout while
        num_timesteps < total_timesteps, then n_epochs passes of ceil(rollout / batch) minibatches."""
        per_rollout = self.n_epochs * math.ceil(self.rollout_size / self.batch_size)
        max_rollouts = math.ceil(self.total_timesteps / self.rollout_size)
        rollouts = min(max_rollouts, math.ceil(self.lockstep_updates / per_rollout))
        return rollouts, rollouts * per_rollout

    def covers_budget(self) -> bool:
        # PPO's schedule counts rollouts: the randoms cover the budget when every rollout of learn() is drawn.
        return self.lockstep_schedule()[0] * self.rollout_size >= self.total_timesteps

    def draw(self, rng: np.random.Generator) -> tuple[dict[str, Any], dict[str, int]]:
        rollouts, updates = self.lockstep_schedule()
        arrays = {
            "action_u": rng.random((rollouts * self.n_steps, self.n_envs)),
            "perm": np.stack([rng.permutation(self.rollout_size) for _ in range(rollouts * self.n_epochs)]).astype(
                np.int64
            ),
        }
        return arrays, {"lockstep_rollouts": rollouts, "lockstep_updates": updates}
