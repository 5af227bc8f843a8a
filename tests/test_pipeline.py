"""End to end: the real pipeline through the offline Nextflow wrapper (slow; marked `pipeline`)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest

from pairbench.core.paths import project_root
from pairbench.core.schema import read_result

ROOT = project_root()
pytestmark = pytest.mark.pipeline
# The smoke profile at two rounds a cell: every phase, domain and output as `-profile smoke` gives them,
# at a third of its launches (the tests read the rounds back from the run's recorded params).
SMOKE = ["-profile", "smoke", "--min_rounds", "2", "--max_rounds", "2"]


def nextflow(args: list[str], cwd: Path, timeout: int = 1800) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NXF_ANSI_LOG": "false"}
    # Each test run gets its own history store, so tests never append to the project's.
    args = [*args, "--history_db", str(cwd / "history.duckdb")]
    return subprocess.run(
        [str(ROOT / "nextflow"), "run", str(ROOT / "main.nf"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str], float]:
    launch_dir = tmp_path_factory.mktemp("smoke")
    t0 = time.perf_counter()
    proc = nextflow([*SMOKE, "--outdir", "out"], launch_dir)
    elapsed = time.perf_counter() - t0
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    print(f"smoke pipeline wall time: {elapsed:.1f} s")
    return launch_dir, proc, elapsed


def test_smoke_profile_produces_every_output(smoke_run) -> None:
    launch_dir, _, _ = smoke_run
    out = launch_dir / "out"
    results = [read_result(p) for p in sorted((out / "raw").glob("*.json"))]  # each valid against the schema
    assert all(r["status"] == "ok" for r in results)
    # Rounds: every timed cell has its record, and every side of it one launch per round, in the recorded order.
    selection = json.loads((out / "selection" / "selection.json").read_text())
    rounds = selection["params"]["min_rounds"]
    launched: dict[tuple[str, str], set[int]] = {}
    for r in results:
        launched.setdefault((r["cell_id"], r["framework"]["name"]), set()).add(r["launch"])
        assert r["metadata"]["round"] == r["launch"]
    records = [json.loads(p.read_text()) for p in sorted((out / "rounds").glob("*.rounds.json"))]
    assert records and {rec["cell_id"] for rec in records} == {r["cell_id"] for r in results}
    for rec in records:
        assert [x["round"] for x in rec["rounds"]] == list(range(1, rounds + 1))
        for x in rec["rounds"]:
            assert sorted(x["order"]) == sorted(rec["arms"]) and all(launch["ok"] for launch in x["launches"])
        for side in rec["arms"]:
            assert launched[(rec["cell_id"], side)] == set(range(1, rounds + 1)), (rec["cell_id"], side)
    results = [r for r in results if r["launch"] == 1]  # the first round: the counts below are fixed
    assert len({r["run_id"] for r in results}) == 1
    classical = [r for r in results if r["domain"] == "classical_ml"]
    assert {r["framework"]["name"] for r in classical} == {"scikit-learn", "linfa", "linfa-py"}
    fits = [r["timing"]["phases"]["fit"]["samples"] for r in classical]
    # the profile's samples (the protocol's time budget only ever stops a phase after min_samples of them)
    assert {len(f) for f in fits} == {selection["params"]["samples"]}
    deep = [r for r in results if r["domain"] == "deep_learning"]
    # the CNN on all three frameworks
    assert {(r["algorithm"], r["framework"]["name"]) for r in deep} == {
        ("lenet", f) for f in ("pytorch", "candle", "tch")
    }
    assert len(deep) == 3
    rl = [r for r in results if r["domain"] == "rl"]
    # the PPO lockstep cell: SB3 plus both Rust sides passed the gate (lockstep + identical actions)
    assert {(r["algorithm"], r["framework"]["name"]) for r in rl} == {("ppo", f) for f in ("sb3", "candle", "tch")}
    assert len(rl) == 3  # smoke trains no seeds: rl_seeds 0
    llm = [r for r in results if r["domain"] == "llm"]
    # the seeded tiny encoder on its three sides (tch encodes too; the tiny decoder runs in the LLM tests)
    assert {(r["algorithm"], r["framework"]["name"]) for r in llm} == {
        ("tiny_bert", f) for f in ("transformers", "candle-transformers", "tch")
    }
    assert len(llm) == 3
    # The tiny models stay at one thread (the threads axis is the real models', in standard).
    assert {r["threads"] for r in llm} == {1}

    validations = [json.loads(p.read_text()) for p in (out / "validation").glob("*.validation.json")]
    # Every selected cell is validated; every side that passed its gate is launched (once a round).
    assert len(validations) == len(selection["cells"])
    # one cell per domain
    assert sorted(v["domain"] for v in validations) == ["classical_ml", "deep_learning", "llm", "rl"]
    assert len(results) == sum(len(v["comparable_sides"]) for v in validations)
    assert {"diabetes.json", "digits.json", "cartpole.json"} <= {p.name for p in (out / "datasets").glob("*.json")}

    comparisons = pd.read_csv(out / "analysis" / "comparisons.csv")
    timed: dict[tuple[str, str], set[str]] = {}
    for r in classical:
        for phase in r["timing"]["phases"]:
            timed.setdefault((r["cell_id"], phase), set()).add(r["framework"]["name"])
    # one row per (cell, phase) and pair of timed sides
    assert len(comparisons[comparisons["domain"] == "classical_ml"]) == sum(
        len(s) * (len(s) - 1) // 2 for s in timed.values()
    )
    deep_pairs = set(zip(comparisons["candidate"], comparisons["reference"], strict=True))
    assert {("candle", "pytorch"), ("tch", "pytorch"), ("tch", "candle")} <= deep_pairs
    assert (out / "analysis" / "speed_ratio.svg").is_file()

    html = (out / "report" / "index.html").read_text()
    for section in (
        "Quality parity",
        "Cross-validation",
        "LLM inference",
        "Speed",
        "Failures",
        "Ecosystem",
        "Methods",
        "Environment",
        "Reinforcement learning",
        "Facts per framework",
        "Findings",
        "Three-way decomposition",
    ):
        assert section in html
    # A smoke run (fixture models) opens with one picture and says it is a functional check: no readiness word.
    first = html.split("<section id='summary'>", 1)[1].split("</section>", 1)[0]
    assert "<div id='overview'><svg" in first and "Smoke run: a functional check on fixture models" in first
    assert "classical ML: linfa is not judged (a functional check)" in first
    assert not re.search(r"\bis (ready|partly ready|not ready)\b", first)
    assert "<svg" in html
    # self-contained: nothing is fetched (namespace URIs inside the SVG are identifiers, not requests)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//|url\(\s*["']?https?:|@import""", html)
    assert (out / "report" / "report.md").is_file() and (out / "report" / "report.json").is_file()

    info = {p.name.split("_2")[0] for p in (out / "pipeline_info").iterdir()}
    assert {"execution_report", "execution_timeline", "execution_trace", "pipeline_dag"} <= info


def test_resume_reuses_every_task(smoke_run) -> None:
    launch_dir, _, first = smoke_run
    t0 = time.perf_counter()
    proc = nextflow([*SMOKE, "--outdir", "out", "-resume"], launch_dir)
    elapsed = time.perf_counter() - t0
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "Cached" in proc.stdout
    log = (launch_dir / ".nextflow.log").read_text()
    assert "Submitted process" not in log.split("Session UUID")[-1]  # nothing re-ran
    assert elapsed < first


def test_failing_benchmark_is_retried_recorded_and_reported(tmp_path: Path) -> None:
    # A 0.2 s budget kills every Python launch (interpreter + scikit-learn import alone take longer)
    # while the Rust binary finishes in milliseconds; validation gets a normal budget.
    proc = nextflow(
        [
            "-profile",
            "smoke",
            "--outdir",
            "out",
            "--algorithms",
            "linear",
            "--datasets",
            "diabetes",
            "--min_rounds",
            "2",
            "--max_rounds",
            "2",
            "--timeout_s",
            "0.2",
            "--validation_timeout_s",
            "120",
        ],
        tmp_path,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    results = {r["framework"]["name"]: r for r in (read_result(p) for p in (tmp_path / "out" / "raw").glob("*.json"))}
    assert results["linfa"]["status"] == "ok"
    for side in ("scikit-learn", "linfa-py"):  # both Python sides: retried in the cell's rounds, then recorded
        failed = results[side]
        assert failed["status"] == "failed"
        assert "timed out after 0.2 s" in failed["error"] and "attempt 2/2" in failed["error"]
    # with one side left the cell's rounds stop, and its record says why
    (record,) = (tmp_path / "out" / "rounds").glob("*.rounds.json")
    assert "fewer than two sides left" in json.loads(record.read_text())["stop_reason"]
    trace = next((tmp_path / "out" / "pipeline_info").glob("execution_trace_*.txt")).read_text()
    assert "RUN_ROUNDS" in trace
    report = (tmp_path / "out" / "report" / "index.html").read_text()
    assert "timed out after 0.2 s" in report
    assert "2 failed" in report


def test_bad_config_fails_before_anything_runs(tmp_path: Path) -> None:
    proc = nextflow(["-profile", "smoke", "--outdir", "out", "--algorithms", "ridge,svm_typo"], tmp_path)
    assert proc.returncode != 0
    text = proc.stdout + proc.stderr
    assert "Invalid configuration" in text and "--algorithms: unknown name(s) svm_typo" in text
    assert re.search(r"allowed: all, [a-z0-9_, ]*\bridge\b", text)
    assert not (tmp_path / "out" / "raw").exists()
    assert not list((tmp_path / "work").rglob(".command.sh"))  # no task was even submitted
