"""The shared start of an RL cell, written once per cell when datasets are materialised (phase 3): the
agent's seeded SB3 network and its pre-drawn randoms (spec.py and ppo_spec.py list the files), and for
the `solve` task one such start per seed. It imports torch and gymnasium: the phase-3 hook (tasks.py)
imports it only when an RL cell is prepared.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from safetensors.torch import save_file

from pairbench.datasets.materialise import load_verified
from pairbench.tasks.rl.agent import policy_state
from pairbench.tasks.rl.agents import agent_for, params_class
from pairbench.tasks.rl.spec import N_PROBES, OBS_DIM, PROBE_SCALE, CommonParams, cell_dir, sha256_file
from pairbench.tasks.rl.training import seed_dir


def prepare_cell(cell: dict[str, Any], data_dir: Path) -> Path:
    """Write the shared start of one cell; idempotent (same seed, same bytes)."""
    p = params_class(cell["algorithm"]).from_params(cell["params"], cell["cell_id"])
    split = load_verified(data_dir / cell["dataset"])
    out = cell_dir(data_dir, cell["cell_id"])
    write_start(out, p, split.X_train, int(cell["seed"]), {"cell_id": cell["cell_id"], "algorithm": cell["algorithm"]})
    return out


def write_start(out: Path, p: CommonParams, train_states: Any, seed: int, info: dict[str, Any]) -> None:
    """The agent's seeded SB3 network and every pre-drawn random of one run (`seed` seeds both), with
    the sha256 of each file in model.json (the readers check them, as every dataset split)."""
    # The shared start is drawn on cpu whatever device the cell runs on, so every side loads the same bytes.
    model = agent_for(p.NAME).make(p, train_states, seed, "cpu")
    out.mkdir(parents=True, exist_ok=True)
    state = policy_state(model)
    save_file(state, str(out / "init.safetensors"))
    rng = np.random.default_rng(seed)
    arrays, schedule = p.draw(rng)
    # Spread over the non-terminal state space, not just near the start, so the identity check sees
    # both actions and a range of action-value gaps.
    arrays["probe_obs"] = (rng.uniform(-1, 1, size=(N_PROBES, OBS_DIM)) * PROBE_SCALE).astype(np.float32)
    for name, array in arrays.items():
        np.save(out / f"{name}.npy", np.ascontiguousarray(array), allow_pickle=False)
    files = ["init.safetensors", *(f"{name}.npy" for name in arrays)]
    info = {
        **info,
        "seed": seed,
        **schedule,
        "tensors": {k: list(v.shape) for k, v in state.items()},
        "sha256": {name: sha256_file(out / name) for name in files},
    }
    (out / "model.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")


def prepare_solve_cell(cell: dict[str, Any], data_dir: Path) -> Path:
    """Phase 3: seed k's start (SB3 seeded with k) and its randoms for the whole budget, for every
    launch k of the cell (`launches`, set at selection from --rl_seeds)."""
    p = params_class(cell["algorithm"]).from_params(cell["params"], cell["cell_id"])
    if not p.covers_budget():
        raise ValueError(
            f'cell {cell["cell_id"]}: param "lockstep_updates"={p.lockstep_updates} stops before the budget; '
            "allowed: at least the budget's gradient steps (the randoms must cover the whole run)"
        )
    split = load_verified(data_dir / cell["dataset"])
    out = cell_dir(data_dir, cell["cell_id"])
    for seed in range(1, max(int(cell.get("launches") or 0), 1) + 1):
        info = {"cell_id": cell["cell_id"], "algorithm": cell["algorithm"]}
        write_start(seed_dir(out, seed), p, split.X_train, seed, info)
    return out
