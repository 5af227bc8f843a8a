"""The manual's generated pages (docs/methods.md, docs/performance.md) equal what their sources give, and its
hand-written pages name only what exists (result fields, files, links). docs/usage.md is tests/test_docs.py's;
docs/output.md's table list is held by tests/test_analysis_scale.py, which runs the analysis."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from pairbench.configuration.params_doc import fill, marker
from pairbench.configuration.run_defaults import schema_properties
from pairbench.report import methods_doc, performance_doc
from pairbench.report.doc_pages import update_page
from pairbench.report.methods import methods_lines
from tests.synthetic_results import ROOT

DOCS = ROOT / "docs"


@pytest.fixture(scope="module")
def methods_text() -> str:
    return methods_doc.methods_block()


def test_methods_page_is_the_report_template_rendered(methods_text: str) -> None:
    page = (DOCS / "methods.md").read_text(encoding="utf-8")
    assert fill(page, {"methods": methods_text}) == page, "docs/methods.md is stale; run `make docs`"


def test_methods_page_shows_the_standard_profile_and_the_run_defaults(methods_text: str) -> None:
    schema = schema_properties(json.loads((ROOT / "nextflow_schema.json").read_text(encoding="utf-8")))
    # standard's own values (conf/standard.config), and the schema's where standard sets none
    assert "up to 12 rounds or 300 s of rounds per cell" in methods_text
    assert "2 warm-up repetitions discarded" in methods_text
    assert f"δ = ±{schema['delta']['default']:.1%}" in methods_text
    assert f"({schema['resamples']['default']} resamples)" in methods_text
    # one cell per task: every domain's notes, the rl training runs, no run-only figures
    for lead in ("**SVMs:**", "**linfa-py:**", "**LLM:**", "**LLM tch side**", "**Cost:**"):
        assert lead in methods_text, lead
    assert "Training runs (rl solve" in methods_text
    assert "A/A calibration (this run" not in methods_text and "Node " not in methods_text


def _lines(rule: dict[str, Any] | None, calib: dict[str, Any] | None) -> list[str]:
    root = ROOT
    params = methods_doc.profile_run_params(root)
    analysis = {**methods_doc.representative_analysis(root, params), "stopping_rule": rule, "calibration": calib}
    selection = methods_doc.representative_selection(root, params)
    return methods_lines(selection, {}, analysis, ["fit"])


@pytest.mark.parametrize("with_run_figures", [False, True])
def test_each_methods_paragraph_is_one_line(with_run_figures: bool) -> None:
    rule = {
        "n_cells": 1000,
        "rule": {"min_rounds": 6, "max_rounds": 12},
        "max_false_verdict": 0.01,
        "max_false_equivalent_at_edge": 0.05,
    }
    calib = {
        "aa_comparisons": 64, "false_verdicts": 1, "false_verdict_share": 1 / 64, "supported_delta": 0.03,
        "warning": "", "known_effect": [
            {"side": "kernel-rust", "ratio": 1.1, "ratio_ci_low": 1.08, "ratio_ci_high": 1.12, "outcome": "slower"}
        ],
    }  # fmt: skip
    lines = _lines(rule, calib) if with_run_figures else _lines(None, None)
    verdict = next(line for line in lines if line.startswith("Verdict:"))
    assert any(line.startswith("Timing protocol") for line in lines) and "Timing protocol" not in verdict
    assert ("stopping rule's error rates" in verdict) == with_run_figures
    assert ("Known effect (kernel-rust" in verdict) == with_run_figures


def test_markdown_paragraph_bolds_a_short_lead_only() -> None:
    assert methods_doc.markdown_paragraph("Rounds: a round") == "**Rounds:** a round"
    assert methods_doc.markdown_paragraph("Per pair (a/b): d") == "**Per pair** (a/b): d"
    long = "A sentence without any lead at all, longer than sixty characters: it stays."
    assert methods_doc.markdown_paragraph(long) == long


def test_profile_values_read_as_phase_1_gets_them() -> None:
    assert [methods_doc.groovy_value(v) for v in ("'rotate'", '"x"', "300", "0.5", "true", "null")] == [
        "rotate", "x", 300, 0.5, True, None,
    ]  # fmt: skip


def test_performance_page_shows_every_results_file() -> None:
    page = (DOCS / "performance.md").read_text(encoding="utf-8")
    assert fill(page, {"performance": performance_doc.performance_block()}) == page, (
        "docs/performance.md is stale; run `make docs`"
    )
    for path in sorted((ROOT / "benchmarks" / "results").glob("*.json")):
        assert f"\n## {path.stem}\n" in page, path.name


def test_every_renderer_belongs_to_a_script() -> None:
    missing = [name for name in performance_doc.RENDERERS if not (ROOT / "benchmarks" / f"{name}.py").is_file()]
    assert not missing, f"renderers without a benchmarks/<name>.py: {missing}"


def test_a_results_file_written_with_out_names_the_script_that_wrote_it() -> None:
    head = performance_doc.head("reproducibility_smoke", {}, ROOT)
    assert any("written by [`benchmarks/reproducibility.py`]" in line for line in head), head
    assert any("written by a script not in benchmarks/" in line for line in performance_doc.head("no_such", {}, ROOT))


HEAD = {
    "what": "a new measurement",
    "measured_at": "2026-12-01T10:00:00Z",
    "host": "node7",
    "cpu_model": "EPYC 9654",
    "cpus": 2,
    "commit": "0123456789abcdef",
    "dirty": True,
    "load_average_1_5_15_min": {"start": [0.5, 0.25, 0.125], "end": [1.0, 0.5, 0.25]},
    "settings": {"rounds": 8, "cells": ["classical_ml:ridge:diabetes"]},
    "wall_s": 61.5,
}


def _block(tmp_path: Path, files: dict[str, dict[str, Any]]) -> str:
    results = tmp_path / "benchmarks" / "results"
    results.mkdir(parents=True)
    for name, doc in files.items():
        (results / f"{name}.json").write_text(json.dumps(doc), encoding="utf-8")
    return performance_doc.performance_block(tmp_path)


def test_a_new_results_file_appears_with_its_head_and_tables(tmp_path: Path) -> None:
    doc = {**HEAD, "median_s": 0.25, "rows": [{"phase": "fit", "ratio": 1.23456}], "nested": {"a": [1, {"b": 2}]}}
    block = _block(tmp_path, {"pipeline_timings": doc})
    assert "## pipeline_timings\n\na new measurement\n" in block
    assert (
        "- Measured: 2026-12-01 10:00:00 UTC, on host `node7` (EPYC 9654, 2 CPUs), commit `0123456789` (with "
        "uncommitted changes), load average (1 / 5 / 15 min) 0.50 / 0.25 / 0.12 at the start and 1.00 / 0.50 / 0.25 "
        "at the end; the script ran 61.5 s." in block
    )
    assert "- Settings: `rounds` 8, `cells` classical_ml:ridge:diabetes." in block
    assert "| `median_s` | 0.25 |" in block and "| fit | 1.235 |" in block
    assert "written by a script not in benchmarks/" in block and "Nested figures not shown here: `nested`" in block


def test_an_older_results_file_is_read_with_its_own_keys(tmp_path: Path) -> None:
    old = {"what": "env steps", "host": "vm", "cpu": "x86_64", "measured_at": "2026-11-26T04:52:08Z", "launches": 3,
           "samples": 5, "rows": [{"env": "CartPole-v1", "gymnasium_steps_per_s": 64535, "rust_steps_per_s": 24991480,
                                   "speedup": 387.26, "speedup_ci_low": 298.1, "speedup_ci_high": 445.4,
                                   "n_samples_each": 15}]}  # fmt: skip
    block = _block(tmp_path, {"rl_env_speed": old})
    assert "on host `vm` (x86_64), commit not recorded, load average not recorded." in block
    assert "- Settings: `launches` 3, `samples` 5." in block
    assert "| CartPole-v1 | 64,535 | 24,991,480 | 387 [298, 445] | 15 |" in block


SHAPES: dict[str, dict[str, Any]] = {
    "aa_calibration": {
        "aa_runs": {"smoke": {"nextflow_args": ["-profile", "smoke"], "wall_s": 280.0,
                              "by_domain": {"llm": {"equivalent": 4}},
                              "calibration": {"aa_comparisons": 64, "false_verdicts": 2, "false_verdict_share": 2 / 64,
                                              "supported_delta": 0.04, "delta": 0.05}}},
        "aa_total": {"aa_comparisons": 64, "false_verdicts": 2, "false_verdict_share": 2 / 64},
        "known_effect": {"repeats": 10, "slower_per_side": {"kernel-rust": 10},
                         "rows": [{"repeat": 1, "side": "kernel-rust", "rounds": 6, "ratio": 1.1, "ratio_ci_low": 1.09,
                                   "ratio_ci_high": 1.11, "outcome": "slower"}]},
    },
    "boundary_cost": {"rows": [{"cell_id": "regression.linear.x", "phase": "fit", "n_train": 160,
                                "linfa_median_s": 3.3e-5, "linfa_py_median_s": 1.1e-4, "boundary_s": 7.4e-5,
                                "boundary_ci_low_s": 5.2e-5, "boundary_ci_high_s": 8.5e-5}]},
    "build_cost": {"frameworks": {"linfa": {"package": "pairbench-classical", "cold_build_s": 95.1,
                                            "incremental_build_s": 4.2, "host": "vm", "measured_at": "2026-11-20T1"}}},
    "crosscheck": {"rows": [{"side": "python", "case": "kmeans fit", "reference": "pyperf", "launches": 10,
                             "harness_median_s": 0.0095, "reference_median_s": 0.00945, "ratio": 1.005,
                             "ci_low": 0.916, "ci_high": 1.098, "paired_ratio": 0.962, "paired_ci_low": 0.751,
                             "paired_ci_high": 1.247, "mean_ratio": 0.984}]},
    "reproducibility": {"comparisons_matched": 104, "run_wall_s": {"a": 290.5, "b": 301.0},
                        "contradictory_share": 0.01, "inconclusive_share": {"a": 0.1},
                        "run_against_run": {"flagged": 3, "series_compared": 100, "flagged_share": 0.03}},
    "rl_env_speed": {"rows": [{"env": "Acrobot-v1", "speedup": 120.4}]},
    "variance_split": {"series": [{"cell_id": "regression.ridge.diabetes", "side": "linfa", "phase": "fit",
                                   "launch_cost_s": 1.9, "sample_cost_s": 9e-4, "between_share": 0.9}],
                       "pairs": [{"cell_id": "regression.ridge.diabetes", "pair": "linfa/scikit-learn", "ratio": 0.8}]},
}  # fmt: skip
EXPECT = {
    "aa_calibration": "All A/A runs together: 2 faster or slower verdicts in 64 comparisons",
    "boundary_cost": "| `linear` fit | 160 | 33 µs | 110 µs | 74 µs [52, 85] |",
    "build_cost": "| linfa | pairbench-classical | 95.1 | 4.2 |",
    "crosscheck": "| 9,500 | 9,450 | 1.005 [0.916, 1.098] | 0.962 [0.751, 1.247] | 0.984 |",
    "reproducibility": "| wall time of each run, first / second | 290.5 s / 301 s |",
    "rl_env_speed": "| Acrobot-v1 |  |  | 120 [n/a, n/a] |",
    "variance_split": "| `ridge` () | linfa | fit |  |  |  | 90.0% | 1.9 s | 900 µs |",
}


@pytest.mark.parametrize("name", sorted(performance_doc.RENDERERS))
def test_each_renderer_reads_its_scripts_shape(name: str) -> None:
    assert sorted(SHAPES) == sorted(performance_doc.RENDERERS)
    text = "\n".join(performance_doc.RENDERERS[name](SHAPES[name]))
    assert EXPECT[name] in text, text


def test_generated_pages_report_a_stale_copy_and_rewrite_it(tmp_path: Path, methods_text: str) -> None:
    good = (DOCS / "methods.md").read_text(encoding="utf-8")
    start, end = marker("methods"), marker("methods", end=True)
    page = tmp_path / "methods.md"
    page.write_text(good.split(start)[0] + f"{start}\nstale\n{end}\n", encoding="utf-8")
    blocks = {"methods": methods_text}
    assert update_page(page, blocks, "test", check=True) == 1
    assert update_page(page, blocks, "test") == 0 and page.read_text(encoding="utf-8") == good
    assert update_page(page, blocks, "test", check=True) == 0
    page.write_text("no markers", encoding="utf-8")
    assert update_page(page, blocks, "test", check=True) == 2
    # each generator's command line finds a stale page
    for module, name in ((methods_doc, "methods"), (performance_doc, "performance")):
        stale = tmp_path / f"stale-{name}.md"
        stale.write_text(f"{marker(name)}\nstale\n{marker(name, end=True)}\n", encoding="utf-8")
        assert module.main(["--page", str(stale), "--check"]) == 1


RESULT_SCHEMA = json.loads((ROOT / "schemas" / "result.schema.json").read_text(encoding="utf-8"))


def _schema_paths(schema: dict[str, Any], prefix: str = "") -> set[str]:
    """Every field path of the result schema (`timing.phases.<phase>.samples` for the per-phase ones)."""
    paths = set()
    for name, prop in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        paths.add(path)
        inner = RESULT_SCHEMA["$defs"]["phase_timing"] if name == "phases" else prop
        paths |= _schema_paths(inner, f"{path}.<phase>." if name == "phases" else f"{path}.")
    return paths


def test_output_page_names_only_result_fields_the_schema_has() -> None:
    schema = RESULT_SCHEMA
    known = _schema_paths(schema)
    page = (DOCS / "output.md").read_text(encoding="utf-8")
    raw = page.split("## raw\n", 1)[1].split("\nMetadata every launch carries:", 1)[0]
    named = {f for row in re.findall(r"^\| (`[^|]+) \|", raw, re.M) for f in re.findall(r"`([\w.<>]+)`", row)}
    assert named and named <= known, sorted(named - known)
    assert {"timing.phases.<phase>.cpu_samples", "resources.cpu_user_s", "resources.cpu_sys_s"} <= named
    assert "1.1" in schema["properties"]["schema_version"]["enum"] and "`1.1`" in raw


def test_every_relative_link_of_the_manual_resolves() -> None:
    broken = []
    for page in sorted(DOCS.rglob("*.md")):
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            if "://" not in target and not (page.parent / target).exists():
                broken.append(f"{page.relative_to(ROOT)}: {target}")
    assert not broken, broken
