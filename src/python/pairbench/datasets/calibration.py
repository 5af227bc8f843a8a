"""The calibration domain's data: seeded starting states of the spin kernel and where 1,000 steps of
its recurrence take each of them (the gate's reference, computed here once for both sides)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from pairbench.core.registry import dataset_loader

# Not builtin.XY: importing builtin imports scikit-learn, and the spin kernel's launches import this module.
XY = tuple[NDArray[np.float64], NDArray[Any]]

# The recurrence both sides spin: a 31-bit linear congruential generator (the constants of C's rand()).
LCG_MULTIPLIER = 1103515245
LCG_INCREMENT = 12345
LCG_MASK = 0x7FFFFFFF
GATE_STEPS = 1000


def lcg_steps(state: int, steps: int) -> int:
    for _ in range(steps):
        state = (state * LCG_MULTIPLIER + LCG_INCREMENT) & LCG_MASK
    return state


@dataset_loader("lcg_starts")
def lcg_starts(seed: int, n_samples: int = 80) -> XY:
    """`n_samples` seeded 31-bit states (one feature, exact in float64) and each one's state after
    GATE_STEPS steps."""
    starts = np.random.default_rng(seed).integers(0, LCG_MASK, size=n_samples)
    X = starts.astype(np.float64).reshape(-1, 1)
    y = np.array([lcg_steps(int(s), GATE_STEPS) for s in starts], dtype=np.float64)
    return X, y
