"""Statistics against reference values computed independently: published tables (Cohen 1988,
Shapiro & Wilk 1965), closed forms (exact Mann-Whitney, Welch by hand), R's p.adjust, and
scipy's own bootstrap for the median CI."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from pairbench.analysis import stats
from pairbench.analysis.pairs import compare_frameworks, geometric_mean_speedups
from pairbench.analysis.settings import StatisticsSettings
from pairbench.analysis.tidy import launch_values_from_samples


def test_shapiro_wilk_matches_the_1965_paper_example() -> None:
    # Shapiro & Wilk (1965), weights of 11 men: W = 0.79, normality rejected at the 1% level.
    weights = [148, 154, 158, 160, 161, 162, 166, 170, 182, 195, 236]
    w = sps.shapiro(weights).statistic
    assert w == pytest.approx(0.79, abs=0.005)
    assert stats.shapiro_p(weights) < 0.01
    assert math.isnan(stats.shapiro_p([1.0, 1.0, 1.0]))


def test_welch_matches_the_hand_formula() -> None:
    a = np.array([27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4])
    b = np.array([27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4])
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    t = (a.mean() - b.mean()) / math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    assert stats.welch_p(a, b) == pytest.approx(2 * sps.t.sf(abs(t), df), rel=1e-10)
    # Wikipedia's "Welch's t-test" example 1 reports t = -2.46, df = 24.9, p = 0.021.
    assert t == pytest.approx(-2.46, abs=0.01)
    assert df == pytest.approx(24.9, abs=0.1)
    assert stats.welch_p(a, b) == pytest.approx(0.021, abs=0.001)


def test_welch_rows_match_the_hand_formula_row_by_row() -> None:
    rng = np.random.default_rng(3)
    x, y = rng.lognormal(0, 0.2, (200, 7)), rng.lognormal(0.05, 0.3, (200, 9))
    va, vb = x.var(axis=1, ddof=1) / 7, y.var(axis=1, ddof=1) / 9
    t = (x.mean(axis=1) - y.mean(axis=1)) / np.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / 6 + vb**2 / 8)
    np.testing.assert_allclose(stats.welch_p_rows(x, y), 2 * sps.t.sf(np.abs(t), df), rtol=0, atol=1e-12)
    # rows without spread: equal constants do not differ, distinct constants do, one noisy side is a test
    ones, twos = np.ones((1, 4)), np.full((1, 4), 2.0)
    assert stats.welch_p_rows(np.vstack([ones, ones]), np.vstack([ones, twos])).tolist() == [1.0, 0.0]
    assert 0 < stats.welch_p_rows(ones, np.array([[1.0, 1.1, 0.9, 1.05]]))[0] < 1


@pytest.mark.parametrize("d", [0.2, 0.5, 0.8, 1.3])
def test_power_matches_statsmodels(d: float) -> None:
    from statsmodels.stats.power import TTestIndPower

    power = TTestIndPower()
    n = np.arange(2, 120)
    ours, reference = stats.t_test_power(d, n), power.power(d, n, 0.05, ratio=1.0)
    # scipy's noncentral t gives NaN far in the tail (power ~1) on both sides; everywhere else: equal
    both = np.isfinite(ours) & np.isfinite(reference)
    assert np.all(both | (np.nan_to_num(reference, nan=1.0) > 0.999))
    np.testing.assert_allclose(ours[both], reference[both], rtol=0, atol=1e-12)
    assert stats.samples_for_effect_size(d) == math.ceil(power.solve_power(d, None, 0.05, 0.8, ratio=1.0))


def test_paired_t_is_the_one_sample_t_of_differences() -> None:
    before = np.array([1.10, 1.20, 0.90, 1.05, 1.30, 1.00])
    after = before - np.array([0.05, 0.07, 0.02, 0.06, 0.04, 0.03])
    d = before - after
    t = d.mean() / (d.std(ddof=1) / math.sqrt(d.size))
    assert stats.paired_t_p(before, after) == pytest.approx(2 * sps.t.sf(t, d.size - 1), rel=1e-10)
    with pytest.raises(ValueError):
        stats.paired_t_p([1, 2, 3], [1, 2])


def test_mann_whitney_exact_tail_for_separated_samples() -> None:
    # Completely separated samples of 4 vs 6: exact two-sided p = 2 / C(10, 4).
    assert stats.mann_whitney_p([1, 2, 3, 4], [5, 6, 7, 8, 9, 10]) == pytest.approx(2 / math.comb(10, 4))


def test_holm_and_bonferroni_match_r_p_adjust() -> None:
    # R: p.adjust(c(0.01, 0.02, 0.03, 0.04, 0.05), "holm") -> 0.05 0.08 0.09 0.09 0.09
    p = [0.01, 0.02, 0.03, 0.04, 0.05]
    np.testing.assert_allclose(stats.holm(p), [0.05, 0.08, 0.09, 0.09, 0.09])
    np.testing.assert_allclose(stats.bonferroni(p), [0.05, 0.10, 0.15, 0.20, 0.25])
    # A NaN (test undefined) is neither adjusted nor counted in the family.
    out = stats.holm([0.01, np.nan, 0.04])
    assert math.isnan(out[1])
    np.testing.assert_allclose(out[[0, 2]], [0.02, 0.04])


def test_cohens_d_and_magnitudes() -> None:
    # means 3 and 5, both sample variances 2.5 -> pooled sd sqrt(2.5): d = -2 / 1.5811 = -1.2649
    assert stats.cohens_d([1, 2, 3, 4, 5], [3, 4, 5, 6, 7]) == pytest.approx(-2 / math.sqrt(2.5))
    assert [stats.cohens_magnitude(d) for d in (0.1, 0.3, -0.6, 0.9)] == [
        "negligible",
        "small",
        "medium",
        "large",
    ]


def test_cliffs_delta_by_hand_with_ties() -> None:
    # a=[1,2,3], b=[2,2,4]: greater pairs (3>2,3>2) = 2, less pairs (1<2,1<2,1<4,2<4,3<4) = 5 -> -3/9
    assert stats.cliffs_delta([1, 2, 3], [2, 2, 4]) == pytest.approx(-3 / 9)
    rng = np.random.default_rng(0)
    a, b = rng.normal(0, 1, 57), rng.normal(0.4, 1, 43)
    brute = (np.sum(a[:, None] > b[None, :]) - np.sum(a[:, None] < b[None, :])) / (a.size * b.size)
    assert stats.cliffs_delta(a, b) == pytest.approx(brute)


@pytest.mark.parametrize(("d", "n"), [(0.2, 394), (0.5, 64), (0.8, 26)])
def test_power_matches_cohens_table(d: float, n: int) -> None:
    # Cohen (1988) table 2.4.1, two-sided alpha = .05, power = .80: n = 393, 64, 26 per group
    # (the table rounds 393.4 down; we round up, as a sample size must).
    assert stats.samples_for_effect_size(d) == n


def test_samples_needed_grows_with_noise() -> None:
    rng = np.random.default_rng(5)
    quiet = np.exp(rng.normal(0, 0.01, 30))
    noisy = np.exp(rng.normal(0, 0.10, 30))
    assert stats.samples_needed(quiet, 0.05) < stats.samples_needed(noisy, 0.05)
    # sd(log t) = s: d = log(1.05)/s; check against the table helper directly
    s = float(np.std(np.log(noisy), ddof=1))
    assert stats.samples_needed(noisy, 0.05) == stats.samples_for_effect_size(math.log(1.05) / s)


def test_bootstrap_median_ci_agrees_with_scipy_bootstrap() -> None:
    x = np.random.default_rng(11).lognormal(0, 0.3, 60)
    _, lo, hi = stats.bootstrap_median_ci(x, resamples=20000, seed=3)
    ref = sps.bootstrap((x,), np.median, method="percentile", n_resamples=20000, rng=np.random.default_rng(4))
    assert lo == pytest.approx(ref.confidence_interval.low, rel=0.02)
    assert hi == pytest.approx(ref.confidence_interval.high, rel=0.02)


def test_geometric_mean_ci_by_hand() -> None:
    gm, lo, hi = stats.geometric_mean_ci([2.0, 8.0])
    assert gm == pytest.approx(4.0)
    half = sps.t.ppf(0.975, 1) * np.std(np.log([2.0, 8.0]), ddof=1) / math.sqrt(2)
    assert lo == pytest.approx(4.0 * math.exp(-half)) and hi == pytest.approx(4.0 * math.exp(half))


def _frame(spec: dict[str, tuple[float, float]], n: int = 30, seeds: int = 1, cells: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    rows = []
    for c in range(cells):
        for fw, (scale, sd) in spec.items():
            for i in range(n):
                rows.append(
                    {
                        "cell_id": f"c{c}",
                        "domain": "dl",
                        "task": "t",
                        "algorithm": "a",
                        "dataset": "x",
                        "language": "python" if fw == "pytorch" else "rust",
                        "framework": fw,
                        "launch": 1 + i,  # one value per launch: the launch is the unit
                        "phase": "train_epoch",
                        "seed": i % seeds,
                        "fold": "",
                        "seconds": scale * math.exp(rng.normal(0, sd)),
                    }
                )
    return pd.DataFrame(rows)


def test_three_frameworks_give_three_pairs_with_every_statistic() -> None:
    values = launch_values_from_samples(
        _frame({"pytorch": (2.0, 0.02), "candle": (1.0, 0.02), "tch": (2.0, 0.005)}, n=8)
    )
    table = compare_frameworks(values, StatisticsSettings(resamples=1000), {"c0": ["pytorch", "candle", "tch"]})
    by_pair = {(r.candidate, r.reference): r for r in table.itertuples()}
    assert set(by_pair) == {("candle", "pytorch"), ("tch", "pytorch"), ("tch", "candle")}
    assert by_pair["candle", "pytorch"].verdict == "candle faster"
    assert by_pair["tch", "candle"].verdict == "tch slower"
    assert by_pair["tch", "pytorch"].verdict in ("equivalent", "inconclusive")
    np.testing.assert_allclose(table["p_bonferroni"], np.minimum(table["p_wilcoxon"] * 3, 1.0))


def test_few_rounds_are_inconclusive_and_underpowered() -> None:
    values = launch_values_from_samples(_frame({"pytorch": (1.0, 0.3), "candle": (1.0, 0.3)}, n=5))
    settings = StatisticsSettings(resamples=500)
    row = compare_frameworks(values, settings).iloc[0]
    # 5 rounds: no 95% signed-rank interval exists, so no verdict either way
    assert row["outcome"] == "inconclusive" and math.isnan(row["ratio_ci_low"])
    assert row["ci_method"] == "none (too few rounds)" and row["underpowered"]


def test_geometric_mean_speedup_per_domain() -> None:
    values = launch_values_from_samples(_frame({"pytorch": (3.0, 0.01), "candle": (1.0, 0.01)}, cells=3, n=8))
    settings = StatisticsSettings(resamples=500)
    gm = geometric_mean_speedups(compare_frameworks(values, settings), values, settings)
    row = gm.iloc[0]
    assert row["n_cells"] == 3 and row["geomean_speedup"] == pytest.approx(3.0, rel=0.02)
    assert row["ci_low"] < row["geomean_speedup"] < row["ci_high"]
    assert row["n_faster"] == 3 and row["n_inconclusive"] == 0
