"""Summaries that cannot mislead: cross-cell geometric means, use-case recommendations with their
deciding factor and trade-off, and a recommendation with one side measured."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from pairbench.analysis import stats
from pairbench.analysis.pairs import compare_frameworks, geometric_mean_speedups
from pairbench.analysis.recommend import recommend
from pairbench.analysis.settings import StatisticsSettings
from pairbench.analysis.summaries import summarise
from pairbench.analysis.tidy import launch_values_from_samples
from pairbench.analysis.usecases import NO_COMPARISON, recommend_use_cases
from pairbench.configuration.requirements import Requirements, load_requirements


def _samples(ratios: list[float], sd: float = 0.02, n: int = 8) -> pd.DataFrame:
    """One cell per ratio: reference time 1 s, candidate time = reference / ratio (speed-up = ratio)."""
    rng = np.random.default_rng(5)
    rows = []
    for c, r in enumerate(ratios):
        for fw, scale, lang in (("ref", 1.0, "python"), ("cand", 1.0 / r, "rust")):
            for i in range(n):
                rows.append(
                    {
                        "cell_id": f"c{c}",
                        "domain": "d",
                        "task": "t",
                        "algorithm": "a",
                        "dataset": f"x{c}",
                        "language": lang,
                        "framework": fw,
                        "launch": 1 + i,
                        "phase": "fit",
                        "seed": 0,
                        "fold": "",
                        "seconds": scale * math.exp(rng.normal(0, sd)),
                    }
                )
    return pd.DataFrame(rows)


def _geomeans(ratios: list[float], sd: float = 0.02) -> pd.Series:
    values = launch_values_from_samples(_samples(ratios, sd))
    settings = StatisticsSettings(resamples=2000)
    cmp = compare_frameworks(values, settings, {f"c{i}": ["ref", "cand"] for i in range(len(ratios))})
    return geometric_mean_speedups(cmp, values, settings).iloc[0]


def test_two_cells_give_per_cell_ratios_not_a_pooled_interval() -> None:
    # The card: two cells, a t-interval of 0.000121x to 1.97e5x. Now: no pooled interval.
    row = _geomeans([0.2, 5.0])
    assert row["n_cells"] == 2 and row["geomean_speedup"] == pytest.approx(1.0, rel=0.05)
    assert math.isnan(row["ci_low"]) and math.isnan(row["ci_high"])
    assert "2 cell(s) < 3" in row["interval_warning"]
    assert re.search(r"a/x0: 0\.(19|20)\d*x \[[^]]+\] slower", row["per_cell"])
    assert re.search(r"a/x1: (4\.9|5\.0)\d*x \[[^]]+\] faster", row["per_cell"])


def test_pooled_interval_resamples_cells_and_rounds() -> None:
    agree = _geomeans([3.0, 3.1, 2.9, 3.0])
    assert agree["ci_low"] < agree["geomean_speedup"] < agree["ci_high"]
    assert agree["ci_high"] / agree["ci_low"] < 1.2 and not agree["interval_warning"]
    # Noisier rounds within the same cells widen the interval: the second level is counted.
    noisy = _geomeans([3.0, 3.1, 2.9, 3.0], sd=0.3)
    assert math.log(noisy["ci_high"] / noisy["ci_low"]) > 3 * math.log(agree["ci_high"] / agree["ci_low"])
    # Cells that disagree by orders of magnitude: the interval is wide and says so.
    wild = _geomeans([0.05, 20.0, 0.1, 30.0])
    assert wild["ci_high"] / wild["ci_low"] > 4 and "the cells disagree" in wild["interval_warning"]


def test_hierarchical_bootstrap_with_no_within_cell_noise_is_the_cell_bootstrap() -> None:
    logs = np.log([1.0, 2.0, 4.0])
    gm, lo, hi = stats.hierarchical_geomean_ci(logs, [np.array([v]) for v in logs], resamples=20000, seed=1)
    assert gm == pytest.approx(2.0)
    # Cells resampled with replacement: the extreme means are all-1 and all-4 (prob 1/27 each).
    assert 1.0 <= lo < gm < hi <= 4.0
    one = stats.hierarchical_geomean_ci([math.log(2.0)], [np.log(np.array([1.9, 2.0, 2.1] * 100))])
    assert one[0] == pytest.approx(2.0) and one[1] == pytest.approx(1.9) and one[2] == pytest.approx(2.1)


# A deep-learning-like task whose right answers are known by construction:
#   big:   fastest everywhere (2.6x on train_epoch, 1.5x on inference), 806 MB
#   small: 11 MB, slower everywhere
PHASE_TIMES = {
    "big": {"train_epoch": 1.0, "infer_b1": 0.010, "infer_b256": 0.2},
    "small": {"train_epoch": 2.6, "infer_b1": 0.015, "infer_b256": 0.3},
}
MEMORY = {"big": 806.0, "small": 11.0}


def _task_tables() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    summary, resources, cmp, prof = [], [], [], []
    for c in range(2):
        cell = {"cell_id": f"c{c}", "domain": "dl", "task": "image", "algorithm": "lenet", "dataset": f"d{c}"}
        for fw, phases in PHASE_TIMES.items():
            for phase, t in phases.items():
                summary.append({**cell, "framework": fw, "phase": phase, "median_s": t, "median_ci_high_s": t})
            resources.append({**cell, "framework": fw, "peak_rss_mb_median": MEMORY[fw]})
            rel = float(np.exp(np.mean(np.log([t / PHASE_TIMES["big"][p] for p, t in phases.items()]))))
            prof.append(
                {
                    **cell,
                    "framework": fw,
                    "language": "rust",
                    "rel_time": rel,
                    "speed_score": 1 / rel,
                    "peak_rss_mb": MEMORY[fw],
                    "rel_memory": MEMORY[fw] / 11.0,
                    "memory_score": 11.0 / MEMORY[fw],
                    "quality_value": 0.9,
                    "quality_score": 1.0,
                }
            )
        for phase in PHASE_TIMES["big"]:
            cmp.append({**cell, "phase": phase, "candidate": "small", "reference": "big", "outcome": "slower"})
    return pd.DataFrame(summary), pd.DataFrame(resources), pd.DataFrame(cmp), pd.DataFrame(prof)


def test_use_case_recommendations_name_the_deciding_factor_and_trade_off() -> None:
    summary, resources, cmp, _ = _task_tables()
    uc = recommend_use_cases(summary, resources, cmp).set_index("use_case")
    assert uc.loc["training_throughput", "framework"] == "big"
    assert "2.6x faster than small" in uc.loc["training_throughput", "recommendation"]
    assert uc.loc["training_throughput", "confidence"] == "high"
    assert "806 MB vs 11 MB peak memory" in uc.loc["training_throughput", "trade_off"]
    assert uc.loc["single_request_latency", "framework"] == "big"
    assert "1.5x faster" in uc.loc["single_request_latency", "recommendation"]
    assert uc.loc["batch_inference", "framework"] == "big"
    mem = uc.loc["memory_constrained"]
    assert mem["framework"] == "small" and "11 MB vs 806 MB peak memory" in mem["recommendation"]
    assert "slower on 3 of 3 phases" in mem["trade_off"] and "2.6x on train_epoch" in mem["trade_off"]
    assert uc.loc["weighted", "framework"] == "big"  # three speed use cases outweigh memory at equal weights


def test_use_case_weights_from_the_requirements_file_change_the_choice(tmp_path: pytest.TempPathFactory) -> None:
    path = tmp_path / "req.yaml"  # type: ignore[operator]
    path.write_text("use_cases:\n  memory_constrained: {weight: 10}\n  single_request_latency: {weight: 0}\n")
    req = load_requirements(path)
    summary, resources, cmp, _ = _task_tables()
    uc = recommend_use_cases(summary, resources, cmp, req.use_case_list()).set_index("use_case")
    assert uc.loc["weighted", "framework"] == "small"
    bad = tmp_path / "bad.yaml"  # type: ignore[operator]
    bad.write_text("use_cases:\n  gaming: {weight: 1}\n  memory_constrained: {phases: [fit]}\n")
    with pytest.raises(Exception) as exc:
        load_requirements(bad)
    assert f"{bad}: use_cases.gaming: unknown use case; allowed: training_throughput" in str(exc.value)
    assert f"{bad}: use_cases.memory_constrained.phases: memory is not per phase" in str(exc.value)


def test_overall_recommendation_names_deciding_factor_and_trade_off() -> None:
    summary, _, cmp, prof = _task_tables()
    req = Requirements(weights={"speed": 0.1, "memory": 0.9, "quality": 0.0})
    top = recommend(prof, summary, cmp, req).query("rank == 1").iloc[0]
    assert top["framework"] == "small"
    assert "deciding factor: memory (weight 0.9): 11 MB vs 806 MB peak memory" in top["reason"]
    assert "trade-off vs big: slower on 3 of 3 phases" in top["reason"]


def test_one_side_measured_is_not_a_recommendation() -> None:
    # The baseline failed or timed out: only linfa has timings.
    summary, resources, cmp, prof = _task_tables()
    only = prof[prof["framework"] == "small"]
    rec = recommend(
        only,
        summary[summary["framework"] == "small"],
        cmp.iloc[0:0],
        Requirements(),
        expected={"image": ["big", "small"]},
    )
    top = rec.query("rank == 1").iloc[0]
    assert top["confidence"] == NO_COMPARISON == "none — comparison missing"
    assert "only small was measured" in top["reason"] and "big not measured" in top["reason"]
    assert "the only framework measured" not in top["reason"]
    uc = recommend_use_cases(
        summary[summary["framework"] == "small"], resources, cmp.iloc[0:0], expected={"image": ["big", "small"]}
    ).set_index("use_case")
    assert (uc.drop(index="weighted", errors="ignore")["confidence"] == NO_COMPARISON).all()
    assert "big missing" in uc.loc["training_throughput", "recommendation"]


def test_robust_spread_and_tukey_outliers_ignore_one_spike() -> None:
    x = [1.00, 1.01, 0.99, 1.02, 0.98, 1.00, 1.01, 0.99, 1.00, 5.0]  # one preemption spike
    assert np.std(x, ddof=1) / np.mean(x) > 0.9  # the coefficient of variation is dominated by the spike
    mad_rel, iqr, iqr_rel = stats.robust_spread(x)
    assert mad_rel == pytest.approx(0.01) and iqr == pytest.approx(0.0175) and iqr_rel == pytest.approx(0.0175)
    # quartiles 0.9925 and 1.01: mild fences 0.966 / 1.036, severe fences 0.94 / 1.063
    assert stats.tukey_outliers(x) == (0, 1)
    assert stats.tukey_outliers([1.00, 1.01, 0.99, 1.02, 0.98, 1.00, 1.01, 0.99, 1.00, 1.05]) == (1, 0)


def test_summary_tells_a_slow_first_launch_from_within_launch_noise() -> None:
    rows = []
    for launch, scale in ((1, 1.5), (2, 1.0), (3, 1.0)):
        for i in range(10):
            rows.append(
                {
                    "cell_id": "c",
                    "domain": "d",
                    "task": "t",
                    "algorithm": "a",
                    "dataset": "x",
                    "language": "rust",
                    "framework": "f",
                    "launch": launch,
                    "phase": "fit",
                    "seconds": scale * (1.0 + 0.001 * (i % 3)),
                }
            )
    frame = pd.DataFrame(rows)
    row = summarise(frame, launch_values_from_samples(frame), StatisticsSettings(resamples=200)).iloc[0]
    assert row["first_launch_ratio"] == pytest.approx(1.5) and row["within_launch_cv"] < 0.002
    assert row["between_launch_cv"] > 0.2 and row["outliers_mild"] + row["outliers_severe"] == 0
    # The centre is launch-level: the median of the three launches' medians, with its interval over launches.
    assert row["n_launches"] == 3 and row["median_s"] == pytest.approx(1.001)
    assert row["median_ci_low_s"] <= row["median_s"] <= row["median_ci_high_s"]


def test_system_facts_name_what_pyperf_checks() -> None:
    from pairbench.harness.environment import system_facts

    facts = system_facts()
    assert {"governors", "turbo", "aslr", "isolated_cpus", "sched_autogroup", "warnings"} <= set(facts)
    autogroup_warned = any("autogroup is on" in w for w in facts["warnings"])
    assert autogroup_warned == (facts["sched_autogroup"] == "1")


def test_unstable_is_pyperfs_rule_and_a_power_shortfall_is_only_a_warning() -> None:
    # std 8.4% of the mean (< pyperf's 10%), min and max 8% from it: stable, yet too few samples to see 5%
    seconds = [1.0 + 0.08 * (-1) ** i for i in range(12)]
    rows = [
        {"cell_id": "c", "domain": "d", "task": "t", "algorithm": "a", "dataset": "x", "language": "rust",
         "framework": "f", "launch": 1 + i % 2, "phase": "fit", "seconds": s}
        for i, s in enumerate(seconds)
    ]  # fmt: skip
    frame = pd.DataFrame(rows)
    row = summarise(frame, launch_values_from_samples(frame), StatisticsSettings(resamples=200)).iloc[0]
    assert not row["unstable"] and row["warnings"].startswith("power:")
    rows[0]["seconds"] = 2.0  # max now >= 50% from the mean
    frame = pd.DataFrame(rows)
    assert summarise(frame, launch_values_from_samples(frame), StatisticsSettings(resamples=200)).iloc[0]["unstable"]
