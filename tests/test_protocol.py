"""The measurement protocol has one source (pairbench.core.protocol) and both harnesses take the same
decisions with it: the shared vectors below are checked here for Python and by pairbench-core's
runner.rs tests for Rust."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pairbench.core.cells import Cell
from pairbench.core.protocol import Protocol
from pairbench.harness.protocol import batch_size, sampling_continues, warmup_continues

VECTORS = json.loads((Path(__file__).parent / "fixtures" / "protocol_vectors.json").read_text(encoding="utf-8"))


def test_the_shared_vectors_hold_the_one_source_of_the_settings() -> None:
    assert VECTORS["protocol"] == Protocol().to_json()


def test_a_cell_carries_the_protocol_both_sides_read(tmp_path: Path) -> None:
    cell = Cell(
        run_id="r",
        domain="d",
        task="t",
        algorithm="a",
        dataset="x",
        params={},
        frameworks=[],
        threads=1,
        warmup=0,
        samples=1,
    )
    back = Cell.read(cell.write(tmp_path))
    assert back.protocol_settings == Protocol()


@pytest.mark.parametrize("case", VECTORS["batch"], ids=lambda c: f"{c['per_call_s']:g}s")
def test_batch_for_a_call_length(case: dict[str, float]) -> None:
    # e.g. a 50 us call: 2 calls per sample on both sides (Python batched below 100 us and Rust below 20 us before)
    assert batch_size(case["per_call_s"], Protocol()) == case["batch"]


@pytest.mark.parametrize("case", VECTORS["warmup_continues"])
def test_warmup_decisions(case: dict[str, object]) -> None:
    got = warmup_continues(int(case["done"]), float(case["spent_s"]), int(case["warmup"]), Protocol())
    assert got is case["continues"]


@pytest.mark.parametrize("case", VECTORS["sampling_continues"])
def test_sampling_decisions(case: dict[str, object]) -> None:
    got = sampling_continues(int(case["repetitions"]), float(case["measured_s"]), int(case["samples"]), Protocol())
    assert got is case["continues"]


def test_a_wrong_protocol_names_every_problem() -> None:
    with pytest.raises(ValueError) as err:
        Protocol.from_json({"sample_floor_s": "1", "min_samples": 2.5, "extra": 1}, "cell x")
    text = str(err.value)
    assert text.startswith("cell x: ")
    for part in (
        "protocol.warmup_min_s: missing",
        "protocol.extra: unknown key",
        "protocol.sample_floor_s: expected float",
        "protocol.min_samples: expected int",
    ):
        assert part in text
