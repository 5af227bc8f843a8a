"""Statistics on inputs with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pairbench.analysis import stats
from pairbench.analysis.pairs import compare_frameworks, side_pairs
from pairbench.analysis.settings import StatisticsSettings


def test_holm_matches_hand_computation() -> None:
    # sorted p: .005 .01 .03 .04 -> x4 x3 x2 x1 = .02 .03 .06 .04 -> running max .02 .03 .06 .06
    adjusted = stats.holm([0.01, 0.04, 0.03, 0.005])
    np.testing.assert_allclose(adjusted, [0.03, 0.06, 0.06, 0.02])
    assert stats.holm([0.5, 0.9]).max() <= 1.0


def test_cliffs_delta_extremes_and_ties() -> None:
    assert stats.cliffs_delta([1, 2, 3], [4, 5, 6]) == -1.0
    assert stats.cliffs_delta([4, 5, 6], [1, 2, 3]) == 1.0
    assert stats.cliffs_delta([1, 2], [1, 2]) == 0.0
    # pairs: (1,2)< (1,3)< (4,2)> (4,3)> -> 0
    assert stats.cliffs_delta([1, 4], [2, 3]) == 0.0
    assert stats.cliffs_magnitude(0.1) == "negligible"
    assert stats.cliffs_magnitude(-0.5) == "large"


def test_mann_whitney_known_exact_value() -> None:
    # Completely separated samples of 5 vs 5: exact two-sided p = 2 / C(10, 5) = 2/252.
    assert stats.mann_whitney_p([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]) == pytest.approx(2 / 252)


def test_bootstrap_ci_brackets_median_and_shrinks_with_n() -> None:
    rng = np.random.default_rng(1)
    small = rng.normal(10, 1, 20)
    large = rng.normal(10, 1, 2000)
    med, lo, hi = stats.bootstrap_median_ci(small, resamples=2000)
    assert lo <= med <= hi
    _, lo2, hi2 = stats.bootstrap_median_ci(large, resamples=2000)
    assert hi2 - lo2 < hi - lo
    assert lo2 < 10 < hi2


def test_ratio_ci_recovers_a_known_ratio() -> None:
    rng = np.random.default_rng(2)
    ref = rng.normal(1.0, 0.01, 200)
    cand = ref * 0.5
    ratio, lo, hi = stats.ratio_of_medians_ci(cand, ref, resamples=2000)
    assert ratio == pytest.approx(0.5, rel=1e-9)
    assert lo < 0.5 < hi and hi - lo < 0.02


def test_instability_warnings_follow_pyperf_rules() -> None:
    assert stats.instability_warnings([1.0] * 10) == []
    assert any("samples" in w for w in stats.instability_warnings([1.0] * 3))
    assert any("std" in w for w in stats.instability_warnings([1.0, 1.3] * 10))
    assert any("50%" in w for w in stats.instability_warnings([1.0] * 9 + [20.0]))


def test_side_pairs_put_the_baseline_first() -> None:
    assert side_pairs(["pytorch", "candle", "tch"]) == [("candle", "pytorch"), ("tch", "pytorch"), ("tch", "candle")]
    # An A/A run: each side's second arm against its first, and nothing else.
    assert side_pairs(["pytorch", "candle", "pytorch#b", "candle#b"]) == [
        ("pytorch#b", "pytorch"),
        ("candle#b", "candle"),
    ]


def test_compare_frameworks_detects_a_real_two_fold_difference() -> None:
    rng = np.random.default_rng(3)
    rows = []
    for fw, lang, scale in (("scikit-learn", "python", 2.0), ("linfa", "rust", 1.0)):
        for i, s in enumerate(rng.normal(scale, 0.02 * scale, 8)):
            rows.append(
                {
                    "cell_id": "c",
                    "domain": "d",
                    "task": "t",
                    "algorithm": "a",
                    "dataset": "x",
                    "language": lang,
                    "framework": fw,
                    "launch": 1 + i,
                    "phase": "fit",
                    "seconds": s,
                    "cpu_seconds": s,
                }
            )
    table = compare_frameworks(pd.DataFrame(rows), StatisticsSettings(resamples=1000))
    row = table.iloc[0]
    assert (row["candidate"], row["reference"]) == ("linfa", "scikit-learn")
    assert row["n_rounds"] == 8 and row["ratio"] == pytest.approx(0.5, rel=0.05)
    assert row["verdict"] == "linfa faster" and row["outcome"] == "faster"
    # all 8 rounds the same way: the exact signed-rank p is 2 / 2^8
    assert row["p_wilcoxon"] == pytest.approx(2 / 256)
    assert row["cpu_ratio"] == pytest.approx(row["ratio"], rel=1e-9) and not row["cpu_wall_mismatch"]
