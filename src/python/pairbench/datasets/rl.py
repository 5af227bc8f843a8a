"""Initial-state tables for the RL domain, drawn by gymnasium's own reset.

Numpy's generator is not ported to Rust: Python draws the states once, and both sides read them from
the checksummed split. X_train holds the states training episodes start from, in order; X_test the
states of the deterministic evaluation episodes. y is unused (zeros).
"""

from __future__ import annotations

import numpy as np

from pairbench.core.registry import dataset_loader
from pairbench.datasets.builtin import XY


@dataset_loader("cartpole_initial_states")
def cartpole_initial_states(seed: int, n_samples: int = 500) -> XY:
    """`CartPole-v1` reset states: the first reset seeded, the rest from the env's own generator."""
    import gymnasium as gym

    env = gym.make("CartPole-v1")
    states = []
    for i in range(n_samples):
        env.reset(seed=seed if i == 0 else None)
        states.append(np.asarray(env.unwrapped.state, dtype=np.float64))  # type: ignore[attr-defined]
    env.close()
    return np.stack(states), np.zeros(n_samples)
