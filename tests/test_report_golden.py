"""The report's content does not change by accident: a fixed fixture (the analysis outputs, selection,
environment and implementations of a real smoke run, tests/fixtures/report) renders to exactly the
report.json that was rendered from it before, byte for byte. And the smoke run's first screen is one picture
and a sentence per domain that claims no readiness.

tests/fixtures/report/regenerate.py rebuilds the fixture from a smoke run's output folder (running the current
analysis on its raw results), and `regenerate.py --golden-only` the expected file after a deliberate change of
the report's content.
"""

from __future__ import annotations

import difflib
import gzip
import re
from pathlib import Path

import pytest

from pairbench.cli.main import main
from tests.synthetic_results import ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "report"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report")
    # The same command line as modules/local/render_report.nf.
    rc = main(
        [
            "report",
            "--analysis-dir",
            str(FIXTURE / "analysis"),
            "--selection",
            str(FIXTURE / "selection.json"),
            "--environment",
            str(FIXTURE / "environment.json"),
            "--implementations",
            str(FIXTURE / "implementations.json"),
            "--scaling-dir",
            str(FIXTURE / "scaling"),
            "--out-dir",
            str(out),
        ]
    )
    assert rc == 0
    return out


def test_report_json_is_byte_identical_on_the_fixture(rendered: Path) -> None:
    expected = gzip.decompress((FIXTURE / "expected_report.json.gz").read_bytes())
    got = (rendered / "report.json").read_bytes()
    if got != expected:
        diff = difflib.unified_diff(
            expected.decode().splitlines(), got.decode().splitlines(), "expected", "got", lineterm="", n=2
        )
        pytest.fail("report.json changed:\n" + "\n".join(list(diff)[:60]))


def test_nav_sections_and_markdown_come_from_one_list(rendered: Path) -> None:
    from pairbench.report.sections import SECTIONS

    page = (rendered / "index.html").read_text(encoding="utf-8")
    nav = re.search(r"<nav>(.*?)</nav>", page, re.S)
    assert nav is not None
    ids = re.findall(r"<section id='([^']+)'>", page)
    assert re.findall(r"href='#([^']+)'", nav.group(1)) == ids
    assert {"summary", "usecases", "recommendations", "crossval", "scaling", "llm", "rl"} <= set(ids)
    assert [s.id for s in SECTIONS if s.id in ids] == ids
    md = (rendered / "report.md").read_text(encoding="utf-8")
    titles = [s.title for s in SECTIONS if s.markdown and s.id in ids]
    assert re.findall(r"^## (.+)$", md, re.M) == titles
    # the scaling study is in report.md, not only on the page
    scaling = md.split("## Scaling\n", 1)[1].split("\n## ", 1)[0]
    assert "kmeans (make_blobs): log-log slope scikit-learn 0.91, linfa 1.02" in scaling
    # self-contained: the CSS and JS are inlined, nothing is fetched
    assert "<style>:root{" in page and "data-ready" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//|url\(\s*["']?https?:|@import|<link""", page)


def test_table_cells_are_escaped() -> None:
    import pandas as pd

    from pairbench.report.tables import table_view
    from pairbench.report.templating import render_macro

    view = table_view(pd.DataFrame({"algorithm": ["<script>alert(1)</script>"], "ratio": [0.5]}), table_id="t'x")
    html = render_macro("macros.html.j2", "table", view)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "id='t&#39;x'" in html and "data-v='0.5'" in html


def test_forest_falls_back_to_geomeans_coloured_by_the_analysis_verdicts() -> None:
    import pandas as pd

    from pairbench.analysis.forest import MAX_FOREST_ROWS, forest_rows

    cmp = pd.DataFrame(
        {"task": "t", "algorithm": "a", "dataset": [f"d{i}" for i in range(MAX_FOREST_ROWS + 1)], "phase": "fit"}
    )
    geo = pd.DataFrame(
        {
            "domain": "classical_ml",
            "candidate": "linfa",
            "reference": "scikit-learn",
            "phase": ["fit", "predict", "score"],
            "geomean_speedup": [2.0, 0.5, 2.0],
            "ci_low": [1.5, 0.4, 0.5],
            "ci_high": [2.5, 0.6, 4.0],
            "n_faster": [3, 0, 2],
            "n_slower": [0, 3, 1],
            "n_equivalent": [0, 0, 0],
            "n_inconclusive": [0, 0, 0],
        }
    )
    rows, shrunk = forest_rows(cmp, geo)
    # A geometric mean is coloured faster (slower) only when no cell went the other way.
    assert shrunk and list(rows["outcome"]) == ["faster", "slower", "inconclusive"]
    assert rows["ratio"].tolist() == [0.5, 2.0, 0.5]
    few, shrunk = forest_rows(cmp.head(3), geo)
    assert not shrunk and len(few) == 3


def test_a_smoke_runs_first_screen_is_a_picture_and_claims_no_readiness(rendered: Path) -> None:
    """The fixture is a smoke run (tiny_bert, tiny_llama): its first screen says so, says that readiness is judged
    on `standard`, and gives no readiness word; its one picture has a mark per comparison of two sides."""
    import json

    doc = json.loads((rendered / "report.json").read_text(encoding="utf-8"))
    assert doc["functional_check"] == ["tiny_bert", "tiny_llama"]
    page = (rendered / "index.html").read_text(encoding="utf-8")
    first = page.split("<section id='summary'>", 1)[1].split("</section>", 1)[0]
    assert "Smoke run: a functional check on fixture models (tiny_bert, tiny_llama)" in first
    assert "readiness is judged on a `standard` run" in first
    assert not re.search(r"\bis (ready|partly ready|not ready)\b", first)
    assert not re.search(r"Rust is (ready|partly ready|not ready)", page)
    pairs = [c for c in doc["comparisons"] if c["kind"] == "pair"]
    assert first.count("<svg") == 1 and first.count("<g class='mark'") == len(pairs) > 0
    assert {line.split(":")[0] for line in doc["headline"][1:]} == {"classical ML", "deep learning", "LLM", "RL"}
    assert "card" not in first  # the use-case cards have their own section further down
    md = (rendered / "report.md").read_text(encoding="utf-8").split("## Use cases and checks", 1)[0]
    assert "Smoke run" in md and not re.search(r"\bis (ready|partly ready|not ready)\b", md)


def test_every_count_the_report_shows_is_the_comparisons_own(rendered: Path) -> None:
    """On a run with every outcome, the report's counts equal a recount of comparisons.csv: an inconclusive
    comparison is counted as inconclusive in every table, never as a win (faster) or a tie (equivalent)."""
    import json
    from collections import Counter

    doc = json.loads((rendered / "report.json").read_text(encoding="utf-8"))
    cmp = [c for c in doc["comparisons"] if c["kind"] == "pair"]
    assert {c["outcome"] for c in cmp} >= {"faster", "slower", "inconclusive"}  # the premise: a mixed run
    same = [c for c in cmp if c["comparison_kind"] == "same_algorithm"]
    for r in doc["readiness"]:
        mine = Counter(
            c["outcome"]
            for c in same
            if (c["domain"], c["candidate"], c["reference"]) == (r["domain"], r["framework"], r["baseline"])
        )
        got = (r["n_faster"], r["n_equivalent"], r["n_slower"], r["n_inconclusive"])
        assert got == (mine["faster"], mine["equivalent"], mine["slower"], mine["inconclusive"]), r
        assert r["n_decided"] == mine["faster"] + mine["equivalent"] + mine["slower"]
    for g in doc["geomean_speedups"]:
        mine = Counter(
            c["outcome"]
            for c in same
            if (c["domain"], c["candidate"], c["reference"], c["phase"])
            == (g["domain"], g["candidate"], g["reference"], g["phase"])
        )
        assert (g["n_faster"], g["n_equivalent"], g["n_slower"], g["n_inconclusive"]) == tuple(
            mine[o] for o in ("faster", "equivalent", "slower", "inconclusive")
        ), g
    outcomes = {(c["cell_id"], c["phase"], c["candidate"], c["reference"]): c["outcome"] for c in cmp}
    for r in doc["overview"]:
        assert r["outcome"] == outcomes[(r["cell_id"], r["phase"], r["candidate"], r["reference"])]
    for a in doc["llm_advice"]:
        mine = Counter(
            c["outcome"]
            for c in cmp
            if (c["algorithm"], c["phase"], c["candidate"], c["reference"])
            == (a["algorithm"], a["phase"], a["candidate"], a["reference"])
        )
        assert (a["n_equivalent"], a["n_inconclusive"]) == (mine["equivalent"], mine["inconclusive"]), a
        assert a["n_wins"] <= mine["faster"] + mine["slower"]
    for line in (a["line"] for a in doc["rl_advice"]):  # each clause says its pair's own outcome
        for clause in re.findall(r"(\w[\w-]*) (faster than|slower than|equivalent to|against) (\w+)", line):
            cand, word, ref = clause
            phases = {
                c["outcome"] for c in cmp if c["domain"] == "rl" and (c["candidate"], c["reference"]) == (cand, ref)
            }
            expected = {"faster than": "faster", "slower than": "slower", "equivalent to": "equivalent"}.get(
                word, "inconclusive"
            )
            assert expected in phases, (clause, phases)
