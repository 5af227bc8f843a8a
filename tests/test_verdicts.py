"""The verdict design (issue 24): the paired estimator on hand-computed cases, the signed-rank interval
against published critical values, the four outcomes, the stopping rule's error rates by simulation,
and an A/A fixture that must produce no faster/slower verdict while a known 10% effect is found."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from pairbench.analysis import paired
from pairbench.analysis.calibration import calibration_summary
from pairbench.analysis.pairs import compare_frameworks
from pairbench.analysis.settings import StatisticsSettings
from pairbench.analysis.stopping import RoundsRule, look, simulate_error_rates

# Six rounds' log ratios with distinct magnitudes: one round the other way (rank 1 of |d|).
D = [0.1, 0.2, -0.05, 0.15, 0.25, 0.3]


def test_paired_estimator_against_a_hand_computed_case() -> None:
    # The 21 Walsh averages (d_i + d_j) / 2, i <= j, sorted by hand:
    walsh = [-0.05, 0.025, 0.05, 0.075, 0.1, 0.1, 0.125, 0.125, 0.15, 0.15, 0.175,
             0.175, 0.2, 0.2, 0.2, 0.225, 0.225, 0.25, 0.25, 0.275, 0.3]  # fmt: skip
    np.testing.assert_allclose(paired.walsh_averages(D), walsh)
    est = paired.paired_estimate(D, 0.95)
    # Hodges-Lehmann: the 11th of 21.
    assert est.log_estimate == pytest.approx(0.175) and est.ratio == pytest.approx(math.exp(0.175))
    # n = 6 at 95%: P(T+ <= 0) = 1/64 <= 0.025 < P(T+ <= 1) = 2/64, so [W(1), W(21)], coverage 1 - 2/64.
    assert (est.log_low, est.log_high) == pytest.approx((-0.05, 0.3))
    assert est.confidence == pytest.approx(1 - 2 / 64) and est.method == "signed-rank"
    # at 90%: P(T+ <= 2) = 3/64 <= 0.05 < P(T+ <= 3) = 5/64, so [W(3), W(19)]
    est90 = paired.paired_estimate(D, 0.90)
    assert (est90.log_low, est90.log_high) == pytest.approx((0.05, 0.25)) and est90.confidence == pytest.approx(58 / 64)
    # Wilcoxon: T- = 1 (the one negative round has rank 1), so p = 2 P(T <= 1) = 2 x 2/64
    assert est.p_wilcoxon == pytest.approx(0.0625)
    # from launch values: the same numbers
    ref = np.array([1.0, 2.0, 0.5, 1.5, 3.0, 0.8])
    assert paired.log_ratios(ref * np.exp(D), ref) == pytest.approx(D)


@pytest.mark.parametrize(
    ("n", "critical"), [(6, 0), (7, 2), (8, 3), (9, 5), (10, 8), (11, 10), (12, 13), (15, 25), (20, 52)]
)
def test_signed_rank_interval_matches_the_published_critical_values(n: int, critical: int) -> None:
    # Two-sided 5% critical values of Wilcoxon's T (e.g. Hollander & Wolfe, table A.4): the interval's order
    # statistic is one past the critical value.
    c, achieved = paired.signed_rank_critical(n, 0.95)
    assert c == critical + 1 and achieved >= 0.95
    assert paired.signed_rank_critical(5, 0.95)[0] == 0  # five rounds: no 95% interval exists


@pytest.mark.parametrize(
    ("m", "n", "critical"), [(5, 5, 2), (6, 6, 5), (7, 7, 8), (8, 8, 13), (6, 12, 14), (12, 12, 37)]
)
def test_two_sample_shift_interval_matches_the_published_critical_values(m: int, n: int, critical: int) -> None:
    # `pairbench compare` (two runs, unpaired): two-sided 5% critical values of Mann-Whitney's U; the interval is
    # [D_(U+1), D_(mn-U)] of the m n sorted differences of the log launch values.
    rng = np.random.default_rng(m * 100 + n)
    candidate, reference = np.exp(rng.normal(0.1, 0.1, m)), np.exp(rng.normal(0.0, 0.1, n))
    diffs = np.sort(np.subtract.outer(np.log(candidate), np.log(reference)).ravel())
    centre, low, high = paired.shift_estimate(candidate, reference, 0.95)
    assert (low, high) == (diffs[critical], diffs[m * n - critical - 1])
    assert centre == pytest.approx(float(np.median(diffs)))
    assert math.isnan(paired.shift_estimate([1.0, 1.1, 1.2], [1.0, 1.1, 1.2])[1])  # 3 a side: no 95% interval


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0.80, 0.90, "faster"),
        (1.10, 1.30, "slower"),
        (0.97, 1.03, "equivalent"),
        (0.90, 1.02, "inconclusive"),  # straddles the lower edge
        (0.96, 1.06, "inconclusive"),  # straddles the upper edge
        (math.nan, math.nan, "inconclusive"),  # too few rounds for an interval
    ],
)
def test_the_four_outcomes(low: float, high: float, expected: str) -> None:
    assert paired.outcome(low, high, 0.05) == expected


def test_the_margin_is_log_symmetric_so_swapping_sides_mirrors_the_verdict() -> None:
    lo, hi = paired.band(0.05)
    assert lo == pytest.approx(1 / 1.05) and hi == pytest.approx(1.05)
    for low, high in ((0.8, 0.94), (1.06, 1.2), (0.97, 1.03), (0.9, 1.0)):
        flipped = paired.outcome(1 / high, 1 / low, 0.05)
        mirror = {"faster": "slower", "slower": "faster"}
        assert flipped == mirror.get(paired.outcome(low, high, 0.05), paired.outcome(low, high, 0.05))


def test_autocorrelated_rounds_widen_the_interval_with_a_block_bootstrap() -> None:
    drift = np.linspace(-0.2, 0.2, 12) + np.tile([0.01, -0.01], 6)
    assert paired.lag1_autocorrelation(drift) > 0.7 and paired.autocorrelated(drift)
    est = paired.paired_estimate(drift)
    assert est.method == "signed-rank + block bootstrap"
    w = paired.walsh_averages(drift)
    c, _ = paired.signed_rank_critical(12, 0.95)
    assert est.log_low <= w[c - 1] and est.log_high >= w[w.size - c]
    assert not paired.autocorrelated(np.random.default_rng(1).normal(0, 0.1, 12))


@pytest.mark.parametrize("tails", ["normal", "t3"])
@pytest.mark.parametrize("sigma", [0.01, 0.05, 0.1, 0.2])
def test_stopping_rule_error_rates_by_simulation(tails: str, sigma: float) -> None:
    rule = RoundsRule(min_rounds=6, max_rounds=12, delta=0.05)
    null = simulate_error_rates(rule, sigma, 1.0, n_cells=2000, seed=3, tails=tails)
    # An A/A pair (true ratio 1): faster or slower in at most 2.5% of cells, repeated looks included.
    assert null["faster"] + null["slower"] <= 0.025
    # A pair exactly on the margin's edge is called equivalent in at most ~5% (2.5% per look, a few looks).
    edge = simulate_error_rates(rule, sigma, 1.05, n_cells=2000, seed=4, tails=tails)
    assert edge["equivalent"] <= 0.06
    assert null["mean_rounds"] >= rule.min_rounds


def test_a_known_10_percent_effect_is_found_at_the_spreads_a_quiet_host_gives() -> None:
    rule = RoundsRule(min_rounds=6, max_rounds=12, delta=0.05)
    found = simulate_error_rates(rule, 0.02, 1.10, n_cells=2000, seed=5)
    assert found["slower"] >= 0.95 and found["faster"] == 0.0


def test_look_settles_a_cell_only_when_every_required_pair_is_decided() -> None:
    rule = RoundsRule(min_rounds=6, max_rounds=12, delta=0.05)
    rng = np.random.default_rng(2)
    base = list(np.exp(rng.normal(0, 0.01, 6)))
    fast = [b * 0.5 for b in base]
    same = [b * math.exp(e) for b, e in zip(base, rng.normal(0, 0.2, 6), strict=True)]
    values = {"ref": {"fit": base}, "fast": {"fit": fast}, "noisy": {"fit": same}}
    decided = look(values, [("fast", "ref")], rule, 6)
    assert decided.settled and decided.outcomes == {"fast/ref fit": "faster"}
    open_ = look(values, [("fast", "ref"), ("noisy", "ref")], rule, 6)
    assert not open_.settled and "noisy/ref fit" in open_.reason
    assert look(values, [("noisy", "ref")], rule, 12).settled  # max_rounds: stop, whatever is open
    assert rule.is_look(6) and not rule.is_look(7) and rule.is_look(8) and rule.is_look(12)


def _aa_values(cells: int, rounds: int, sigma: float, effect: float = 1.0, seed: int = 0) -> pd.DataFrame:
    """Launch values of an A/A run: each side against a second arm of itself (`effect` x the work)."""
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(cells):
        for side, lang in (("sklearn", "python"), ("linfa", "rust")):
            level = rng.uniform(1e-3, 1.0)
            for arm, scale in ((side, 1.0), (f"{side}#b", effect)):
                for r in range(1, rounds + 1):
                    seconds = level * scale * math.exp(rng.normal(0, sigma))
                    rows.append(
                        {"cell_id": f"c{c}", "domain": "calibration" if effect != 1.0 else "d", "task": "t",
                         "algorithm": "a", "dataset": "x", "language": lang, "framework": arm, "launch": r,
                         "phase": "fit", "seconds": seconds, "cpu_seconds": seconds}
                    )  # fmt: skip
    return pd.DataFrame(rows)


def test_an_aa_fixture_produces_no_faster_or_slower_verdict() -> None:
    settings = StatisticsSettings(resamples=500)
    table = compare_frameworks(_aa_values(cells=40, rounds=8, sigma=0.05, seed=11), settings)
    # only each side against its own second arm: 2 sides x 40 cells
    assert len(table) == 80 and (table["kind"] == "aa").all()
    assert set(zip(table["candidate"], table["reference"], strict=True)) == {
        ("sklearn#b", "sklearn"),
        ("linfa#b", "linfa"),
    }
    assert not table["outcome"].isin(["faster", "slower"]).any()
    summary = calibration_summary(table, settings.delta)
    assert summary is not None and summary["false_verdicts"] == 0 and summary["aa_comparisons"] == 80
    # at a 5% per-round spread, Q3 + 3 IQR of the A/A estimates stays near the 5% margin
    assert 0.0 < summary["supported_delta"] < 0.15


def test_the_known_effect_is_found_and_reported() -> None:
    settings = StatisticsSettings(resamples=500)
    values = pd.concat([_aa_values(4, 8, 0.05, seed=12), _aa_values(1, 8, 0.01, effect=1.10, seed=13)])
    summary = calibration_summary(compare_frameworks(values, settings), settings.delta)
    assert summary is not None and summary["aa_comparisons"] == 8
    known = summary["known_effect"]
    assert len(known) == 2 and all(k["detected"] for k in known)
    assert all(k["ratio"] == pytest.approx(1.10, rel=0.03) for k in known)


def test_pairing_cancels_a_drift_both_sides_share_and_cpu_time_sits_beside_wall_time() -> None:
    rng = np.random.default_rng(4)
    drift = np.exp(np.linspace(-0.3, 0.3, 10))  # the host slows down for both sides of every round
    rows = []
    for fw, lang, scale, cpu_scale in (("py", "python", 1.0, 1.0), ("rs", "rust", 0.5, 1.0)):
        for r in range(10):
            wall = scale * drift[r] * math.exp(rng.normal(0, 0.005))
            rows.append(
                {"cell_id": "c", "domain": "d", "task": "t", "algorithm": "a", "dataset": "x", "language": lang,
                 "framework": fw, "launch": r + 1, "phase": "fit", "seconds": wall,
                 "cpu_seconds": wall * cpu_scale / scale}
            )  # fmt: skip
    row = compare_frameworks(pd.DataFrame(rows), StatisticsSettings(resamples=1000)).iloc[0]
    assert row["outcome"] == "faster" and row["ratio"] == pytest.approx(0.5, rel=0.02)
    # the unpaired interval carries the drift; the paired one does not
    assert row["pairing_gain"] > 5
    # the CPU ratio (1.0: rs burns as much CPU, e.g. on a second thread) is far from the wall ratio (0.5)
    assert row["cpu_ratio"] == pytest.approx(1.0, rel=0.02) and row["cpu_wall_mismatch"]


def test_a_cell_left_with_one_side_has_nothing_to_compare() -> None:
    # the other sides failed every attempt: their launches left no values
    rows = [
        {"cell_id": "c", "domain": "d", "task": "t", "algorithm": "a", "dataset": "x", "language": "rust",
         "framework": "rs", "launch": r, "phase": "fit", "seconds": 1.0, "cpu_seconds": 1.0}
        for r in (1, 2)
    ]  # fmt: skip
    assert compare_frameworks(pd.DataFrame(rows), StatisticsSettings(resamples=100)).empty
