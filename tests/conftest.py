"""Shared fixtures: real datasets materialised into a temp dir, real cell specs, the real binaries."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pairbench.configuration.config import load_catalogue
from pairbench.core.cells import Cell
from pairbench.core.paths import config_dir, project_root, rust_target_dir
from pairbench.datasets.materialise import DatasetSpec, materialise

ROOT = project_root()
# A skipped root-only test (Slurm, full disk) is named in the summary; `--root-only` runs just those.
pytest_plugins = ("tests.root_only",)


# The modules that run the whole pipeline (their tests are marked `pipeline`; the collection checks it).
PIPELINE_MODULES = frozenset({"tests/test_pipeline.py", "tests/test_fault_tolerance.py"})
# The other worker starts with the longest of the other modules (seconds measured in `make test` on 2
# cores: llm 176, slurm 163, quality_gate 68, rl 64, validation_batch 55), so that what is left when the
# pipeline group ends is short modules both workers can share.
LONG_MODULES = (
    "tests/test_llm.py",
    "tests/test_slurm.py",
    "tests/test_quality_gate.py",
    "tests/test_rl.py",
    "tests/test_validation_batch.py",
)


def _scope(nodeid: str) -> str:
    module = nodeid.split("::")[0]
    return "pipeline" if module in PIPELINE_MODULES else module


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Under pytest-xdist (`make test` runs two workers): a module's tests stay on one worker, so its
    module fixtures are built once, and the pipeline modules share one worker, so two of their Nextflow
    runs (each using both cores) never overlap. That group goes first (the collection puts it there and
    the scheduler keeps the order): it is about half of all test time, and the other worker takes the
    remaining modules meanwhile. (xdist's own `loadgroup` does not group under pytest 9: it renames
    `item._nodeid`, which pytest 9 no longer reads.)"""
    from xdist.scheduler import LoadScopeScheduling

    class ModuleScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _scope(nodeid)

    config.option.loadscopereorder = False
    return ModuleScheduling(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The pipeline group first, then LONG_MODULES (see pytest_xdist_make_scheduler); a `pipeline` test
    outside PIPELINE_MODULES is an error."""
    stray = sorted({_scope(i.nodeid) for i in items if i.get_closest_marker("pipeline")} - {"pipeline"})
    if stray:
        raise pytest.UsageError(f"tests/conftest.py: PIPELINE_MODULES: add {', '.join(stray)} (it runs the pipeline)")
    rank = {"pipeline": 0} | {module: 1 + i for i, module in enumerate(LONG_MODULES)}
    items.sort(key=lambda item: rank.get(_scope(item.nodeid), len(rank)))


@pytest.fixture(scope="session")
def catalogue() -> Any:
    return load_catalogue(config_dir() / "benchmarks.yaml", config_dir() / "frameworks.yaml")


@pytest.fixture(scope="session")
def classical_binary() -> Path:
    path = rust_target_dir() / "release" / "pairbench-classical"
    if not path.exists():
        pytest.fail(f"{path} missing: run `make setup` (cargo build --release) first")
    return path


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """diabetes and a small synthetic_linear, materialised exactly as phase 3 does."""
    root = tmp_path_factory.mktemp("data")
    materialise(
        DatasetSpec("diabetes", "sklearn_diabetes", "regression", True, {}),
        root / "diabetes",
        seed=42,
        test_fraction=0.2,
        dtype="float64",
    )
    materialise(
        DatasetSpec(
            "synthetic_linear",
            "synthetic_linear",
            "regression",
            True,
            {"n_samples": 400, "n_features": 8, "noise": 5.0},
        ),
        root / "synthetic_linear",
        seed=42,
        test_fraction=0.2,
        dtype="float64",
    )
    return root


REGRESSION_PARAMS: dict[str, dict[str, Any]] = {
    "linear": {"fit_intercept": True},
    "ridge": {"alpha": 0.1, "fit_intercept": True, "tol": 1e-6, "max_iter": 10000},
    "lasso": {"alpha": 0.1, "fit_intercept": True, "tol": 1e-6, "max_iter": 10000},
    "elastic_net": {"alpha": 0.1, "l1_ratio": 0.5, "fit_intercept": True, "tol": 1e-6, "max_iter": 10000},
}

SKLEARN = {"name": "scikit-learn", "language": "python", "backend": "numpy", "package": "scikit-learn"}
LINFA = {"name": "linfa", "language": "rust", "backend": "pure Rust", "binary": "pairbench-classical"}


@pytest.fixture
def make_cell(tmp_path: Path) -> Callable[..., Path]:
    def make(
        algorithm: str = "ridge",
        dataset: str = "diabetes",
        samples: int = 3,
        warmup: int = 1,
        frameworks: list[dict[str, str]] | None = None,
        **overrides: Any,
    ) -> Path:
        cell = Cell(
            threads=1,
            run_id="test",
            domain="classical_ml",
            task="regression",
            algorithm=algorithm,
            dataset=dataset,
            params=dict(REGRESSION_PARAMS[algorithm], **overrides),
            frameworks=frameworks or [SKLEARN, LINFA],
            samples=samples,
            warmup=warmup,
            quality_gate={"metric": "r2", "tolerance": 0.01, "floor": 0.0},
        )
        return cell.write(tmp_path / "cells")

    return make


def read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def pytest_configure(config: pytest.Config) -> None:
    # Registered here rather than in pyproject.toml, whose every change re-installs the venv.
    config.addinivalue_line("markers", "slurm: runs the pipeline on a local one-node Slurm cluster (needs root)")
