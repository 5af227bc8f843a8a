"""What a deep-learning cell needs besides the split: its input shape, where its shared start lives and
how many epochs its batch order covers. Data only: prepare.py writes the shared start, torch_models.py
builds the models from an `InputSpec`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

DEEP_DIR = "_deep"
IMAGE_TASK = "image_classification"
SEQUENCE_TASKS = ("sequence_classification", "forecasting")
CLASSIFICATION_TASKS = (IMAGE_TASK, "sequence_classification")


@dataclass(frozen=True)
class InputSpec:
    """How one flat row of X is shaped for the model, and how many outputs the head has."""

    task: str
    image_shape: tuple[int, int, int]  # (C, H, W); (0, 0, 0) for sequences
    seq_len: int
    n_features: int
    n_outputs: int

    def sample_shape(self) -> tuple[int, ...]:
        return self.image_shape if self.task == IMAGE_TASK else (self.seq_len, self.n_features)


def input_spec(task: str, manifest: dict[str, Any], y_train: np.ndarray) -> InputSpec:
    """Both Rust binaries apply the same rules (deep-common/src/data.rs): shape from the manifest's
    options, classes as max(y_train)+1, one output for forecasting."""
    opts = manifest.get("options", {})
    n_outputs = int(y_train.max()) + 1 if task in CLASSIFICATION_TASKS else 1
    if task == IMAGE_TASK:
        c, h, w = (int(v) for v in opts["image_shape"])
        if c * h * w != manifest["n_features"]:
            raise ValueError(
                f"{manifest['name']}: image_shape {opts['image_shape']} does not match "
                f"{manifest['n_features']} features"
            )
        return InputSpec(task, (c, h, w), 0, 0, n_outputs)
    if task in SEQUENCE_TASKS:
        seq_len, n_feat = int(opts["seq_len"]), int(opts.get("n_channels", 1))
        if seq_len * n_feat != manifest["n_features"]:
            raise ValueError(f"{manifest['name']}: seq_len*n_channels != {manifest['n_features']} features")
        return InputSpec(task, (0, 0, 0), seq_len, n_feat, n_outputs)
    allowed = ", ".join((IMAGE_TASK, *SEQUENCE_TASKS))
    raise ValueError(f"unknown deep-learning task {task!r}; allowed: {allowed}")


def cell_dir(data_dir: Path, cell_id: str) -> Path:
    return data_dir / DEEP_DIR / cell_id


def epochs_needed(cell: dict[str, Any]) -> int:
    """Every timed or warm-up repetition trains one epoch; validation may ask for more."""
    gate = cell.get("quality_gate") or {}
    return max(int(cell["warmup"]) + int(cell["samples"]), int(gate.get("validation_samples", 1)))
