"""The report's content does not change by accident: a fixed fixture (the analysis outputs, selection,
environment and implementations of a real smoke run, tests/fixtures/report) renders to exactly the
report.json that was rendered from it before the report was rebuilt on templates, byte for byte.

A deliberate change of content regenerates the expected file:
    pairbench report --analysis-dir analysis --selection selection.json --environment environment.json \
        --implementations implementations.json --scaling-dir scaling --out-dir OUT   (in tests/fixtures/report)
    python -c "import gzip,sys; open('expected_report.json.gz','wb').write(gzip.compress(open(sys.argv[1],'rb')\
.read(), mtime=0))" OUT/report.json
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
    assert {"recommendations", "crossval", "scaling", "llm", "rl"} <= set(ids)
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
            "n_no_difference": [0, 0, 0],
        }
    )
    rows, shrunk = forest_rows(cmp, geo)
    assert shrunk and list(rows["outcome"]) == ["faster", "slower", "no meaningful difference"]
    assert rows["ratio"].tolist() == [0.5, 2.0, 0.5]
    few, shrunk = forest_rows(cmp.head(3), geo)
    assert not shrunk and len(few) == 3
