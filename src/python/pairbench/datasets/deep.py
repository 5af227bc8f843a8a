"""Image and sequence datasets for the deep-learning domain, as flat float rows plus a shape option.

Every loader returns X with one row per sample (images flattened C*H*W, sequences T*channels) so the
shared `.npy` + manifest machinery applies unchanged; the manifest's `options` carry the shape that
PyTorch, candle and tch all read back. MNIST and CIFAR-10 are never downloaded: they are read from a
user-given directory (`$PAIRBENCH_EXTERNAL_DATA/<name>/`) and reported as skipped in phase 1 otherwise.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path
from typing import Any

import numpy as np

from pairbench.core.registry import dataset_check, dataset_loader
from pairbench.datasets.builtin import XY

EXTERNAL_ENV = "PAIRBENCH_EXTERNAL_DATA"
MNIST_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
CIFAR_FILES = (*(f"data_batch_{i}.bin" for i in range(1, 6)), "test_batch.bin")


def _check_shape(image_shape: list[int], expected: tuple[int, int, int], name: str) -> None:
    if tuple(image_shape) != expected:
        raise ValueError(f"{name}: image_shape {image_shape} != {list(expected)}")


@dataset_loader("digits_images")
def digits_images(seed: int, image_shape: list[int] | None = None) -> XY:
    """scikit-learn's 1797 8x8 digits as 1x8x8 images scaled to [0, 1] (pixel counts are 0..16)."""
    from sklearn import datasets as skd

    del seed
    _check_shape(image_shape or [1, 8, 8], (1, 8, 8), "digits_images")
    bunch = skd.load_digits()
    return np.asarray(bunch.data, dtype=np.float64) / 16.0, np.asarray(bunch.target, dtype=np.int64)


@dataset_loader("synthetic_images")
def synthetic_images(
    seed: int, n_samples: int = 2000, image_shape: list[int] | None = None, n_classes: int = 10, noise: float = 1.0
) -> XY:
    """One smooth random template per class (a coarse 4x4 pattern upsampled), randomly shifted by up
    to two pixels, plus Gaussian noise: needs translation-tolerant features, learnable in a few epochs."""
    c, h, w = image_shape or [1, 16, 16]
    rng = np.random.default_rng(seed)
    coarse = rng.normal(size=(n_classes, c, 4, 4))
    templates = np.kron(coarse, np.ones((1, 1, -(-h // 4), -(-w // 4))))[:, :, :h, :w]
    y = rng.integers(0, n_classes, size=n_samples)
    shifts = rng.integers(-2, 3, size=(n_samples, 2))
    X = np.empty((n_samples, c, h, w))
    for i in range(n_samples):
        X[i] = np.roll(templates[y[i]], tuple(shifts[i]), axis=(1, 2))
    X += noise * rng.normal(size=X.shape)
    return X.reshape(n_samples, -1), y.astype(np.int64)


@dataset_loader("synthetic_sequences")
def synthetic_sequences(
    seed: int, n_samples: int = 2000, seq_len: int = 20, n_channels: int = 4, n_classes: int = 4, noise: float = 0.5
) -> XY:
    """Each class is a frequency band: channel k carries sin(f t + phase_k) with f drawn from the
    class's band and random phases, plus noise. Rows are (t, channel) flattened time-major."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, size=n_samples)
    freq = 0.3 + 0.45 * y + rng.uniform(0.0, 0.3, size=n_samples)
    phase = rng.uniform(0, 2 * np.pi, size=(n_samples, 1, n_channels))
    t = np.arange(seq_len, dtype=np.float64)[None, :, None]
    X = np.sin(freq[:, None, None] * t + phase) + noise * rng.normal(size=(n_samples, seq_len, n_channels))
    return X.reshape(n_samples, -1), y.astype(np.int64)


@dataset_loader("synthetic_forecasting")
def synthetic_forecasting(
    seed: int, n_samples: int = 2000, seq_len: int = 24, n_channels: int = 1, noise: float = 0.05
) -> XY:
    """Windows of a two-tone signal with random frequencies/phases per window; target: the next value."""
    if n_channels != 1:
        raise ValueError("synthetic_forecasting: n_channels must be 1 (univariate)")
    rng = np.random.default_rng(seed)
    f = rng.uniform(0.1, 0.6, size=(n_samples, 2))
    phase = rng.uniform(0, 2 * np.pi, size=(n_samples, 2))
    t = np.arange(seq_len + 1, dtype=np.float64)[None, :]
    series = (
        np.sin(f[:, :1] * t + phase[:, :1])
        + 0.5 * np.sin(f[:, 1:] * t + phase[:, 1:])
        + noise * rng.normal(size=(n_samples, seq_len + 1))
    )
    return series[:, :seq_len], series[:, seq_len]


def _external(name: str, files: tuple[str, ...]) -> tuple[Path | None, str | None]:
    root = os.environ.get(EXTERNAL_ENV)
    if not root:
        return None, (f"{name} is a download: set ${EXTERNAL_ENV} to a directory holding {name}/ (not downloaded)")
    base = Path(root) / name
    missing = [f for f in files if not (base / f).is_file() and not (base / f"{f}.gz").is_file()]
    if missing:
        return None, f"{base}: missing {', '.join(missing)} (standard {name} distribution files)"
    return base, None


def _read_maybe_gz(path: Path) -> bytes:
    gz = path.with_name(path.name + ".gz")
    if path.is_file():
        return path.read_bytes()
    with gzip.open(gz, "rb") as fh:
        return fh.read()


def _idx_problem(raw: bytes, path: Path) -> str | None:
    """Why `raw` is not a well-formed uint8 IDX file (naming the file, expected and actual size), or None."""
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        return f"{path}: not an IDX file of unsigned bytes (magic {raw[:4].hex() or 'missing'}, expected 000008xx)"
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        return f"{path}: truncated IDX header: expected at least {header} bytes, found {len(raw)}"
    dims = np.frombuffer(raw, dtype=">u4", count=ndim, offset=4)
    expected = header + int(np.prod(dims.astype(np.int64)))
    if len(raw) != expected:
        return f"{path}: expected {expected} bytes for shape {tuple(int(d) for d in dims)}, found {len(raw)}"
    return None


def _cifar_problem(raw: bytes, path: Path) -> str | None:
    if not raw or len(raw) % 3073:
        return f"{path}: expected a whole number of 3073-byte records (label + 3x32x32 pixels), found {len(raw)} bytes"
    return None


def _files_problem(base: Path, files: tuple[str, ...], check: Any) -> str | None:
    for f in files:
        path = base / f if (base / f).is_file() else base / f"{f}.gz"
        try:
            raw = _read_maybe_gz(base / f)
        except (OSError, EOFError) as exc:
            return f"{path}: unreadable: {exc}"
        if why := check(raw, path):
            return str(why)
    return None


def _idx(path: Path) -> np.ndarray:
    """The IDX format of LeCun's MNIST files: magic (dtype, ndim), big-endian dims, then data."""
    raw = _read_maybe_gz(path)
    if why := _idx_problem(raw, path):
        raise ValueError(why)
    ndim = raw[3]
    dims = np.frombuffer(raw, dtype=">u4", count=ndim, offset=4)
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(tuple(int(d) for d in dims))


def _subsample(X: np.ndarray, y: np.ndarray, n_samples: int | None, seed: int) -> XY:
    if n_samples and n_samples < len(y):
        keep = np.sort(np.random.default_rng(seed).choice(len(y), n_samples, replace=False))
        X, y = X[keep], y[keep]
    return X.astype(np.float64), y.astype(np.int64)


@dataset_check("mnist_dir")
def mnist_available(options: dict[str, Any]) -> str | None:
    base, why = _external("mnist", MNIST_FILES)
    return why or _files_problem(base, MNIST_FILES, _idx_problem)  # type: ignore[arg-type]


@dataset_loader("mnist_dir")
def mnist(seed: int, image_shape: list[int] | None = None, n_samples: int | None = None) -> XY:
    """MNIST from $PAIRBENCH_EXTERNAL_DATA/mnist/ (IDX files, optionally .gz), pixels scaled to [0, 1].
    Train and test files are pooled and re-split by the manifest's seeded split like every dataset."""
    _check_shape(image_shape or [1, 28, 28], (1, 28, 28), "mnist")
    base, why = _external("mnist", MNIST_FILES)
    if base is None:
        raise FileNotFoundError(why)
    X = np.concatenate([_idx(base / MNIST_FILES[0]), _idx(base / MNIST_FILES[2])]).reshape(-1, 784) / 255.0
    y = np.concatenate([_idx(base / MNIST_FILES[1]), _idx(base / MNIST_FILES[3])])
    return _subsample(X, y, n_samples, seed)


@dataset_check("cifar10_dir")
def cifar10_available(options: dict[str, Any]) -> str | None:
    base, why = _external("cifar10", CIFAR_FILES)
    return why or _files_problem(base, CIFAR_FILES, _cifar_problem)  # type: ignore[arg-type]


@dataset_loader("cifar10_dir")
def cifar10(seed: int, image_shape: list[int] | None = None, n_samples: int | None = None) -> XY:
    """CIFAR-10 from $PAIRBENCH_EXTERNAL_DATA/cifar10/ in the binary distribution (cifar-10-binary:
    records of 1 label byte + 3072 CHW pixel bytes; the pickled Python version is not read, by design)."""
    _check_shape(image_shape or [3, 32, 32], (3, 32, 32), "cifar10")
    base, why = _external("cifar10", CIFAR_FILES)
    if base is None:
        raise FileNotFoundError(why)
    records = np.concatenate(
        [np.frombuffer(_read_maybe_gz(base / f), dtype=np.uint8).reshape(-1, 3073) for f in CIFAR_FILES]
    )
    return _subsample(records[:, 1:] / 255.0, records[:, 0], n_samples, seed)
