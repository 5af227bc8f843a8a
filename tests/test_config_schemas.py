"""The one config validator (pairbench.configuration.schema_check) on every schema-checked file: the shipped files
pass, each bad case is named in the house form, and every problem of a file is listed at once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from pairbench.analysis.cost import load_machine, validate_hardware
from pairbench.analysis.settings import load_analysis_config
from pairbench.configuration.config import DEVICES, ConfigError, load_catalogue, load_frameworks
from pairbench.configuration.requirements import DEFAULT_USE_CASES, REQUIREMENT_KEYS, WEIGHT_KEYS, load_requirements
from pairbench.configuration.schema_check import dotted, load_schema, schema_problems
from pairbench.core.paths import config_dir
from pairbench.core.registry import dataset_sources

SCHEMAS = {
    "analysis": "analysis.yaml",
    "hardware": "hardware.yaml",
    "requirements": "requirements.yaml",
    "frameworks": "frameworks.yaml",
    "benchmarks": "benchmarks.yaml",
}


@pytest.mark.parametrize("schema", [*SCHEMAS, "spec_benchmarks", "result"])
def test_every_schema_is_a_valid_draft_2020_12_schema(schema: str) -> None:
    assert load_schema(schema)["$schema"].endswith("2020-12/schema")


@pytest.mark.parametrize(("schema", "file"), SCHEMAS.items())
def test_shipped_config_files_have_no_problems(schema: str, file: str) -> None:
    assert schema_problems(yaml.safe_load((config_dir() / file).read_text()), schema, file) == []


def test_the_schemas_name_what_the_code_knows() -> None:
    """Names the schemas list by hand stay the code's names (one source: the code)."""
    req = load_schema("requirements")
    assert tuple(req["properties"]["use_cases"]["properties"]) == tuple(uc.name for uc in DEFAULT_USE_CASES)
    assert tuple(req["properties"]["weights"]["properties"]) == WEIGHT_KEYS
    assert tuple(req["$defs"]["requirement"]["properties"]) == REQUIREMENT_KEYS
    devices = load_schema("frameworks")["$defs"]["framework"]["properties"]["devices"]["anyOf"][0]["items"]["enum"]
    assert tuple(devices) == DEVICES


def test_dotted_keys() -> None:
    assert dotted(["a", "b", 0, "c"]) == "a.b[0].c" and dotted([]) == "<root>"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


Loader = Callable[[Path], Any]
# (loader, file text, every expected problem after "<file>: ", in order)
CASES: list[tuple[str, Loader, str, list[str]]] = [
    (
        "analysis-everything",
        load_analysis_config,
        "power: {power: 2, effect: 0, min_samples: 1.5, x: 1}\nranking: {weights: {speed: -1, colour: 1}, "
        "elo: {kk: 1, k: -2}, bradley_terry: {prior_wins: a}}\ncost: {training_phases: fit}\nextra: 1\n",
        [
            "cost.training_phases: got 'fit'; allowed: a list of phase-name patterns",
            "extra: unknown key; allowed: version, power, ranking, cost",
            "power.x: unknown key; allowed: effect, power, min_samples",
            "power.effect: got 0; allowed: a number in [1e-06, 10]",
            "power.min_samples: got 1.5; allowed: an integer >= 1",
            "power.power: got 2; allowed: a number in [0.01, 0.9999]",
            "ranking.bradley_terry.prior_wins: got 'a'; allowed: a number >= 0",
            "ranking.elo.kk: unknown key; allowed: k, initial",
            "ranking.elo.k: got -2; allowed: a number >= 0",
            "ranking.weights.colour: unknown weight; allowed: speed, memory, quality",
            "ranking.weights.speed: got -1; allowed: a number >= 0",
        ],
    ),
    (
        "analysis-section-not-a-mapping",
        load_analysis_config,
        "power: [1]\n",
        ["power: expected a mapping or nothing, got list [1]"],
    ),
    (
        "hardware-everything",
        lambda p: load_machine(p, "m"),
        "machines:\n  m: {cores: 0, price_per_hour_usd: -1, tdp_watts: x, fan: 1}\n  n: {cores: 2}\n",
        [
            "machines.m.fan: unknown key; allowed: description, cores, memory_gb, price_per_hour_usd, tdp_watts",
            "machines.m.cores: got 0; allowed: a positive integer",
            "machines.m.price_per_hour_usd: got -1; allowed: a positive number",
            "machines.m.tdp_watts: got 'x'; allowed: a positive number",
            "machines.n.price_per_hour_usd: missing required key",
            "machines.n.tdp_watts: missing required key",
        ],
    ),
    (
        "hardware-no-machines",
        lambda p: load_machine(p, "default"),
        "machines: {}\n",
        ["machines: expected a mapping of machine profiles"],
    ),
    (
        "hardware-unknown-profile",
        lambda p: load_machine(p, "big"),
        "machines:\n  m: {cores: 2, price_per_hour_usd: 1, tdp_watts: 10}\n",
        ["machines.big: unknown machine profile; allowed: m"],
    ),
    (
        "frameworks-everything",
        load_frameworks,
        "frameworks:\n  a: {language: go, backend: x, domains: [classical_ml, chess], devices: [tpu], colour: red}\n"
        "  b: {language: python, backend: x, domains: [llm], sources: [../x, /etc/*, ok/*.py]}\n"
        "  c: {language: rust, backend: x, domains: rl, binary: ../../bin/sh}\n  d/e: {language: rust}\n  f: [1]\n",
        [
            "frameworks.a.colour: unknown key; allowed: language, package, module, crate, binary, backend, domains, "
            "homepage, license, devices, sources",
            "frameworks.a.devices: invalid value ['tpu']; allowed: cpu, cuda (a non-empty list of them)",
            "frameworks.a.language: invalid value 'go'; allowed: python, rust",
            "frameworks.a.domains: unknown domain 'chess'; allowed: calibration, classical_ml, deep_learning, llm, rl",
            "frameworks.b: a python framework needs `package`, the distribution whose version is recorded",
            "frameworks.b.sources: invalid value ['../x', '/etc/*', 'ok/*.py']; allowed: a list of file globs inside "
            "the repository (relative, no ..)",
            "frameworks.c.domains: expected a list, got string 'rl'",
            "frameworks.c.binary: invalid name '../../bin/sh'; allowed: [A-Za-z0-9_.-]+ (and not . or ..)",
            "frameworks.d/e.backend: missing required key",
            "frameworks.d/e.domains: missing required key",
            "frameworks.d/e: a rust framework needs `binary`, the benchmark binary's name",
            "frameworks.d/e: invalid name 'd/e'; allowed: [A-Za-z0-9_.-]+ (and not . or ..)",
            "frameworks.f: expected a mapping, got list [1]",
        ],
    ),
    (
        "benchmarks-everything",
        lambda p: load_catalogue(p, config_dir() / "frameworks.yaml"),
        "defaults: {threads: 0, dtype: float16, test_fraction: 1, colour: 1}\n"
        "datasets:\n  d1: {source: synthetic_linear, task: ranking, standardize: 'yes', options: {n_samples: -1, "
        "noise: -1, n_sample: 3}}\n  d2: {source: kaggle, task: regression}\n  'a b': {source: x, task: regression}\n"
        "domains:\n  classical_ml:\n    frameworks: [scikit-learn]\n    tasks:\n      regression:\n"
        "        quality_gate: {metric: r2, tolerance: small, also: [{metric: rmse}]}\n"
        "        datasets: [d1, nope]\n        algorithms:\n          ridge: {params: {alpha: [], tol: {a: 1}}}\n"
        "          ridgee: {}\n      ranking: {}\n  chess: {}\n",
        [
            "defaults.colour: unknown key; allowed: seed, threads, dtype, test_fraction",
            "defaults.dtype: invalid value 'float16'; allowed: float32, float64",
            "defaults.test_fraction: expected a number in (0, 1), got 1",
            "defaults.threads: a run parameter, not a catalogue default: pass --threads "
            "(nextflow_schema.json holds its default)",
            "datasets.d1.options.n_samples: expected a positive integer, got -1",
            "datasets.d1.options.noise: expected a number >= 0, got -1",
            "datasets.d1.standardize: expected true or false, got 'yes'",
            "datasets.d1.task: invalid value 'ranking'; allowed: regression, classification, clustering, control, "
            "text, known_effect",
            "datasets.d1.options.n_sample: not an option of source 'synthetic_linear'; allowed: n_samples, n_features, "
            "noise",
            "datasets.d2.source: unknown dataset source 'kaggle'; allowed: " + ", ".join(sorted(dataset_sources())),
            "datasets.a b: invalid name 'a b'; allowed: [A-Za-z0-9_.-]+ (and not . or ..)",
            "domains.chess: unknown domain; allowed: calibration, classical_ml, deep_learning, llm, rl",
            "domains.chess.frameworks: missing required key",
            "domains.chess.tasks: missing required key",
            "domains.classical_ml.frameworks: expected a list of at least two frameworks (the first is the baseline), "
            "got ['scikit-learn']; allowed: linfa, linfa-py, scikit-learn",
            "domains.classical_ml.tasks.ranking: unknown task; allowed: classification, clustering, regression",
            "domains.classical_ml.tasks.ranking.algorithms: missing required key",
            "domains.classical_ml.tasks.ranking.datasets: missing required key",
            "domains.classical_ml.tasks.ranking.quality_gate: missing required key",
            "domains.classical_ml.tasks.regression.quality_gate.also[0]: expected {metric, tolerance}, got "
            "{'metric': 'rmse'}",
            "domains.classical_ml.tasks.regression.quality_gate.tolerance: expected a number, got 'small'",
            "domains.classical_ml.tasks.regression.datasets: unknown dataset 'nope'; allowed: d1",
            "domains.classical_ml.tasks.regression.algorithms.ridge.params.alpha: expected a scalar or a non-empty "
            "list of scalars (a list is a grid axis; an empty grid has no points), got []",
            "domains.classical_ml.tasks.regression.algorithms.ridge.params.tol: expected a scalar or a non-empty "
            "list of scalars (a list is a grid axis; an empty grid has no points), got {'a': 1}",
            "domains.classical_ml.tasks.regression.algorithms.ridgee: unknown algorithm; allowed: elastic_net, lasso, "
            "linear, nusvr, ridge, ridge_cd, svr",
        ],
    ),
    (
        "requirements-everything",
        load_requirements,
        "weights: {speed: -1, colour: 2}\ntasks:\n  t: {latency_budget: 1, latency_phase: 3}\n"
        "default: {quality_floor: high}\nuse_cases:\n  gaming: {weight: 1}\n  memory_constrained: {phases: [fit]}\n"
        "  batch_inference: {phases: predict, weight: -1}\n",
        [
            "default.quality_floor: got 'high'; allowed: a number or null",
            "tasks.t.latency_budget: unknown key; allowed: latency_budget_s, latency_phase, memory_budget_mb, "
            "quality_floor",
            "tasks.t.latency_phase: got 3; allowed: a phase name or null",
            "use_cases.gaming: unknown use case; allowed: training_throughput, batch_inference, "
            "single_request_latency, memory_constrained",
            "use_cases.batch_inference.phases: got 'predict'; allowed: a list of phase names",
            "use_cases.batch_inference.weight: got -1; allowed: a number >= 0",
            "use_cases.memory_constrained.phases: memory is not per phase; allowed: weight",
            "weights.colour: unknown weight; allowed: speed, memory, quality",
            "weights.speed: got -1; allowed: a number >= 0",
        ],
    ),
]


@pytest.mark.parametrize(("name", "loader", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_bad_config_lists_every_problem_in_the_house_form(
    tmp_path: Path, name: str, loader: Loader, text: str, expected: list[str]
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as exc:
        loader(path)
    assert sorted(exc.value.problems) == sorted(f"{path}: {line}" for line in expected)


def test_validate_hardware_returns_the_problems_of_every_profile(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "machines:\n  a: {cores: 1, price_per_hour_usd: 1, tdp_watts: 1}\n  b: {cores: 0, "
        "price_per_hour_usd: 1, tdp_watts: 1}\n",
    )
    assert validate_hardware(path) == [f"{path}: machines.b.cores: got 0; allowed: a positive integer"]
    assert validate_hardware(tmp_path / "none.yaml") == [f"{tmp_path / 'none.yaml'}: file not found"]
