#!/usr/bin/env bash
# Build pairbench-tch against the venv's torch, or say why not; never fails the caller's setup.
# tch 0.26 targets exactly torch 2.13 (LIBTORCH_USE_PYTORCH=1: torch-sys asks this interpreter where
# libtorch is); the binary gets torch/lib as its run path, so no LD_LIBRARY_PATH is needed later.
set -u
# Absolute: build scripts run in the crate's directory, where a relative interpreter path breaks.
PY="${1:-.venv/bin/python}"
PY="$(cd "$(dirname "$PY")" && pwd)/$(basename "$PY")"  # absolute, but keep the venv symlink
if ! "$PY" -c 'import torch' 2>/dev/null; then
    echo "build_tch: torch not importable by $PY; pairbench-tch not built (phase 1 will skip tch)" >&2
    exit 0
fi
# torch-sys runs `python` when VIRTUAL_ENV is set (else `python3`) from PATH, not a given interpreter.
VENV_BIN="$(dirname "$PY")"
if LIBTORCH_USE_PYTORCH=1 PYTHON_SYS_EXECUTABLE="$PY" VIRTUAL_ENV="$(dirname "$VENV_BIN")" PATH="$VENV_BIN:$PATH" \
    cargo build --release --locked -p pairbench-tch; then
    target/release/pairbench-tch capabilities >/dev/null \
        || echo "build_tch: pairbench-tch built but cannot load libtorch" >&2
else
    echo "build_tch: pairbench-tch failed to build against $("$PY" -c 'import torch; print(torch.__version__)'); tch cells will be skipped" >&2
fi
exit 0
