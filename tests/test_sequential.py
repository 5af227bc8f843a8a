"""Adaptive launches: the interim rule (analysis/sequential.py) and the `plan-launches` verb."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from pairbench.analysis.sequential import cell_decision, pair_settled
from pairbench.cli.main import main
from pairbench.report.methods import methods_lines


def _samples(median: float, cv: float, n: int = 20, seed: int = 0) -> list[float]:
    rng = np.random.default_rng(seed)
    return list(median * (1 + cv * rng.standard_normal(n)))


def test_clear_win_and_clear_tie_settle() -> None:
    fast, slow = _samples(1.0, 0.01, seed=1), _samples(2.0, 0.01, seed=2)
    assert pair_settled(fast, slow, noise=0.02)[0]
    same_a, same_b = _samples(1.0, 0.001, seed=3), _samples(1.0, 0.001, seed=4)
    settled, why = pair_settled(same_a, same_b, noise=0.02)
    assert settled and "inside" in why


def test_ratio_at_the_band_edge_does_not_settle() -> None:
    a, b = _samples(1.02, 0.02, seed=5), _samples(1.0, 0.02, seed=6)
    settled, why = pair_settled(a, b, noise=0.02)
    assert not settled and "overlaps" in why


def test_too_few_samples_never_settle() -> None:
    assert not pair_settled([1.0, 1.0], [2.0, 2.0], noise=0.02)[0]


def test_one_unsettled_pair_keeps_the_cell_open() -> None:
    samples = {
        "sklearn": {"fit": _samples(1.0, 0.01, seed=7)},
        "linfa": {"fit": _samples(0.2, 0.01, seed=8)},
        "linfa-py": {"fit": _samples(0.204, 0.03, seed=9)},  # within 2% of linfa, noisy
    }
    decision = cell_decision("c", samples, [], noise=0.02)
    assert not decision.settled and "linfa vs linfa-py fit" in decision.reason
    assert cell_decision("c", samples, ["linfa"], noise=0.02).settled  # a failed launch is not topped up
    # Only the pairs with the baseline must settle: both challengers clearly beat sklearn.
    with_baseline = cell_decision("c", samples, [], noise=0.02, baseline="sklearn")
    assert with_baseline.settled and "every pair with sklearn" in with_baseline.reason
    samples["linfa-py"]["fit"] = _samples(1.01, 0.03, seed=9)  # now at sklearn's band edge
    reopened = cell_decision("c", samples, [], noise=0.02, baseline="sklearn")
    assert not reopened.settled and "linfa-py vs sklearn fit" in reopened.reason
    # only the unsettled pair's sides get more launches: linfa settled against sklearn keeps its first ones
    assert reopened.open_sides == ("linfa-py", "sklearn")


def _result(path: Path, cell: str, side: str, launch: int, samples: list[float], status: str = "ok") -> None:
    doc = {"cell_id": cell, "framework": {"name": side}, "launch": launch, "status": status,
           "timing": {"phases": {"fit": {"unit": "s", "warmup": 2, "samples": samples}}}}  # fmt: skip
    (path / f"{cell}.{side}.{launch}.json").write_text(json.dumps(doc))


def test_plan_launches_writes_the_plan_and_the_extra_launches(tmp_path: Path) -> None:
    first = tmp_path / "first"
    first.mkdir()
    for launch in (1, 2):
        _result(first, "settled", "a", launch, _samples(1.0, 0.01, 10, launch))
        _result(first, "settled", "b", launch, _samples(3.0, 0.01, 10, launch + 10))
        _result(first, "open", "a", launch, _samples(1.0, 0.05, 10, launch + 20))
        _result(first, "open", "b", launch, _samples(1.01, 0.05, 10, launch + 30))
    plan, topups = tmp_path / "plan.json", tmp_path / "topups.tsv"
    args = ["plan-launches", "--results-dir", str(first), "--launches", "2", "--max-launches", "4"]
    assert main([*args, "--noise", "0.02", "--out", str(plan), "--topups", str(topups)]) == 0
    doc = json.loads(plan.read_text())
    assert (doc["cells_settled"], doc["cells_topped_up"]) == (1, 1)
    assert doc["rule"].startswith("Haybittle-Peto")
    rows = [line.split("\t") for line in topups.read_text().splitlines()]
    assert rows == [["open", "a", "3"], ["open", "a", "4"], ["open", "b", "3"], ["open", "b", "4"]]


def test_a_cell_with_its_own_launch_count_is_not_topped_up(tmp_path: Path) -> None:
    first, cells = tmp_path / "first", tmp_path / "cells"
    first.mkdir()
    cells.mkdir()
    for launch in (1, 2):
        _result(first, "solve", "a", launch, _samples(1.0, 0.05, 10, launch))
        _result(first, "solve", "b", launch, _samples(1.01, 0.05, 10, launch + 10))
    (cells / "solve.json").write_text(json.dumps({"cell_id": "solve", "launches": 5}))
    plan, topups = tmp_path / "plan.json", tmp_path / "topups.tsv"
    args = ["plan-launches", "--results-dir", str(first), "--cells-dir", str(cells), "--launches", "2"]
    assert main([*args, "--max-launches", "4", "--out", str(plan), "--topups", str(topups)]) == 0
    assert json.loads(plan.read_text())["cells"][0]["reason"] == "fixed launch count (5), set by the cell"
    assert topups.read_text() == ""


def test_only_the_sides_of_unsettled_pairs_get_extra_launches(tmp_path: Path) -> None:
    first, cells = tmp_path / "first", tmp_path / "cells"
    first.mkdir()
    cells.mkdir()
    for launch in (1, 2):
        _result(first, "three", "ref", launch, _samples(1.0, 0.05, 10, launch))
        _result(first, "three", "fast", launch, _samples(0.2, 0.01, 10, launch + 10))  # settled: 5x faster
        _result(first, "three", "close", launch, _samples(1.01, 0.05, 10, launch + 20))  # at the band edge
    frameworks = [{"name": "ref"}, {"name": "fast"}, {"name": "close"}]
    (cells / "three.json").write_text(json.dumps({"cell_id": "three", "frameworks": frameworks}))
    plan, topups = tmp_path / "plan.json", tmp_path / "topups.tsv"
    args = ["plan-launches", "--results-dir", str(first), "--cells-dir", str(cells), "--launches", "2"]
    assert main([*args, "--max-launches", "3", "--noise", "0.02", "--out", str(plan), "--topups", str(topups)]) == 0
    cell = json.loads(plan.read_text())["cells"][0]
    assert not cell["settled"] and cell["topped_up_sides"] == ["close", "ref"]
    rows = [line.split("\t") for line in topups.read_text().splitlines()]
    assert rows == [["three", "close", "3"], ["three", "ref", "3"]]


def test_the_methods_say_what_a_single_first_launch_cannot_see() -> None:
    def methods(launches: int, max_launches: int) -> str:
        selection = {"params": {"launches": launches, "max_launches": max_launches, "samples": 10}}
        return " ".join(methods_lines(selection, {}, {}, []))

    caveat = "saw only the spread within that launch"
    assert caveat in methods(1, 2)
    assert "Haybittle-Peto" in methods(2, 3) and caveat not in methods(2, 3)
    assert "Haybittle-Peto" not in methods(1, 0)
