"""Schema-valid synthetic results for analysis/report tests, from the benchmark's generator."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def bench_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("analyse_10k", ROOT / "benchmarks" / "analyse_10k.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
