"""Record CartPole-v1 and Acrobot-v1 traces from gymnasium for the Rust replay test
(src/rust/rl-env/tests/replay.rs).

Run `python -m pairbench.tasks.rl.traces --env ENV OUT.bin.gz` to (re)write a committed fixture; the
pytest re-records it and requires the same bytes, so the fixture provably comes from the pinned gymnasium.

Format (little-endian, gzip with mtime 0 so the bytes are reproducible):
  b"PBRLTRC1", u32 n_episodes, then per episode: 4 x f64 initial state, u32 n_steps, and per step
  u8 action, u8 flags (bit 0 terminated, bit 1 truncated), 4 x f64 state after the step.
"""

from __future__ import annotations

import argparse
import gzip
import struct
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

MAGIC = b"PBRLTRC1"

Policy = Callable[[NDArray[np.float32], np.random.Generator], int]


def _uniform(n_actions: int) -> Policy:
    return lambda _obs, rng: int(rng.integers(n_actions))


def _balancing_action(obs: NDArray[np.float32], _rng: np.random.Generator) -> int:
    return int(obs[2] + 0.5 * obs[3] + 0.05 * obs[1] > 0)


def _swing_up(obs: NDArray[np.float32], rng: np.random.Generator) -> int:
    """Torque along the second joint's velocity pumps energy in; every fourth action (on average) is
    uniformly random, so the episodes differ."""
    if rng.random() < 0.25:
        return int(rng.integers(3))
    return 2 if obs[5] > 0 else 0


@dataclass(frozen=True)
class Episodes:
    n: int
    policy: Policy
    # gymnasium's own reset bounds (Acrobot's `low`/`high` options); None is the env's default.
    reset_options: dict[str, float] | None = None


@dataclass(frozen=True)
class TraceSpec:
    env_id: str
    file: str
    seed: int
    groups: tuple[Episodes, ...]
    reward: Callable[[bool], float]  # what gymnasium must pay for a step, given `terminated`


TRACES = {
    # Most episodes take uniformly random actions (short, ending in termination); the rest follow a
    # balancing rule so the trace also reaches the 500-step truncation with long-run round-off.
    "cartpole": TraceSpec(
        "CartPole-v1",
        "cartpole_v1_traces.bin.gz",
        seed=12,
        groups=(Episodes(950, _uniform(2)), Episodes(50, _balancing_action)),
        reward=lambda _terminated: 1.0,
    ),
    # Uniformly random actions from the default start never lift the tip: those episodes reach the
    # 500-step truncation. The swing-up episodes terminate after ~100 steps with both angles wrapping.
    # The rest start anywhere in [-12, 12]^4 (gymnasium's reset with wider bounds): angles that wrap
    # by more than one turn and velocities at their bounds (4 pi, 9 pi), in short episodes.
    "acrobot": TraceSpec(
        "Acrobot-v1",
        "acrobot_v1_traces.bin.gz",
        seed=13,
        groups=(
            Episodes(20, _uniform(3)),
            Episodes(180, _swing_up),
            Episodes(800, _uniform(3), {"low": -12.0, "high": 12.0}),
        ),
        reward=lambda terminated: 0.0 if terminated else -1.0,
    ),
}


def record(env: str = "cartpole") -> bytes:
    import gymnasium as gym

    spec = TRACES[env]
    gym_env = gym.make(spec.env_id)
    rng = np.random.default_rng(spec.seed)
    policies = [(g.policy, g.reset_options) for g in spec.groups for _ in range(g.n)]
    out = [MAGIC, struct.pack("<I", len(policies))]
    for episode, (policy, options) in enumerate(policies):
        obs, _ = gym_env.reset(seed=spec.seed * 100_000 + episode, options=options)
        state = np.asarray(gym_env.unwrapped.state, dtype=np.float64)  # type: ignore[attr-defined]
        steps: list[bytes] = []
        done = False
        while not done:
            action = policy(obs, rng)
            obs, reward, terminated, truncated, _ = gym_env.step(action)
            if reward != spec.reward(bool(terminated)):
                raise AssertionError(f"{spec.env_id} episode {episode}: reward {reward}, terminated {terminated}")
            after = np.asarray(gym_env.unwrapped.state, dtype=np.float64)  # type: ignore[attr-defined]
            steps.append(struct.pack("<BB4d", action, int(terminated) | (int(truncated) << 1), *after))
            done = bool(terminated or truncated)
        out += [struct.pack("<4dI", *state, len(steps)), *steps]
    gym_env.close()
    return gzip.compress(b"".join(out), compresslevel=9, mtime=0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pairbench.tasks.rl.traces",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--env", choices=sorted(TRACES), default="cartpole")
    parser.add_argument("out", type=Path, help=f"the fixture, tests/fixtures/rl/{TRACES['cartpole'].file} or similar")
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(record(args.env))
    return 0


if __name__ == "__main__":
    sys.exit(main())
