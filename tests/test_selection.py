"""Phase 1: cells, grids and the reasons cells are skipped."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from pairbench.configuration import selection
from pairbench.configuration.config import ConfigError
from pairbench.configuration.selection import RunParams, grid_points, select
from pairbench.core.cells import Cell, make_cell_id


def test_grid_first_and_all() -> None:
    params = {"C": [0.1, 1.0, 10.0], "kernel": ["rbf", "linear"], "tol": 1e-3}
    assert grid_points(params, "first") == [{"C": 0.1, "kernel": "rbf", "tol": 1e-3}]
    points = grid_points(params, "all")
    assert len(points) == 6 and {"C": 10.0, "kernel": "linear", "tol": 1e-3} in points


def test_cell_ids_are_readable_unique_and_safe() -> None:
    a = make_cell_id("regression", "ridge", "diabetes", {"alpha": 0.1, "fit_intercept": True})
    b = make_cell_id("regression", "ridge", "diabetes", {"alpha": 1.0, "fit_intercept": True})
    assert a == "regression.ridge.diabetes.alpha=0.1.fit_intercept=T" and a != b
    assert "/" not in make_cell_id("t", "a", "d", {"path": "x/y z"})


def test_selection_keeps_and_skips_with_reasons(catalogue) -> None:
    sel = select(catalogue, RunParams(run_id="r", algorithms="ridge", datasets="diabetes", min_rounds=4))
    assert [c["algorithm"] for c in sel["cells"]] == ["ridge"]
    cell = Cell(**sel["cells"][0])
    assert cell.side_names == ["scikit-learn", "linfa", "linfa-py"]
    assert sel["params"]["min_rounds"] == 4 and cell.threads == sel["params"]["threads"] == 1  # phase 4 reads params
    skipped = [d for d in sel["decisions"] if not d["selected"]]
    assert skipped and all("not selected" in d["reason"] for d in skipped)
    assert set(sel["datasets"]) == {"diabetes"}


def test_synthetic_size_override_only_touches_synthetic_data(catalogue) -> None:
    sel = select(catalogue, RunParams(run_id="r", synthetic_n_samples=123))
    assert sel["datasets"]["synthetic_linear"]["options"]["n_samples"] == 123
    assert sel["datasets"]["diabetes"]["options"] == {}
    # rl's initial-state table is not synthetic data: its 100 evaluation starts stay 100 in every profile.
    assert sel["datasets"]["cartpole"]["options"]["n_samples"] == 500


def test_missing_framework_is_a_skip_reason(catalogue) -> None:
    frameworks = dict(catalogue.frameworks)
    frameworks["scikit-learn"] = replace(frameworks["scikit-learn"], module="not_a_module_xyz")
    sel = select(replace(catalogue, frameworks=frameworks), RunParams(run_id="r", domains="classical_ml"))
    assert sel["cells"] == []  # the baseline cannot run, so no classical cell can
    classical = [d for d in sel["decisions"] if d["domain"] == "classical_ml"]
    assert classical and all("not_a_module_xyz" in d["reason"] for d in classical)


def _cuda_cells(sel: dict) -> list[dict]:
    return [c for c in sel["cells"] if c["params"].get("device") == "cuda"]


def test_cpu_cells_keep_their_ids_and_auto_adds_no_cuda_cell_without_a_gpu(catalogue, monkeypatch) -> None:
    monkeypatch.setattr(selection, "cuda_unavailable", lambda: "no GPU in this test")
    sel = select(catalogue, RunParams(run_id="r", domains="deep_learning", devices="auto"))
    assert sel["cells"] and not _cuda_cells(sel)
    assert sel["devices"] == {"used": ["cpu"], "unavailable": {"cuda": "no GPU in this test"}}
    assert all("device" not in c["cell_id"] for c in sel["cells"])
    # The device is the run's: written into every cell of a domain whose sides are told one.
    assert all(c["params"]["device"] == "cpu" for c in sel["cells"])


def test_an_asked_for_absent_gpu_skips_its_cells_with_the_reason(catalogue, monkeypatch) -> None:
    monkeypatch.setattr(selection, "cuda_unavailable", lambda: "no GPU in this test")
    sel = select(catalogue, RunParams(run_id="r", domains="deep_learning", devices="cpu,cuda"))
    cuda = [d for d in sel["decisions"] if d["params"].get("device") == "cuda"]
    assert cuda and not _cuda_cells(sel)
    reasons = {d["reason"] for d in cuda if not d["reason"].startswith("dataset")}  # mnist/cifar10 absent
    assert reasons == {"device cuda: no GPU in this test"}
    # classical frameworks list only cpu, so the device axis never reaches that domain
    assert not any(d["domain"] == "classical_ml" and d["params"].get("device") for d in sel["decisions"])


def test_gpu_cells_keep_only_the_frameworks_that_run_on_cuda(catalogue, monkeypatch) -> None:
    # Stands in for a visible GPU: what is checked is which sides a cuda cell keeps, not CUDA itself.
    monkeypatch.setattr(selection, "cuda_unavailable", lambda: None)
    sel = select(catalogue, RunParams(run_id="r", domains="deep_learning", algorithms="lenet", datasets="digits"))
    (cuda,) = _cuda_cells(sel)
    assert [f["name"] for f in cuda["frameworks"]] == ["pytorch", "tch"]
    assert "device=cuda" in cuda["cell_id"]
    decision = next(d for d in sel["decisions"] if d["cell_id"] == cuda["cell_id"])
    assert "candle: runs on cpu only" in decision["reason"]


def test_unknown_device_names_the_allowed_values(catalogue) -> None:
    with pytest.raises(ConfigError, match=r"--devices: invalid value 'gpu'; allowed: auto, .*cpu, cuda"):
        select(catalogue, RunParams(run_id="r", devices="gpu"))


def test_a_task_lists_its_own_sides(catalogue, tmp_path) -> None:
    """llm: tch encodes but does not generate, so text_generation lists its sides (a subset of the domain's,
    baseline first) and its cells leave tch out; a bad list is named with the domain's sides."""
    from pairbench.configuration.config import load_catalogue
    from pairbench.core.paths import config_dir

    sel = select(catalogue, RunParams(run_id="r", domains="llm", algorithms="tiny_bert,tiny_llama"))
    sides = {c["task"]: [f["name"] for f in c["frameworks"]] for c in sel["cells"]}
    assert sides == {
        "sentence_embedding": ["transformers", "candle-transformers", "tch"],
        "text_generation": ["transformers", "candle-transformers"],
    }
    text = (config_dir() / "benchmarks.yaml").read_text(encoding="utf-8")
    bad = text.replace(
        "        frameworks: [transformers, candle-transformers]\n",
        "        frameworks: [candle-transformers, pytorch]\n",
    )
    assert bad != text
    path = tmp_path / "benchmarks.yaml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_catalogue(path, config_dir() / "frameworks.yaml")
    key = f"{path}: domains.llm.tasks.text_generation.frameworks"
    assert err.value.problems == [
        f"{key}: 'pytorch' is not one of the domain's frameworks; allowed: transformers, candle-transformers, tch",
        f"{key}: the first must be the domain's baseline 'transformers', got 'candle-transformers'; "
        "allowed: transformers, candle-transformers, tch",
    ]


def test_fixture_models_run_only_by_name(catalogue) -> None:
    """`fixture: true` (llm's seeded tiny models): `--algorithms all` leaves them out, naming them runs them,
    and the task's `repetitions` becomes each cell's samples."""
    real = select(catalogue, RunParams(run_id="r", domains="llm"))
    assert {c["algorithm"] for c in real["cells"]} == {"minilm_l6", "smollm2_135m"}
    named = select(catalogue, RunParams(run_id="r", domains="llm", algorithms="tiny_bert,minilm_l6"))
    assert {c["algorithm"] for c in named["cells"]} == {"tiny_bert", "minilm_l6"}
    samples = {c["task"]: c["samples"] for c in named["cells"]}
    assert samples == {"sentence_embedding": 4}
    everything = select(catalogue, RunParams(run_id="r"))
    assert not {c["algorithm"] for c in everything["cells"]} & {"tiny_bert", "tiny_llama"}


def test_coverage_rotate_runs_every_algorithm_once_rotating_through_the_datasets(catalogue: Any) -> None:
    """standard's coverage: each algorithm on one dataset of its task, the task's datasets taken in turn."""
    rotate = select(catalogue, RunParams(run_id="r", domains="classical_ml", coverage="rotate"))
    everything = select(catalogue, RunParams(run_id="r", domains="classical_ml"))
    cells = [(c["task"], c["algorithm"], c["dataset"]) for c in rotate["cells"]]
    algorithms = {
        (t.task, a) for t in catalogue.tasks if t.domain == "classical_ml" for a in t.algorithms if a not in t.fixtures
    }
    assert sorted({(t, a) for t, a, _ in cells}) == sorted(algorithms) and len(cells) == len(algorithms)
    regression = next(t for t in catalogue.tasks if t.task == "regression")
    order = list(regression.datasets)
    used = [d for t, _, d in cells if t == "regression"]
    assert used == [order[i % len(order)] for i in range(len(used))]
    assert len(everything["cells"]) > len(cells)
    left = [d for d in rotate["decisions"] if not d["selected"] and d["domain"] == "classical_ml"]
    assert left and all("--coverage rotate" in d["reason"] for d in left)


def test_an_aa_run_keeps_the_known_effect_cell_whatever_the_datasets_list(catalogue) -> None:
    # smoke names its datasets; the calibration cell's (chain_starts) is not among them, and must still run
    rp = RunParams(run_id="r", algorithms="ridge", datasets="diabetes", aa=True)
    cells = select(catalogue, rp)["cells"]
    assert {c["domain"] for c in cells} == {"classical_ml", "calibration"}
    assert not [c for c in select(catalogue, replace(rp, aa=False))["cells"] if c["domain"] == "calibration"]
