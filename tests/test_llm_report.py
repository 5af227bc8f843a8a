"""The LLM domain's threads axis (selection), scaling slopes and advice (analysis/domains/llm/) and its report view
(report/domains/llm.py), on small fixtures whose right answers are known: no models, no pipeline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from pairbench.analysis.domains.llm.advice import llm_advice
from pairbench.analysis.domains.llm.serving import llm_scaling, llm_slopes, llm_table, loglog_slope_ci
from pairbench.configuration.config import ConfigError, load_catalogue
from pairbench.configuration.selection import RunParams, all_cpus, grid_points, select, thread_count
from pairbench.report.domains.llm import llm_view
from tests.synthetic_results import ROOT


def test_threads_axis_runs_every_value_in_every_grid_mode() -> None:
    params = {"batch_size": [8, 1], "seq_len": [64, 16], "threads": [1, "all"]}
    assert grid_points(params, "first") == [
        {"batch_size": 8, "seq_len": 64, "threads": 1},
        {"batch_size": 8, "seq_len": 64, "threads": "all"},
    ]
    assert len(grid_points(params, "all")) == 8
    assert thread_count("all", "x") == all_cpus()
    with pytest.raises(ConfigError, match="threads: invalid value 0; allowed: a positive integer, all"):
        thread_count(0, "llm.text_generation.m")


def test_llm_cells_get_one_and_all_cores_other_domains_keep_threads() -> None:
    cat = load_catalogue(ROOT / "config" / "benchmarks.yaml", ROOT / "config" / "frameworks.yaml")
    sel = select(cat, RunParams(run_id="t", domains="llm,classical_ml", threads=1, algorithms="ridge,minilm_l6"))
    llm = [c for c in sel["cells"] if c["domain"] == "llm"]
    assert sorted(c["threads"] for c in llm) == sorted({1, all_cpus()})
    for c in llm:
        assert c["cell_id"].endswith(f".threads={c['threads']}") and "threads" not in c["params"]
    assert {c["threads"] for c in sel["cells"] if c["domain"] == "classical_ml"} == {1}


def test_loglog_slope_recovers_a_known_exponent() -> None:
    x = np.array([32.0, 128.0, 512.0])
    med = 1e-4 * x**1.5
    slope, lo, hi = loglog_slope_ci(x, med, med * 0.9, med * 1.1)
    assert slope == pytest.approx(1.5)
    assert lo < 1.5 < hi and hi - lo < 0.2
    # Wider point CIs give a wider slope CI.
    _, lo2, hi2 = loglog_slope_ci(x, med, med * 0.5, med * 2.0)
    assert hi2 - lo2 > hi - lo


def _summary_row(cell: str, framework: str, phase: str, med: float, task: str = "text_generation") -> dict[str, Any]:
    return {
        "cell_id": cell,
        "domain": "llm",
        "task": task,
        "algorithm": "m",
        "framework": framework,
        "phase": phase,
        "median_s": med,
        "median_ci_low_s": med * 0.95,
        "median_ci_high_s": med * 1.05,
        "p50_s": med,
        "p95_s": med,
        "p99_s": med,
    }


def test_scaling_curves_per_side_and_threads_with_slopes(tmp_path: Path) -> None:
    rows, cells = [], []
    for fw, k, power in (("transformers", 3e-4, 1.0), ("candle-transformers", 1e-4, 1.25)):
        for threads in (1, 2):
            for pl in (32, 128, 512):
                cid = f"d.p{pl}.t{threads}"
                rows.append(_summary_row(cid, fw, "prefill", k * pl**power / threads))
                if fw == "transformers":
                    cells.append({"cell_id": cid, "params": {"prompt_len": pl, "new_tokens": 64}, "threads": threads})
    summary, selection = pd.DataFrame(rows), {"cells": cells}
    points = llm_scaling(summary, selection)
    slopes = llm_slopes(points).set_index(["framework", "threads"])
    assert len(slopes) == 4
    assert slopes.loc[("transformers", 1), "slope"] == pytest.approx(1.0)
    assert slopes.loc[("candle-transformers", 2), "slope"] == pytest.approx(1.25)
    view = llm_view(llm_table(summary, pd.DataFrame(), selection), points, slopes.reset_index())
    assert len(view.curves) == 1 and "<svg" in view.curves[0][1] and "candle-transformers t2: 1.25" in view.curves[0][1]
    # One prompt length: no curve, and the section says what would give one.
    one = llm_scaling(summary[summary["cell_id"].str.startswith("d.p32.")], selection)
    assert llm_slopes(one).empty
    assert "--grid all" in llm_view(llm_table(summary, pd.DataFrame(), selection), one, llm_slopes(one)).curve_note


def _pair(cell: str, phase: str, outcome: str, speedup: float, task: str = "sentence_embedding") -> dict[str, Any]:
    return {
        "cell_id": cell,
        "domain": "llm",
        "task": task,
        "algorithm": "m",
        "phase": phase,
        "candidate": "candle-transformers",
        "reference": "transformers",
        "speedup": speedup,
        "outcome": outcome,
    }


def test_advice_names_the_side_and_where_the_answer_flips() -> None:
    # Embedding: candle wins at batch 1 and 8 on one thread, transformers at batch 32 on all cores, batch 8 on
    # all cores is equivalent. Generation: candle wins decode everywhere, TTFT is mixed.
    cells = []
    pairs = []
    for threads, batch, outcome, speedup in (
        (1, 1, "faster", 2.5),
        (1, 8, "faster", 1.5),
        (2, 8, "equivalent", 1.01),
        (2, 32, "slower", 0.5),
    ):
        cid = f"e.b{batch}.t{threads}"
        cells.append({"cell_id": cid, "params": {"batch_size": batch, "seq_len": 64}, "threads": threads})
        pairs.append(_pair(cid, "end_to_end", outcome, speedup))
        pairs.append(_pair(cid, "forward", "slower", 0.1))  # not the deciding phase
    for threads, outcome in ((1, "faster"), (2, "slower")):
        cid = f"g.t{threads}"
        cells.append({"cell_id": cid, "params": {"prompt_len": 128, "new_tokens": 64}, "threads": threads})
        pairs.append(_pair(cid, "decode_token", "faster", 3.0, "text_generation"))
        pairs.append(_pair(cid, "prefill", outcome, 2.0 if outcome == "faster" else 0.8, "text_generation"))
    advice = llm_advice(pd.DataFrame(pairs), {"cells": cells}).set_index("use")
    emb = advice.loc["embedding"]
    assert (emb["side"], emb["n_wins"], emb["n_settings"]) == ("candle-transformers", 2, 4)
    assert emb["flips"] == "batch_size=32, seq_len=64, threads=2 (transformers 2x faster)"
    assert "up to 2.5x at batch_size=1, seq_len=64, threads=1" in emb["line"]
    assert "equivalent at batch_size=8, seq_len=64, threads=2" in emb["line"]
    assert (emb["n_equivalent"], emb["n_inconclusive"]) == (1, 0)
    gen = advice.loc["generation"]
    assert (gen["side"], gen["flips"]) == ("candle-transformers", "")
    assert "no setting flips it" in gen["line"]
    assert "Time to first token: it depends on the setting" in gen["line"]
    # No setting decided (every one equivalent or inconclusive): no side is named, and the two are told apart.
    for undecided in ("equivalent", "inconclusive"):
        ties = pd.DataFrame([{**p, "outcome": undecided} for p in pairs])
        emb = llm_advice(ties, {"cells": cells}).set_index("use").loc["embedding"]
        assert emb["side"] == "depends" and emb["n_wins"] == 0
        assert f"4 {undecided}" in emb["line"] and f"{undecided} at batch_size=1" in emb["line"]
        other = {"equivalent": "inconclusive", "inconclusive": "equivalent"}[undecided]
        assert f"{other} at" not in emb["line"]


def test_a_bad_thread_count_names_its_key(tmp_path: Path) -> None:
    text = (ROOT / "config" / "benchmarks.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "benchmarks.yaml"
    bad.write_text(text.replace("threads: [1, all]", "threads: [1, alll]", 1), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_catalogue(bad, ROOT / "config" / "frameworks.yaml")
    assert "llm.tasks.sentence_embedding.algorithms.minilm_l6.params.threads: invalid value 'alll'; allowed: " in str(
        err.value
    )
