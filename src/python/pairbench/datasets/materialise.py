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

from pairbench.core.registry import dataset_sources
from pairbench.datasets.errors import ChecksumError

SPLIT_FILES = ("X_train", "y_train", "X_test", "y_test")
# Targets are int64 class labels (true cluster labels for clustering, used only by the ARI).
LABELLED_TASKS = ("classification", "clustering")
# Text rows (the LLM corpus) carry int64 group ids too, but are split without stratifying on them.
INT_TARGET_TASKS = (*LABELLED_TASKS, "text")


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
    # Cross-validation fold id (0..k-1) of every train row, when the dataset was materialised with folds.
    folds: NDArray[np.int64] | None = None

    def fold(self, k: int) -> Split:
        """Fold k as a split: train on the other folds' rows, test on fold k's (both from X_train)."""
        if self.folds is None:
            raise ValueError(f"dataset {self.manifest.get('name')!r} has no cross-validation folds")
        held = self.folds == k
        return Split(
            self.X_train[~held],
            self.y_train[~held],
            self.X_train[held],
            self.y_train[held],
            {**self.manifest, "n_train": int((~held).sum()), "n_test": int(held.sum()), "cv_fold": k},
        )


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


def fold_ids(y_train: NDArray[Any], task: str, n_splits: int, seed: int) -> NDArray[np.int64]:
    """Fold id of every train row: stratified for classification, plain shuffled k-fold for regression."""
    # Imported here: the measured workers only load_verified(), and the PyTorch worker would otherwise
    # import scikit-learn and SciPy (about a second of a launch's start) for nothing.
    from sklearn.model_selection import KFold, StratifiedKFold

    splitter = (StratifiedKFold if task == "classification" else KFold)(
        n_splits=n_splits, shuffle=True, random_state=seed
    )
    ids = np.full(y_train.shape[0], -1, dtype=np.int64)
    for k, (_, held) in enumerate(splitter.split(np.zeros((y_train.shape[0], 1)), y_train)):
        ids[held] = k
    return ids


def materialise(
    spec: DatasetSpec, out_dir: Path, seed: int, test_fraction: float, dtype: str, cv_folds: int = 0
) -> dict[str, Any]:
    loader = dataset_sources()[spec.source]
    X, y = loader(seed, **spec.options)
    stratify = y if spec.task in LABELLED_TASKS else None
    from sklearn.model_selection import train_test_split

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
    target_dtype = np.int64 if spec.task in INT_TARGET_TASKS else np.dtype(dtype)
    arrays = {
        "X_train": np.ascontiguousarray(X_train, dtype=dtype),
        "y_train": np.ascontiguousarray(y_train, dtype=target_dtype),
        "X_test": np.ascontiguousarray(X_test, dtype=dtype),
        "y_test": np.ascontiguousarray(y_test, dtype=target_dtype),
    }
    cv_folds = cv_folds if spec.task in ("classification", "regression") else 0
    if cv_folds:
        # Written once here so both sides train and score on exactly the same folds.
        arrays["folds"] = fold_ids(arrays["y_train"], spec.task, cv_folds, seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    files: dict[str, Any] = {}
    for name, array in arrays.items():
        path = out_dir / f"{name}.npy"
        np.save(path, array, allow_pickle=False)
        files[name] = {
            "file": path.name,
            "shape": list(array.shape),
            "dtype": str(array.dtype),
            "sha256": sha256_file(path),
        }
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
        "cv": (
            {
                "n_splits": cv_folds,
                "stratified": spec.task == "classification",
                "shuffle_seed": seed,
                "file": "folds.npy",
            }
            if cv_folds
            else None
        ),
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def contained_path(dataset_dir: Path, file: str) -> Path:
    """`dataset_dir/file` when `file` is a plain relative path resolving inside the folder; a manifest
    naming `../x.npy`, an absolute path, or a link out of the folder is refused (as in Rust)."""
    parts = file.split("/") if isinstance(file, str) else []
    if not parts or any(p in ("", ".", "..") for p in parts):
        raise ChecksumError(
            f"{dataset_dir}: manifest file {file!r} is not a plain relative path inside the data folder"
        )
    path = dataset_dir / file
    real_dir, real = dataset_dir.resolve(), path.resolve()
    if path.exists() and not real.is_relative_to(real_dir):
        raise ChecksumError(f"{dataset_dir}: manifest file {file!r} resolves to {real}, outside the data folder")
    return path


def load_verified(dataset_dir: Path) -> Split:
    """Load a materialised split after checking every file's sha256 against the manifest."""
    manifest_path = dataset_dir / "manifest.json"
    if not manifest_path.is_file():
        raise FileNotFoundError(f"{manifest_path}: dataset manifest missing (run phase 3 / `pairbench datasets`)")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    arrays: dict[str, NDArray[Any]] = {}
    for name in SPLIT_FILES:
        entry = manifest["files"][name]
        path = contained_path(dataset_dir, entry["file"])
        actual = sha256_file(path)
        if actual != entry["sha256"]:
            raise ChecksumError(f"{path}: sha256 {actual} != manifest {entry['sha256']}")
        arrays[name] = np.load(path, allow_pickle=False)
    folds = None
    if "folds" in manifest["files"]:
        entry = manifest["files"]["folds"]
        path = contained_path(dataset_dir, entry["file"])
        if (actual := sha256_file(path)) != entry["sha256"]:
            raise ChecksumError(f"{path}: sha256 {actual} != manifest {entry['sha256']}")
        folds = np.load(path, allow_pickle=False)
    return Split(arrays["X_train"], arrays["y_train"], arrays["X_test"], arrays["y_test"], manifest, folds)
