"""Each run parameter has one source: nextflow_schema.json's default. nextflow.config repeats it for
Nextflow (as nf-core pipelines do), and this test is what keeps the two equal; the Python side reads the
schema instead of writing the number again."""

from __future__ import annotations

import dataclasses
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
from pairbench.core.benchmark import RunContext
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


def test_a_cell_states_its_repetitions() -> None:
    # --warmup and --samples (or the task's own) are written into every cell by phase 1: no second default here.
    fields = Cell.__dataclass_fields__
    assert all(fields[name].default is dataclasses.MISSING for name in ("threads", "warmup", "samples"))
    with pytest.raises(TypeError, match="warmup"):
        Cell(run_id="r", domain="d", task="t", algorithm="a", dataset="x", params={}, frameworks=[], threads=1)  # type: ignore[call-arg]


def test_the_scaling_study_defaults_have_one_source() -> None:
    import argparse
    import inspect

    from pairbench.cli import scaling as cli
    from pairbench.experiment.scaling import SAMPLES_PER_SIZE, run_scaling

    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    defaults = vars(parser.parse_args(["--benchmarks", "b", "--frameworks", "f", "--threads", "1"]))
    assert defaults["sizes"] == run_default("scaling_sizes")
    assert defaults["algorithms"] == run_default("scaling_algorithms")
    assert defaults["max_fit_s"] == run_default("scaling_max_fit_s")
    assert defaults["samples"] == SAMPLES_PER_SIZE
    params = inspect.signature(run_scaling).parameters
    assert all(params[name].default is inspect.Parameter.empty for name in ("samples", "max_fit_s", "threads"))


# Threads: the cell's count (phase 1 writes it) is the one source, applied once per launch by the measured
# process (harness/threads.pin_threads; Rust: measure.rs pin_threads) before any numerical library loads.
PACKAGE = ROOT / "src" / "python" / "pairbench"


def test_the_thread_variables_are_the_rust_sides() -> None:
    from pairbench.harness.threads import THREAD_VARIABLES

    rust = (ROOT / "src" / "rust" / "pairbench-core" / "src" / "measure.rs").read_text(encoding="utf-8")
    m = re.search(r"pub const THREAD_VARIABLES: \[&str; (\d+)\] = \[(.*?)\];", rust, re.S)
    assert m, "measure.rs: no THREAD_VARIABLES constant"
    names = re.findall(r'"([A-Z_]+)"', m.group(2))
    assert len(names) == int(m.group(1))
    assert tuple(names) == THREAD_VARIABLES


def test_threads_are_applied_once_and_defaulted_nowhere() -> None:
    """No runner sets its own thread count (torch.set_num_threads, threadpool_limits) and no function takes a
    `threads` with a default count: the worker pins the cell's count once per process (a launch, or a validation
    batch, whose jobs share one count), before any numerical library loads."""
    import ast

    applied, defaulted = [], []
    for path in sorted(PACKAGE.rglob("*.py")):
        where = path.relative_to(PACKAGE)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                if name in ("set_num_threads", "threadpool_limits", "pin_threads"):
                    applied.append(f"{where} {name}")
            elif isinstance(node, ast.FunctionDef):
                args = node.args.args[len(node.args.args) - len(node.args.defaults) :] + node.args.kwonlyargs
                defaults = [*node.args.defaults, *node.args.kw_defaults]
                defaulted += [
                    f"{where}:{node.lineno} {node.name}({a.arg}={d.value})"
                    for a, d in zip(args, defaults, strict=True)
                    if a.arg == "threads" and isinstance(d, ast.Constant) and isinstance(d.value, int)
                ]
    assert applied == ["harness/worker.py pin_threads"] * 2, applied
    assert not defaulted, f"a thread count defaulted besides the cell's: {defaulted}"
    assert "threads" not in RunContext.__dataclass_fields__


def test_nextflow_asks_for_the_cells_threads_not_a_pattern_over_its_id() -> None:
    base = (ROOT / "conf" / "base.config").read_text()
    block = base[base.index("withLabel: 'process_benchmark'") :]
    block = block[: block.index("}\n    withName")]
    assert "cpus     = { threads }" in block and "cell_id" not in block
    for module in ("run_rounds.nf", "run_benchmark.nf"):
        assert "val(threads)" in (ROOT / "modules" / "local" / module).read_text()
    assert "doc.threads as int" in (ROOT / "workflows" / "phase4_benchmark.nf").read_text()


def test_check_config_holds_every_cells_threads_to_the_local_cores() -> None:
    from pairbench.cli.check_config import thread_problems

    cells = [
        {"domain": "classical_ml", "task": "regression", "algorithm": "ridge", "threads": 1},
        {"domain": "llm", "task": "text_generation", "algorithm": "tiny_llama", "threads": 4},
        {"domain": "llm", "task": "text_generation", "algorithm": "tiny_llama", "threads": 4},
    ]
    assert thread_problems(cells, 1, "local", 2) == [
        "llm.text_generation.tiny_llama: threads (its threads axis): 4 threads, but the local executor has 2 core(s); "
        "allowed: 1 to 2"
    ]
    assert thread_problems(cells, 4, "local", 2)[0].startswith("params: --threads: 4 threads")
    assert thread_problems(cells, 1, "slurm", 2) == []
