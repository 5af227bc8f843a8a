"""Each run parameter has one source: nextflow_schema.json's default. nextflow.config repeats it for
Nextflow (as nf-core pipelines do), and this test is what keeps the two equal; the Python side reads the
schema instead of writing the number again."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from pairbench.analysis.settings import StatisticsSettings
from pairbench.configuration.config import ConfigError, load_catalogue
from pairbench.configuration.run_defaults import run_default, schema_properties
from pairbench.configuration.selection import RunParams
from pairbench.core.cells import Cell
from pairbench.core.paths import config_dir, project_root

ROOT = project_root()


def nextflow_config_params() -> dict[str, Any]:
    """The literal defaults of nextflow.config's params block (paths built from ${projectDir} left out)."""
    block = re.search(r"^params \{\n(.*?)^\}", (ROOT / "nextflow.config").read_text(), re.S | re.M)
    assert block, "nextflow.config: no params block"
    values: dict[str, Any] = {}
    for line in block.group(1).splitlines():
        m = re.match(r"\s*(\w+)\s*=\s*(.+?)\s*(//.*)?$", line)
        if not m or "${" in m.group(2):
            continue
        raw = m.group(2)
        values[m.group(1)] = raw.strip("'\"") if raw[0] in "'\"" else json.loads(raw)
    return values


def test_nextflow_config_repeats_the_schema_defaults_exactly() -> None:
    props = schema_properties(json.loads((ROOT / "nextflow_schema.json").read_text()))
    config = nextflow_config_params()
    assert len(config) > 30
    differ = {
        name: (value, props[name].get("default"))
        for name, value in config.items()
        if props[name].get("default") != value
    }
    assert not differ, f"nextflow.config vs nextflow_schema.json defaults (config, schema): {differ}"


def test_python_defaults_are_the_schemas() -> None:
    settings, run = StatisticsSettings(), RunParams(run_id="r")
    for name in ("alpha", "delta", "resamples"):
        assert getattr(settings, name) == run_default(name)
    for name in ("min_rounds", "max_rounds", "cell_budget_s", "aa", "samples", "warmup", "threads", "cv_folds",
                 "grid", "devices", "domains"):  # fmt: skip
        assert getattr(run, name) == run_default(name)


def test_threads_is_a_run_parameter_not_a_catalogue_default(tmp_path: Path) -> None:
    doc = yaml.safe_load((config_dir() / "benchmarks.yaml").read_text())
    doc["defaults"]["threads"] = 2
    bad = tmp_path / "benchmarks.yaml"
    bad.write_text(yaml.safe_dump(doc))
    with pytest.raises(ConfigError) as err:
        load_catalogue(bad, config_dir() / "frameworks.yaml")
    assert any("defaults.threads: a run parameter" in p and "--threads" in p for p in err.value.problems)


def test_a_cell_states_its_threads_and_carries_no_unused_launch_count() -> None:
    with pytest.raises(TypeError, match="threads"):
        Cell(run_id="r", domain="d", task="t", algorithm="a", dataset="x", params={}, frameworks=[])  # type: ignore[call-arg]
    # A cell's own launch count (rl's `solve`: one launch per seed; 0 = rounds) is read where launches are
    # scheduled and counted, so it is not an unused copy of a run parameter.
    assert Cell.__dataclass_fields__["launches"].default == 0
    root = Path(__file__).resolve().parents[1]
    assert ".launches ?: 0" in (root / "workflows" / "phase4_benchmark.nf").read_text()
    assert 'v.get("launches")' in (root / "src" / "python" / "pairbench" / "analysis" / "accounting.py").read_text()
