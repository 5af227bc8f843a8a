"""Environment speed, Rust env vs gymnasium 1.4, on the episodes of the replay fixtures.

    .venv/bin/python benchmarks/rl_env_speed.py [--envs cartpole,acrobot] [--launches 3] [--samples 5]
        [--out benchmarks/results/rl_env_speed.json]

Both sides replay the same episodes (tests/fixtures/rl: the recorded initial states and actions, whose
trajectories the replay test proves bit-identical), so they do the same work. Each launch is a fresh
process, gymnasium and Rust alternating so that drift hits both alike; each replays every episode once
as warm-up, then `--samples` times, and only the replays are timed. gymnasium's side is `gym.make`'s
env (TimeLimit and the checker wrappers), reset (a draw from numpy's RNG) and then set to the recorded
state; the Rust side is `cargo build --release -p pairbench-rl-env --example replay_speed`. One thread
on both sides. The pipeline's `env_steps` phase differs: its gymnasium env is CartPole's environment
class under its TimeLimit, with the Rust env's reset work (set the state, no draw) and no checker
wrappers (tasks/rl/agent.py's `cartpole`), so its figure and this script's are not the same measure.

The pipeline's `env_steps` phase times CartPole only, inside the DQN cell: an Acrobot cell would need
the agents on Acrobot. This script is the Acrobot figure until then (and CartPole's, as a cross-check).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from pairbench.analysis.stats import bootstrap_medians, percentile_ci
from pairbench.core.paths import project_root, rust_target_dir
from pairbench.tasks.rl.traces import MAGIC, TRACES

THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "RAYON_NUM_THREADS")


def fixture(env: str) -> Path:
    return project_root() / "tests" / "fixtures" / "rl" / TRACES[env].file


def episodes(path: Path) -> list[tuple[tuple[float, ...], list[int]]]:
    buf = gzip.decompress(path.read_bytes())
    if buf[:8] != MAGIC:
        raise ValueError(f"{path}: not a pairbench trace file")
    (n,), pos, out = struct.unpack_from("<I", buf, 8), 12, []
    for _ in range(n):
        *init, n_steps = struct.unpack_from("<4dI", buf, pos)
        pos += 36
        out.append((tuple(init), list(buf[pos : pos + 34 * n_steps : 34])))
        pos += 34 * n_steps
    return out


def worker(env: str, samples: int) -> None:
    """The gymnasium side: one JSON line, as the Rust example prints it."""
    import gymnasium as gym

    eps = episodes(fixture(env))
    gym_env = gym.make(TRACES[env].env_id)

    def replay_all() -> None:
        for init, actions in eps:
            gym_env.reset()
            gym_env.unwrapped.state = np.array(init, dtype=np.float64)  # type: ignore[attr-defined]
            for a in actions:
                gym_env.step(a)

    replay_all()
    seconds = []
    for _ in range(samples):
        t = time.perf_counter()
        replay_all()
        seconds.append(time.perf_counter() - t)
    print(json.dumps({"steps": sum(len(a) for _, a in eps), "seconds": seconds}))


def launch(side: str, env: str, samples: int, binary: Path) -> dict[str, object]:
    cmd = (
        [sys.executable, __file__, "--worker", env, "--samples", str(samples)]
        if side == "gymnasium"
        else [str(binary), env, str(fixture(env)), str(samples)]
    )
    threads = {v: "1" for v in THREAD_VARS}
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env={**os.environ, **threads})
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--envs", default="cartpole,acrobot")
    parser.add_argument("--launches", type=int, default=3)
    parser.add_argument("--samples", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/rl_env_speed.json"))
    parser.add_argument("--worker", choices=sorted(TRACES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.samples)
        return 0
    envs = args.envs.split(",")
    if unknown := sorted(set(envs) - set(TRACES)):
        parser.error(f"--envs: {', '.join(unknown)} unknown; allowed: {', '.join(sorted(TRACES))}")
    subprocess.run(
        ["cargo", "build", "--release", "--quiet", "-p", "pairbench-rl-env", "--example", "replay_speed"],
        check=True,
        cwd=project_root(),
    )
    binary = rust_target_dir() / "release" / "examples" / "replay_speed"
    t0, load_start = time.perf_counter(), os.getloadavg()
    rows = []
    for env in envs:
        seconds: dict[str, list[float]] = {"gymnasium": [], "rust": []}
        for _ in range(args.launches):
            for side in seconds:
                res = launch(side, env, args.samples, binary)
                seconds[side] += res["seconds"]  # type: ignore[arg-type]
                steps = int(res["steps"])  # type: ignore[call-overload]
        py, rs = np.array(seconds["gymnasium"]), np.array(seconds["rust"])
        bp, br = bootstrap_medians(py, seed=1), bootstrap_medians(rs, seed=2)
        low, high = percentile_ci(bp / br, 0.95)
        rows.append(
            {
                "env": TRACES[env].env_id,
                "steps_per_sample": steps,
                "gymnasium_steps_per_s": round(steps / float(np.median(py))),
                "rust_steps_per_s": round(steps / float(np.median(rs))),
                "speedup": float(np.median(py) / np.median(rs)),
                "speedup_ci_low": float(low),
                "speedup_ci_high": float(high),
                "n_samples_each": int(py.size),
            }
        )
    doc = {
        "what": "environment steps/s on the replay fixtures' episodes, gymnasium vs the Rust env, 1 thread",
        "host": platform.node(),
        "cpu": platform.processor() or platform.machine(),
        "load_average_1_5_15_min": {"start": load_start, "end": os.getloadavg()},
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "launches": args.launches,
        "samples": args.samples,
        "rows": rows,
        "wall_s": round(time.perf_counter() - t0, 1),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    for r in rows:
        print(
            f"{r['env']:<12} gymnasium {r['gymnasium_steps_per_s']:>12,} steps/s  rust {r['rust_steps_per_s']:>14,} "
            f"steps/s  x{r['speedup']:,.0f} [{r['speedup_ci_low']:,.0f}, {r['speedup_ci_high']:,.0f}]"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
