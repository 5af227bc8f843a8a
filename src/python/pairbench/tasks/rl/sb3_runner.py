"""The stable-baselines3 side of an RL cell: SB3's own DQN, fed the pre-drawn randoms of spec.py.

Phases, in the order the harness runs them each repetition:
  env_steps       replay the recorded action sequence on gymnasium's CartPole-v1 (environment speed)
  infer_b1        greedy action of one observation through SB3's policy.predict (the shared weights)
  infer_b256      greedy actions of 256 observations in one call
  train_lockstep  SB3's learn() from the shared start until the lockstep's gradient steps are done
The quality run also evaluates the shared initial policy greedily from the 100 evaluation states.
"""

from __future__ import annotations

import contextlib
import types
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from numpy.typing import NDArray
from safetensors.torch import load_file
from stable_baselines3 import DQN
from stable_baselines3.common.buffers import ReplayBuffer
from stable_baselines3.common.vec_env import DummyVecEnv
from stable_baselines3.dqn import dqn as sb3_dqn

from pairbench.datasets.materialise import Split
from pairbench.harness.benchmark import BenchmarkBase
from pairbench.tasks.rl.spec import FIXED_IN_CODE, DqnParams, shared_start

MAX_EPISODE_STEPS = 500


class TableResetEnv(gym.Wrapper):  # type: ignore[type-arg]
    """Starts episode k from row k (cycling) of the shared initial-state table instead of numpy's RNG."""

    def __init__(self, env: gym.Env, states: NDArray[np.float64]) -> None:  # type: ignore[type-arg]
        super().__init__(env)
        self.states, self.k = states, 0

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> Any:
        self.env.reset(seed=seed, options=options)  # resets TimeLimit's step counter
        state = np.array(self.states[self.k % len(self.states)], dtype=np.float64)
        self.k += 1
        self.env.unwrapped.state = state  # type: ignore[attr-defined]
        return state.astype(np.float32), {}


def cartpole(states: NDArray[np.float64]) -> TableResetEnv:
    return TableResetEnv(gym.make("CartPole-v1"), states)


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


class LockstepDone(Exception):
    pass


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


def sb3_optimizer_defaults(model: DQN) -> dict[str, Any]:
    """The settings SB3's policy built its optimiser with (JSON-able ones), to show nothing was added."""
    d = model.policy.optimizer.defaults
    return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items() if isinstance(v, (bool, int, float, tuple))}


def q_state(model: DQN) -> dict[str, torch.Tensor]:
    """The online and target Q-networks under SB3's state-dict names."""
    return {k: v.detach().to(torch.float32).contiguous().clone() for k, v in model.policy.state_dict().items()}


def evaluate(q_net: torch.nn.Module, states: NDArray[np.float64]) -> NDArray[np.float64]:
    """Greedy return of one episode from each state: all episodes stepped together, one batched
    forward pass per step (the Rust sides do the same)."""
    envs = [cartpole(states[i : i + 1]) for i in range(len(states))]
    obs = np.stack([env.reset()[0] for env in envs])
    returns = np.zeros(len(envs))
    alive = np.ones(len(envs), dtype=bool)
    with torch.no_grad():
        while alive.any():
            actions = q_net(torch.from_numpy(obs)).argmax(dim=1).numpy()
            for i in np.flatnonzero(alive):
                obs[i], reward, terminated, truncated, _ = envs[i].step(int(actions[i]))
                returns[i] += reward
                alive[i] = not (terminated or truncated)
    return returns


PARAM_PROBES = 16


def param_probe(state: dict[str, torch.Tensor]) -> dict[str, list[float]]:
    """Per tensor: its L2 norm, then PARAM_PROBES evenly spaced entries (flattened). Small enough for
    the result JSON; any divergence of a trained tensor shows in its norm. Same rule in Rust."""
    out = {}
    for name, t in sorted(state.items()):
        flat = t.detach().flatten().to(torch.float64)
        idx = np.linspace(0, flat.numel() - 1, PARAM_PROBES).round().astype(np.int64)
        out[name] = [float(flat.norm()), *flat[torch.from_numpy(idx)].tolist()]
    return out


class DqnBenchmark(BenchmarkBase):
    phases = ("env_steps", "infer_b1", "infer_b256", "train_lockstep")

    def __init__(
        self, params: dict[str, Any], split: Split, *, cell_id: str, data_dir: Path, seed: int, threads: int = 1
    ) -> None:
        torch.set_num_threads(threads)
        self.p = DqnParams.from_params(params, cell_id)
        self.split, self.seed = split, seed
        self.dir, init, self.device = shared_start(data_dir, cell_id, params)
        self.init = load_file(str(init))
        tables = {
            n: np.load(self.dir / f"{n}.npy", allow_pickle=False)
            for n in ("explore_u", "explore_a", "batch_idx", "env_actions", "probe_obs")
        }
        self.tables = tables
        self.env = cartpole(split.X_train)
        self.model = self._fresh_model()
        self.probe = {1: tables["probe_obs"][:1], 256: tables["probe_obs"][:256]}
        self.phase_repeats = {"infer_b1": self.p.latency_repeats, "infer_b256": self.p.latency_repeats}
        self.losses: list[float] = []
        self.env_steps_done = 0
        self.predictions: NDArray[np.float64] | None = None

    def _fresh_model(self) -> LockstepDQN:
        model = make_dqn(self.p, self.split.X_train, self.seed, self.device)
        differ = set(q_state(model)) ^ set(self.init)
        if differ:
            raise ValueError(f"weights file and SB3 policy disagree on tensors: {sorted(differ)}")
        model.policy.load_state_dict(self.init)
        model.explore_u, model.explore_a = self.tables["explore_u"], self.tables["explore_a"]
        model.lockstep_updates, model.losses = self.p.lockstep_updates, []
        model.replay_buffer.batch_idx = self.tables["batch_idx"]  # type: ignore[union-attr]
        return model

    def env_steps(self) -> None:
        env, done = self.env, True
        for action in self.tables["env_actions"].tolist():
            if done:
                env.reset()
            _, _, terminated, truncated, _ = env.step(action)
            done = terminated or truncated
        self.env_steps_done = len(self.tables["env_actions"])

    def infer(self, b: int) -> None:
        self.model.policy.predict(self.probe[b], deterministic=True)

    def train_lockstep(self) -> None:
        model = self._fresh_model()
        with contextlib.suppress(LockstepDone):
            model.learn(total_timesteps=self.p.total_timesteps)
        expected = self.p.lockstep_schedule()[1]
        if len(model.losses) != expected:
            raise RuntimeError(f"SB3 took {len(model.losses)} gradient steps; the schedule says {expected}")
        self.losses = model.losses
        self.trained = model

    def run_phase(self, phase: str) -> None:
        if phase == "env_steps":
            self.env_steps()
        elif phase == "infer_b1":
            self.infer(1)
        elif phase == "infer_b256":
            self.infer(256)
        elif phase == "train_lockstep":
            self.train_lockstep()
        else:
            raise ValueError(f"unknown phase {phase!r}; allowed: {', '.join(self.phases)}")

    def probe_actions(self) -> NDArray[np.int64]:
        actions, _ = self.model.policy.predict(self.tables["probe_obs"], deterministic=True)
        return np.asarray(actions, dtype=np.int64)

    def quality(self) -> dict[str, float | None]:
        returns = evaluate(self.model.q_net, self.split.X_test)
        # Predictions: the initial policy's evaluation returns, then its actions on the probes;
        # the gate requires both to be identical on every side.
        self.predictions = np.concatenate([returns, self.probe_actions().astype(np.float64)])
        trained = evaluate(self.trained.q_net, self.split.X_test) if hasattr(self, "trained") else None
        return {
            "mean_return": float(returns.mean()),
            "lockstep_updates": float(len(self.losses)),
            # The policy after the lockstep run (after the whole budget when lockstep_updates covers it).
            "trained_mean_return": None if trained is None else float(trained.mean()),
            "param_count": float(sum(int(v.numel()) for k, v in self.init.items() if k.startswith("q_net."))),
        }

    def metadata(self) -> dict[str, Any]:
        import gymnasium
        import stable_baselines3

        params = param_probe(self.trained.q_net.state_dict()) if hasattr(self, "trained") else {}
        return {
            "torch": torch.__version__,
            "gymnasium": gymnasium.__version__,
            "stable_baselines3": stable_baselines3.__version__,
            "torch_threads": torch.get_num_threads(),
            "optimizer": "Adam",
            "optimizer_settings": {
                "learning_rate": self.p.learning_rate,
                "adam_beta1": self.p.adam_beta1,
                "adam_beta2": self.p.adam_beta2,
                "adam_eps": self.p.adam_eps,
                "adam_weight_decay": self.p.adam_weight_decay,
                "max_grad_norm": self.p.max_grad_norm,
            },
            # What torch.optim.Adam was built with, read back from SB3's policy (not from the cell).
            "optimizer_defaults": sb3_optimizer_defaults(self.model),
            "fixed_in_code": FIXED_IN_CODE,
            "loss_steps": self.losses,
            "lockstep_params": params,
            "env_steps_per_phase": self.env_steps_done,
            "compute_dtype": "float32",
            "eval_episodes": len(self.split.X_test),
        }
