"""The gate: real sides agree; a deliberately wrong implementation is caught and not timed."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest

from pairbench.experiment.gate import apply_gate, chance_levels
from pairbench.experiment.validation import validate_cell
from tests.conftest import LINFA, SKLEARN

GATE = {"metric": "r2", "tolerance": 0.01, "floor": 0.0}


def test_gate_rules() -> None:
    assert apply_gate(GATE, {"r2": 0.45}, {"r2": 0.455}).comparable
    too_far = apply_gate(GATE, {"r2": 0.45}, {"r2": 0.47})
    assert not too_far.comparable and "tolerance" in too_far.reasons[0]
    below_floor = apply_gate(GATE, {"r2": -0.2}, {"r2": -0.2})
    assert not below_floor.comparable and all("floor" in r for r in below_floor.reasons)
    missing = apply_gate(GATE, {"r2": 0.4}, {"mse": 1.0})
    assert not missing.comparable and "no r2" in missing.reasons[0]
    lower_is_better = {"metric": "mse", "tolerance": 1.0, "floor": 10.0, "higher_is_better": False}
    assert not apply_gate(lower_is_better, {"mse": 5.0}, {"mse": 12.0}).comparable


def test_degenerate_quality_on_both_sides_is_not_parity() -> None:
    acc = {"metric": "accuracy", "tolerance": 0.01, "floor": 0.0}
    # Three balanced classes, 40% majority: both sides at the majority-class rate agree but learned nothing.
    chance = chance_levels("classification", [0] * 4 + [1] * 3 + [2] * 3)
    assert chance["accuracy"] == 0.4
    at_chance = apply_gate(acc, {"accuracy": 0.4}, {"accuracy": 0.405}, chance)
    assert not at_chance.comparable and "chance level 0.4" in at_chance.reasons[0]
    assert apply_gate(acc, {"accuracy": 0.9}, {"accuracy": 0.905}, chance).comparable
    # One side at chance is a tolerance failure, not the degenerate rule.
    one = apply_gate(acc, {"accuracy": 0.9}, {"accuracy": 0.4}, chance)
    assert not one.comparable and not any("degenerate" in r for r in one.reasons)
    # No clusters on both sides (DBSCAN all noise): not comparable whatever the indices say.
    ari = {"metric": "adjusted_rand", "tolerance": 0.02}
    noise = {"adjusted_rand": 0.0, "n_clusters": 0.0, "noise_fraction": 1.0}
    v = apply_gate(ari, noise, noise)
    assert not v.comparable and "fewer than 2 clusters" in v.reasons[0]
    fine = {"adjusted_rand": 0.7, "n_clusters": 3.0}
    assert apply_gate(ari, fine, fine).comparable


@pytest.mark.parametrize("algorithm", ["linear", "ridge", "lasso", "elastic_net"])
def test_real_sides_pass_the_gate(
    algorithm: str, make_cell, data_dir: Path, tmp_path: Path, classical_binary: Path
) -> None:
    report = validate_cell(make_cell(algorithm), data_dir, tmp_path / "work", timeout_s=120)
    assert report["comparable"], report["reasons"]
    gate = report["gates"][0]
    assert abs(gate["delta"]) < 1e-6  # same objective, same bytes: the solutions coincide
    assert gate["prediction_max_abs_diff"] < 1e-4
    assert report["comparable_sides"] == ["scikit-learn", "linfa"]


def _wrapper(tmp_path: Path, *extra: str) -> Path:
    script = Path(__file__).parent / "fixtures" / "wrong_regressor.py"
    wrapper = tmp_path / "wrong-binary"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{script}" "$@" {" ".join(extra)}\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    return wrapper


def test_gate_catches_a_deliberately_wrong_implementation(make_cell, data_dir: Path, tmp_path: Path) -> None:
    wrong = {**LINFA, "name": "misaligned", "binary": "wrong-binary"}
    cell = make_cell("lasso", frameworks=[SKLEARN, wrong])
    implementations = {"frameworks": {"misaligned": {"binary_path": str(_wrapper(tmp_path))}}}
    report = validate_cell(cell, data_dir, tmp_path / "work", timeout_s=120, implementations=implementations)
    assert not report["comparable"]
    assert report["comparable_sides"] == []  # nothing of this cell gets timed
    gate = report["gates"][0]
    assert gate["baseline_value"] > 0.4 and gate["candidate_value"] < 0.1
    assert any("floor" in r or "tolerance" in r for r in report["reasons"])
