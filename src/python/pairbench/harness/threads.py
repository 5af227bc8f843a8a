"""One thread count, applied to every threading runtime either side may use.

The count is the cell's (`Cell.threads`, written by phase 1); a measured process applies it once, at its
start, before any numerical library is loaded: BLAS, OpenMP, torch and rayon read these variables when they
load, so nothing applies it again later (the result records what each runtime took: `thread_env`, `blas`,
`torch_threads`). Rust's twin is pairbench-core/src/measure.rs (`THREAD_VARIABLES`, `pin_threads`), held
equal by tests/test_params_single_source.py.
"""

from __future__ import annotations

import os

THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "RAYON_NUM_THREADS",
)


def thread_env(threads: int) -> dict[str, str]:
    if threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")
    return dict.fromkeys(THREAD_VARIABLES, str(threads))


def pin_threads(threads: int) -> None:
    """Export the cell's thread count to every threading runtime, so a worker started by hand is pinned
    exactly as one started by `pairbench launch`. Call before numpy (or any numerical library) is imported."""
    os.environ.update(thread_env(threads))
