"""Fuzzing the three readers every run depends on: any input is either accepted or refused with a
named error (ConfigError / ResultValidationError / ValueError), never an uncaught exception."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pairbench.analysis.cost import load_machine
from pairbench.analysis.settings import load_analysis_config
from pairbench.configuration.config import ConfigError, load_catalogue, load_frameworks
from pairbench.configuration.requirements import load_requirements
from pairbench.core.cells import Cell
from pairbench.core.paths import config_dir
from pairbench.core.schema import ResultValidationError, read_result

# CI runs a fixed, derandomised set (a red build always reproduces); PAIRBENCH_FUZZ_EXAMPLES=5000 hunts deeper.
_EXAMPLES = int(os.environ.get("PAIRBENCH_FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=_EXAMPLES,
    deadline=None,
    derandomize="PAIRBENCH_FUZZ_EXAMPLES" not in os.environ,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
scalars = st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.floats(allow_nan=False) | st.text(max_size=12)
json_docs = st.recursive(
    scalars,
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4),
    max_leaves=20,
)
SHIPPED = yaml.safe_load((config_dir() / "benchmarks.yaml").read_text())


def _mutate(doc: Any, path: list[str], value: Any) -> Any:
    """The shipped catalogue with the value at a (possibly new) key path replaced."""
    if not path:
        return value
    if isinstance(doc, dict):
        key = path[0] if path[0] in doc or not doc else sorted(doc)[hash(path[0]) % len(doc)]
        return {**doc, key: _mutate(doc.get(key), path[1:], value)}
    return value


@FUZZ
@given(path=st.lists(st.text(max_size=6), max_size=5), value=json_docs)
def test_catalogue_loader_names_every_problem(tmp_path: Path, path: list[str], value: Any) -> None:
    target = tmp_path / "benchmarks.yaml"
    target.write_text(yaml.safe_dump(_mutate(SHIPPED, path, value)))
    try:
        load_catalogue(target, config_dir() / "frameworks.yaml")
    except ConfigError as exc:
        assert exc.problems and all(str(target) in p or p.startswith("params") for p in exc.problems)


@FUZZ
@given(text=st.text(max_size=200))
def test_catalogue_loader_on_any_text(tmp_path: Path, text: str) -> None:
    target = tmp_path / "benchmarks.yaml"
    target.write_text(text)
    with contextlib.suppress(ConfigError):
        load_catalogue(target, config_dir() / "frameworks.yaml")


@FUZZ
@given(raw=st.binary(max_size=300) | json_docs.map(lambda d: json.dumps(d).encode()))
def test_result_loader_refuses_with_a_named_error(tmp_path: Path, raw: bytes) -> None:
    target = tmp_path / "r.json"
    target.write_bytes(raw)
    try:
        read_result(target)
    except ResultValidationError as exc:
        assert str(target) in str(exc)


@FUZZ
@given(
    raw=st.binary(max_size=300)
    | json_docs.map(lambda d: json.dumps(d).encode())
    | st.fixed_dictionaries(
        {
            "run_id": scalars,
            "domain": st.text(max_size=20),
            "task": st.text(max_size=9),
            "algorithm": st.text(max_size=9),
            "dataset": st.text(max_size=20),
            "params": json_docs,
            "frameworks": json_docs,
        }
    ).map(lambda d: json.dumps(d).encode())
)
def test_cell_reader_refuses_with_a_named_error(tmp_path: Path, raw: bytes) -> None:
    target = tmp_path / "cell.json"
    target.write_bytes(raw)
    try:
        cell = Cell.read(target)
    except ValueError as exc:
        assert str(target) in str(exc)
    else:
        assert "/" not in cell.dataset and cell.dataset not in (".", "..")


_SPEC = {
    "benchmarks": {
        "classical_ml": {
            "regression": {
                "datasets": ["diabetes", "california_housing"],
                "algorithms": ["ridge"],
                "metrics": ["r2"],
                "hyperparameters": {"ridge": {"alpha": [0.1, 1.0]}},
                "repetitions": 5,
                "cross_validation_folds": 5,
                "statistical_significance_level": 0.05,
                "power_analysis": True,
            }
        }
    }
}


def _load_spec(path: Path) -> Any:
    return load_catalogue(path, config_dir() / "frameworks.yaml")


def _shipped(name: str) -> Any:
    return yaml.safe_load((config_dir() / name).read_text())


# The schema-checked files: (loader, a valid document to mutate).
SCHEMA_CHECKED = {
    "spec_layout": (_load_spec, _SPEC),
    "analysis": (load_analysis_config, _shipped("analysis.yaml")),
    "hardware": (lambda p: load_machine(p, "default"), _shipped("hardware.yaml")),
    "requirements": (load_requirements, _shipped("requirements.yaml")),
    "frameworks": (load_frameworks, _shipped("frameworks.yaml")),
}


@pytest.mark.parametrize("which", SCHEMA_CHECKED)
def test_schema_checked_loaders_name_every_problem(tmp_path: Path, which: str) -> None:
    loader, valid = SCHEMA_CHECKED[which]

    @FUZZ
    @given(path=st.lists(st.text(max_size=6), max_size=5), value=json_docs)
    def check(path: list[str], value: Any) -> None:
        target = tmp_path / f"{which}.yaml"
        target.write_text(yaml.safe_dump(_mutate(valid, path, value)))
        try:
            loader(target)
        except ConfigError as exc:
            assert exc.problems and all(str(target) in p for p in exc.problems)

    check()
