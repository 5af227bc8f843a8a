"""The shared start of a deep-learning cell, written once per cell when datasets are materialised (phase 3).

Under `<data-dir>/_deep/<cell_id>/`: the initial weights (safetensors) and the per-epoch sample order
(.npy) that PyTorch, candle and tch all load, so every framework starts from and steps through the same
data. It imports torch: the phase-3 hook (tasks.py) imports it only when a deep cell is prepared.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import save_file

from pairbench.core.cells import require_params
from pairbench.datasets.materialise import load_verified
from pairbench.tasks.deep.spec import cell_dir, epochs_needed, input_spec
from pairbench.tasks.deep.torch_models import MODEL_PARAMS, build_model, state_for_export


def prepare_cell(cell: dict[str, Any], data_dir: Path) -> Path:
    """Write the shared start of one cell; idempotent (same seed, same bytes)."""
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
