"""Record CartPole-v1 traces from gymnasium for the Rust replay test (src/rust/rl-env/tests/replay.rs).

Run `python -m pairbench.tasks.rl.traces OUT.bin.gz` to (re)write the committed fixture; the pytest
re-records it and requires the same bytes, so the fixture provably comes from the pinned gymnasium.

Format (little-endian, gzip with mtime 0 so the bytes are reproducible):
  b"PBRLTRC1", u32 n_episodes, then per episode: 4 x f64 initial state, u32 n_steps, and per step
  u8 action, u8 flags (bit 0 terminated, bit 1 truncated), 4 x f64 state after the step.
"""

from __future__ import annotations

import argparse
import gzip
import struct
import sys
from pathlib import Path

import numpy as np

MAGIC = b"PBRLTRC1"
# Most episodes take uniformly random actions (short, ending in termination); the rest follow a
# balancing rule so the trace also reaches the 500-step truncation with long-run round-off.
N_RANDOM, N_BALANCED = 950, 50
SEED = 12


def _balancing_action(obs: np.ndarray) -> int:
    return int(obs[2] + 0.5 * obs[3] + 0.05 * obs[1] > 0)


def record(n_random: int = N_RANDOM, n_balanced: int = N_BALANCED, seed: int = SEED) -> bytes:
    import gymnasium as gym

    env = gym.make("CartPole-v1")
    rng = np.random.default_rng(seed)
    out = [MAGIC, struct.pack("<I", n_random + n_balanced)]
    for episode in range(n_random + n_balanced):
        obs, _ = env.reset(seed=seed * 100_000 + episode)
        state = np.asarray(env.unwrapped.state, dtype=np.float64)
        steps: list[bytes] = []
        done = False
        while not done:
            action = int(rng.integers(2)) if episode < n_random else _balancing_action(obs)
            obs, reward, terminated, truncated, _ = env.step(action)
            if reward != 1.0:
                raise AssertionError(f"episode {episode}: reward {reward} != 1")
            after = np.asarray(env.unwrapped.state, dtype=np.float64)
            steps.append(struct.pack("<BB4d", action, int(terminated) | (int(truncated) << 1), *after))
            done = bool(terminated or truncated)
        out += [struct.pack("<4dI", *state, len(steps)), *steps]
    env.close()
    return gzip.compress(b"".join(out), compresslevel=9, mtime=0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pairbench.tasks.rl.traces",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(record())
    return 0


if __name__ == "__main__":
    sys.exit(main())
