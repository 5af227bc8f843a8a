"""Same bytes on both sides: deterministic materialisation, and tampering is refused by both."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from pairbench.datasets.materialise import ChecksumError, DatasetSpec, load_verified, materialise


def test_materialisation_is_byte_identical_across_runs(tmp_path: Path) -> None:
    spec = DatasetSpec("s", "synthetic_sparse", "regression", True, {"n_samples": 300, "n_features": 30})
    a = materialise(spec, tmp_path / "a", seed=7, test_fraction=0.2, dtype="float64")
    b = materialise(spec, tmp_path / "b", seed=7, test_fraction=0.2, dtype="float64")
    c = materialise(spec, tmp_path / "c", seed=8, test_fraction=0.2, dtype="float64")
    assert a["sha256"] == b["sha256"] != c["sha256"]
    assert (a["n_train"], a["n_test"], a["n_features"]) == (240, 60, 30)


def test_standardisation_uses_train_statistics_only(data_dir: Path) -> None:
    split = load_verified(data_dir / "diabetes")
    np.testing.assert_allclose(split.X_train.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(split.X_train.std(axis=0), 1, atol=1e-12)
    assert not np.allclose(split.X_test.mean(axis=0), 0, atol=1e-6)
    assert split.manifest["n_train"] == 353 and split.manifest["n_test"] == 89


def test_tampered_bytes_are_refused_by_python_and_rust(
    data_dir: Path, tmp_path: Path, make_cell, classical_binary: Path
) -> None:
    tampered = tmp_path / "data"
    shutil.copytree(data_dir / "diabetes", tampered / "diabetes")
    y = np.load(tampered / "diabetes" / "y_test.npy")
    y[0] += 1.0
    np.save(tampered / "diabetes" / "y_test.npy", y)
    with pytest.raises(ChecksumError, match="y_test"):
        load_verified(tampered / "diabetes")
    proc = subprocess.run(
        [
            str(classical_binary),
            "run",
            "--framework",
            "linfa",
            "--cell",
            str(make_cell("linear")),
            "--data-dir",
            str(tampered),
            "--out",
            str(tmp_path / "r.json"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode != 0
    assert "sha256" in proc.stderr and "y_test" in proc.stderr
