"""Readiness (analysis/readiness.py): every word follows from the numbers its sentence quotes, by the stated rule;
a smoke run (fixture models) gets no word; only same-algorithm pair comparisons count, and inconclusive ones are
named, never counted."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
import pytest

from pairbench.analysis import readiness as rd

OUTCOMES = ("faster", "equivalent", "slower", "inconclusive")


def _cmp(outcomes: dict[str, int], fw: str = "candle", base: str = "pytorch", **extra: Any) -> list[dict[str, Any]]:
    rows = []
    for outcome, n in outcomes.items():
        for i in range(n):
            rows.append(
                {
                    "domain": "deep_learning",
                    "cell_id": f"c{outcome}{i}",
                    "algorithm": "lenet",
                    "dataset": f"d{i}",
                    "phase": outcome,
                    "candidate": fw,
                    "reference": base,
                    "kind": "pair",
                    "comparison_kind": "same_algorithm",
                    "outcome": outcome,
                    **extra,
                }
            )
    return rows


def _selection(fixtures: list[str] | None = None, algorithm: str = "lenet") -> dict[str, Any]:
    sides = [{"name": "pytorch", "language": "python"}, {"name": "candle", "language": "rust"}]
    cells = [{"cell_id": "g", "domain": "deep_learning", "algorithm": algorithm, "frameworks": sides}]
    return {"cells": cells, "fixtures": fixtures or []}


def _gate(passed: int, failed: int) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"cell_id": "g", "candidate": "candle", "baseline": "pytorch", "comparable": i < passed}
            for i in range(passed + failed)
        ]
    )


def _row(outcomes: dict[str, int], passed: int = 1, failed: int = 0, **kw: Any) -> pd.Series:
    table = rd.readiness_table(
        pd.DataFrame(_cmp(outcomes)), _gate(passed, failed), _selection(**kw), {"g": "deep_learning"}
    )
    assert len(table) == 1
    return table.iloc[0]


def _word_from_sentence(line: str) -> str:
    """The rule, written again from its text, applied to the numbers the sentence prints."""
    m = re.search(r"faster in (\d+), equivalent in (\d+) and slower in (\d+) of (\d+) decided", line)
    faster, equivalent, slower, decided = (int(x) for x in m.groups()) if m else (0, 0, 0, 0)
    g = re.search(r"quality gate passed in (\d+) of (\d+) pairs", line)
    passed, pairs = (int(x) for x in g.groups()) if g else (0, 0)
    assert decided == faster + equivalent + slower
    if pairs and passed < pairs / 2:
        return "not ready"
    if decided < rd.RULE["min_decided"]:
        return "not judged"
    share = (faster + equivalent) / decided
    if share < rd.RULE["partly_share"]:
        return "not ready"
    return "ready" if share >= rd.RULE["ready_share"] and passed == pairs else "partly ready"


def test_the_issues_case_is_not_ready_and_says_why() -> None:
    """A standard run printed "ready" next to "not slower in 4/10": 6 of 10 decided comparisons slower."""
    r = _row({"faster": 3, "equivalent": 1, "slower": 6, "inconclusive": 2})
    assert r["readiness"] == "not ready"
    assert (
        "candle is not ready: against pytorch, faster in 3, equivalent in 1 and slower in 6 of 10 decided" in r["line"]
    )
    assert "(2 inconclusive: lenet/d0 inconclusive, lenet/d1 inconclusive)" in r["line"]
    assert (r["n_decided"], r["n_inconclusive"]) == (10, 2)


def test_every_word_follows_from_the_numbers_its_sentence_quotes() -> None:
    rng = np.random.default_rng(27)
    seen = set()
    for _ in range(60):
        outcomes = dict(zip(OUTCOMES, (int(x) for x in rng.integers(0, 7, size=4)), strict=True))
        passed, failed = (int(x) for x in rng.integers(0, 3, size=2))
        r = _row(outcomes, passed, failed)
        seen.add(r["readiness"])
        assert r["readiness"] == _word_from_sentence(r["line"]), r["line"]
        assert f" is {r['readiness']}" in r["line"]
        if r["readiness"] in ("ready", "partly ready"):  # never beside a majority of slower verdicts
            assert 2 * outcomes["slower"] <= outcomes["faster"] + outcomes["equivalent"] + outcomes["slower"]
        if r["readiness"] == "ready":
            assert outcomes["slower"] <= (1 - rd.READY_SHARE) * r["n_decided"] + 1e-9 and failed == 0
    assert seen == {"ready", "partly ready", "not ready", "not judged"}


def test_inconclusive_counts_for_nothing_best_available_and_aa_are_not_a_languages_result() -> None:
    rows = _cmp({"faster": 4})
    rows += _cmp({"slower": 5}, comparison_kind="best_available")  # different methods on the two sides
    rows += [{**r, "kind": "aa"} for r in _cmp({"slower": 5})]  # an arm against itself
    rows += _cmp({"inconclusive": 9})
    table = rd.readiness_table(pd.DataFrame(rows), _gate(1, 0), _selection(), {"g": "deep_learning"})
    r = table.iloc[0]
    assert (r["n_decided"], r["n_slower"], r["n_inconclusive"], r["n_best_available"]) == (4, 0, 9, 5)
    assert r["readiness"] == "ready"
    # Nine inconclusive comparisons do not make four decided ones fewer than the rule needs, nor more.
    few = rd.readiness_table(pd.DataFrame(_cmp({"faster": 2, "inconclusive": 9})), _gate(1, 0), _selection(), {})
    assert few.iloc[0]["readiness"] == "not judged" and "fewer than 3 decided" in few.iloc[0]["line"]


def test_a_smoke_run_gets_no_readiness_word_and_says_it_is_a_smoke_run() -> None:
    selection = _selection(fixtures=["tiny_bert"], algorithm="tiny_bert")
    tables = rd.readiness_tables(pd.DataFrame(_cmp({"faster": 10})), _gate(1, 0), selection, [])
    r = tables["readiness"].iloc[0]
    assert r["readiness"] == "not judged" and bool(r["functional_check"])
    assert "candle is not judged (a functional check)" in r["line"]
    first = list(tables["first_screen"]["line"])
    assert first[0].startswith("Smoke run: a functional check on fixture models (tiny_bert)")
    assert "readiness is judged on a `standard` run" in first[0]
    assert not any(re.search(r"\bis (ready|partly ready|not ready)\b", line) for line in first)
    # The calibration domain's known-effect fixture (A/A runs add it) does not make a run a smoke run.
    calibration = _selection(fixtures=["spin"])
    kernel = [{"name": "kernel-python", "language": "python"}]
    calibration["cells"].append({"cell_id": "k", "domain": "calibration", "algorithm": "spin", "frameworks": kernel})
    assert rd.fixture_models(calibration) == []
    assert (
        rd.readiness_tables(pd.DataFrame(_cmp({"faster": 10})), _gate(1, 0), calibration, [])["readiness"].iloc[0][
            "readiness"
        ]
        == "ready"
    )


@pytest.mark.parametrize("passed,failed,word", [(1, 2, "not ready"), (2, 2, "partly ready"), (3, 0, "ready")])
def test_the_quality_gate_counts(passed: int, failed: int, word: str) -> None:
    assert _row({"faster": 5}, passed, failed)["readiness"] == word
