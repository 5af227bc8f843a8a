"""Phase 4's rounds (harness/rounds.py) on a real cell: the calibration kernel, whose Python and Rust
sides start in well under a second. The order of every round is random, seeded and recorded; the
sides of a round run back to back; an A/A run's second arm does the known effect's extra work; the
rounds stop when `decide` settles the cell, at max_rounds, or at the time budget."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pairbench.analysis.stopping import Look
from pairbench.core.cells import Cell
from pairbench.core.schema import read_result
from pairbench.datasets.materialise import DatasetSpec, materialise
from pairbench.harness.rounds import Arm, RoundsSettings, round_order, run_rounds

SIDES = [
    {"name": "kernel-python", "language": "python", "backend": "CPython", "package": "pairbench"},
    {"name": "kernel-rust", "language": "rust", "backend": "native", "binary": "pairbench-calibration"},
]


@pytest.fixture(scope="module")
def calibration_cell(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("rounds")
    spec = DatasetSpec("chain_starts", "chain_starts", "known_effect", False, {"n_samples": 20})
    materialise(spec, root / "data" / "chain_starts", seed=42, test_fraction=0.2, dtype="float64")
    cell = Cell(
        run_id="test",
        domain="calibration",
        task="known_effect",
        algorithm="spin",
        dataset="chain_starts",
        # ~2 ms a call on each side: a launch is interpreter or binary start plus a few calls
        params={"steps": 10, "effect": 1.1},
        frameworks=SIDES,
        threads=1,
        warmup=0,
        samples=2,
        quality_gate={"metric": "state_agreement", "tolerance": 0.0, "floor": 1.0},
    )
    return cell.write(root / "cells"), root / "data"


def never(values: dict[str, Any], pairs: list[tuple[str, str]], n: int) -> Look:
    return Look(n, settled=False, reason="open")


def test_round_order_is_random_seeded_and_recorded(calibration_cell: tuple[Path, Path], tmp_path: Path) -> None:
    arms = [Arm("a"), Arm("b"), Arm("c"), Arm("a", "b")]
    orders = [[a.label for a in round_order(arms, 7, "cell", r)] for r in range(1, 41)]
    assert orders == [[a.label for a in round_order(arms, 7, "cell", r)] for r in range(1, 41)]  # seeded
    assert orders != [[a.label for a in round_order(arms, 8, "cell", r)] for r in range(1, 41)]  # by the seed
    assert len({tuple(o) for o in orders}) > 10  # random: many orders
    assert {o[0] for o in orders} == {"a", "b", "c", "a#b"}  # no side is always first

    cell, data = calibration_cell
    settings = RoundsSettings(min_rounds=3, max_rounds=3, budget_s=600, seed=7, timeout_s=120, aa=True)
    record = run_rounds(cell, ["kernel-python", "kernel-rust"], data, tmp_path / "raw", settings, never,
                        record_path=tmp_path / "r.json")  # fmt: skip
    saved = json.loads((tmp_path / "r.json").read_text())
    assert saved["stop_reason"] == record.stop_reason == "max_rounds (3) reached"
    assert [r["round"] for r in saved["rounds"]] == [1, 2, 3]
    labels = ["kernel-python", "kernel-rust", "kernel-python#b", "kernel-rust#b"]
    arm_of = {a.label: a for a in [Arm("kernel-python"), Arm("kernel-rust"), *(Arm(s, "b") for s in labels[:2])]}
    for r in saved["rounds"]:
        # the recorded order is the seeded one, and every arm ran once in it
        assert r["order"] == [
            a.label for a in round_order(list(arm_of.values()), 7, Cell.read(cell).cell_id, r["round"])
        ]
        assert sorted(r["order"]) == sorted(labels)
        # back to back: each launch starts when the one before it ended (the launcher's own seconds between)
        starts = [x["start_s"] for x in r["launches"]]
        ends = [x["start_s"] + x["wall_s"] for x in r["launches"]]
        assert all(-0.002 <= s - e < 0.5 for s, e in zip(starts[1:], ends[:-1], strict=True))  # ms rounding
    # every launch is a result; the second arm ran under PAIRBENCH_ARM=b and did the known effect's 1.1x
    docs = [read_result(p) for p in sorted((tmp_path / "raw").glob("*.json"))]
    assert len(docs) == 12 and all(d["status"] == "ok" for d in docs)
    for d in docs:
        meta = d["metadata"]
        steps = d["params"]["steps"]
        assert meta["round"] == d["launch"]
        assert meta["steps_per_call"] == (round(steps * 1.1) if meta["arm"] == "b" else steps)
        assert meta["cpu_pinning"]["cpus"] == record.cpus  # one claim for every launch of the cell
        assert len(d["timing"]["phases"]["spin"]["cpu_samples"]) == 2
        # the whole process's CPU seconds, from the launcher (a short Rust launch may be all system time)
        assert d["resources"]["cpu_user_s"] + d["resources"]["cpu_sys_s"] > 0


def test_rounds_stop_when_settled_at_max_rounds_or_at_the_budget(
    calibration_cell: tuple[Path, Path], tmp_path: Path
) -> None:
    cell, data = calibration_cell
    looks: list[int] = []

    def settles_at_first_look(values: dict[str, Any], pairs: list[tuple[str, str]], n: int) -> Look:
        looks.append(n)
        assert pairs == [("kernel-rust", "kernel-python")]  # each side against the baseline
        assert all(len(v) == n for side in values.values() for v in side.values())  # one value per round
        return Look(n, settled=True, reason="decided")

    settings = RoundsSettings(min_rounds=2, max_rounds=6, budget_s=600, seed=1, timeout_s=120)
    record = run_rounds(cell, ["kernel-python", "kernel-rust"], data, tmp_path / "a", settings, settles_at_first_look,
                        record_path=tmp_path / "a.json")  # fmt: skip
    assert looks == [2] and len(record.rounds) == 2 and record.stop_reason == "decided"
    # a budget of 1 s: the minimum rounds run, then no round starts that would pass the budget
    ticks = iter(range(0, 10_000, 5))  # a clock that advances 5 s a reading
    settings = RoundsSettings(min_rounds=2, max_rounds=6, budget_s=1, seed=1, timeout_s=120)
    record = run_rounds(cell, ["kernel-python", "kernel-rust"], data, tmp_path / "b", settings, never,
                        clock=lambda: float(next(ticks)), record_path=tmp_path / "b.json")  # fmt: skip
    assert len(record.rounds) == 2 and record.stop_reason.startswith("time budget")


def test_a_side_that_fails_leaves_the_rounds_with_its_error_recorded(
    calibration_cell: tuple[Path, Path], tmp_path: Path
) -> None:
    cell, data = calibration_cell
    doc = json.loads(cell.read_text())
    doc["params"].pop("steps")  # both sides refuse the cell, naming the missing param
    broken = tmp_path / "cells" / cell.name
    broken.parent.mkdir()
    broken.write_text(json.dumps(doc))
    settings = RoundsSettings(min_rounds=2, max_rounds=2, budget_s=600, seed=1, timeout_s=120, max_attempts=1)
    record = run_rounds(broken, ["kernel-python", "kernel-rust"], data, tmp_path / "raw", settings, never,
                        record_path=tmp_path / "r.json")  # fmt: skip
    assert len(record.rounds) == 1 and "fewer than two sides left" in record.stop_reason
    failed = read_result(next((tmp_path / "raw").glob("*kernel-rust.1.json")))
    assert failed["status"] == "failed" and 'param \\"steps\\" missing' in json.dumps(failed["error"])
