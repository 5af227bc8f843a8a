"""The classical-ML pairs end to end on real data: kernel mapping, gates, CV and the scaling helpers."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.metrics.pairwise import linear_kernel, polynomial_kernel, rbf_kernel

from pairbench.core.cells import Cell
from pairbench.datasets.materialise import DatasetSpec, load_verified, materialise
from pairbench.experiment.gate import apply_gate
from pairbench.experiment.scaling import crossover, loglog_slope
from pairbench.experiment.validation import validate_cell

pytestmark = pytest.mark.rust

SKLEARN = {"name": "scikit-learn", "language": "python", "backend": "numpy", "package": "scikit-learn"}
LINFA = {"name": "linfa", "language": "rust", "backend": "pure Rust", "binary": "pairbench-classical"}
CLASSIFICATION_GATE = {"metric": "accuracy", "tolerance": 0.01, "floor": 0.5}
CLUSTERING_GATE = {"metric": "adjusted_rand", "tolerance": 0.02, "also": [{"metric": "silhouette", "tolerance": 0.01}]}


@pytest.fixture(scope="module")
def cl_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cl_data")
    materialise(
        DatasetSpec("iris", "sklearn_iris", "classification", True, {}),
        root / "iris",
        seed=42,
        test_fraction=0.2,
        dtype="float64",
        cv_folds=5,
    )
    materialise(
        DatasetSpec("blobs", "synthetic_blobs", "clustering", True, {"n_samples": 300, "centers": 3}),
        root / "blobs",
        seed=42,
        test_fraction=0.2,
        dtype="float64",
        cv_folds=5,
    )
    return root


def _cell(
    tmp_path: Path, task: str, algorithm: str, dataset: str, params: dict[str, Any], gate: dict[str, Any]
) -> Path:
    cell = Cell(
        run_id="test",
        domain="classical_ml",
        task=task,
        algorithm=algorithm,
        dataset=dataset,
        params=params,
        frameworks=[SKLEARN, LINFA],
        warmup=0,
        samples=1,
        threads=1,
        quality_gate=gate,
    )
    return cell.write(tmp_path / "cells")


@pytest.mark.parametrize(
    ("kernel", "params", "reference"),
    [
        ("rbf", {"gamma": 0.3}, lambda X: rbf_kernel(X, gamma=0.3)),
        (
            "poly",
            {"gamma": 0.5, "degree": 3, "coef0": 1.0},
            lambda X: polynomial_kernel(X, degree=3, gamma=0.5, coef0=1.0),
        ),
        ("linear", {}, linear_kernel),
    ],
)
def test_linfa_kernel_matrix_equals_sklearns(
    kernel: str, params: dict[str, float], reference: Any, classical_binary: Path, tmp_path: Path
) -> None:
    X = np.random.default_rng(0).normal(size=(40, 5))
    np.save(tmp_path / "x.npy", X)
    args = [f"--{k}={v}" for k, v in params.items()]
    subprocess.run(
        [
            str(classical_binary),
            "kernel-matrix",
            "--x",
            str(tmp_path / "x.npy"),
            "--kernel",
            kernel,
            *args,
            "--out",
            str(tmp_path / "k.npy"),
        ],
        check=True,
    )
    np.testing.assert_allclose(np.load(tmp_path / "k.npy"), reference(X), rtol=1e-10, atol=1e-12)


def test_a_wrong_gamma_mapping_would_be_caught(classical_binary: Path, tmp_path: Path) -> None:
    # eps = gamma (instead of 1/gamma) must not pass the same comparison: the test above can fail.
    X = np.random.default_rng(1).normal(size=(20, 3))
    np.save(tmp_path / "x.npy", X)
    subprocess.run(
        [
            str(classical_binary),
            "kernel-matrix",
            "--x",
            str(tmp_path / "x.npy"),
            "--kernel",
            "rbf",
            "--gamma",
            str(1 / 0.3),
            "--out",
            str(tmp_path / "k.npy"),
        ],
        check=True,
    )
    assert not np.allclose(np.load(tmp_path / "k.npy"), rbf_kernel(X, gamma=0.3))


def test_svc_one_vs_rest_passes_gate_with_cross_validation(cl_data: Path, tmp_path: Path) -> None:
    params = {"C": 1.0, "kernel": "rbf", "gamma": 0.1, "degree": 3, "coef0": 1.0, "tol": 1e-3, "shrinking": False}
    report = validate_cell(
        _cell(tmp_path, "classification", "svc", "iris", params, CLASSIFICATION_GATE), cl_data, tmp_path / "work"
    )
    assert report["comparable"], report["reasons"]
    for side in ("scikit-learn", "linfa"):
        q = report["sides"][side]["quality"]
        assert q["accuracy"] > 0.85 and q["auc_roc"] is not None and q["auc_roc"] > 0.9
    cv = report["cv"]
    assert cv["n_splits"] == 5 and cv["stratified"]
    assert len(cv["sides"]["linfa"]["folds"]) == 5
    pair = cv["paired"][0]
    assert pair["metric"] == "accuracy" and len(pair["fold_differences"]) == 5
    assert pair["difference_ci_low"] is None or pair["difference_ci_low"] <= pair["difference_mean"]


def test_one_vs_rest_iteration_counts_reduce_to_the_largest(cl_data: Path, tmp_path: Path) -> None:
    # One-vs-rest records one iteration count per class; the max_iter flag must read the list, not crash.
    from pairbench.analysis.tidy import launches_table
    from pairbench.core.schema import read_result
    from pairbench.harness.launcher import run_side

    cell = _cell(
        tmp_path, "classification", "linearsvc", "iris", {"C": 1.0, "tol": 1e-4, "max_iter": 3}, CLASSIFICATION_GATE
    )
    out = tmp_path / "r.json"
    assert run_side(cell, "scikit-learn", cl_data, out, timeout_s=60).ok
    doc = read_result(out)
    assert isinstance(doc["metadata"]["n_iter"], list) and len(doc["metadata"]["n_iter"]) == 3
    row = launches_table([doc]).iloc[0]
    assert row["n_iter"] == 3 and bool(row["hit_max_iter"])


@pytest.mark.parametrize(
    ("algorithm", "params"),
    [
        ("kmeans", {"n_clusters": 3, "init": "first_rows", "n_init": 1, "tol": 1e-4, "max_iter": 300}),
        ("dbscan", {"eps": 0.3, "min_samples": 5}),
        ("agglomerative", {"n_clusters": 3, "linkage": "average"}),
        (
            "gaussian_mixture",
            {"n_clusters": 3, "covariance_type": "full", "tol": 1e-3, "reg_covar": 1e-6, "max_iter": 100, "n_init": 1},
        ),
    ],
)
def test_clustering_sides_agree(algorithm: str, params: dict[str, Any], cl_data: Path, tmp_path: Path) -> None:
    report = validate_cell(
        _cell(tmp_path, "clustering", algorithm, "blobs", params, CLUSTERING_GATE), cl_data, tmp_path / "work"
    )
    assert report["comparable"], report["reasons"]
    assert "cv" not in report  # clustering is scored on the data clustered, not cross-validated


def test_kmeans_from_the_same_centroids_gives_the_same_labels(cl_data: Path, tmp_path: Path) -> None:
    params = {"n_clusters": 3, "init": "first_rows", "n_init": 1, "tol": 1e-4, "max_iter": 300}
    validate_cell(_cell(tmp_path, "clustering", "kmeans", "blobs", params, CLUSTERING_GATE), cl_data, tmp_path / "w")
    cell_id = next((tmp_path / "cells").glob("*.json")).stem
    py = np.load(tmp_path / "w" / f"{cell_id}.scikit-learn.predictions.npy")
    rs = np.load(tmp_path / "w" / f"{cell_id}.linfa.predictions.npy")
    assert py.shape == (load_verified(cl_data / "blobs").X_train.shape[0],)
    np.testing.assert_array_equal(py, rs)


def test_unsupported_gmm_covariance_is_reported_not_comparable(cl_data: Path, tmp_path: Path) -> None:
    params = {"n_clusters": 3, "covariance_type": "diag", "tol": 1e-3, "reg_covar": 1e-6, "max_iter": 100, "n_init": 1}
    report = validate_cell(
        _cell(tmp_path, "clustering", "gaussian_mixture", "blobs", params, CLUSTERING_GATE), cl_data, tmp_path / "work"
    )
    assert not report["comparable"]
    assert 'only \\"full\\"' in json.dumps(report["reasons"]) or "full" in " ".join(report["reasons"])


def test_secondary_gate_metric_can_fail_alone() -> None:
    gate = CLUSTERING_GATE
    ok = apply_gate(gate, {"adjusted_rand": 0.9, "silhouette": 0.5}, {"adjusted_rand": 0.9, "silhouette": 0.505})
    bad = apply_gate(gate, {"adjusted_rand": 0.9, "silhouette": 0.5}, {"adjusted_rand": 0.9, "silhouette": 0.55})
    assert ok.comparable and not bad.comparable
    assert any("silhouette" in r for r in bad.reasons)
    # A secondary index undefined on both sides is agreement; the primary at chance on both is not parity.
    both_undefined = apply_gate(
        gate, {"adjusted_rand": 0.6, "silhouette": None}, {"adjusted_rand": 0.6, "silhouette": None}
    )
    assert both_undefined.comparable
    at_chance = apply_gate(gate, {"adjusted_rand": 0.0, "silhouette": None}, {"adjusted_rand": 0.0, "silhouette": None})
    assert not at_chance.comparable and "degenerate on both sides" in at_chance.reasons[0]


def test_dbscan_labelling_everything_noise_on_both_sides_is_not_comparable(cl_data: Path, tmp_path: Path) -> None:
    # eps far below the spacing of standardised blobs: every point is noise on both sides.
    report = validate_cell(
        _cell(tmp_path, "clustering", "dbscan", "blobs", {"eps": 0.001, "min_samples": 5}, CLUSTERING_GATE),
        cl_data,
        tmp_path / "work",
    )
    assert not report["comparable"]
    assert any("fewer than 2 clusters" in r for r in report["reasons"]), report["reasons"]
    sides = report["sides"]
    assert sides["scikit-learn"]["quality"]["noise_fraction"] == 1.0 == sides["linfa"]["quality"]["noise_fraction"]


def test_folds_are_stratified_and_checksummed(cl_data: Path) -> None:
    split = load_verified(cl_data / "iris")
    assert split.folds is not None and set(split.folds.tolist()) == set(range(5))
    for k in range(5):
        counts = np.bincount(split.y_train[split.folds == k], minlength=3)
        assert counts.max() - counts.min() <= 1
    manifest = json.loads((cl_data / "iris" / "manifest.json").read_text())
    assert manifest["files"]["folds"]["sha256"] and manifest["cv"]["n_splits"] == 5


def test_scaling_slope_and_crossover() -> None:
    n = [1000.0, 10000.0, 100000.0]
    assert loglog_slope(n, [0.01, 1.0, 100.0]) == pytest.approx(2.0)
    pts = {"py": {1000: 0.01, 10000: 0.1}, "rs": {1000: 0.001, 10000: 1.0}}
    c = crossover(pts, "py", "rs")
    assert c["crossover_n"] is not None and 1000 < c["crossover_n"] < 10000
    assert "rs is faster below it" in c["statement"]
    assert crossover({"py": {1: 2.0}, "rs": {1: 1.0}}, "py", "rs")["crossover_n"] is None
