"""What a PPO cell needs besides the initial-state tables: the shared start and the pre-drawn randoms.

`prepare_ppo_cell` runs once per cell when datasets are materialised (phase 3) and writes, under
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

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pairbench.tasks.rl.spec import N_PROBES, OBS_DIM, PROBE_SCALE, cell_dir

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
class PpoParams:
    """rl-baselines3-zoo's CartPole-v1 PPO, Adam's settings included (passed to SB3 as the policy's
    optimizer_kwargs, so none is a library default); what SB3 hard-codes is FIXED_IN_CODE."""

    total_timesteps: int
    n_envs: int
    n_steps: int
    batch_size: int
    n_epochs: int
    gamma: float
    gae_lambda: float
    # Initial values of the linear schedules (progress_remaining * value).
    learning_rate: float
    clip_range: float
    ent_coef: float
    vf_coef: float
    max_grad_norm: float
    # net_arch: pi = vf = [hidden] * hidden_layers (a list in the catalogue would be a grid axis).
    hidden: int
    hidden_layers: int
    adam_beta1: float
    adam_beta2: float
    adam_eps: float
    adam_weight_decay: float
    # Gradient steps of the lockstep check: training stops after the train() call that reaches it.
    lockstep_updates: int
    latency_repeats: int

    @classmethod
    def from_params(cls, params: dict[str, Any], cell_id: str) -> PpoParams:
        ints = (
            "total_timesteps",
            "n_envs",
            "n_steps",
            "batch_size",
            "n_epochs",
            "hidden",
            "hidden_layers",
            "lockstep_updates",
            "latency_repeats",
        )
        floats = (
            "gamma",
            "gae_lambda",
            "learning_rate",
            "clip_range",
            "ent_coef",
            "vf_coef",
            "max_grad_norm",
            "adam_beta1",
            "adam_beta2",
            "adam_eps",
            "adam_weight_decay",
        )
        missing = [k for k in (*ints, *floats) if k not in params]
        if missing:
            # Same message as ppo.rs's PpoParams::from_cell.
            raise ValueError(f"cell {cell_id}: " + "; ".join(f'param "{k}" missing' for k in missing))
        p = cls(**{k: int(params[k]) for k in ints}, **{k: float(params[k]) for k in floats})
        if p.adam_weight_decay != 0.0:
            raise ValueError(
                f'cell {cell_id}: param "adam_weight_decay"={p.adam_weight_decay:g} unsupported; allowed: 0 '
                "(SB3's Adam couples weight decay into the gradient, the Rust AdamW decouples it)"
            )
        return p

    @property
    def optimizer_kwargs(self) -> dict[str, Any]:
        return {
            "betas": (self.adam_beta1, self.adam_beta2),
            "eps": self.adam_eps,
            "weight_decay": self.adam_weight_decay,
        }

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


def prepare_ppo_cell(cell: dict[str, Any], data_dir: Path) -> Path:
    """Write the shared start of one PPO cell; idempotent (same seed, same bytes)."""
    from pairbench.datasets.materialise import load_verified

    p = PpoParams.from_params(cell["params"], cell["cell_id"])
    split = load_verified(data_dir / cell["dataset"])
    out = cell_dir(data_dir, cell["cell_id"])
    write_ppo_start(
        out, p, split.X_train, int(cell["seed"]), {"cell_id": cell["cell_id"], "algorithm": cell["algorithm"]}
    )
    return out


def write_ppo_start(out: Path, p: PpoParams, train_states: Any, seed: int, info: dict[str, Any]) -> None:
    """The seeded SB3 actor-critic and every pre-drawn random of one run (`seed` seeds both), with the
    sha256 of each file in model.json (spec.py's `verify_start` and rl_eval.rs check them)."""
    from safetensors.torch import save_file

    from pairbench.tasks.rl.sb3_ppo import make_ppo, policy_state
    from pairbench.tasks.rl.spec import sha256_file

    model = make_ppo(p, train_states, seed, "cpu")  # the shared start is drawn on cpu, as for DQN
    out.mkdir(parents=True, exist_ok=True)
    state = policy_state(model)
    save_file(state, str(out / "init.safetensors"))
    rng = np.random.default_rng(seed)
    rollouts, updates = p.lockstep_schedule()
    arrays = {
        "action_u": rng.random((rollouts * p.n_steps, p.n_envs)),
        "perm": np.stack([rng.permutation(p.rollout_size) for _ in range(rollouts * p.n_epochs)]).astype(np.int64),
        "probe_obs": (rng.uniform(-1, 1, size=(N_PROBES, OBS_DIM)) * PROBE_SCALE).astype(np.float32),
    }
    for name, array in arrays.items():
        np.save(out / f"{name}.npy", np.ascontiguousarray(array), allow_pickle=False)
    files = ["init.safetensors", *(f"{name}.npy" for name in arrays)]
    info = {
        **info,
        "seed": seed,
        "lockstep_rollouts": rollouts,
        "lockstep_updates": updates,
        "tensors": {k: list(v.shape) for k, v in state.items()},
        "sha256": {name: sha256_file(out / name) for name in files},
    }
    (out / "model.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
