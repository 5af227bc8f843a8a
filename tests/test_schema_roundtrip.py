"""Both languages write the one schema; Python validates what either side wrote."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from pairbench.core.schema import ResultValidationError, read_result, validate_result, write_result
from tests.conftest import read_json


def _run(cmd: list[str]) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


@pytest.fixture
def results(make_cell, data_dir: Path, classical_binary: Path, tmp_path: Path) -> dict[str, Path]:
    cell = make_cell("lasso")
    common = ["--cell", str(cell), "--data-dir", str(data_dir), "--launch", "2"]
    py_out, rs_out = tmp_path / "py.json", tmp_path / "rs.json"
    _run(
        [sys.executable, "-m", "pairbench.harness.worker", "--framework", "scikit-learn", *common, "--out", str(py_out)]
    )
    _run([str(classical_binary), "run", "--framework", "linfa", *common, "--out", str(rs_out)])
    return {"python": py_out, "rust": rs_out}


def test_both_sides_write_valid_results_with_raw_samples(results: dict[str, Path]) -> None:
    for language, path in results.items():
        doc = read_result(path)
        assert doc["language"] == language
        assert doc["launch"] == 2
        assert doc["status"] == "ok"
        for phase in ("fit", "predict"):
            timing = doc["timing"]["phases"][phase]
            # at least the requested warm-up call; more when the time-based warm-up needed them
            assert len(timing["samples"]) == 3 and timing["warmup"] >= 1 and timing["batch"] >= 1
            assert all(s > 0 for s in timing["samples"])
        assert doc["resources"]["peak_rss_mb"] > 1
        assert doc["threads"] == 1
        assert doc["metadata"]["thread_env"]["OMP_NUM_THREADS"] == "1"
        assert doc["metadata"]["thread_env"]["RAYON_NUM_THREADS"] == "1"


def test_python_and_rust_results_describe_the_same_cell(results: dict[str, Path]) -> None:
    py, rs = read_result(results["python"]), read_result(results["rust"])
    for key in ("cell_id", "task", "algorithm", "params", "seed", "dtype", "threads", "dataset"):
        assert py[key] == rs[key], key
    assert py["framework"]["name"] == "scikit-learn" and rs["framework"]["name"] == "linfa"
    assert rs["framework"]["version"] == "0.8.1"
    assert py["quality"]["r2"] == pytest.approx(rs["quality"]["r2"], abs=1e-6)
    assert set(py["quality"]) == set(rs["quality"])


def test_round_trip_is_lossless(results: dict[str, Path], tmp_path: Path) -> None:
    for path in results.values():
        doc = read_json(path)
        out = tmp_path / "again.json"
        write_result(doc, out)
        assert json.loads(out.read_text()) == doc


def test_schema_rejects_malformed_results(results: dict[str, Path]) -> None:
    good = read_json(results["rust"])
    broken = []
    for mutate in (
        lambda d: d.pop("timing"),
        lambda d: d.update(language="julia"),
        lambda d: d.update(status="failed"),  # a failed result must carry its error text
        lambda d: d["timing"]["phases"]["fit"].update(samples=[-1.0]),
        lambda d: d.update(unexpected=1),
    ):
        doc = copy.deepcopy(good)
        mutate(doc)
        broken.append(doc)
    for doc in broken:
        with pytest.raises(ResultValidationError):
            validate_result(doc)


def test_the_typed_launch_round_trips_what_either_side_wrote(results: dict[str, Path]) -> None:
    from pairbench.core.schema import Launch

    for path in results.values():
        doc = read_json(path)
        # same keys, same order, same values: the Rust side's ResultDoc and Python's Launch agree
        assert json.dumps(Launch.read(path).to_json()) == json.dumps(doc)
