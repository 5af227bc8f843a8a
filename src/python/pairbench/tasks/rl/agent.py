"""The lockstep-agent layer of the SB3 side, written once for every agent: the shared start, the policy
cell's phases, the lockstep record, the greedy evaluation, the probe actions and the metadata. An agent
(DQN in sb3_runner.py, PPO in sb3_ppo.py, found by name in agents.py) plugs in through `Agent`: its
params, its pre-drawn tables, how SB3 is built and fed them, and where its losses are kept. Mirrors
deep-common/src/agent.rs (same names, same shape).

Phases of the `policy` task, in the order the harness runs them each repetition:
  env_steps       replay the recorded action sequence on gymnasium's CartPole-v1 (environment speed;
                  only the agents whose tables hold the actions: DQN's): the environment class under its
                  TimeLimit, reset to the table's state as the Rust env is (`cartpole`)
  infer_b1        greedy action of one observation through SB3's policy.predict (the shared weights)
  infer_b256      greedy actions of 256 observations in one call
  train_lockstep  SB3's learn() from the shared start until the lockstep's gradient steps are done; the
                  model is built and loaded in `prepare_phase`, outside the timer, as on the Rust side
The quality run also evaluates the shared initial policy greedily from the 100 evaluation states.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch
from numpy.typing import NDArray
from safetensors.torch import load_file

from pairbench.core.benchmark import BenchmarkBase
from pairbench.datasets.materialise import Split
from pairbench.tasks.rl.lockstep import LockstepDone, cartpole
from pairbench.tasks.rl.spec import CommonParams, shared_start

PARAM_PROBES = 16
N_PROBES = 256


class Agent(Protocol):
    """What differs between agents; everything else is this module's (agent.rs's `Agent` trait)."""

    name: str
    phases: tuple[str, ...]
    # The pre-drawn tables of the cell (`<name>.npy`), probe_obs included.
    arrays: tuple[str, ...]
    # Per-step loss parts the gate compares by name besides the total (PPO: policy, value).
    components: tuple[str, ...]
    fixed_in_code: dict[str, Any]
    params: type[CommonParams]

    def make(self, p: Any, states: NDArray[np.float64], seed: int, device: str) -> Any:
        """SB3's model (the lockstep subclass) for these settings, seeded."""

    def attach(self, model: Any, tables: dict[str, NDArray[Any]], lockstep_updates: int) -> None:
        """Feed the pre-drawn tables to the model and reset its loss records (0: no early stop)."""

    def actor(self, model: Any) -> torch.nn.Module:
        """obs -> one score per action, whose argmax is the greedy action (`evaluate`)."""

    def trainable(self, model: Any) -> torch.nn.Module:
        """The trained network: its state dict is probed (`lockstep_params`) and counted."""

    def losses(self, model: Any) -> dict[str, list[float]]:
        """The per-step losses SB3 computed: `total`, then the components."""


def evaluate(actor: torch.nn.Module, states: NDArray[np.float64]) -> NDArray[np.float64]:
    """Greedy return of one episode from each state: all episodes stepped together, one batched
    forward pass per step (the Rust sides do the same)."""
    envs = [cartpole(states[i : i + 1]) for i in range(len(states))]
    obs = np.stack([env.reset()[0] for env in envs])
    returns = np.zeros(len(envs))
    alive = np.ones(len(envs), dtype=bool)
    with torch.no_grad():
        while alive.any():
            actions = actor(torch.from_numpy(obs)).argmax(dim=1).numpy()
            for i in np.flatnonzero(alive):
                obs[i], reward, terminated, truncated, _ = envs[i].step(int(actions[i]))
                returns[i] += reward
                alive[i] = not (terminated or truncated)
    return returns


def param_probe(state: dict[str, torch.Tensor]) -> dict[str, list[float]]:
    """Per tensor: its L2 norm, then PARAM_PROBES evenly spaced entries (flattened). Small enough for
    the result JSON; any divergence of a trained tensor shows in its norm. Same rule in Rust."""
    out = {}
    for name, t in sorted(state.items()):
        flat = t.detach().flatten().to(torch.float64)
        idx = np.linspace(0, flat.numel() - 1, PARAM_PROBES).round().astype(np.int64)
        out[name] = [float(flat.norm()), *flat[torch.from_numpy(idx)].tolist()]
    return out


def sb3_optimizer_defaults(model: Any) -> dict[str, Any]:
    """The settings SB3's policy built its optimiser with (JSON-able ones), to show nothing was added."""
    d = model.policy.optimizer.defaults
    return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items() if isinstance(v, (bool, int, float, tuple))}


def policy_state(model: Any) -> dict[str, torch.Tensor]:
    """Every tensor of SB3's policy under its state-dict names (the shared start's file)."""
    return {k: v.detach().to(torch.float32).contiguous().clone() for k, v in model.policy.state_dict().items()}


def fresh_model(
    agent: Agent,
    p: Any,
    states: NDArray[np.float64],
    seed: int,
    device: str,
    init: dict[str, torch.Tensor],
    tables: dict[str, NDArray[Any]],
    lockstep_updates: int,
) -> Any:
    """SB3's model on the shared start, reading the pre-drawn tables."""
    model = agent.make(p, states, seed, device)
    differ = set(policy_state(model)) ^ set(init)
    if differ:
        raise ValueError(f"weights file and SB3 policy disagree on tensors: {sorted(differ)}")
    model.policy.load_state_dict(init)
    agent.attach(model, tables, lockstep_updates)
    # Without a logger of its own, every learn() makes an empty $TMPDIR/SB3-<time> folder (294 after
    # one four-domain run); this one writes nothing.
    from stable_baselines3.common.logger import Logger

    model.set_logger(Logger(folder=None, output_formats=[]))
    return model


def read_tables(folder: Path, agent: Agent) -> dict[str, NDArray[Any]]:
    return {n: np.load(folder / f"{n}.npy", allow_pickle=False) for n in agent.arrays}


def predictions(agent: Agent, model: Any, tables: dict[str, NDArray[Any]], split: Split) -> NDArray[np.float64]:
    """The policy's evaluation returns, then its greedy actions on the probes: the gate requires both
    identical on every side."""
    returns = evaluate(agent.actor(model), split.X_test)
    actions, _ = model.policy.predict(tables["probe_obs"], deterministic=True)
    return np.concatenate([returns, np.asarray(actions, dtype=np.float64)])


def library_versions() -> dict[str, Any]:
    import gymnasium
    import stable_baselines3

    return {
        "torch": torch.__version__,
        "gymnasium": gymnasium.__version__,
        "stable_baselines3": stable_baselines3.__version__,
        "torch_threads": torch.get_num_threads(),
    }


class LockstepBenchmark(BenchmarkBase):
    """The `policy` task of any agent (agent.rs's `LockstepBench`)."""

    def __init__(
        self,
        agent: Agent,
        params: dict[str, Any],
        split: Split,
        *,
        cell_id: str,
        data_dir: Path,
        seed: int,
    ) -> None:
        self.agent, self.phases = agent, agent.phases
        self.p = agent.params.from_params(params, cell_id)
        self.split, self.seed = split, seed
        self.dir, init, self.device = shared_start(data_dir, cell_id, params)
        self.init = load_file(str(init))
        self.tables = read_tables(self.dir, agent)
        self.env = cartpole(split.X_train)
        # Models for the next timed train_lockstep calls, built by prepare_phase outside the timer (as
        # agent.rs loads its engines there); `builds` counts where each model was built.
        self.ready: list[Any] = []
        self.builds = {"prepared": 0, "timed": 0}
        self._timing = False
        self.model = self._fresh_model()
        self.probe = {1: self.tables["probe_obs"][:1], N_PROBES: self.tables["probe_obs"][:N_PROBES]}
        self.phase_repeats = {"infer_b1": self.p.latency_repeats, "infer_b256": self.p.latency_repeats}
        self.losses: dict[str, list[float]] = {}
        self.env_steps_done = 0
        self.predictions: NDArray[np.float64] | None = None
        self.trained: Any = None

    def _fresh_model(self) -> Any:
        if self._timing:
            self.builds["timed"] += 1
        return fresh_model(
            self.agent,
            self.p,
            self.split.X_train,
            self.seed,
            self.device,
            self.init,
            self.tables,
            self.p.lockstep_updates,
        )

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

    def prepare_phase(self, phase: str, calls: int) -> None:
        """Outside the timer: SB3's model on the shared start (construction, weights, pre-drawn tables)
        for each of the next `calls` lockstep runs; agent.rs loads its engines here too."""
        if phase == "train_lockstep":
            self.ready = [self._fresh_model() for _ in range(calls)]
            self.builds["prepared"] += calls

    def train_lockstep(self) -> None:
        if not self.ready:
            raise RuntimeError("train_lockstep without a prepared model (prepare_phase builds it)")
        model = self.ready.pop()
        with contextlib.suppress(LockstepDone):
            model.learn(total_timesteps=self.p.total_timesteps)
        losses = self.agent.losses(model)
        expected = self.p.lockstep_schedule()[1]
        if len(losses["total"]) != expected:
            raise RuntimeError(f"SB3 took {len(losses['total'])} gradient steps; the schedule says {expected}")
        self.losses = losses
        self.trained = model

    def run_phase(self, phase: str) -> None:
        if phase == "env_steps" and phase in self.phases:
            self.env_steps()
        elif phase == "infer_b1":
            self.infer(1)
        elif phase == "infer_b256":
            self.infer(N_PROBES)
        elif phase == "train_lockstep":
            self._timing = True
            try:
                self.train_lockstep()
            finally:
                self._timing = False
        else:
            raise ValueError(f"unknown phase {phase!r}; allowed: {', '.join(self.phases)}")

    def quality(self) -> dict[str, float | None]:
        self.predictions = predictions(self.agent, self.model, self.tables, self.split)
        n = len(self.split.X_test)
        trained = None if self.trained is None else evaluate(self.agent.actor(self.trained), self.split.X_test)
        net = self.agent.trainable(self.model)
        return {
            "mean_return": float(self.predictions[:n].mean()),
            "lockstep_updates": float(len(self.losses.get("total", []))),
            # The policy after the lockstep run (after the whole budget when lockstep_updates covers it).
            "trained_mean_return": None if trained is None else float(trained.mean()),
            "param_count": float(sum(int(v.numel()) for v in net.state_dict().values())),
        }

    def metadata(self) -> dict[str, Any]:
        p = self.p
        trained = {} if self.trained is None else param_probe(self.agent.trainable(self.trained).state_dict())
        meta: dict[str, Any] = {
            **library_versions(),
            "optimizer": "Adam",
            "optimizer_settings": {
                "learning_rate": p.learning_rate,
                "adam_beta1": p.adam_beta1,
                "adam_beta2": p.adam_beta2,
                "adam_eps": p.adam_eps,
                "adam_weight_decay": p.adam_weight_decay,
                "max_grad_norm": p.max_grad_norm,
            },
            # What torch.optim.Adam was built with, read back from SB3's policy (not from the cell).
            "optimizer_defaults": sb3_optimizer_defaults(self.model),
            "fixed_in_code": self.agent.fixed_in_code,
            # The gate compares loss_steps (the total loss) step by step and the components by name.
            "loss_steps": self.losses.get("total", []),
        }
        if self.agent.components:
            meta["loss_components"] = {k: v for k, v in self.losses.items() if k != "total"}
        meta["lockstep_params"] = trained
        # Where the lockstep runs' models were built: in prepare_phase (untimed), never in a timed call.
        meta["model_builds"] = dict(self.builds)
        if "env_steps" in self.phases:
            meta["env_steps_per_phase"] = self.env_steps_done
        return {**meta, "compute_dtype": "float32", "eval_episodes": len(self.split.X_test)}
