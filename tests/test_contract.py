"""The Python side's benchmark contract (core/benchmark.py) and typed result (schema.Launch/Series),
mirroring pairbench-core's `Benchmark` trait and `ResultDoc`."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from pairbench.core.benchmark import Benchmark, RunContext
from pairbench.core.schema import Launch, ResultValidationError, Series, SeriesMismatch, validate_result


def result_doc(launch: int = 1, **changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schema_version": "1.0",
        "run_id": "r",
        "cell_id": "regression.ridge.diabetes",
        "launch": launch,
        "language": "python",
        "framework": {"name": "scikit-learn", "version": "1.5", "backend": "numpy"},
        "domain": "classical_ml",
        "task": "regression",
        "algorithm": "ridge",
        "dataset": {"name": "diabetes", "n_train": 353, "n_test": 89, "n_features": 10, "sha256": "a" * 64},
        "params": {"alpha": 0.1},
        "seed": 42,
        "dtype": "float64",
        "threads": 1,
        "quality": {"r2": 0.5, "mae": None},
        # no batch/warmup_s: an older result; they must stay absent, not come back as null
        "timing": {
            "phases": {
                "predict": {"unit": "s", "warmup": 1, "samples": [1e-05, 2e-05]},
                "fit": {"unit": "s", "warmup": 2, "samples": [0.1], "batch": 1, "warmup_s": 0.1},
            }
        },
        "resources": {"peak_rss_mb": 80.5, "cpu_percent": 99.0},
        "status": "ok",
        "error": None,
        "started_at": "2026-01-01T00:00:00Z",
        "finished_at": "2026-01-01T00:00:01Z",
        "host": "n1",
        "cpu_model": "AMD EPYC 7B13",
        "metadata": {"python": "3.12"},
    }
    for key, value in changes.items():
        if key in ("sha256",):
            doc["dataset"][key] = value
        else:
            doc[key] = value
    return validate_result(doc)


def test_launch_round_trips_the_document_key_for_key_and_in_order() -> None:
    for doc in (result_doc(), {k: v for k, v in result_doc().items() if k not in ("cpu_model", "metadata")}):
        again = Launch.from_json(copy.deepcopy(doc)).to_json()
        assert json.dumps(again) == json.dumps(doc)


def test_launch_refuses_a_document_the_schema_refuses() -> None:
    with pytest.raises(ResultValidationError, match="threads"):
        Launch.from_json({**result_doc(), "threads": 0})


def test_launch_reads_and_writes_files(tmp_path: Path) -> None:
    Launch.from_json(result_doc()).write(tmp_path / "r.json")
    assert Launch.read(tmp_path / "r.json") == Launch.from_json(result_doc())


def test_series_pools_launches_of_one_cell_and_side() -> None:
    series = Series.from_json([result_doc(1), result_doc(2)])
    assert series.samples("fit") == [0.1, 0.1]
    assert [d["launch"] for d in series.to_json()] == [1, 2]


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"sha256": "b" * 64}, "dataset sha256"),
        ({"threads": 2}, "threads: 2 here, 1 in launch 1"),
        ({"dtype": "float32"}, "dtype: 'float32' here, 'float64' in launch 1"),
    ],
)
def test_series_refuses_a_launch_that_measured_something_else(change: dict[str, Any], named: str) -> None:
    series = Series.from_json([result_doc(1)])
    with pytest.raises(SeriesMismatch, match=r"launch 2 of regression\.ridge\.diabetes") as info:
        series.add(Launch.from_json(result_doc(2, **change)))
    assert named in str(info.value)
    assert len(series.launches) == 1


def test_series_names_every_difference_at_once() -> None:
    series = Series.from_json([result_doc(1)])
    with pytest.raises(SeriesMismatch) as info:
        series.add(Launch.from_json(result_doc(2, threads=4, dtype="float32")))
    assert "threads" in str(info.value) and "dtype" in str(info.value)


def test_series_takes_a_failed_launch_whose_data_was_never_read() -> None:
    failed = result_doc(2, sha256="", status="failed", error="exit code 1: boom", timing={"phases": {}}, quality={})
    series = Series.from_json([result_doc(1), failed])
    assert len(series.launches) == 2 and series.samples("fit") == [0.1]


def test_a_registered_runner_returns_the_contract(data_dir: Path) -> None:
    from pairbench.core.registry import get_task_runner
    from pairbench.datasets.materialise import load_verified

    runner = get_task_runner("classical_ml", "regression", "scikit-learn")
    bench = runner(
        "ridge",
        {"alpha": 0.1, "fit_intercept": True, "tol": 1e-6, "max_iter": 100},
        load_verified(data_dir / "diabetes"),
        RunContext("c", data_dir),
    )
    assert isinstance(bench, Benchmark)
    assert bench.repeats("fit") == 1 and not bench.stateful() and bench.metadata()["estimator"] == "Ridge"


def test_plugin_modules_are_discovered_without_importing_the_heavy_ones() -> None:
    from pairbench.core.registry import plugin_modules

    found = plugin_modules()
    assert found["pairbench.tasks.rl.tasks"] == "rl" and found["pairbench.datasets.builtin"] is None
    assert {d for d in found.values() if d} == {"classical_ml", "deep_learning", "rl", "llm", "calibration"}
    # implementation modules do the work and import the heavy libraries: never plugin modules
    assert "pairbench.tasks.deep.torch_runner" not in found and "pairbench.datasets.materialise" not in found


@pytest.mark.parametrize(
    ("domain", "task", "framework", "absent"),
    [
        ("classical_ml", "regression", "scikit-learn", ("torch", "transformers", "stable_baselines3", "gymnasium")),
        ("rl", "policy", "stable-baselines3", ("sklearn", "torch", "transformers")),
        ("llm", "sentence_embedding", "transformers", ("sklearn", "torch", "transformers")),
        # the calibration kernel's launches start in well under a second: no numerical library beyond numpy
        ("calibration", "known_effect", "kernel-python", ("sklearn", "scipy", "torch", "pandas")),
    ],
)
def test_a_runner_lookup_imports_only_its_domain(
    domain: str, task: str, framework: str, absent: tuple[str, ...]
) -> None:
    """The house rule: a timed launch never pays for imports it does not need."""
    import subprocess
    import sys

    code = (
        f"import sys; from pairbench.core.registry import get_task_runner; "
        f"get_task_runner({domain!r}, {task!r}, {framework!r}); "
        f"print(','.join(m for m in {absent!r} if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == ""


def test_reading_the_catalogue_imports_no_numerical_library() -> None:
    """The config check and phase 1 register every plugin (each pipeline start pays for what they import):
    no estimator library, no torch, no pandas until a step does the work. The config check's own module
    (which reads the hardware and requirements files too) is held to the same rule."""
    import subprocess
    import sys

    heavy = ("sklearn", "scipy", "torch", "pandas", "transformers", "stable_baselines3", "gymnasium")
    code = (
        "import sys; from pairbench.core import registry; registry.task_runners(); registry.dataset_sources(); "
        "registry.algorithms(); from pairbench.analysis.cost import load_machine; import pairbench.cli.check_config; "
        f"print(','.join(m for m in {heavy!r} if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == ""


def test_a_machine_without_the_nvidia_driver_has_no_cuda_without_importing_torch() -> None:
    import ctypes
    import subprocess
    import sys

    try:
        ctypes.CDLL("libcuda.so.1")
        pytest.skip("the NVIDIA driver loads here: torch is asked")
    except OSError:
        pass
    code = (
        "import sys; from pairbench.configuration.selection import cuda_unavailable; "
        "print(cuda_unavailable()); print('torch' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.splitlines() == [
        "no NVIDIA driver here (libcuda.so.1 does not load), so no CUDA device can be used",
        "False",
    ]


def test_analysis_refuses_to_pool_launches_that_measured_different_things(tmp_path: Path) -> None:
    from pairbench.analysis.run import AnalysisInputs, load_inputs
    from pairbench.analysis.tidy import MIXED_SERIES

    rust = {"language": "rust", "framework": {"name": "linfa", "version": "0.8.1", "backend": "pure Rust"}}
    docs = [result_doc(1), result_doc(2), result_doc(3, threads=2), result_doc(1, **rust), result_doc(2, **rust)]
    for i, doc in enumerate(docs):
        Launch.from_json(doc).write(tmp_path / f"r{i}.json")
    results = load_inputs(tmp_path, AnalysisInputs()).results
    by_side = {(d["framework"]["name"], d["launch"]): d for d in results}
    for launch in (1, 2, 3):  # which of scikit-learn's launches is right is unknown: none is pooled
        refused = by_side[("scikit-learn", launch)]
        assert refused["status"] == "failed" and refused["error"].startswith(f"{MIXED_SERIES}: launch 3 ")
        assert "threads: 2 here, 1 in launch 1" in refused["error"]
    assert by_side[("linfa", 1)]["status"] == by_side[("linfa", 2)]["status"] == "ok"
