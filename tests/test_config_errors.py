"""Bad input fails before anything runs, naming the file, the key and the allowed values."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pairbench.configuration.config import ConfigError, load_catalogue
from pairbench.configuration.params import validate_params
from pairbench.configuration.selection import RunParams, select
from pairbench.core.paths import config_dir

BENCHMARKS = config_dir() / "benchmarks.yaml"
FRAMEWORKS = config_dir() / "frameworks.yaml"


def _write(tmp_path: Path, doc: dict, name: str = "benchmarks.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc))
    return path


def _problems(benchmarks: Path, frameworks: Path = FRAMEWORKS) -> str:
    with pytest.raises(ConfigError) as info:
        load_catalogue(benchmarks, frameworks)
    return str(info.value)


@pytest.fixture
def doc() -> dict:
    return yaml.safe_load(BENCHMARKS.read_text())


def test_shipped_config_is_valid(catalogue) -> None:
    assert {a for t in catalogue.tasks for a in t.algorithms} >= {"linear", "ridge", "lasso", "elastic_net"}


def test_unknown_algorithm_names_file_key_and_allowed(doc: dict, tmp_path: Path) -> None:
    doc["domains"]["classical_ml"]["tasks"]["regression"]["algorithms"]["ridgee"] = {"params": {}}
    text = _problems(_write(tmp_path, doc))
    assert "benchmarks.yaml: domains.classical_ml.tasks.regression.algorithms.ridgee: unknown algorithm" in text
    assert "allowed: " in text and "elastic_net" in text and "ridge" in text


def test_unknown_dataset_and_wrong_types(doc: dict, tmp_path: Path) -> None:
    doc["domains"]["classical_ml"]["tasks"]["regression"]["datasets"].append("diabetis")
    doc["defaults"]["threads"] = "two"
    doc["datasets"]["diabetes"]["standardize"] = "yes"
    doc["datasets"]["synthetic_linear"]["options"]["n_sample"] = 10
    text = _problems(_write(tmp_path, doc))
    assert re.search(r"unknown dataset 'diabetis'; allowed: [a-z0-9_, ]*\bdiabetes\b", text)
    assert "defaults.threads: a run parameter, not a catalogue default: pass --threads" in text
    assert "datasets.diabetes.standardize: expected true or false" in text
    assert "datasets.synthetic_linear.options.n_sample: not an option of source 'synthetic_linear'" in text
    assert "n_samples" in text


def test_unknown_framework_and_source(doc: dict, tmp_path: Path) -> None:
    doc["domains"]["classical_ml"]["frameworks"] = ["scikit-learn", "linfaa"]
    doc["datasets"]["diabetes"]["source"] = "kaggle"
    text = _problems(_write(tmp_path, doc))
    assert "domains.classical_ml.frameworks: unknown framework 'linfaa'" in text and "allowed: linfa" in text
    assert "datasets.diabetes.source: unknown dataset source 'kaggle'" in text and "sklearn_diabetes" in text


def test_bad_frameworks_file(tmp_path: Path) -> None:
    fw = yaml.safe_load(FRAMEWORKS.read_text())
    fw["frameworks"]["linfa"]["language"] = "go"
    text = _problems(BENCHMARKS, _write(tmp_path, fw, "frameworks.yaml"))
    assert "frameworks.yaml: frameworks.linfa.language: invalid value 'go'; allowed: python, rust" in text


def test_bad_framework_devices(tmp_path: Path) -> None:
    fw = yaml.safe_load(FRAMEWORKS.read_text())
    fw["frameworks"]["candle"]["devices"] = ["cpu", "tpu"]
    text = _problems(BENCHMARKS, _write(tmp_path, fw, "frameworks.yaml"))
    assert "frameworks.yaml: frameworks.candle.devices: invalid value ['cpu', 'tpu']" in text
    assert "allowed: cpu, cuda" in text


def test_missing_file_is_named(tmp_path: Path) -> None:
    assert "file not found" in _problems(tmp_path / "nope.yaml")


def test_params_are_checked_against_nextflow_schema() -> None:
    with pytest.raises(ConfigError) as info:
        validate_params({"outdir": "r", "min_rounds": "three", "grid": "some", "min_round": 3})
    text = str(info.value)
    assert "--min_rounds: 'three' is not of type 'integer'" in text
    assert "--grid: 'some' is not one of ['first', 'all']; allowed: first, all" in text
    assert "--min_round: unknown parameter" in text and "min_rounds" in text


def test_a_pattern_param_names_its_allowed_values() -> None:
    with pytest.raises(
        ConfigError,
        match=r"--devices: invalid value 'gpu'; allowed: auto, or a comma-separated "
        r"list of cpu, cuda",
    ):
        validate_params({"outdir": "r", "devices": "gpu"})


def test_unknown_names_in_params(catalogue) -> None:
    allowed = r"allowed: all, [a-z_, ]*\belastic_net\b"
    with pytest.raises(ConfigError, match=r"--algorithms: unknown name\(s\) svm; " + allowed):
        select(catalogue, RunParams(run_id="x", algorithms="ridge,svm"))


def test_cli_exits_2_with_the_message(doc: dict, tmp_path: Path) -> None:
    params = tmp_path / "params.json"
    params.write_text(json.dumps({"outdir": "r", "threads": 0}))
    proc = subprocess.run(
        [sys.executable, "-m", "pairbench.cli.main", "check-config", "--params", str(params)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "--threads: 0 is less than the minimum of 1" in proc.stderr


def test_dataset_params_override_per_dataset_and_bad_ones_are_named(doc: dict, catalogue, tmp_path: Path) -> None:
    clustering = next(t for t in catalogue.tasks if t.task == "clustering")
    assert clustering.params_for("dbscan", "iris")["eps"] == [1.0, 0.8]
    assert clustering.params_for("dbscan", "synthetic_blobs")["min_samples"] == 10
    assert clustering.params_for("kmeans", "iris") == clustering.algorithms["kmeans"]
    dbscan = doc["domains"]["classical_ml"]["tasks"]["clustering"]["algorithms"]["dbscan"]
    dbscan["dataset_params"]["diabetes"] = {"eps": 1.0}
    dbscan["dataset_params"]["iris"]["epsilon"] = 1.0
    text = _problems(_write(tmp_path, doc))
    key = "domains.classical_ml.tasks.clustering.algorithms.dbscan.dataset_params"
    assert f"{key}.diabetes: not a dataset of this task; allowed: " in text
    assert f"{key}.iris.epsilon: overrides no parameter of the algorithm; allowed: eps, min_samples" in text


def test_the_name_bound_keeps_every_derived_file_name_legal(tmp_path: Path) -> None:
    # The longest cell id (MAX_ID: longer ids end in a digest) and the longest side name allowed still give
    # file names of at most 255 bytes wherever a side's files are named after them.
    from pairbench.core.benchmark import scores_path
    from pairbench.core.cells import MAX_ID, Cell
    from pairbench.core.names import LONGEST_SUFFIX, MAX_NAME_LENGTH, config_name_problem
    from pairbench.experiment.validation import validation_job

    side = "s" * MAX_NAME_LENGTH
    assert config_name_problem(side) is None and config_name_problem(side + "s") is not None
    cell = Cell(
        run_id="r",
        domain="classical_ml",
        task="classification",
        algorithm="a" * MAX_NAME_LENGTH,
        dataset="d" * MAX_NAME_LENGTH,
        params={f"param_{i}": 0.125 for i in range(30)},
        frameworks=[{"name": "scikit-learn"}, {"name": side}],
        threads=1,
        warmup=0,
        samples=1,
    )
    assert len(cell.cell_id) == MAX_ID
    job = validation_job(tmp_path / "cell.json", cell, side, tmp_path, cv=True)
    predictions = Path(job["predictions_out"])
    names = [
        Path(job["out"]).name,
        predictions.name,
        scores_path(predictions).name,
        Path(job["cv_predictions_dir"]).name,
    ]
    assert max(len(n.encode()) for n in names) == MAX_ID + 1 + MAX_NAME_LENGTH + len(LONGEST_SUFFIX) <= 255
