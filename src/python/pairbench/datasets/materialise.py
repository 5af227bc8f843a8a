"""Split, (optionally) standardise and write a dataset once as `.npy` + `manifest.json`.

The manifest records shape, dtype and sha256 of every file plus one combined digest; both the Python
worker and the Rust binary refuse to run on bytes that do not match it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.model_selection import train_test_split

from pairbench.registry import dataset_sources

SPLIT_FILES = ("X_train", "y_train", "X_test", "y_test")
# Targets are int64 class labels (true cluster labels for clustering, used only by the ARI).
LABELLED_TASKS = ("classification", "clustering")


class ChecksumError(RuntimeError):
    """Dataset bytes on disk differ from the manifest written when they were materialised."""


@dataclass(frozen=True)
class DatasetSpec:
    """One `datasets:` entry of config/benchmarks.yaml."""

    name: str
    source: str
    task: str
    standardize: bool
    options: dict[str, Any]


@dataclass(frozen=True)
class Split:
    X_train: NDArray[np.float64]
    y_train: NDArray[Any]
    X_test: NDArray[np.float64]
    y_test: NDArray[Any]
    manifest: dict[str, Any]


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def combined_digest(file_digests: dict[str, str]) -> str:
    """One digest for the whole split: sha256 over 'name:digest\\n' lines in SPLIT_FILES order."""
    text = "".join(f"{name}:{file_digests[name]}\n" for name in SPLIT_FILES)
    return hashlib.sha256(text.encode()).hexdigest()


def materialise(spec: DatasetSpec, out_dir: Path, seed: int, test_fraction: float, dtype: str) -> dict[str, Any]:
    loader = dataset_sources()[spec.source]
    X, y = loader(seed, **spec.options)
    stratify = y if spec.task in LABELLED_TASKS else None
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_fraction, random_state=seed, stratify=stratify
    )
    if spec.standardize:
        # Fitted on train only, so no information leaks from the test split.
        mean = X_train.mean(axis=0)
        std = X_train.std(axis=0)
        std[std == 0] = 1.0
        X_train = (X_train - mean) / std
        X_test = (X_test - mean) / std
    target_dtype = np.int64 if spec.task in LABELLED_TASKS else np.dtype(dtype)
    arrays = {
        "X_train": np.ascontiguousarray(X_train, dtype=dtype),
        "y_train": np.ascontiguousarray(y_train, dtype=target_dtype),
        "X_test": np.ascontiguousarray(X_test, dtype=dtype),
        "y_test": np.ascontiguousarray(y_test, dtype=target_dtype),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    files: dict[str, Any] = {}
    for name, array in arrays.items():
        path = out_dir / f"{name}.npy"
        np.save(path, array, allow_pickle=False)
        files[name] = {"file": path.name, "shape": list(array.shape), "dtype": str(array.dtype),
                       "sha256": sha256_file(path)}
    manifest = {
        "name": spec.name,
        "source": spec.source,
        "task": spec.task,
        "options": spec.options,
        "seed": seed,
        "test_fraction": test_fraction,
        "standardized": spec.standardize,
        "n_train": int(arrays["X_train"].shape[0]),
        "n_test": int(arrays["X_test"].shape[0]),
        "n_features": int(arrays["X_train"].shape[1]),
        "files": files,
        "sha256": combined_digest({n: f["sha256"] for n, f in files.items()}),
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def load_verified(dataset_dir: Path) -> Split:
    """Load a materialised split after checking every file's sha256 against the manifest."""
    manifest_path = dataset_dir / "manifest.json"
    if not manifest_path.is_file():
        raise FileNotFoundError(f"{manifest_path}: dataset manifest missing (run phase 3 / `pairbench datasets`)")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    arrays: dict[str, NDArray[Any]] = {}
    for name in SPLIT_FILES:
        entry = manifest["files"][name]
        path = dataset_dir / entry["file"]
        actual = sha256_file(path)
        if actual != entry["sha256"]:
            raise ChecksumError(f"{path}: sha256 {actual} != manifest {entry['sha256']}")
        arrays[name] = np.load(path, allow_pickle=False)
    return Split(arrays["X_train"], arrays["y_train"], arrays["X_test"], arrays["y_test"], manifest)
