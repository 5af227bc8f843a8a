"""What an RL cell needs besides the initial-state tables: the settings every agent reads the same way
(`CommonParams`, agent.rs's too), DQN's own, and where its shared start and pre-drawn randoms live.

prepare.py's `prepare_cell` runs once per cell when datasets are materialised (phase 3) and writes, under
`<data-dir>/_rl/<cell_id>/`, the agent's seeded SB3 start (`init.safetensors`, SB3's state-dict names),
its pre-drawn randoms, `probe_obs.npy` and `model.json` (every file's sha256). A DQN cell's files
(PPO's are listed in ppo_spec.py):
  init.safetensors   the Q-network (and its target copy) of a seeded stable-baselines3 DQN
  explore_u.npy      one uniform number per env step: epsilon-greedy's "explore?" draw (f64)
  explore_a.npy      one random action per env step: warm-up and exploration actions (int64)
  batch_idx.npy      replay-buffer row indices of every gradient step's minibatch (int64, steps x batch)
  env_actions.npy    the recorded action sequence the environment-speed phase replays (int64)
  probe_obs.npy      observations the inference phases and the action-identity check use (f32)
Every side reads the same files, so SB3, candle and tch explore, sample and update identically and
only floating-point round-off can separate them (the lockstep check).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

RL_DIR = "_rl"
OBS_DIM, N_ACTIONS = 4, 2
ENV_ACTIONS = 20_000
N_PROBES = 256
PROBE_SCALE = np.array([2.4, 3.0, 0.2, 3.0])
# What SB3's DQN fixes in its code (or make_dqn sets without a cell param) and the Rust agent fixes
# the same way; results record it as metadata. Same list as rl.rs's `fixed_in_code`.
FIXED_IN_CODE: dict[str, Any] = {
    "tau": 1.0,
    "exploration_initial_eps": 1.0,
    "loss": "smooth_l1 (Huber, beta 1)",
    "activation": "ReLU",
    "amsgrad": False,
}


DQN_ARRAYS = ("explore_u", "explore_a", "batch_idx", "env_actions", "probe_obs")


@dataclass(frozen=True)
class CommonParams:
    """The settings every agent reads the same way: Adam's (passed to SB3 as the policy's
    optimizer_kwargs, so none is a library default), the network's size, the lockstep and latency
    budgets. An agent's params add its own fields; `from_params` reads them all by their type."""

    learning_rate: float
    max_grad_norm: float
    adam_beta1: float
    adam_beta2: float
    adam_eps: float
    adam_weight_decay: float
    # SB3's net_arch as [hidden] * hidden_layers (a list in the catalogue would be a grid axis).
    hidden: int
    hidden_layers: int
    # Gradient steps of the lockstep check: training stops after the train() call that reaches it.
    lockstep_updates: int
    latency_repeats: int
    total_timesteps: int
    # The agent's cell `algorithm`.
    NAME: ClassVar[str] = ""

    @classmethod
    def from_params(cls, params: dict[str, Any], cell_id: str) -> Any:
        fields = dataclasses.fields(cls)
        missing = [f.name for f in fields if f.name not in params]
        if missing:
            # Same message, same order, as agent.rs's CommonParams::from_cell.
            raise ValueError(f"cell {cell_id}: " + "; ".join(f'param "{k}" missing' for k in missing))
        p = cls(**{f.name: (int if f.type == "int" else float)(params[f.name]) for f in fields})
        if p.adam_weight_decay != 0.0:
            # SB3's torch.optim.Adam adds the decay to the gradient; the Rust sides' AdamW decays the
            # weights directly. They agree only at 0.
            raise ValueError(
                f'cell {cell_id}: param "adam_weight_decay"={p.adam_weight_decay:g} unsupported; allowed: 0 '
                "(SB3's Adam couples weight decay into the gradient, the Rust AdamW decouples it)"
            )
        return p

    @property
    def optimizer_kwargs(self) -> dict[str, Any]:
        """torch.optim.Adam's settings besides the learning rate, as SB3's policy_kwargs pass them."""
        return {
            "betas": (self.adam_beta1, self.adam_beta2),
            "eps": self.adam_eps,
            "weight_decay": self.adam_weight_decay,
        }

    def lockstep_schedule(self) -> tuple[int, int]:
        raise NotImplementedError

    def covers_budget(self) -> bool:
        """Whether the lockstep run's randoms cover the whole training budget (the `solve` task)."""
        raise NotImplementedError

    def draw(self, rng: np.random.Generator) -> tuple[dict[str, Any], dict[str, int]]:
        """The agent's pre-drawn randoms (probe_obs is drawn after them) and its schedule for model.json."""
        raise NotImplementedError


@dataclass(frozen=True)
class DqnParams(CommonParams):
    """rl-baselines3-zoo's CartPole-v1 DQN; what SB3 hard-codes is FIXED_IN_CODE."""

    batch_size: int
    buffer_size: int
    learning_starts: int
    gamma: float
    target_update_interval: int
    train_freq: int
    gradient_steps: int
    exploration_fraction: float
    exploration_final_eps: float
    NAME: ClassVar[str] = "dqn"

    @property
    def net_arch(self) -> list[int]:
        return [self.hidden] * self.hidden_layers

    def lockstep_schedule(self) -> tuple[int, int]:
        """(env steps, gradient steps) of the lockstep run: rollouts of train_freq steps; training
        starts after the first rollout that ends beyond learning_starts, as in SB3's learn(). A
        lockstep_updates beyond the budget makes it the whole training run."""
        steps = updates = 0
        # SB3's learn(): whole rollouts while num_timesteps < total_timesteps.
        while updates < self.lockstep_updates and steps < self.total_timesteps:
            steps += self.train_freq
            if steps > self.learning_starts:
                updates += self.gradient_steps
        return steps, updates

    def covers_budget(self) -> bool:
        return self.lockstep_schedule()[0] >= self.total_timesteps

    def draw(self, rng: np.random.Generator) -> tuple[dict[str, Any], dict[str, int]]:
        n_steps, _ = self.lockstep_schedule()
        bounds = buffer_upper_bounds(self)
        arrays = {
            "explore_u": rng.random(n_steps),
            "explore_a": rng.integers(0, N_ACTIONS, size=n_steps).astype(np.int64),
            "batch_idx": np.stack([rng.integers(0, b, size=self.batch_size) for b in bounds]).astype(np.int64),
            "env_actions": rng.integers(0, N_ACTIONS, size=ENV_ACTIONS).astype(np.int64),
        }
        return arrays, {"lockstep_env_steps": n_steps, "lockstep_updates": len(bounds)}


def cell_dir(data_dir: Path, cell_id: str) -> Path:
    return data_dir / RL_DIR / cell_id


def shared_start(data_dir: Path, cell_id: str, params: dict[str, Any]) -> tuple[Path, Path, str]:
    """The cell's folder, its shared initial weights (SB3's seeded start, every side's) and the run's
    device (--devices, written into the cell by phase 1), as rl.rs's `shared_init`/`device_param` check them."""
    from pairbench.core.cells import require_params

    require_params(cell_id, params, ("device",))
    folder = cell_dir(data_dir, cell_id)
    init = folder / "init.safetensors"
    if not init.is_file():
        raise FileNotFoundError(f"{init}: shared initial weights missing (run `pairbench datasets`)")
    return folder, init, str(params["device"])


def buffer_upper_bounds(p: DqnParams) -> list[int]:
    """Rows the replay buffer holds at each gradient step of the lockstep run."""
    bounds, steps = [], 0
    _, n_updates = p.lockstep_schedule()
    while len(bounds) < n_updates:
        steps += p.train_freq
        if steps > p.learning_starts:
            bounds += [min(steps, p.buffer_size)] * p.gradient_steps
    return bounds[:n_updates]


def sha256_file(path: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def verify_start(out: Path) -> None:
    """Refuse a start whose files differ from the sha256 model.json recorded when they were written."""
    meta = out / "model.json"
    if not meta.is_file():
        raise FileNotFoundError(f"{meta}: missing (run `pairbench datasets`)")
    want = json.loads(meta.read_text(encoding="utf-8")).get("sha256") or {}
    bad = [f"{name}: sha256 mismatch" for name, digest in sorted(want.items()) if sha256_file(out / name) != digest]
    if not want or bad:
        raise ValueError(
            f"{out}: "
            + ("; ".join(bad) or "model.json: key sha256: missing")
            + "; allowed: the files `pairbench datasets` wrote"
        )
