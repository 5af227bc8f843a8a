"""Phase 2's facts come from the real build and install: Cargo metadata, pip metadata, pygount, the binary."""

from __future__ import annotations

from pathlib import Path

import pytest

from pairbench.analysis.ecosystem import facts_table, findings_table
from pairbench.build.facts import cargo_metadata, count_lines, crate_closure, python_closure, workspace_package
from pairbench.build.implementations import record_implementations

pytestmark = pytest.mark.rust


@pytest.fixture(scope="module")
def implementations(catalogue: object) -> dict[str, object]:
    from dataclasses import asdict

    frameworks = {
        n: asdict(f)
        for n, f in catalogue.frameworks.items()  # type: ignore[attr-defined]
        if n in ("scikit-learn", "linfa", "linfa-py")
    }
    cell = {"cell_id": "c", "domain": "classical_ml", "frameworks": [{"name": n} for n in frameworks]}
    selection = {"frameworks": frameworks, "cells": [cell]}
    return record_implementations(selection, skip_build=True)


def test_rust_identity_and_build_facts_from_cargo(implementations: dict[str, object], classical_binary: Path) -> None:
    linfa = implementations["frameworks"]["linfa"]["facts"]  # type: ignore[index]
    assert linfa["version"] == "0.8.1"
    assert linfa["license"] == "MIT OR Apache-2.0"
    assert "github.com/rust-ml/linfa" in linfa["repository"]
    assert linfa["cargo_package"] == "pairbench-classical"
    # linfa, ndarray, serde, clap, ... compiled into the binary; the count is the real closure.
    assert 30 < linfa["crate_count"] < 400
    assert linfa["binary_size_bytes"] == classical_binary.stat().st_size > 100_000
    # The binding links the same linfa plus pyo3 and numpy: a bigger closure.
    binding = implementations["frameworks"]["linfa-py"]["facts"]  # type: ignore[index]
    assert binding["cargo_package"] == "pairbench-linfa-py" and binding["crate_count"] > linfa["crate_count"]


def test_python_identity_and_closure_from_pip_metadata(implementations: dict[str, object]) -> None:
    sk = implementations["frameworks"]["scikit-learn"]["facts"]  # type: ignore[index]
    from importlib.metadata import version

    assert sk["version"] == version("scikit-learn") and sk["python"]["distribution"] == "scikit-learn"
    closure = {c.split(" ")[0].lower() for c in sk["python"]["closure"]}
    assert {"scikit-learn", "numpy", "scipy", "joblib", "threadpoolctl"} <= closure
    assert sk["python"]["closure_distributions"] == len(closure)
    assert sk["python"]["closure_install_bytes"] > sk["python"]["install_bytes"] > 5_000_000
    binding = implementations["frameworks"]["linfa-py"]["facts"]  # type: ignore[index]
    assert binding["python"]["install_bytes"] > 100_000  # the compiled extension module


def test_effort_counts_real_lines(implementations: dict[str, object], tmp_path: Path) -> None:
    for name in ("scikit-learn", "linfa", "linfa-py"):
        effort = implementations["frameworks"][name]["facts"]["effort"]  # type: ignore[index]
        assert effort["tool"].startswith("pygount ") and effort["code_lines"] > 50, name
    linfa_files = implementations["frameworks"]["linfa"]["facts"]["effort"]["files"]  # type: ignore[index]
    assert "src/rust/classical/src/regression.rs" in linfa_files
    # Code lines only: docstrings, comments, blank and punctuation-only lines ("}") are left out.
    (tmp_path / "a.py").write_text('"""doc"""\n\n# comment\nx = 1\ny = 2\n', encoding="utf-8")
    (tmp_path / "b.rs").write_text("// why\nfn main() {\n    let x = 1;\n}\n", encoding="utf-8")
    counted = count_lines(["*.py", "*.rs"], root=tmp_path)
    assert counted["files"]["a.py"]["code"] == 2 and counted["files"]["b.rs"]["code"] == 2


def test_graph_helpers_on_the_workspace() -> None:
    meta = cargo_metadata()
    assert meta is not None
    pkg = workspace_package(meta, binary="pairbench-classical")
    assert pkg is not None
    closure = crate_closure(meta, pkg["id"])
    names = {c.split(" ")[0] for c in closure}
    assert {"linfa", "linfa-svm", "ndarray", "pairbench-core"} <= names
    assert "jsonschema" not in names  # a dev-dependency of pairbench-core is not compiled into the binary
    assert python_closure("no-such-distribution-pairbench") == {}


def test_report_tables_from_the_facts(implementations: dict[str, object]) -> None:
    facts = facts_table(implementations)  # type: ignore[arg-type]
    assert set(facts["framework"]) == {"scikit-learn", "linfa", "linfa-py"}
    row = facts.set_index("framework").loc["linfa"]
    assert row["version"] == "0.8.1" and row["crates_in_build"] > 30 and row["binary_mb"] > 0
    findings = findings_table(
        implementations,
        {
            "decisions": [  # type: ignore[arg-type]
                {"cell_id": "regression.ridge.diabetes", "algorithm": "ridge", "params": {"fit_intercept": True}}
            ]
        },
    )
    ridge = findings.set_index("finding").loc["linfa_ridge_duality_gap"]
    assert ridge["status"] == "reproduces in 0.8.1" and ridge["affected_cells"] == 1
    # The project's own code lines are labelled as such, not as the framework's effort.
    assert row["project_code_lines"] > 50 and row["counted_by"].startswith("pygount ")


def test_three_way_decomposition_from_comparisons() -> None:
    import pandas as pd

    from pairbench.analysis.decomposition import decomposition_table

    def row(cand: str, ref: str, ratio: float, low: float, high: float) -> dict[str, object]:
        return {
            "cell_id": "c",
            "domain": "classical_ml",
            "task": "regression",
            "algorithm": "ridge",
            "dataset": "diabetes",
            "phase": "fit",
            "candidate": cand,
            "reference": ref,
            "ratio": ratio,
            "ratio_ci_low": low,
            "ratio_ci_high": high,
            "outcome": "faster" if ratio < 1 else "slower",
            "p_holm": 0.001,
            "verdict": "x",
        }

    cmp = pd.DataFrame(
        [
            row("linfa", "scikit-learn", 0.2, 0.18, 0.22),
            row("linfa-py", "scikit-learn", 0.5, 0.45, 0.55),
            row("linfa-py", "linfa", 2.5, 2.0, 3.0),
        ]
    )
    # The triple comes from the catalogue's sides: linfa-py is python and names linfa's crate.
    sides = [
        {"name": "scikit-learn", "language": "python"},
        {"name": "linfa", "language": "rust", "crate": "linfa"},
        {"name": "linfa-py", "language": "python", "crate": "linfa"},
    ]
    selection = {"cells": [{"cell_id": "c", "domain": "classical_ml", "frameworks": sides}]}
    d = decomposition_table(cmp, selection).set_index("effect")
    assert d.loc["library", "ratio"] == 0.5 and d.loc["total", "ratio"] == 0.2
    # linfa-py / linfa = 2.5 is turned round: linfa / linfa-py = 0.4, CI [1/3, 1/2], outcome flipped.
    assert d.loc["boundary + process", "ratio"] == pytest.approx(0.4)
    assert (d.loc["boundary + process", "ratio_ci_low"], d.loc["boundary + process", "ratio_ci_high"]) == (
        pytest.approx(1 / 3),
        pytest.approx(0.5),
    )
    assert d.loc["boundary + process", "outcome"] == "faster"
    assert d.loc["library", "ratio"] * d.loc["boundary + process", "ratio"] == pytest.approx(d.loc["total", "ratio"])
    assert decomposition_table(cmp[cmp["candidate"] != "linfa-py"], selection).empty  # needs all three sides
    # Without a crate in common there is no binding, whatever the frameworks are called.
    unbound = {"cells": [{**selection["cells"][0], "frameworks": [{**f, "crate": ""} for f in sides]}]}
    assert decomposition_table(cmp, unbound).empty
