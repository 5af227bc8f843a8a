"""What a deep-learning cell needs besides the split: input shape, the shared start, the batch order.

`prepare_cell` is run once per cell when datasets are materialised (phase 3). It writes, under
`<data-dir>/_deep/<cell_id>/`, the initial weights (safetensors) and the per-epoch sample order (.npy)
that PyTorch, candle and tch all load, so every framework starts from and steps through the same data.
"""

from __future__ import annotations

import json
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


def prepare_cell(cell: dict[str, Any], data_dir: Path) -> Path:
    """Write the shared start of one cell; idempotent (same seed, same bytes)."""
    import torch
    from safetensors.torch import save_file

    from pairbench.core.cells import require_params
    from pairbench.datasets.materialise import load_verified
    from pairbench.tasks.deep.torch_models import MODEL_PARAMS, build_model, state_for_export

    require_params(cell["cell_id"], cell["params"], MODEL_PARAMS.get(cell["algorithm"], ()))
    split = load_verified(data_dir / cell["dataset"])
    spec = input_spec(cell["task"], split.manifest, split.y_train)
    seed = int(cell["seed"])
    torch.manual_seed(seed)
    model = build_model(cell["algorithm"], spec, cell["params"])
    state = state_for_export(model)
    out = cell_dir(data_dir, cell["cell_id"])
    out.mkdir(parents=True, exist_ok=True)
    save_file(state, str(out / "init.safetensors"))
    rng = np.random.default_rng(seed)
    n_train = int(split.X_train.shape[0])
    order = np.stack([rng.permutation(n_train) for _ in range(epochs_needed(cell))]).astype(np.int64)
    np.save(out / "batch_order.npy", order, allow_pickle=False)
    n_params = sum(int(p.numel()) for p in model.parameters())
    info = {
        "cell_id": cell["cell_id"],
        "model": cell["algorithm"],
        "seed": seed,
        "param_count": n_params,
        "tensors": {k: list(v.shape) for k, v in state.items()},
        "epochs": int(order.shape[0]),
    }
    (out / "model.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return out
