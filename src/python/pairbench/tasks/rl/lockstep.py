"""What the agent layer (agent.py) and the SB3 agents (sb3_runner.py, sb3_ppo.py) share, below both:
CartPole-v1 as the Rust env runs it, and the signal that ends SB3's learn() once the lockstep's gradient
steps are done.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.envs.classic_control.cartpole import CartPoleEnv
from gymnasium.wrappers import TimeLimit
from numpy.typing import NDArray

# CartPole-v1's registered time limit (rl-env's MAX_EPISODE_STEPS).
CARTPOLE_MAX_STEPS = 500


class TableCartPole(CartPoleEnv):
    """gymnasium's CartPole-v1 environment class whose reset starts episode k from row k (cycling) of the
    shared initial-state table. The reset does what the Rust env's `reset_to` does: set the state (and
    gymnasium's `steps_beyond_terminated`), no draw from numpy's RNG to overwrite; the table is the
    randomness, so a `seed` is not used. `step` is gymnasium's own."""

    def __init__(self, states: NDArray[np.float64]) -> None:
        super().__init__()
        self.states, self.k = states, 0

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> Any:
        del seed, options
        self.state = np.array(self.states[self.k % len(self.states)], dtype=np.float64)
        self.k += 1
        self.steps_beyond_terminated = None
        return np.array(self.state, dtype=np.float32), {}


def cartpole(states: NDArray[np.float64]) -> gym.Env:  # type: ignore[type-arg]
    """CartPole-v1 as the Rust env implements it: the environment class under its TimeLimit (500 steps),
    the only wrapper with a counterpart in Rust. gym.make's checking wrappers (PassiveEnvChecker,
    OrderEnforcing) are left out, as the Rust env has no such checks."""
    return TimeLimit(TableCartPole(states), max_episode_steps=CARTPOLE_MAX_STEPS)


class LockstepDone(Exception):
    pass
