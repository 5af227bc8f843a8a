"""The stable-baselines3 PPO of an RL cell: SB3's own PPO, fed the pre-drawn randoms of ppo_spec.py. It
plugs into agent.py's lockstep-agent layer (phases, evaluation, metadata) as `PPO_AGENT` (ppo.rs's
`Ppo`); its phases are DQN's less env_steps: the same environment on the same recorded actions is timed
once, by the DQN cell.
"""

from __future__ import annotations

import types
from collections.abc import Generator
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray
from stable_baselines3 import PPO
from stable_baselines3.common.buffers import RolloutBuffer
from stable_baselines3.common.distributions import CategoricalDistribution
from stable_baselines3.common.vec_env import DummyVecEnv
from stable_baselines3.ppo import ppo as sb3_ppo

from pairbench.tasks.rl.lockstep import LockstepDone, cartpole
from pairbench.tasks.rl.ppo_spec import FIXED_IN_CODE, PPO_ARRAYS, PpoParams


class ZooLinear:
    """rl-baselines3-zoo's `lin_<value>` schedule: progress_remaining * value."""

    def __init__(self, value: float) -> None:
        self.value = value

    def __call__(self, progress_remaining: float) -> float:
        return progress_remaining * self.value


class DrawnCategorical(CategoricalDistribution):
    """SB3's categorical distribution whose `sample` reads one row of the shared uniforms per call and
    turns it into actions by inverse CDF (first k with u < P(a <= k)), as the Rust sides do."""

    action_u: NDArray[np.float64] | None = None
    n_sampled = 0

    def sample(self) -> torch.Tensor:
        if self.action_u is None or self.n_sampled >= len(self.action_u):
            raise RuntimeError("pre-drawn action uniforms exhausted")
        u = torch.from_numpy(self.action_u[self.n_sampled])
        self.n_sampled += 1
        cdf = self.distribution.probs.to(torch.float64).cumsum(-1)[:, :-1]
        return (u[:, None] >= cdf).sum(-1)


class DrawnRolloutBuffer(RolloutBuffer):
    """SB3's rollout buffer with each epoch's minibatch order read from the shared permutations instead
    of np.random.permutation; the rest is SB3's `get`."""

    perm: NDArray[np.int64] | None = None
    n_sampled = 0

    def get(self, batch_size: int | None = None) -> Generator[Any, None, None]:
        if self.perm is None or self.n_sampled >= len(self.perm):
            raise RuntimeError("pre-drawn minibatch permutations exhausted")
        indices = self.perm[self.n_sampled]
        self.n_sampled += 1
        if not self.generator_ready:
            for name in ("observations", "actions", "values", "log_probs", "advantages", "returns"):
                self.__dict__[name] = self.swap_and_flatten(self.__dict__[name])
            self.generator_ready = True
        if batch_size is None:
            batch_size = self.buffer_size * self.n_envs
        start = 0
        while start < self.buffer_size * self.n_envs:
            yield self._get_samples(indices[start : start + batch_size])
            start += batch_size


class _RecordingTorch:
    """`torch` as SB3's ppo.py sees it, except that `th.min(...)` also records the policy loss SB3
    computes from it on the next line (`-th.min(...).mean()`, the same operations)."""

    def __init__(self, record: list[float]) -> None:
        self._record = record

    def __getattr__(self, name: str) -> Any:
        return getattr(torch, name)

    def min(self, *args: Any, **kwargs: Any) -> Any:
        out = torch.min(*args, **kwargs)
        self._record.append(float((-out.mean()).item()))
        return out


class LockstepPPO(PPO):
    """SB3's PPO whose action samples and minibatch orders come from the shared tables and whose
    per-gradient-step losses (total, policy, value) are kept. Everything else (rollouts, GAE, the
    clipped surrogate, the value loss, clipping, Adam, the schedules) is SB3's own code."""

    lockstep_updates = 0
    losses: list[float]
    policy_losses: list[float]
    value_losses: list[float]

    def train(self) -> None:
        real_f, real_th, real_backward = sb3_ppo.F, sb3_ppo.th, torch.Tensor.backward
        losses, values = self.losses, self.value_losses

        def mse_loss(*args: Any, **kwargs: Any) -> torch.Tensor:
            loss = real_f.mse_loss(*args, **kwargs)
            values.append(float(loss.item()))
            return loss

        def backward(tensor: torch.Tensor, *args: Any, **kwargs: Any) -> None:
            # PPO.train calls backward once per gradient step, on the total loss.
            losses.append(float(tensor.item()))
            real_backward(tensor, *args, **kwargs)

        sb3_ppo.F = types.SimpleNamespace(mse_loss=mse_loss)  # type: ignore[assignment]
        sb3_ppo.th = _RecordingTorch(self.policy_losses)  # type: ignore[assignment]
        torch.Tensor.backward = backward  # type: ignore[method-assign]
        try:
            super().train()
        finally:
            sb3_ppo.F, sb3_ppo.th = real_f, real_th
            torch.Tensor.backward = real_backward  # type: ignore[method-assign]
        if self.lockstep_updates and len(self.losses) >= self.lockstep_updates:
            raise LockstepDone


def make_ppo(p: PpoParams, states: NDArray[np.float64], seed: int, device: str) -> LockstepPPO:
    # Env i starts its episodes from rows i, i + n_envs, ... (the Rust sides split the table the same way).
    env = DummyVecEnv([lambda i=i: cartpole(states[i :: p.n_envs]) for i in range(p.n_envs)])  # type: ignore[misc]
    return LockstepPPO(
        "MlpPolicy",
        env,
        learning_rate=ZooLinear(p.learning_rate),
        n_steps=p.n_steps,
        batch_size=p.batch_size,
        n_epochs=p.n_epochs,
        gamma=p.gamma,
        gae_lambda=p.gae_lambda,
        clip_range=ZooLinear(p.clip_range),
        clip_range_vf=FIXED_IN_CODE["clip_range_vf"],
        normalize_advantage=FIXED_IN_CODE["normalize_advantage"],
        ent_coef=p.ent_coef,
        vf_coef=p.vf_coef,
        max_grad_norm=p.max_grad_norm,
        target_kl=FIXED_IN_CODE["target_kl"],
        rollout_buffer_class=DrawnRolloutBuffer,
        policy_kwargs={
            "net_arch": p.net_arch,
            "activation_fn": torch.nn.Tanh,
            "ortho_init": FIXED_IN_CODE["ortho_init"],
            "optimizer_kwargs": p.optimizer_kwargs,
        },
        seed=seed,
        device=device,
    )


class ActorLogits(torch.nn.Module):
    """obs -> action logits of SB3's policy (features, actor MLP, action_net), for `evaluate`'s argmax."""

    def __init__(self, model: PPO) -> None:
        super().__init__()
        self.policy = model.policy

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        pi = self.policy.mlp_extractor.forward_actor(self.policy.extract_features(obs))  # type: ignore[arg-type]
        return self.policy.action_net(pi)  # type: ignore[no-any-return]


class PpoAgent:
    """PPO as agent.py's `Agent`."""

    name = "ppo"
    phases = ("infer_b1", "infer_b256", "train_lockstep")
    arrays = PPO_ARRAYS
    components = ("policy", "value")
    fixed_in_code = FIXED_IN_CODE
    params = PpoParams

    def make(self, p: PpoParams, states: NDArray[np.float64], seed: int, device: str) -> LockstepPPO:
        return make_ppo(p, states, seed, device)

    def attach(self, model: LockstepPPO, tables: dict[str, NDArray[Any]], lockstep_updates: int) -> None:
        dist = DrawnCategorical(int(model.action_space.n))  # type: ignore[attr-defined]
        dist.action_u = tables["action_u"]
        model.policy.action_dist = dist
        model.rollout_buffer.perm = tables["perm"]  # type: ignore[attr-defined]
        model.lockstep_updates = lockstep_updates
        model.losses, model.policy_losses, model.value_losses = [], [], []

    def actor(self, model: LockstepPPO) -> torch.nn.Module:
        return ActorLogits(model)

    def trainable(self, model: LockstepPPO) -> torch.nn.Module:
        return model.policy

    def losses(self, model: LockstepPPO) -> dict[str, list[float]]:
        return {"total": model.losses, "policy": model.policy_losses, "value": model.value_losses}


PPO_AGENT = PpoAgent()
