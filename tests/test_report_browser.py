"""The report as a person sees it: rendered from real analysis output, opened in headless Chromium
(Debian's, through the DevTools protocol), with no console error and no request leaving the page.
The screenshot is kept in test-artifacts/report.png."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pairbench.analysis.run import AnalysisInputs, analyse
from pairbench.analysis.settings import StatisticsSettings
from pairbench.core.paths import config_dir
from pairbench.report.render import render_report
from tests.browser import find_chromium, open_page
from tests.synthetic_results import ROOT, bench_module

ARTIFACTS = ROOT / "test-artifacts"
SECTIONS = [
    "Executive summary",
    "Use cases and checks",
    "Leaderboard",
    "Recommendations",
    "Quality parity (the gate)",
    "Speed",
    "Memory and CPU",
    "Pareto front: time vs memory",
    "Profile per framework",
    "Scaling",
    "Cost and energy",
    "History and regressions",
    "Timing series",
    "Methods",
]


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An outdir laid out as the pipeline publishes it: raw/, analysis/, report/."""
    out = tmp_path_factory.mktemp("outdir")
    bench_module().make_results(150, out / "raw", seed=3)
    selection = out / "selection.json"
    selection.write_text(
        json.dumps(
            {
                "run_id": "bench-10k",
                "params": {"threads": 1, "warmup": 2, "samples": 10, "min_rounds": 6, "max_rounds": 12},
                "defaults": {"seed": 42, "dtype": "float32"},
                "decisions": [],
            }
        )
    )
    history_db = out / "history.duckdb"
    analyse(
        out / "raw",
        out / "analysis",
        None,
        StatisticsSettings(resamples=500),
        AnalysisInputs(
            analysis_config=config_dir() / "analysis.yaml",
            requirements=config_dir() / "requirements.yaml",
            hardware=config_dir() / "hardware.yaml",
            history_db=history_db,
            baseline_run="bench-10k",
        ),
    )
    render_report(
        out / "analysis", out / "report", selection_path=selection, environment_path=None, implementations_path=None
    )
    return out


def test_report_is_self_contained_and_links_every_number_to_raw_files(published: Path) -> None:
    page = (published / "report" / "index.html").read_text(encoding="utf-8")
    # nothing is fetched: no external src/href, no @import, no url() (SVG xmlns is a name, not a request)
    assert not re.search(r"""(src|href)\s*=\s*['"]?(https?:)?//""", page)
    assert "@import" not in page and "url(" not in page
    assert "<script src" not in page and "<link" not in page
    links = set(re.findall(r"href='(\.\./raw/[^']+)'", page))
    assert links, "numbers should link to raw result files"
    for link in links:
        assert (published / "report" / link).resolve().is_file(), link
    for name in (
        "report.md",
        "report.json",
        "report.xlsx",
        "leaderboard.md",
        "leaderboard.csv",
        "data/comparisons.csv",
    ):
        assert (published / "report" / name).is_file(), name
    # one forest plot and one first picture: the analysis' figures are the report's, mark for mark and link for link
    figure = (published / "analysis" / "speed_ratio.svg").read_text(encoding="utf-8").strip()
    assert f"<div id='forest'>{figure}</div>" in page
    overview = (published / "analysis" / "overview.svg").read_text(encoding="utf-8").strip()
    assert f"<div id='overview'>{overview}</div>" in page
    doc = json.loads((published / "report" / "report.json").read_text())
    assert doc["headline"] and doc["rankings"] and doc["methods"]
    # three frameworks of the deep-learning domain give three pairs per phase, generic phase names kept
    pairs = {(c["candidate"], c["reference"]) for c in doc["comparisons"] if c["domain"] == "deep_learning"}
    assert pairs == {("candle", "pytorch"), ("tch", "pytorch"), ("tch", "candle")}
    assert {c["phase"] for c in doc["comparisons"]} == {"fit", "predict", "train_epoch", "infer_b32"}


def test_report_in_headless_chromium(published: Path) -> None:
    if find_chromium() is None:
        pytest.fail(
            "chromium is not installed: `make setup` installs it as root, else `sudo apt-get install -y chromium`"
        )
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    probe = """({
      ready: document.body.getAttribute('data-ready'),
      sections: Array.from(document.querySelectorAll('section h2')).map(h => h.textContent),
      firstText: document.querySelector('main section').innerText.slice(0, 3000),
      firstSvgs: document.querySelectorAll('main section:first-of-type svg').length,
      domainLines: Array.from(document.querySelectorAll('main section:first-of-type ul.domains li')).map(
        li => li.textContent),
      overviewMarks: document.querySelectorAll('#overview g.mark').length,
      overviewLinks: document.querySelectorAll("#overview a[href^='../raw/']").length,
      forestMarks: document.querySelectorAll('#forest g.mark').length,
      charts: document.querySelectorAll('svg.chart').length,
      rawLinks: document.querySelectorAll("a[href^='../raw/']").length,
      sortWorks: (function(){ var t = document.getElementById('t-cmp'); var th = t.tHead.rows[0].cells[8];
        th.click(); var v = Array.from(t.tBodies[0].rows).map(r => parseFloat(r.cells[8].getAttribute('data-v')));
        return v.every((x, i) => i === 0 || v[i-1] <= x); })()
    })"""
    report = open_page(published / "report" / "index.html", probe, screenshot=shot)
    assert report.console_errors == []
    assert report.requests == [], f"the page requested {report.requests}"
    got = report.evaluated
    assert got["ready"] == "1"
    for section in SECTIONS:
        assert section in got["sections"]
    assert got["sections"][:2] == ["Executive summary", "Use cases and checks"]
    # The first screen is one picture (every comparison, each mark linked) and a sentence per domain.
    n_pairs = sum(1 for c in json.loads((published / "report" / "report.json").read_text())["comparisons"])
    assert got["firstSvgs"] == 1 and got["overviewMarks"] == n_pairs and got["overviewLinks"] == n_pairs
    lines = got["domainLines"]
    assert [line.split(":")[0] for line in lines] == ["classical ML", "deep learning"]
    assert lines[0].startswith("classical ML: linfa is ") and "candle is" in lines[1] and "tch is" in lines[1]
    assert "use candle" not in got["firstText"] and "confidence" not in got["firstText"]
    assert got["forestMarks"] > 0 and got["charts"] >= 4 and got["rawLinks"] > 0
    assert got["sortWorks"] is True
    assert shot.is_file() and shot.stat().st_size > 10_000


def test_inconclusive_is_never_a_win_or_a_tie_in_any_table(published: Path) -> None:
    """Every comparison of this fixture is inconclusive (three rounds a side). No table the report shows may
    then count a win, a loss or a tie, name a side faster, or give a readiness word."""
    doc = json.loads((published / "report" / "report.json").read_text())
    assert {c["outcome"] for c in doc["comparisons"]} == {"inconclusive"}  # the premise
    assert {r["outcome"] for r in doc["overview"]} == {"inconclusive"}
    for r in doc["readiness"]:
        assert (r["n_faster"], r["n_equivalent"], r["n_slower"], r["n_decided"]) == (0, 0, 0, 0)
        assert r["n_inconclusive"] == r["n_same_algorithm"] > 0 and r["readiness"] == "not judged"
    for g in doc["geomean_speedups"]:
        assert (g["n_faster"], g["n_slower"], g["n_equivalent"]) == (0, 0, 0) and g["n_inconclusive"] > 0
    for r in doc["use_cases"]:
        assert "faster than" not in r["recommendation"], r["recommendation"]
        if r["use_case"] == "weighted":  # a weighted choice over undecided speed use cases says so
            assert r["confidence"] == "undecided" and ": use " not in r["recommendation"], r
        if (r["deciding_factor"] or "").startswith("time"):
            assert r["confidence"] == "undecided" and " 0 win(s), 0 loss(es), 0 equivalent" in r["recommendation"]
    for r in doc["recommendations"]:
        assert " 0 speed win(s), 0 loss(es), 0 equivalent" in r["reason"] or "vs " not in r["reason"], r["reason"]
    for r in doc["rankings"]:  # Bradley-Terry and Elo play no game on an inconclusive comparison
        assert r["bradley_terry"] is None and r["elo"] is None, r
    shown = " ".join([*doc["headline"], *doc["details"]])
    assert not re.search(r"\bis (ready|partly ready|not ready)\b", shown)
    assert not re.search(r"\bfaster (than|in [1-9])|\dx (faster|slower)\b", shown), shown
