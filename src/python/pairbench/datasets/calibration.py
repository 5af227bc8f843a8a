"""The calibration domain's data: seeded starting states of the calibration kernel, a SHA-256 chain, and
where GATE_STEPS steps take each of them (the gate's reference, computed here once for both sides).

One step hashes the 32-byte state followed by a fixed 256 KiB block: `state = sha256(state || BLOCK)`. The
work is SHA-256's compression function, which both sides run on the CPU's SHA extensions where it has them
(OpenSSL behind hashlib; RustCrypto's sha2). It is chosen for what it is *not* sensitive to: on this
project's 2-core VM an interpreter loop runs at two speeds, about 6 and 10.5 ms for the same call,
switching every fraction of a second to a few seconds as the host's other load comes and goes (its launch
medians vary by 17-19%), while this chain varies by about 4% (benchmarks/results/aa_calibration.json)."""

from __future__ import annotations

import hashlib
from itertools import repeat
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pairbench.core.registry import dataset_loader

# Not builtin.XY: importing builtin imports scikit-learn, and the kernel's launches import this module.
XY = tuple[NDArray[np.float64], NDArray[Any]]

STATE_BYTES = 32
BLOCK_BYTES = 262144
# Byte i of the block is (167 i + 13) mod 256, on both sides.
BLOCK = bytes((167 * i + 13) & 0xFF for i in range(BLOCK_BYTES))
GATE_STEPS = 8
# The gate compares the first 6 bytes of the final state (little-endian): exact in a float64.
GATE_BYTES = 6


def start_state(start: int) -> bytes:
    """The 32-byte state a seeded start stands for: the start, little-endian, zero-padded."""
    return int(start).to_bytes(STATE_BYTES, "little")


def chain(state: bytes, steps: int) -> bytes:
    """`steps` steps of the SHA-256 chain from `state`."""
    block, sha256 = BLOCK, hashlib.sha256
    for _ in repeat(None, steps):
        h = sha256(state)
        h.update(block)
        state = h.digest()
    return state


def gate_value(state: bytes) -> float:
    return float(int.from_bytes(state[:GATE_BYTES], "little"))


@dataset_loader("chain_starts")
def chain_starts(seed: int, n_samples: int = 80) -> XY:
    """`n_samples` seeded 31-bit starts (one feature, exact in float64) and the gate value of each one's
    state after GATE_STEPS steps."""
    starts = np.random.default_rng(seed).integers(0, 2**31 - 1, size=n_samples)
    X = starts.astype(np.float64).reshape(-1, 1)
    y = np.array([gate_value(chain(start_state(int(s)), GATE_STEPS)) for s in starts], dtype=np.float64)
    return X, y
