"""benchmarks/reproducibility.py's figures on a hand-computed pair of runs."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def script(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))  # the script imports its neighbours by name
    spec = importlib.util.spec_from_file_location("reproducibility", ROOT / "benchmarks" / "reproducibility.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_ratio_precision_compares_the_moves_with_the_intervals(script: ModuleType) -> None:
    # Two comparisons, each run's 95% interval exp(±1.96·0.03) around its ratio, so each run's standard
    # error of the log ratio is 0.03 and the two runs' combined one 0.03·√2 = 0.0424 (1.96 of them: 0.0832).
    # A move of ln 1.1 = 0.0953 lies beyond it, a move of ln 1.02 = 0.0198 inside.
    half = 1.96 * 0.03
    both = pd.DataFrame(
        {
            "ratio_a": [1.0, 1.0],
            "ratio_b": [1.1, 1.02],
            "n_rounds_a": [6, 12],
            **{f"ci_confidence_{r}": [0.95, 0.95] for r in "ab"},
            "ratio_ci_low_a": [math.exp(-half)] * 2,
            "ratio_ci_high_a": [math.exp(half)] * 2,
            "ratio_ci_low_b": [1.1 * math.exp(-half), 1.02 * math.exp(-half)],
            "ratio_ci_high_b": [1.1 * math.exp(half), 1.02 * math.exp(half)],
        }
    )
    got = script.ratio_precision(both)
    assert got["ratio_moves_beyond_95pct_intervals"] == 1 and got["ratio_moves_with_intervals"] == 2
    assert got["ratio_moves_beyond_95pct_intervals_share"] == 0.5
    # the 90th percentile of the moves (linear between the two): 0.0198 + 0.9 · (0.0953 - 0.0198) = 0.0877
    p90 = math.log(1.02) + 0.9 * (math.log(1.1) - math.log(1.02))
    assert got["ratio_move_p90"] == pytest.approx(math.expm1(p90))
    # k times the rounds shrink every move by √k: k = (0.0877 / ln 1.05)² = 3.23 brings 90% of them within ±5%
    assert got["rounds_factor_for_target"] == pytest.approx((p90 / math.log(1.05)) ** 2)
    assert got["rounds_factor_for_target"] == pytest.approx(3.23, abs=0.01)
    assert got["rounds_median"] == 9


def test_rounds_task_time_is_read_from_the_trace_beside_the_analysis(script: ModuleType, tmp_path: Path) -> None:
    (tmp_path / "analysis").mkdir()
    (tmp_path / "pipeline_info").mkdir()
    (tmp_path / "pipeline_info" / "execution_trace_2026-12-08_01-00-00.txt").write_text(
        "task_id\tname\trealtime\n"
        "1\tPHASE4_BENCHMARK:RUN_ROUNDS (a)\t1m 2s\n"
        "2\tPHASE4_BENCHMARK:RUN_TRAINING (b)\t5m\n"
        "3\tPHASE4_BENCHMARK:RUN_ROUNDS (c)\t850ms\n",
        encoding="utf-8",
    )
    assert script.rounds_task_s(tmp_path / "analysis") == 62.9
    assert script.rounds_task_s(tmp_path / "elsewhere" / "analysis") is None
