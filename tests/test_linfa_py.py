"""linfa-py: linfa through PyO3 (built by `make setup` with maturin) runs the binary's own functions,
is called like scikit-learn, and goes through the normal quality gate."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from pairbench.experiment.validation import validate_cell
from pairbench.harness.launcher import run_side
from tests.conftest import LINFA, SKLEARN

pytestmark = pytest.mark.rust

LINFA_PY = {"name": "linfa-py", "language": "python", "backend": "linfa via PyO3", "package": "pairbench-linfa-py"}


@pytest.fixture(scope="module")
def linfa_py() -> object:
    try:
        import linfa_py
    except ImportError as err:
        pytest.fail(f"linfa_py is not importable ({err}): run `make setup` (maturin builds it into the venv)")
    return linfa_py


def test_same_algorithm_tables_as_the_binary(linfa_py: object, classical_binary: Path) -> None:
    binary = json.loads(
        subprocess.run([str(classical_binary), "capabilities"], capture_output=True, text=True, check=True).stdout
    )
    mine = json.loads(linfa_py.capabilities())  # type: ignore[attr-defined]
    assert mine["domains"] == binary["domains"]
    assert mine["version"] == binary["version"] == linfa_py.LINFA_VERSION  # type: ignore[attr-defined]


@pytest.mark.parametrize("algorithm", ["linear", "elastic_net"])
def test_predictions_equal_the_native_binarys(
    algorithm: str, make_cell: Callable[..., Path], data_dir: Path, tmp_path: Path
) -> None:
    """Same Rust functions, same bytes in: the PyO3 path and the native process predict the same numbers."""
    cell = make_cell(algorithm, "synthetic_linear", samples=1, warmup=0, frameworks=[SKLEARN, LINFA, LINFA_PY])
    preds = {}
    for side in ("linfa", "linfa-py"):
        pred = tmp_path / f"{side}.npy"
        outcome = run_side(
            cell, side, data_dir, tmp_path / f"{side}.json", timeout_s=120, extra=["--predictions-out", str(pred)]
        )
        assert outcome.ok, outcome.error
        preds[side] = np.load(pred)
    np.testing.assert_array_equal(preds["linfa-py"], preds["linfa"])
    result = json.loads((tmp_path / "linfa-py.json").read_text(encoding="utf-8"))
    assert result["language"] == "python" and result["framework"]["name"] == "linfa-py"
    assert result["metadata"]["linfa_version"] == "0.8.1"


@pytest.mark.parametrize("algorithm", ["lasso"])
def test_linfa_py_through_the_gate(
    algorithm: str, make_cell: Callable[..., Path], data_dir: Path, tmp_path: Path
) -> None:
    cell = make_cell(algorithm, "diabetes", samples=1, warmup=0, frameworks=[SKLEARN, LINFA, LINFA_PY])
    report = validate_cell(cell, data_dir, tmp_path / "work", cv=False)
    assert report["sides"]["linfa-py"]["ok"], report["sides"]["linfa-py"]
    gates = {g["candidate"]: g for g in report["gates"]}
    assert gates["linfa-py"]["comparable"], gates["linfa-py"]["reasons"]
    # The two linfa paths are one implementation: identical quality.
    assert report["sides"]["linfa-py"]["quality"]["r2"] == report["sides"]["linfa"]["quality"]["r2"]


def test_sklearn_style_estimators_on_numpy(linfa_py: object) -> None:
    from sklearn.base import clone

    from pairbench.tasks.classical.linfa_py_estimators import LinfaClassifier, LinfaClusterer, LinfaRegressor

    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4))
    y = X @ np.array([1.0, -2.0, 0.5, 0.0]) + 0.01 * rng.normal(size=120)
    reg = clone(LinfaRegressor("linear", {"fit_intercept": True})).fit(X, y)
    assert reg.score(X, y) > 0.99
    # A strided (non-contiguous) view is read in place, not rejected.
    wide = np.repeat(X, 2, axis=1)[:, ::2]
    assert not wide.flags.c_contiguous
    np.testing.assert_allclose(reg.predict(wide), reg.predict(X), rtol=0, atol=1e-12)
    labels = (X[:, 0] > 0).astype(np.int64) + (X[:, 1] > 0).astype(np.int64)
    clf = LinfaClassifier(
        "svc", {"C": 1.0, "kernel": "rbf", "gamma": 0.5, "degree": 3, "coef0": 1.0, "tol": 1e-3, "shrinking": False}
    ).fit(X, labels)
    assert list(clf.classes_) == [0, 1, 2] and clf.decision_function(X).shape == (120, 3)
    assert clf.score(X, labels) > 0.9
    km = LinfaClusterer("kmeans", {"n_clusters": 2, "init": "first_rows", "n_init": 1, "tol": 1e-4, "max_iter": 50})
    assert set(km.fit_predict(X)) == {0, 1}


def test_bad_input_gets_a_clear_error(linfa_py: object) -> None:
    with pytest.raises(ValueError, match='unknown regression algorithm "svm"; allowed: linear, ridge'):
        linfa_py.Regressor("svm", "{}")  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="alpha"):
        linfa_py.Regressor("ridge", "{}")  # type: ignore[attr-defined]
    reg = linfa_py.Regressor("linear", json.dumps({"fit_intercept": True}))  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="X has 3 rows but y has 2 entries"):
        reg.fit(np.zeros((3, 2)), np.zeros(2))
    with pytest.raises(TypeError):
        reg.fit(np.zeros((3, 2), dtype=np.float32), np.zeros(3))
