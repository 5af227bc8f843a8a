"""The PyTorch side of a deep-learning cell: train epoch by epoch from the shared start, time inference.

Phases, in the order the harness runs them each repetition:
  train_epoch   one pass over the training split in the prepared order (one sample per epoch)
  eval_epoch    the whole test split in eval mode, batches of 256; records that epoch's accuracy
  infer_b{1,32,256}  one forward pass on the first b test rows (repeated `latency_repeats` times)
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

from pairbench.core.benchmark import BenchmarkBase
from pairbench.core.cells import require_params
from pairbench.datasets.materialise import Split
from pairbench.tasks.deep.spec import CLASSIFICATION_TASKS, cell_dir, input_spec
from pairbench.tasks.deep.torch_models import MODEL_PARAMS, build_model, state_for_export

INFER_BATCHES = (1, 32, 256)
EVAL_BATCH = 256


# Every AdamW setting comes from the cell (config/benchmarks.yaml), none from a library default, so the
# cell file holds every value both sides use; bench.rs's `adamw_config` requires the same keys.
OPTIMIZER_PARAMS = ("lr", "beta1", "beta2", "eps", "weight_decay")
# The rest of what a deep cell is run with; `device` is the run's (--devices), written by phase 1.
RUN_PARAMS = ("batch_size", "latency_repeats", "device")


def cell_params(algorithm: str) -> tuple[str, ...]:
    """Every param a deep cell of `algorithm` must carry, in bench.rs's `cell_params` order."""
    return (*OPTIMIZER_PARAMS, *MODEL_PARAMS.get(algorithm, ()), *RUN_PARAMS)


def optimizer_settings(cell_id: str, params: dict[str, Any]) -> dict[str, float]:
    """The AdamW settings of a cell; every missing one is named (same message as the Rust sides)."""
    require_params(cell_id, params, OPTIMIZER_PARAMS)
    return {k: float(params[k]) for k in OPTIMIZER_PARAMS}


def optimizer_for(model: torch.nn.Module, o: dict[str, float]) -> torch.optim.Optimizer:
    """AdamW everywhere: candle's SGD has no momentum, and its AdamW matches PyTorch's decoupled decay."""
    return torch.optim.AdamW(
        model.parameters(),
        lr=o["lr"],
        betas=(o["beta1"], o["beta2"]),
        eps=o["eps"],
        weight_decay=o["weight_decay"],
    )


def rows_for_batch(x: torch.Tensor, b: int) -> torch.Tensor:
    """The first b test rows, tiled when the test split is smaller than b."""
    reps = -(-b // x.shape[0])
    return (x.repeat(reps, *([1] * (x.dim() - 1))) if reps > 1 else x)[:b].contiguous()


class DeepBenchmark(BenchmarkBase):
    phases = ("train_epoch", "eval_epoch", *(f"infer_b{b}" for b in INFER_BATCHES))
    # Training changes the model: the harness keeps the per-repetition order (harness/protocol.py).
    stateful_phases = ("train_epoch",)

    def __init__(
        self,
        task: str,
        algorithm_name: str,
        params: dict[str, Any],
        split: Split,
        *,
        cell_id: str,
        data_dir: Path,
    ) -> None:
        # Checked first: a cell missing any setting is refused before any data is loaded.
        require_params(cell_id, params, cell_params(algorithm_name))
        self.optimizer_settings = optimizer_settings(cell_id, params)
        self.task, self.params = task, params
        self.device = torch.device(str(params["device"]))
        if self.device.type == "cuda" and not torch.cuda.is_available():
            raise RuntimeError("cell asks for device=cuda but torch sees no CUDA device")
        self.classify = task in CLASSIFICATION_TASKS
        spec = input_spec(task, split.manifest, split.y_train)
        shape = spec.sample_shape()
        self.x_train = torch.from_numpy(split.X_train.astype(np.float32)).reshape(-1, *shape).to(self.device)
        self.x_test = torch.from_numpy(split.X_test.astype(np.float32)).reshape(-1, *shape).to(self.device)
        target = np.int64 if self.classify else np.float32
        self.y_train = torch.from_numpy(split.y_train.astype(target)).to(self.device)
        self.y_test = split.y_test
        prepared = cell_dir(data_dir, cell_id)
        if not (prepared / "init.safetensors").is_file():
            raise FileNotFoundError(f"{prepared}: shared initial weights missing (run `pairbench datasets`)")
        self.model = build_model(algorithm_name, spec, params).to(self.device)
        init = load_file(str(prepared / "init.safetensors"))
        # A name or shape that differs from the file is an error, never a silent re-initialisation;
        # strict=False only because the file leaves out `num_batches_tracked`.
        differ = set(state_for_export(self.model)) ^ set(init)
        if differ:
            raise ValueError(f"weights file and model disagree on tensors: {sorted(differ)}")
        self.model.load_state_dict(init, strict=False)
        self.order = np.load(prepared / "batch_order.npy", allow_pickle=False)
        self.batch_size = int(params["batch_size"])
        self.optimizer = optimizer_for(self.model, self.optimizer_settings)
        self.latency_repeats = int(params["latency_repeats"])
        self.phase_repeats = {f"infer_b{b}": self.latency_repeats for b in INFER_BATCHES}
        self.infer_inputs = {b: rows_for_batch(self.x_test, b) for b in INFER_BATCHES}
        self.epoch = 0
        self.loss_steps: list[float] = []
        self.loss_curve: list[float] = []
        self.eval_curve: list[float] = []
        self.predictions: np.ndarray | None = None

    def _sync(self) -> None:
        # CUDA kernels are asynchronous: without this the timer would stop before the work is done.
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)

    def _loss(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(out, y) if self.classify else F.mse_loss(out.squeeze(1), y)

    def train_epoch(self) -> None:
        if self.epoch >= self.order.shape[0]:
            raise RuntimeError(f"batch order has {self.order.shape[0]} epochs; epoch {self.epoch + 1} requested")
        order = torch.from_numpy(self.order[self.epoch]).to(self.device)
        self.model.train()
        losses = []
        # drop_last on every side: a batch-norm batch of one row has no variance.
        for start in range(0, order.numel() - self.batch_size + 1, self.batch_size):
            idx = order[start : start + self.batch_size]
            self.optimizer.zero_grad(set_to_none=True)
            loss = self._loss(self.model(self.x_train[idx]), self.y_train[idx])
            loss.backward()
            self.optimizer.step()
            losses.append(loss.detach())
        self._sync()
        steps = torch.stack(losses).cpu().tolist()
        self.loss_steps += steps
        self.loss_curve.append(float(np.mean(steps)))
        self.epoch += 1

    @torch.inference_mode()
    def _outputs(self) -> torch.Tensor:
        self.model.eval()
        starts = range(0, len(self.x_test), EVAL_BATCH)
        return torch.cat([self.model(self.x_test[i : i + EVAL_BATCH]) for i in starts])

    def eval_epoch(self) -> None:
        out = self._outputs()
        self._sync()
        preds = out.argmax(1).cpu().numpy() if self.classify else out.squeeze(1).double().cpu().numpy()
        self.predictions = preds
        if self.classify:
            self.eval_curve.append(float(np.mean(preds == self.y_test)))
        else:
            self.eval_curve.append(float(np.mean((preds - self.y_test) ** 2)))

    @torch.inference_mode()
    def infer(self, b: int) -> None:
        self.model.eval()
        self.model(self.infer_inputs[b])
        self._sync()

    def run_phase(self, phase: str) -> None:
        if phase == "train_epoch":
            self.train_epoch()
        elif phase == "eval_epoch":
            self.eval_epoch()
        elif phase.startswith("infer_b") and int(phase[7:]) in INFER_BATCHES:
            self.infer(int(phase[7:]))
        else:
            raise ValueError(f"unknown phase {phase!r}; allowed: {', '.join(self.phases)}")

    def param_count(self) -> int:
        return sum(int(p.numel()) for p in self.model.parameters())

    def model_file_bytes(self) -> int:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "model.safetensors"
            save_file({k: v.cpu() for k, v in state_for_export(self.model).items()}, str(path))
            return path.stat().st_size

    def quality(self) -> dict[str, float | None]:
        if self.predictions is None:
            self.eval_epoch()
        assert self.predictions is not None
        out: dict[str, float | None] = {
            "final_loss": self.loss_curve[-1] if self.loss_curve else None,
            "epochs": float(self.epoch),
            "param_count": float(self.param_count()),
            "model_file_bytes": float(self.model_file_bytes()),
        }
        if self.classify:
            out["accuracy"] = float(np.mean(self.predictions == self.y_test))
        else:
            from pairbench.metrics.regression import regression_quality

            out.update(regression_quality(self.y_test, self.predictions))
        return out

    def metadata(self) -> dict[str, Any]:
        return {
            "torch": torch.__version__,
            "device": str(self.device),
            "torch_threads": torch.get_num_threads(),
            "optimizer": "AdamW",
            "optimizer_settings": self.optimizer_settings,
            "batch_size": self.batch_size,
            "latency_repeats": self.latency_repeats,
            "loss_curve": self.loss_curve,
            "loss_steps": self.loss_steps,
            "eval_curve": self.eval_curve,
            "eval_metric": "accuracy" if self.classify else "mse",
            "compute_dtype": "float32",
            **self._recurrent_metadata(),
            **self._gpu_metadata(),
        }

    def _recurrent_metadata(self) -> dict[str, Any]:
        """What a recurrent model's layer runs (the Rust sides record theirs under the same key)."""
        rnn = getattr(self.model, "rnn", None)
        if not isinstance(rnn, torch.nn.RNNBase):
            return {}
        return {"recurrent_layer": f"ATen's fused layer (torch.nn.{type(rnn).__name__})"}

    def _gpu_metadata(self) -> dict[str, Any]:
        """The GPU's name and the peak memory torch's allocator held for this launch (peak RSS misses it)."""
        if self.device.type != "cuda":
            return {}
        return {
            "gpu_name": torch.cuda.get_device_name(self.device),
            "gpu_peak_memory_mb": torch.cuda.max_memory_allocated(self.device) / 2**20,
            "gpu_peak_reserved_mb": torch.cuda.max_memory_reserved(self.device) / 2**20,
        }
