"""The 10,000-record benchmark's generator and pipeline run end to end at a small size (the timing
target itself is measured by benchmarks/analyse_10k.py, not asserted here)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from pairbench.analysis.run import AnalysisInputs, analyse
from pairbench.analysis.settings import StatisticsSettings
from pairbench.cli.main import main
from pairbench.core.paths import config_dir
from tests.docs_support import output_tables
from tests.synthetic_results import bench_module


def test_synthetic_records_analyse_into_every_table(tmp_path: Path) -> None:
    n = bench_module().make_results(400, tmp_path / "raw", seed=1)
    assert n == 400
    overview = analyse(
        tmp_path / "raw",
        tmp_path / "out",
        None,
        StatisticsSettings(resamples=300),
        AnalysisInputs(
            analysis_config=config_dir() / "analysis.yaml", hardware=config_dir() / "hardware.yaml", figures=False
        ),
    )
    assert overview["n_results"] == 400 and not overview["invalid_result_files"]
    for name in ("summary", "comparisons", "geomean_speedups", "rankings", "recommendations", "cost"):
        assert not pd.read_csv(tmp_path / "out" / f"{name}.csv").empty, name
    assert set(overview["timings_s"]) >= {"load", "summary", "comparisons"}
    # docs/output.md lists every table the analysis writes, and no other, each with columns it has.
    documented = output_tables()
    assert sorted(documented) == sorted(overview["tables"]), "docs/output.md: analysis tables differ from the code's"
    for name, columns in documented.items():
        header = (tmp_path / "out" / f"{name}.csv").read_text(encoding="utf-8").partition("\n")[0]
        assert not header or set(columns) <= set(header.split(",")), (name, set(columns) - set(header.split(",")))


def test_analyse_cli_fails_on_regression_only_when_asked(tmp_path: Path) -> None:
    bench = bench_module()
    # 6 launches a side: the fewest for which the unpaired shift has a 95% interval
    bench.make_results(120, tmp_path / "raw", seed=1, launches=6, samples=3)
    db = tmp_path / "h.duckdb"
    args = [
        "analyse",
        "--results-dir",
        str(tmp_path / "raw"),
        "--out-dir",
        str(tmp_path / "a"),
        "--resamples",
        "300",
        "--history-db",
        str(db),
        "--no-figures",
    ]
    assert main(args) == 0
    # the same records as a second run, one framework's 30% slower
    paths = sorted((tmp_path / "raw").glob("*.json"))
    slowed = sorted({json.loads(p.read_text())["framework"]["name"] for p in paths})[0]
    for path in paths:
        doc = json.loads(path.read_text())
        doc["run_id"] = "slower"
        if doc["framework"]["name"] == slowed:
            for timing in doc["timing"]["phases"].values():
                timing["samples"] = [s * 1.3 for s in timing["samples"]]
        path.write_text(json.dumps(doc))
    assert main([*args, "--baseline-run", "bench-10k"]) == 0
    assert main([*args, "--baseline-run", "bench-10k", "--fail-on-regression"]) == 3
    reg = pd.read_csv(tmp_path / "a" / "regressions.csv")
    assert set(reg.loc[reg["status"] == "regressed", "framework"]) == {slowed}
