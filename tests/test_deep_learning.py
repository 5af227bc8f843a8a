"""Deep learning: the three frameworks build the same networks, compute the same forward pass from the
same weights, and take the same first training steps. Small inputs only: the whole file runs in
well under a minute once the Rust binaries are built (`make setup`)."""

from __future__ import annotations

import dataclasses
import gzip
import json
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from pairbench.core.cells import Cell
from pairbench.core.paths import rust_target_dir
from pairbench.core.schema import read_result
from pairbench.datasets.deep import EXTERNAL_ENV, MNIST_FILES, _idx, mnist_available, synthetic_sequences
from pairbench.datasets.materialise import DatasetSpec, load_verified, materialise
from pairbench.experiment.validation import loss_curve_deviation
from pairbench.harness.launcher import run_side
from pairbench.metrics import QUALITY_BY_TASK
from pairbench.tasks.deep.prepare import prepare_cell
from pairbench.tasks.deep.spec import cell_dir, input_spec
from pairbench.tasks.deep.torch_models import build_model

# Forward-pass tolerance (float32 logits, eval mode, same weights and input). Convolutions and
# matrix products sum in different orders in candle's gemm and libtorch's kernels, so bit equality
# is not expected; 1e-4 absolute is ~100 float32 ulps at the logits' scale.
FORWARD_ATOL = 1e-4
# Same start and batches: the first mini-batch loss is one forward pass (1e-5); the next steps drift
# apart only by rounding (1e-3 over the first ten). Over a whole epoch candle's differently-ordered
# sums are amplified by Adam and by LeNet's escape from its 2.3 plateau (measured: up to ~8% on a
# step, accuracy still equal within the gate), so the full-epoch bound is for tch, whose kernels are
# PyTorch's own.
# tch's recurrent layers are ATen's fused ones, as PyTorch's: the same kernels on the same weights.
SAME_KERNELS_ATOL = 1e-5
RNN_MODELS = ("rnn", "lstm", "gru")
FIRST_STEP_RTOL = 1e-5
EARLY_STEPS, EARLY_RTOL = 10, 1e-3
SAME_KERNELS_RTOL = 1e-3

# AdamW's settings: every one is required by every side (no library default fills a gap).
OPTIMIZER = {"lr": 0.003, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.0001}
FRAMEWORKS = [
    {"name": "pytorch", "language": "python", "backend": "libtorch", "package": "torch"},
    {"name": "candle", "language": "rust", "backend": "candle", "binary": "pairbench-candle"},
    {"name": "tch", "language": "rust", "backend": "libtorch", "binary": "pairbench-tch"},
]
DATASETS = {
    "digits": DatasetSpec("digits", "digits_images", "classification", False, {"image_shape": [1, 8, 8]}),
    "images16": DatasetSpec(
        "images16",
        "synthetic_images",
        "classification",
        False,
        {"n_samples": 200, "image_shape": [1, 16, 16], "n_classes": 5},
    ),
    "seqs": DatasetSpec(
        "seqs",
        "synthetic_sequences",
        "classification",
        False,
        {"n_samples": 300, "seq_len": 12, "n_channels": 3, "n_classes": 4},
    ),
    "fc": DatasetSpec(
        "fc", "synthetic_forecasting", "regression", False, {"n_samples": 300, "seq_len": 16, "n_channels": 1}
    ),
}
MODELS = [
    ("image_classification", "lenet", "digits", {}),
    ("image_classification", "simple_cnn", "images16", {"width": 8, "dropout": 0.0}),
    ("image_classification", "resnet18", "images16", {"width": 4}),
    ("image_classification", "mobilenet", "images16", {"width": 4}),
    ("sequence_classification", "rnn", "seqs", {"hidden": 16, "layers": 2}),
    ("sequence_classification", "lstm", "seqs", {"hidden": 16, "layers": 1}),
    ("sequence_classification", "gru", "seqs", {"hidden": 16, "layers": 1}),
    ("forecasting", "lstm", "fc", {"hidden": 8, "layers": 1}),
]


def binary(name: str) -> Path:
    path = rust_target_dir() / "release" / name
    if not path.exists():
        pytest.fail(f"{path} missing: run `make setup` (it builds every side's binary)")
    return path


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("deep-data")
    for name, spec in DATASETS.items():
        materialise(spec, root / name, seed=7, test_fraction=0.2, dtype="float64")
    return root


def make_cell(
    data_dir: Path, task: str, model: str, dataset: str, extra: dict[str, Any], **kw: Any
) -> tuple[Cell, Path]:
    params = {**OPTIMIZER, "batch_size": 16, "latency_repeats": 2, "device": "cpu", **extra}
    cell = Cell(
        run_id="test",
        domain="deep_learning",
        task=task,
        algorithm=model,
        dataset=dataset,
        params=params,
        frameworks=FRAMEWORKS,
        seed=3,
        warmup=kw.get("warmup", 0),
        samples=kw.get("samples", 1),
        threads=1,
    )
    path = cell.write(data_dir / "cells")
    prepare_cell(json.loads(cell.to_json()), data_dir)
    return cell, path


def torch_forward(cell: Cell, data_dir: Path, x: np.ndarray) -> tuple[np.ndarray, int]:
    from safetensors.torch import load_file

    split = load_verified(data_dir / cell.dataset)
    spec = input_spec(cell.task, split.manifest, split.y_train)
    model = build_model(cell.algorithm, spec, cell.params)
    model.load_state_dict(load_file(str(cell_dir(data_dir, cell.cell_id) / "init.safetensors")), strict=False)
    model.eval()
    with torch.no_grad():
        out = model(torch.from_numpy(x.astype(np.float32)).reshape(-1, *spec.sample_shape()))
    return out.numpy(), sum(p.numel() for p in model.parameters())


@pytest.mark.rust
@pytest.mark.parametrize(("task", "model", "dataset", "extra"), MODELS, ids=[f"{m[1]}-{m[2]}" for m in MODELS])
@pytest.mark.parametrize("framework", ["candle", "tch"])
def test_forward_and_param_count_match_pytorch(
    data_dir: Path, tmp_path: Path, framework: str, task: str, model: str, dataset: str, extra: dict[str, Any]
) -> None:
    exe = binary(f"pairbench-{framework}")
    cell, cell_path = make_cell(data_dir, task, model, dataset, extra)
    x = load_verified(data_dir / dataset).X_test[:8]
    np.save(tmp_path / "x.npy", x)
    proc = subprocess.run(
        [
            str(exe),
            "forward",
            "--cell",
            str(cell_path),
            "--data-dir",
            str(data_dir),
            "--input",
            str(tmp_path / "x.npy"),
            "--out",
            str(tmp_path / "y.npy"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    expected, n_params = torch_forward(cell, data_dir, x)
    got = np.load(tmp_path / "y.npy")
    facts = json.loads(proc.stdout)
    assert facts["param_count"] == n_params
    assert got.shape == expected.shape
    if model in RNN_MODELS and framework == "tch":
        # tch runs ATen's fused layer, the call torch.nn.RNN/LSTM/GRU make, on the same weights: same
        # kernels, so within 1e-5 (candle composes the layer per time step: FORWARD_ATOL).
        assert facts["recurrent_layer"].startswith("ATen's fused layer"), facts
        np.testing.assert_allclose(got, expected, atol=SAME_KERNELS_ATOL, rtol=0)
    else:
        np.testing.assert_allclose(got, expected, atol=FORWARD_ATOL, rtol=0)


@pytest.mark.rust
@pytest.mark.parametrize(
    ("task", "model", "dataset", "extra"), [MODELS[0], MODELS[5], MODELS[2]], ids=["lenet", "lstm", "resnet18"]
)
def test_one_epoch_losses_agree(
    data_dir: Path, tmp_path: Path, task: str, model: str, dataset: str, extra: dict[str, Any]
) -> None:
    for fw in ("pairbench-candle", "pairbench-tch"):
        binary(fw)
    _cell, cell_path = make_cell(data_dir, task, model, dataset, {**extra, "batch_size": 8})
    curves = {}
    for fw in FRAMEWORKS:
        out = tmp_path / f"{fw['name']}.json"
        outcome = run_side(cell_path, fw["name"], data_dir, out, timeout_s=300)
        assert outcome.ok, outcome.error
        result = read_result(out)
        curves[fw["name"]] = result["metadata"]["loss_steps"]
        assert result["quality"]["epochs"] == 1
        if fw["language"] == "rust":
            # One upload of the epoch's batch order and one read of its losses, as torch_runner.py: no
            # host copy per step (on CUDA each would wait for the step).
            assert result["metadata"]["host_transfers_per_epoch"] == [2], fw["name"]
        assert len(result["timing"]["phases"]["infer_b32"]["samples"]) == 2  # latency_repeats
    base = curves["pytorch"]
    for fw in ("candle", "tch"):
        assert len(curves[fw]) == len(base) > EARLY_STEPS
        assert curves[fw][0] == pytest.approx(base[0], rel=FIRST_STEP_RTOL)
        early = loss_curve_deviation(base[:EARLY_STEPS], curves[fw][:EARLY_STEPS])
        assert early is not None and early <= EARLY_RTOL, f"{fw}: first steps deviate by {early:.2e}"
    whole = loss_curve_deviation(base, curves["tch"])
    assert whole is not None and whole <= SAME_KERNELS_RTOL, f"tch: loss curve deviates by {whole:.2e}"


def test_pytorch_reads_an_epochs_losses_once(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The PyTorch side's training epoch copies nothing to the host per step: its losses come back once
    at the end (the Rust sides' `host_transfers_per_epoch` holds them to the same, test above). Counted:
    the reads torch_runner.py itself makes (torch's AdamW reads its step counters, which live on the CPU
    even for a CUDA model, so they wait for nothing)."""
    import sys
    from collections import Counter

    from pairbench.tasks.deep.torch_runner import DeepBenchmark

    cell, _ = make_cell(data_dir, "image_classification", "lenet", "digits", {"batch_size": 64})
    split = load_verified(data_dir / "digits")
    bench = DeepBenchmark(cell.task, cell.algorithm, cell.params, split, cell_id=cell.cell_id, data_dir=data_dir)
    reads: Counter[str] = Counter()
    for name in ("item", "tolist", "cpu", "numpy"):
        real = getattr(torch.Tensor, name)

        def counted(self: torch.Tensor, *args: Any, _real: Any = real, _name: str = name, **kwargs: Any) -> Any:
            if sys._getframe(1).f_code.co_filename.endswith("torch_runner.py"):
                reads[_name] += 1
            return _real(self, *args, **kwargs)

        monkeypatch.setattr(torch.Tensor, name, counted)
    bench.run_phase("train_epoch")
    monkeypatch.undo()
    assert len(bench.loss_steps) > 10
    assert sum(reads.values()) <= 2, reads


def test_weights_file_shapes_are_the_models(data_dir: Path) -> None:
    cell, _ = make_cell(data_dir, "image_classification", "resnet18", "images16", {"width": 4})
    info = json.loads((cell_dir(data_dir, cell.cell_id) / "model.json").read_text())
    # Standard ResNet-18 topology: 20 convolutions (17 + 3 downsample), 20 batch norms, one linear.
    convs = [k for k, v in info["tensors"].items() if k.endswith(".weight") and len(v) == 4]
    bns = [k for k in info["tensors"] if k.endswith("running_mean")]
    assert len(convs) == 20 and len(bns) == 20
    assert (cell_dir(data_dir, cell.cell_id) / "batch_order.npy").is_file()


def test_synthetic_data_is_seeded() -> None:
    a, b = synthetic_sequences(5, n_samples=50), synthetic_sequences(5, n_samples=50)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], synthetic_sequences(6, n_samples=50)[0])


def test_mnist_absent_is_reported_not_downloaded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(EXTERNAL_ENV, raising=False)
    assert "not downloaded" in (mnist_available({}) or "")
    monkeypatch.setenv(EXTERNAL_ENV, str(tmp_path))
    assert "missing" in (mnist_available({}) or "")


def test_idx_reader_reads_the_mnist_format(tmp_path: Path) -> None:
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    header = bytes([0, 0, 0x08, 3]) + np.array([2, 3, 4], dtype=">u4").tobytes()
    path = tmp_path / MNIST_FILES[0]
    with gzip.open(path.with_name(path.name + ".gz"), "wb") as fh:
        fh.write(header + images.tobytes())
    np.testing.assert_array_equal(_idx(path), images)


def test_gate_metrics_for_deep_tasks() -> None:
    accuracy = QUALITY_BY_TASK["image_classification"](np.array([1, 2, 3, 4]), np.array([1, 2, 0, 4]))
    assert accuracy["accuracy"] == 0.75
    assert QUALITY_BY_TASK["forecasting"](np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0]))["r2"] == 1.0
    assert loss_curve_deviation([1.0, 2.0], [1.1, 2.0]) == pytest.approx(0.1)


@pytest.mark.rust
@pytest.mark.parametrize("framework", ["pytorch", "candle", "tch"])
def test_a_cell_missing_an_optimiser_param_is_refused_by_name(data_dir: Path, tmp_path: Path, framework: str) -> None:
    """No side falls back on its library's AdamW default: a missing setting is a named error."""
    if framework != "pytorch":
        binary(f"pairbench-{framework}")
    cell, _ = make_cell(data_dir, "image_classification", "lenet", "digits", {})
    params = {k: v for k, v in cell.params.items() if k not in ("beta1", "eps")}
    path = dataclasses.replace(cell, params=params, cell_id=cell.cell_id).write(tmp_path / "cells")
    outcome = run_side(path, framework, data_dir, tmp_path / f"{framework}.json", timeout_s=120)
    assert not outcome.ok
    assert f'cell {cell.cell_id}: param "beta1" missing; param "eps" missing' in (outcome.error or "")


def test_a_cell_missing_a_model_param_is_refused_by_name() -> None:
    """No model setting has a default in code; the device is the run's. The words are bench.rs's (its
    unit test `a_missing_model_param_is_named` holds the same cell to the same message)."""
    from pairbench.tasks.deep.torch_runner import DeepBenchmark

    params = {**OPTIMIZER, "batch_size": 16, "latency_repeats": 2}
    with pytest.raises(ValueError) as err:
        DeepBenchmark("sequence_classification", "lstm", params, None, cell_id="c1", data_dir=Path("."))  # type: ignore[arg-type]
    assert str(err.value) == 'cell c1: param "hidden" missing; param "layers" missing; param "device" missing'
