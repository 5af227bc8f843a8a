"""What the RL tests share: the three sides, the cartpole data, the Rust binaries' presence, one
validation run and one training launch on every side."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pairbench.core.cells import Cell
from pairbench.core.paths import rust_target_dir
from pairbench.core.schema import read_result
from pairbench.datasets.materialise import DatasetSpec, materialise
from pairbench.experiment.validation import validate_cell
from pairbench.harness.launcher import run_side

FRAMEWORKS = [
    {"name": "sb3", "language": "python", "backend": "sb3", "package": "stable-baselines3"},
    {"name": "candle", "language": "rust", "backend": "candle", "binary": "pairbench-candle"},
    {"name": "tch", "language": "rust", "backend": "libtorch", "binary": "pairbench-tch"},
]
SIDES = ("sb3", "candle", "tch")
# DQN: the catalogue's zoo settings, with a smaller network and lockstep so the tests stay fast;
# learning_starts < the first rollout's end so greedy actions are also exercised before training.
DQN_PARAMS = {
    "total_timesteps": 50000,
    "learning_rate": 2.3e-3,
    "batch_size": 64,
    "buffer_size": 100000,
    "learning_starts": 400,
    "gamma": 0.99,
    "target_update_interval": 10,
    "train_freq": 256,
    "gradient_steps": 64,
    "exploration_fraction": 0.16,
    "exploration_final_eps": 0.04,
    "hidden": 64,
    "hidden_layers": 2,
    "max_grad_norm": 10.0,
    "adam_beta1": 0.9,
    "adam_beta2": 0.999,
    "adam_eps": 1e-8,
    "adam_weight_decay": 0.0,
    "lockstep_updates": 128,
    "latency_repeats": 2,
    "device": "cpu",
}

# PPO: the zoo's CartPole-v1 settings; two rollouts (40 gradient steps) keep the lockstep test fast.
PPO_PARAMS = {
    "total_timesteps": 100000,
    "n_envs": 8,
    "n_steps": 32,
    "batch_size": 256,
    "n_epochs": 20,
    "gamma": 0.98,
    "gae_lambda": 0.8,
    "learning_rate": 1e-3,
    "clip_range": 0.2,
    "ent_coef": 0.0,
    "vf_coef": 0.5,
    "max_grad_norm": 0.5,
    "hidden": 64,
    "hidden_layers": 2,
    "adam_beta1": 0.9,
    "adam_beta2": 0.999,
    "adam_eps": 1e-5,
    "adam_weight_decay": 0.0,
    "lockstep_updates": 40,
    "latency_repeats": 2,
    "device": "cpu",
}


def require_binary(side: str) -> None:
    if side != "sb3" and not (rust_target_dir() / "release" / f"pairbench-{side}").exists():
        pytest.fail(f"pairbench-{side} missing: run `make setup`")


def cartpole_data(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """A data folder with the cartpole initial-state table (400 training, 100 evaluation starts)."""
    for side in SIDES:
        require_binary(side)
    data = tmp_path_factory.mktemp(name)
    materialise(
        DatasetSpec("cartpole", "cartpole_initial_states", "control", False, {"n_samples": 500}),
        data / "cartpole",
        seed=5,
        test_fraction=0.2,
        dtype="float64",
    )
    return data


def validate(cell: Cell, path: Path, data: Path, work: Path) -> dict[str, Any]:
    """The phase-3 gate on every side once: its report and each side's (result, predictions)."""
    report = validate_cell(path, data, work)
    sides = {
        side: (
            read_result(work / f"{cell.cell_id}.{side}.validation.json"),
            np.load(work / f"{cell.cell_id}.{side}.predictions.npy"),
        )
        for side in cell.side_names
    }
    return {"report": report, "sides": sides}


def train_every_side(path: Path, data: Path, tmp_path: Path) -> dict[str, dict[str, Any]]:
    """Validation (the same start), then launch 1 (seed 1) of a `solve` cell on every side."""
    report = validate_cell(path, data, tmp_path / "validation")
    assert report["comparable"], report["reasons"]
    docs: dict[str, dict[str, Any]] = {}
    for side in SIDES:
        out = tmp_path / f"{side}.json"
        outcome = run_side(path, side, data, out, launch=1)
        assert outcome.ok, outcome.error
        docs[side] = read_result(out)
    return docs
