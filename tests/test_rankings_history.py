"""Rankings, recommendations, cost, history and step detection on inputs with known answers."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.power import TTestIndPower

from pairbench.analysis import history, stats
from pairbench.analysis.cost import Machine, cost_table, load_machine
from pairbench.analysis.rankings import bradley_terry, elo, pareto_front, rankings
from pairbench.analysis.recommend import recommend
from pairbench.analysis.settings import RankingSettings, StatisticsSettings, load_analysis_config
from pairbench.analysis.summaries import summarise
from pairbench.analysis.tidy import launch_values_from_samples
from pairbench.configuration.config import ConfigError
from pairbench.configuration.requirements import Requirements, load_requirements


def test_bradley_terry_two_players_recovers_the_win_ratio() -> None:
    # A beats B 3 times out of 4: the MLE strength ratio is 3 (p = s_A / (s_A + s_B) = 0.75).
    outcomes = [("A", "B", 1.0)] * 3 + [("A", "B", 0.0)]
    s = bradley_terry(outcomes, prior_wins=0.0)
    assert s["A"] / s["B"] == pytest.approx(3.0, rel=1e-6)


def test_bradley_terry_three_players_matches_the_likelihood_equations() -> None:
    outcomes = (
        [("A", "B", 1.0)] * 4
        + [("B", "A", 1.0)]
        + [("B", "C", 1.0)] * 3
        + [("C", "B", 1.0)]
        + [("A", "C", 1.0)] * 2
        + [("C", "A", 1.0)]
    )
    s = bradley_terry(outcomes, prior_wins=0.0)
    wins = {"A": 6, "B": 4, "C": 2}
    games = {("A", "B"): 5, ("B", "C"): 4, ("A", "C"): 3}
    # At the MLE every player's observed wins equal its expected wins.
    for p in "ABC":
        expected = sum(n * s[p] / (s[p] + s[q if q != p else r]) for (q, r), n in games.items() if p in (q, r))
        assert expected == pytest.approx(wins[p], rel=1e-6)


def test_elo_single_game_known_update() -> None:
    r = elo([("A", "B", 1.0)], k=32, initial=1500)
    assert r == {"A": 1516.0, "B": 1484.0}
    r = elo([("A", "B", 0.5)], k=32, initial=1500)
    assert r == {"A": 1500.0, "B": 1500.0}


def test_pareto_front_known_points() -> None:
    pts = pd.DataFrame({"time": [1, 2, 3, 1.5], "mem": [3, 2, 1, 3.5], "q": [1, 1, 1, 0.9]})
    # the 4th point is dominated by the 1st (faster, smaller, better)
    assert pareto_front(pts, ["time", "mem"], ["q"]).tolist() == [True, True, True, False]


def _profiles() -> tuple[pd.DataFrame, pd.DataFrame]:
    rows, cmp = [], []
    for c in range(3):
        for fw, t, m, q in (("fast", 1.0, 200.0, 0.9), ("small", 2.0, 100.0, 0.9), ("slow", 4.0, 400.0, 0.8)):
            rows.append(
                {
                    "cell_id": f"c{c}",
                    "domain": "d",
                    "task": "t",
                    "algorithm": "a",
                    "dataset": f"x{c}",
                    "framework": fw,
                    "language": "rust",
                    "rel_time": t,
                    "speed_score": 1 / t,
                    "peak_rss_mb": m,
                    "rel_memory": m / 100,
                    "memory_score": 100 / m,
                    "quality_value": q,
                    "quality_score": q / 0.9,
                }
            )
        for cand, ref, out in (("small", "fast", "slower"), ("slow", "fast", "slower"), ("slow", "small", "slower")):
            cmp.append(
                {
                    "cell_id": f"c{c}",
                    "domain": "d",
                    "task": "t",
                    "algorithm": "a",
                    "dataset": f"x{c}",
                    "phase": "fit",
                    "candidate": cand,
                    "reference": ref,
                    "outcome": out,
                }
            )
    return pd.DataFrame(rows), pd.DataFrame(cmp)


def test_rankings_borda_elo_and_weighted_agree_on_a_clear_order() -> None:
    prof, cmp = _profiles()
    r = rankings(prof, cmp, RankingSettings(weights={"speed": 1.0, "memory": 0.0, "quality": 0.0}))
    overall = r[r["scope"] == "(all tasks)"].set_index("framework")
    assert overall.sort_values("rank").index.tolist() == ["fast", "small", "slow"]
    assert overall.loc[["fast", "small", "slow"], "borda"].tolist() == [6.0, 3.0, 0.0]
    assert overall.loc["fast", "elo"] > overall.loc["small", "elo"] > overall.loc["slow", "elo"]
    assert overall.loc["fast", "bradley_terry"] > overall.loc["small", "bradley_terry"]
    assert overall["pareto_optimal"].to_dict() == {"fast": True, "small": True, "slow": False}
    # memory-only weights flip the top two
    r = rankings(prof, cmp, RankingSettings(weights={"speed": 0.0, "memory": 1.0, "quality": 0.0}))
    assert r[r["scope"] == "t"].iloc[0]["framework"] == "small"


def test_recommendation_respects_budgets_and_reports_confidence() -> None:
    prof, cmp = _profiles()
    summary = pd.DataFrame(
        [
            {"task": "t", "framework": fw, "phase": "fit", "median_s": t, "median_ci_high_s": t * 1.01}
            for fw, t in (("fast", 1.0), ("small", 2.0), ("slow", 4.0))
        ]
    )
    req = Requirements(weights={"speed": 1.0, "memory": 0.0, "quality": 0.0}, tasks={"t": {"memory_budget_mb": 150}})
    rec = recommend(prof, summary, cmp, req)
    top = rec[rec["rank"] == 1].iloc[0]
    assert top["framework"] == "small" and top["status"] == "pass" and top["confidence"] == "high"
    assert "within 150 MB" in top["reason"]
    # nothing fits: low confidence, closest named
    rec = recommend(prof, summary, cmp, Requirements(tasks={"t": {"latency_budget_s": 0.1}}))
    assert rec[rec["rank"] == 1].iloc[0]["confidence"] == "low"


def test_requirements_and_analysis_config_errors_name_file_key_and_allowed(tmp_path: Path) -> None:
    bad = tmp_path / "req.yaml"
    bad.write_text("weights: {speed: -1, colour: 2}\ntasks:\n  t: {latency_budget: 1}\n")
    with pytest.raises(ConfigError) as exc:
        load_requirements(bad)
    text = str(exc.value)
    assert f"{bad}: weights.speed: got -1; allowed: a number >= 0" in text
    assert f"{bad}: weights.colour: unknown weight; allowed: speed, memory, quality" in text
    assert f"{bad}: tasks.t.latency_budget: unknown key; allowed: latency_budget_s" in text
    cfg = tmp_path / "analysis.yaml"
    cfg.write_text("power: {power: 2}\nranking: {elo: {kk: 1}}\n")
    with pytest.raises(ConfigError) as exc:
        load_analysis_config(cfg)
    assert f"{cfg}: power.power: got 2; allowed: a number in [0.01, 0.9999]" in str(exc.value)
    assert f"{cfg}: ranking.elo.kk: unknown key; allowed: k, initial" in str(exc.value)
    hw = tmp_path / "hw.yaml"
    hw.write_text("machines:\n  m: {cores: 0, price_per_hour_usd: 1, tdp_watts: 10}\n")
    with pytest.raises(ConfigError) as exc:
        load_machine(hw, "m")
    assert f"{hw}: machines.m.cores: got 0; allowed: a positive integer" in str(exc.value)
    with pytest.raises(ConfigError, match="allowed: m"):
        load_machine(hw, "default")


def test_cost_and_energy_estimate_by_hand() -> None:
    summary = pd.DataFrame(
        [
            {
                "cell_id": "c",
                "domain": "d",
                "task": "t",
                "algorithm": "a",
                "dataset": "x",
                "framework": "f",
                "phase": p,
                "median_s": s,
                "n_samples": 10,
            }
            for p, s in (("fit", 2.0), ("predict", 0.5))
        ]
    )
    launches = pd.DataFrame(
        [
            {
                "cell_id": "c",
                "domain": "d",
                "task": "t",
                "algorithm": "a",
                "dataset": "x",
                "framework": "f",
                "status": "ok",
                "threads": 1,
                "cpu_percent": 100.0,
                "n_test": 1000,
            }
        ]
    )
    machine = Machine("m", cores=2, price_per_hour_usd=3.6, tdp_watts=40.0)
    t = cost_table(summary, launches, machine).set_index("phase")
    # one of two cores for 2 s at $3.6/h: 2 * 0.001 * 1/2 = $0.001
    assert t.loc["fit", "cost_per_training_run_usd"] == pytest.approx(0.001)
    # 0.5 s predicts 1000 rows: $0.00025 per 1000 -> $0.25 per million
    assert t.loc["predict", "cost_per_million_predictions_usd"] == pytest.approx(0.25)
    assert t.loc["fit", "energy_j_per_call"] == pytest.approx(2.0 * 40 / 2)
    assert t.loc["fit", "energy_source"].startswith("estimate")
    assert math.isnan(t.loc["fit", "cost_per_million_predictions_usd"])


def test_step_detection_known_answers() -> None:
    assert history.detect_steps([1, 1, 1, 2, 2, 2]) == [3]
    assert history.detect_steps([1, 1.01, 0.99, 1.0, 1.005, 0.995]) == []
    assert history.detect_steps([1, 1, 1, 2, 2, 2, 1, 1, 1]) == [3, 6]
    assert history.detect_steps([1, 1, 1, 5, 1, 1, 1]) == [3, 4]  # one-run blip: down again
    assert history.detect_steps([1.0, 1.01, 1.0, 1.015]) == []  # inside the 2% noise band
    rng = np.random.default_rng(7)
    jitter = 1 + rng.normal(0, 0.05, 40)
    assert history.detect_steps(jitter) == []  # 5% noise, no change: no step
    assert history.detect_steps(np.r_[jitter[:20], jitter[20:] + 0.3]) == [20]


def _samples(run_scale: dict[str, float], seed: int) -> pd.DataFrame:
    """10 launches of 3 samples per framework; the launch spread (2%) is what a run against a run sees."""
    rng = np.random.default_rng(seed)
    rows = []
    for fw, scale in run_scale.items():
        for i in range(30):
            rows.append(
                {
                    "cell_id": "c",
                    "domain": "d",
                    "task": "t",
                    "algorithm": "a",
                    "dataset": "x",
                    "language": "rust",
                    "framework": fw,
                    "launch": 1 + i // 3,
                    "phase": "train_epoch",
                    "seed": 0,
                    "fold": "",
                    "seconds": scale * rng.lognormal(0, 0.02),
                }
            )
    return pd.DataFrame(rows)


def _append(db: Path, run_id: str, samples: pd.DataFrame, settings: StatisticsSettings, day: int) -> None:
    values = launch_values_from_samples(samples)
    history.append_run(
        db,
        run_id,
        samples,
        summarise(samples, values, settings),
        pd.DataFrame({"host": ["h"], "status": ["ok"]}),
        recorded_at=dt.datetime(2026, 1, 1 + day),
        values=values,
    )


def test_history_classifies_regressions_against_a_baseline(tmp_path: Path) -> None:
    db = tmp_path / "h.duckdb"
    settings = StatisticsSettings(resamples=1000)
    scales = [{"a": 1.0, "b": 1.0, "c": 1.0}, {"a": 1.3, "b": 1.0, "c": 0.7}]
    for k, sc in enumerate(scales):
        _append(db, f"run{k}", _samples(sc, k), settings, k)
    # appending the same run again replaces it
    _append(db, "run1", _samples(scales[1], 1), settings, 1)
    assert history.runs(db)["run_id"].tolist() == ["run0", "run1"]
    table = history.compare_runs(db, "run0", "run1", settings).set_index("framework")
    assert table["status"].to_dict() == {"a": "regressed", "b": "unchanged", "c": "improved"}
    assert table.loc["a", "ratio"] == pytest.approx(1.3, rel=0.03)
    # launch values, not samples: 10 launches a side, and the method says it is unpaired
    assert (table["n_reference"] == 10).all() and (table["unit"] == "launches").all()
    assert table["method"].str.startswith("unpaired").all()
    with pytest.raises(KeyError, match="known runs: run0, run1"):
        history.compare_runs(db, "nope", "run1", settings)


def test_a_shift_of_every_series_is_the_run_wide_shift_not_a_regression_of_each(tmp_path: Path) -> None:
    # a host 8% slower in the second run moves all 20 series; one of them is also 40% slower by itself
    db = tmp_path / "h.duckdb"
    settings = StatisticsSettings(resamples=200)
    names = [f"fw{k:02d}" for k in range(20)]
    _append(db, "r0", _samples(dict.fromkeys(names, 1.0), 0), settings, 0)
    _append(db, "r1", _samples({**dict.fromkeys(names, 1.08), "fw07": 1.08 * 1.4}, 1), settings, 1)
    table = history.compare_runs(db, "r0", "r1", settings).set_index("framework")
    shift = table.attrs["run_shift"]
    assert shift.applied and shift.n_series == 20 and shift.ratio == pytest.approx(1.08, rel=0.02)
    assert shift.outcome(settings.delta) == "slower"
    assert table["status"].value_counts().to_dict() == {"unchanged": 19, "regressed": 1}
    assert table.loc["fw07", "status"] == "regressed"
    assert table.loc["fw07", "relative_ratio"] == pytest.approx(1.4, rel=0.03)
    # judged on their own ratios, every series is "regressed"
    absolute = history.compare_runs(db, "r0", "r1", settings, relative=False)
    assert (absolute["status"] == "regressed").all() and not absolute.attrs["run_shift"].applied


def test_compare_cli_exits_non_zero_on_a_confirmed_regression(tmp_path: Path, capsys) -> None:
    from pairbench.cli.main import main

    db = tmp_path / "h.duckdb"
    settings = StatisticsSettings(resamples=500)
    for k, sc in enumerate([{"a": 1.0}, {"a": 1.5}]):
        _append(db, f"r{k}", _samples(sc, k), settings, k)
    assert main(["compare", "--db", str(db), "--baseline", "r0"]) == 0
    assert main(["compare", "--db", str(db), "--baseline", "r0", "--fail-on-regression"]) == 3
    assert "regressed" in capsys.readouterr().out
    assert main(["compare", "--db", str(db), "--baseline", "r1", "--run", "r0", "--fail-on-regression"]) == 0


def test_median_rank_draws_match_brute_force_resampling() -> None:
    rng = np.random.default_rng(0)
    for n in (2, 5, 8, 13):
        size = 200_000
        j1, j2 = stats.median_rank_draws(n, (size,), rng)
        draws = np.sort(rng.integers(0, n, size=(size, n)), axis=1)
        k = (n + 1) // 2 if n % 2 else n // 2
        b1, b2 = draws[:, k - 1], draws[:, k if n % 2 == 0 else k - 1]
        ours = np.bincount(j1 * n + j2, minlength=n * n) / size
        brute = np.bincount(b1 * n + b2, minlength=n * n) / size
        assert np.abs(ours - brute).max() < 0.006, n


@pytest.mark.parametrize("d", [0.1, 0.35, 0.8, 1.7])
def test_power_agrees_with_statsmodels(d: float) -> None:
    for n in (5, 20, 80):
        ref = TTestIndPower().power(effect_size=d, nobs1=n, alpha=0.05, ratio=1.0, alternative="two-sided")
        assert float(stats.t_test_power(d, n)) == pytest.approx(ref, rel=1e-6)
    needed = stats.samples_for_effect_size(d)
    assert math.ceil(TTestIndPower().solve_power(effect_size=d, alpha=0.05, power=0.8) - 1e-9) == needed


def test_a_best_available_comparison_is_not_a_language_result() -> None:
    """ridge: scikit-learn's closed form against linfa's coordinate descent (best available); lasso: the same
    algorithm on both sides. Only lasso feeds the language's rankings and geometric means."""
    from pairbench.analysis.pairs import compare_frameworks, geometric_mean_speedups
    from pairbench.analysis.rankings import pairwise_outcomes
    from pairbench.core.comparisons import BEST_AVAILABLE, SAME_ALGORITHM, ComparisonSpec

    rng = np.random.default_rng(9)
    rows = []
    for cell, scale in (("ridge", {"scikit-learn": 1.0, "linfa": 0.1, "linfa-py": 0.1}),
                        ("lasso", {"scikit-learn": 1.0, "linfa": 2.0, "linfa-py": 2.0})):  # fmt: skip
        for fw, s in scale.items():
            for r in range(1, 9):
                t = s * math.exp(rng.normal(0, 0.01))
                rows.append({"cell_id": cell, "domain": "classical_ml", "task": "regression", "algorithm": cell,
                             "dataset": "diabetes", "language": "rust" if fw == "linfa" else "python",
                             "framework": fw, "launch": r, "phase": "fit", "seconds": t, "cpu_seconds": t})  # fmt: skip
    values = pd.DataFrame(rows)
    kinds = {"ridge": ComparisonSpec(BEST_AVAILABLE, ("scikit-learn",), "closed form vs coordinate descent")}
    order = {c: ["scikit-learn", "linfa", "linfa-py"] for c in ("ridge", "lasso")}
    settings = StatisticsSettings(resamples=500)
    cmp = compare_frameworks(values, settings, order, kinds)
    kind = {(r.cell_id, r.candidate, r.reference): r.comparison_kind for r in cmp.itertuples()}
    assert kind[("ridge", "linfa", "scikit-learn")] == BEST_AVAILABLE
    assert kind[("ridge", "linfa-py", "scikit-learn")] == BEST_AVAILABLE
    assert kind[("ridge", "linfa-py", "linfa")] == SAME_ALGORITHM  # the same Rust code on both sides
    assert kind[("lasso", "linfa", "scikit-learn")] == SAME_ALGORITHM
    # ridge's 10x win is not a game in the language's ranking, nor a cell of its geometric mean
    games = pairwise_outcomes(cmp)
    assert ("linfa", "scikit-learn", 1.0) not in games and ("linfa", "scikit-learn", 0.0) in games
    gm = geometric_mean_speedups(cmp, values, settings).set_index(["candidate", "reference"])
    assert gm.loc[("linfa", "scikit-learn"), "n_cells"] == 1
    assert gm.loc[("linfa", "scikit-learn"), "geomean_speedup"] == pytest.approx(0.5, rel=0.02)
