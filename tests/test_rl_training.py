"""rl `solve` (training to the threshold): the curve readers on known curves, the training gate
(success rates and the final returns' equivalence, seed for seed) on fixtures whose answer is known,
the learning-curve figure, and a short real training run on every side from the same seeded start (two
evaluations, no training to 475 here)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pairbench.analysis import rl_training as rt
from pairbench.configuration.selection import seed_launches
from pairbench.core.cells import Cell
from pairbench.report.domains.rl_charts import learning_curves, lockstep_deviation
from pairbench.tasks.rl import training
from pairbench.tasks.rl.prepare import prepare_solve_cell
from tests.rl_support import DQN_PARAMS, FRAMEWORKS, cartpole_data, train_every_side
from tests.rl_support import PPO_PARAMS as ZOO_PPO_PARAMS


def test_time_to_threshold_and_success_rate_on_known_curves() -> None:
    steps, means = [2500, 5000, 7500, 10000], [20.0, 474.9, 475.0, 500.0]
    assert rt.time_to_threshold(steps, means, 475.0) == 7500.0
    assert np.isnan(rt.time_to_threshold(steps[:2], means[:2], 475.0))
    assert training.first_reaching(steps, means, 475.0) == 2
    assert training.first_reaching(steps, means, 501.0) is None
    assert rt.success_rate([7500.0, float("nan"), 5000.0, 10000.0, float("nan")]) == pytest.approx(0.6)
    assert training.success_rate([7500, None, 5000, 10000, None]) == pytest.approx(0.6)
    med, lo, hi = rt.median_ci([5000.0, 7500.0, 10000.0, float("nan")])
    assert med == 7500.0 and 5000.0 <= lo <= med <= hi <= 10000.0
    assert all(np.isnan(rt.median_ci([float("nan")])))


def test_tracker_records_on_schedule_and_reads_the_curve() -> None:
    values = iter([10.0, 480.0, 300.0])
    tracker = training.EvalTracker(100, 475.0, lambda: next(values))
    tracker.start()
    for t in range(1, 301):
        tracker.after_step(t)
    assert [c[0] for c in tracker.curve] == [100, 200, 300]
    summary = tracker.summary(final_mean=490.0, train_s=tracker.train_s())
    assert summary["steps_to_threshold"] == 200.0
    assert summary["best_mean_return"] == 480.0 and summary["evaluations"] == 3.0
    assert summary["seconds_to_threshold"] is not None and summary["seconds_to_threshold"] >= 0


def _runs(finals: dict[str, list[float]], steps: dict[str, list[float]]) -> pd.DataFrame:
    rows = [
        {
            "cell_id": "solve.dqn",
            "algorithm": "dqn",
            "framework": fw,
            "seed": i + 1,
            "final_mean_return": f,
            "steps_to_threshold": steps[fw][i],
            "seconds_to_threshold": steps[fw][i] / 1000,
            "train_s": 60.0,
            "eval_s": 5.0,
            "cpu_s": 60.0,
        }
        for fw, vals in finals.items()
        for i, f in enumerate(vals)
    ]
    return pd.DataFrame(rows, columns=rt.RUN_COLUMNS)


def test_training_gate_on_a_known_fixture() -> None:
    nan = float("nan")
    runs = _runs(
        {
            "sb3": [500.0, 499, 498, 497, 496],
            "candle": [500.0, 499, 498, 497, 495],  # within a return of sb3's, seed for seed: equivalent
            "tch": [100.0, 120, 90, 110, 105],  # a real difference: fails
            # The zoo DQN's real spread (README): 25 to 500 over seeds, so 5 seeds cannot show equivalence.
            "noisy": [25.0, 353, 119, 500, 500],
        },
        {"sb3": [5000.0] * 5, "candle": [5000.0, 7500, 5000, 5000, nan], "tch": [nan] * 5, "noisy": [5000.0] * 5},
    )
    validations = [
        {
            "cell_id": "solve.dqn",
            "baseline": "sb3",
            "launches": 5,
            "params": {"threshold": 475.0},
            "quality_gate": {"min_success_rate": 0.8},
        }
    ]
    gate = rt.training_gate(runs, validations).set_index("framework")
    assert gate["gate"].to_dict() == {
        "sb3": "baseline", "candle": "comparable", "tch": "not comparable", "noisy": "inconclusive",
    }  # fmt: skip
    assert gate.loc["candle", "success_rate"] == pytest.approx(0.8)
    # per-seed differences 0, 0, 0, 0, -1: Hodges-Lehmann 0, 90% interval [min, max] of five = [-1, 0]
    assert (gate.loc["candle", "return_difference_ci_low"], gate.loc["candle", "return_difference_ci_high"]) == (-1, 0)
    assert gate.loc["candle", "return_margin"] == pytest.approx(47.5)
    assert "success rate 0%" in gate.loc["tch", "reasons"] and "final returns differ" in gate.loc["tch", "reasons"]
    assert "not shown within ±47.5" in gate.loc["noisy", "reasons"] and not gate.loc["noisy", "comparable"]
    # a candidate that solves less often than the baseline, beyond the margin, fails on that alone
    runs2 = _runs({"sb3": [500.0] * 5, "c": [500.0] * 5}, {"sb3": [5000.0] * 5, "c": [5000.0] * 4 + [nan]})
    v2 = [{**validations[0], "quality_gate": {"min_success_rate": 0.5, "success_margin": 0.1}}]
    row = rt.training_gate(runs2, v2).set_index("framework").loc["c"]
    assert row["gate"] == "not comparable" and "more than 10% below sb3's 100%" in row["reasons"]


def test_learning_curve_and_lockstep_figures_render() -> None:
    curves = pd.DataFrame(
        [
            {"cell_id": "c", "framework": fw, "seed": s, "env_step": step, "mean_return": m + s}
            for fw in ("sb3", "tch")
            for s in (1, 2, 3)
            for step, m in ((2500, 20.0), (5000, 300.0), (7500, 490.0))
        ]
    )
    svg = learning_curves(curves)
    assert svg.startswith("<svg") and svg.count("<polygon") == 2 and svg.count("<polyline") == 2
    assert "threshold 475" in svg and "3 seeds" in svg
    dev = pd.DataFrame({"cell_id": "c", "framework": "tch", "step": [1, 2, 3], "rel_dev": [1e-7, 3e-6, 0.0]})
    assert lockstep_deviation(dev).count("<polyline") == 1
    assert learning_curves(curves.iloc[0:0]) == ""
    # Two solve cells (DQN and PPO): one chart each, titled by cell.
    both = learning_curves(pd.concat([curves, curves.assign(cell_id="d", env_step=curves["env_step"] + 4)]))
    assert both.count("<svg") == 2 and both.count("<polyline") == 4 and ">d</text>" in both


def test_seeds_are_launches_and_smoke_runs_none() -> None:
    assert seed_launches("rl", "solve", 5) == {"launches": 5, "warmup": 0, "samples": 1}
    assert seed_launches("rl", "policy", 5) == {}


# The zoo settings, shrunk: a small network, 2,304 env steps, evaluations at 1,100 and 2,200.
PARAMS = {
    **DQN_PARAMS,
    "total_timesteps": 2304,
    "learning_starts": 1000,
    "gradient_steps": 32,
    "lockstep_updates": 1000000,
    "latency_repeats": 1,
    "eval_interval": 1100,
    "threshold": 475.0,
}
GATE = {"metric": "mean_return", "tolerance": 0.0, "prediction_tolerance": 0.0, "validation_samples": 0}


@pytest.fixture(scope="module")
def solve_cell(tmp_path_factory: pytest.TempPathFactory) -> tuple[Cell, Path, Path]:
    data = cartpole_data(tmp_path_factory, "rl-solve-data")
    cell = Cell(
        run_id="test",
        domain="rl",
        task="solve",
        algorithm="dqn",
        dataset="cartpole",
        params=PARAMS,
        frameworks=FRAMEWORKS,
        seed=5,
        threads=1,
        quality_gate=GATE,
        **seed_launches("rl", "solve", 2),
    )
    path = cell.write(data / "cells")
    prepare_solve_cell(json.loads(cell.to_json()), data)
    return cell, path, data


def test_seeds_have_their_own_checked_start(solve_cell: tuple[Cell, Path, Path]) -> None:
    from pairbench.tasks.rl.spec import cell_dir, verify_start

    _, _, data = solve_cell
    one, two = (training.seed_dir(cell_dir(data, solve_cell[0].cell_id), k) for k in (1, 2))
    verify_start(one)
    assert (one / "init.safetensors").read_bytes() != (two / "init.safetensors").read_bytes()
    assert not np.array_equal(np.load(one / "explore_u.npy"), np.load(two / "explore_u.npy"))
    kept = (two / "explore_u.npy").read_bytes()
    np.save(two / "explore_u.npy", np.zeros(3))
    try:
        with pytest.raises(ValueError, match=r"explore_u\.npy: sha256 mismatch"):
            verify_start(two)
    finally:
        (two / "explore_u.npy").write_bytes(kept)


def test_short_training_gives_every_side_the_same_first_evaluation(
    solve_cell: tuple[Cell, Path, Path], tmp_path: Path
) -> None:
    _, path, data = solve_cell
    docs = train_every_side(path, data, tmp_path)
    curves = {s: d["metadata"]["learning_curve"] for s, d in docs.items()}
    for side, curve in curves.items():
        assert [c[0] for c in curve] == [1100, 2200], side
        assert docs[side]["quality"]["train_seed"] == 1.0
        assert docs[side]["quality"]["train_s"] > 0 and docs[side]["quality"]["eval_s"] > 0
        assert len(docs[side]["timing"]["phases"]["train"]["samples"]) == 1
    # Same start, same randoms: after the first rollouts' updates the greedy evaluations agree.
    assert curves["candle"][0][1] == curves["sb3"][0][1]
    assert curves["tch"][0][1] == curves["sb3"][0][1]
    runs, long = rt.solve_runs(list(docs.values()))
    assert len(runs) == 3 and len(long) == 6


PPO_PARAMS = {
    # The zoo's CartPole-v1 PPO on a 1,536-step budget (6 rollouts, 120 gradient steps): the first
    # evaluation (768 env steps) follows two rollouts' updates.
    **ZOO_PPO_PARAMS,
    "total_timesteps": 1536,
    "lockstep_updates": 1000000,
    "latency_repeats": 1,
    "eval_interval": 768,
    "threshold": 475.0,
}


@pytest.fixture(scope="module")
def ppo_solve_cell(solve_cell: tuple[Cell, Path, Path]) -> tuple[Cell, Path, Path]:
    dqn, _, data = solve_cell
    cell = Cell(**{**json.loads(dqn.to_json()), "algorithm": "ppo", "params": PPO_PARAMS, "cell_id": ""})
    path = cell.write(data / "cells-ppo")
    prepare_solve_cell(json.loads(cell.to_json()), data)
    return cell, path, data


def test_ppo_seeds_have_their_own_checked_start(ppo_solve_cell: tuple[Cell, Path, Path]) -> None:
    from pairbench.tasks.rl.spec import cell_dir, verify_start

    cell, _, data = ppo_solve_cell
    one, two = (training.seed_dir(cell_dir(data, cell.cell_id), k) for k in (1, 2))
    verify_start(one)
    assert np.load(one / "perm.npy").shape == (6 * 20, 256)
    assert np.load(one / "action_u.npy").shape == (6 * 32, 8)
    assert (one / "init.safetensors").read_bytes() != (two / "init.safetensors").read_bytes()
    kept = (two / "perm.npy").read_bytes()
    np.save(two / "perm.npy", np.zeros(3, dtype=np.int64))
    try:
        with pytest.raises(ValueError, match=r"perm\.npy: sha256 mismatch"):
            verify_start(two)
    finally:
        (two / "perm.npy").write_bytes(kept)


def test_ppo_short_training_gives_every_side_the_same_first_evaluation(
    ppo_solve_cell: tuple[Cell, Path, Path], tmp_path: Path
) -> None:
    _, path, data = ppo_solve_cell
    docs = train_every_side(path, data, tmp_path)
    curves = {s: d["metadata"]["learning_curve"] for s, d in docs.items()}
    for side, curve in curves.items():
        assert [c[0] for c in curve] == [768, 1536], side
        assert docs[side]["quality"]["train_s"] > 0 and docs[side]["quality"]["eval_s"] > 0
    # Same start, same randoms: after two rollouts' updates (40 gradient steps) the greedy evaluations agree.
    assert curves["candle"][0][1] == curves["sb3"][0][1]
    assert curves["tch"][0][1] == curves["sb3"][0][1]
    runs, _ = rt.solve_runs(list(docs.values()))
    assert list(runs["algorithm"]) == ["ppo"] * 3


def test_speed_split_keeps_dqn_and_ppo_apart() -> None:
    from pairbench.analysis.domains.rl import speeds_table

    rl = pd.DataFrame(
        [
            {"algorithm": "dqn", "framework": "tch", "env_steps_per_s": 2e7, "train_lockstep_s": 1.8},
            {"algorithm": "ppo", "framework": "tch", "env_steps_per_s": float("nan"), "train_lockstep_s": 0.4},
        ]
    )
    training = pd.DataFrame([{"algorithm": "ppo", "framework": "tch", "seconds_to_threshold_median": 9.0}])
    split = speeds_table(rl, training).set_index("algorithm")
    assert split.loc["dqn", "environment_steps_per_s"] == 2e7 and split.loc["dqn", "agent_update_s"] == 1.8
    assert split.loc["ppo", "time_to_solve_s"] == 9.0 and pd.isna(split.loc["dqn", "time_to_solve_s"])


def test_advice_keeps_the_three_speeds_apart_and_quotes_each_verdict() -> None:
    """rl_advice: one line per algorithm; every challenger's environment and agent-update speed with the verdict
    of its pair (an inconclusive pair is called inconclusive, never faster), and time to solve per side with the
    training gate's word and no verdict of its own."""
    from pairbench.analysis.domains.rl import advice_table

    def pair(cand: str, phase: str, ratio: float, low: float, high: float, outcome: str) -> dict[str, object]:
        row = {"domain": "rl", "kind": "pair", "algorithm": "dqn", "phase": phase, "candidate": cand}
        interval = {"ratio": ratio, "ratio_ci_low": low, "ratio_ci_high": high}
        return {**row, "reference": "sb3", **interval, "outcome": outcome}

    cmp = pd.DataFrame(
        [
            pair("candle", "env_steps", 0.005, 0.004, 0.006, "faster"),
            pair("tch", "env_steps", 0.01, 0.009, 0.011, "faster"),
            pair("candle", "train_lockstep", 0.5, 0.3, 1.2, "inconclusive"),
            pair("tch", "train_lockstep", 0.5, 0.45, 0.55, "faster"),
            pair("tch", "infer_b1", 3.0, 2.8, 3.2, "slower"),  # not one of the three speeds
        ]
    )
    training = pd.DataFrame(
        [
            {
                "algorithm": "dqn",
                "framework": fw,
                "baseline": "sb3",
                "seconds_to_threshold_median": secs,
                "seconds_to_threshold_ci": ci,
                "gate": gate,
            }
            for fw, secs, ci, gate in (
                ("sb3", 20.0, "[15, 25]", "baseline"),
                ("candle", 8.0, "[6, 10]", "comparable"),
                ("tch", float("nan"), "", "not comparable"),
            )
        ]
    )
    ((algo, base, line),) = advice_table(cmp, training).itertuples(index=False)
    assert (algo, base) == ("dqn", "sb3")
    assert line.startswith("rl dqn: environment speed: candle faster than sb3 (200x, time ratio 0.005")
    assert "tch faster than sb3 (100x" in line
    assert "agent update speed: candle against sb3 inconclusive (time ratio 0.5 [0.3, 1.2]" in line
    assert "candle faster than sb3 (2x" not in line and "tch faster than sb3 (2x" in line
    assert "infer_b1" not in line and "slower" not in line
    assert (
        "end-to-end time to solve: sb3 median 20 s [15, 25] (baseline), candle median 8 s [6, 10] (comparable)" in line
    )
    assert "tch no seed reached the threshold (not comparable)" in line and "no paired verdict" in line


def test_the_training_gate_fails_on_a_real_difference(ppo_solve_cell: tuple[Cell, Path, Path], tmp_path: Path) -> None:
    """Two real trainings from the same seeded starts (PPO on candle, 1,536 env steps, 2 seeds): one learns,
    the other cannot (learning rate 0). With a threshold the learner reaches (25, it gets 29 and 36), the gate
    marks the one that cannot learn not comparable."""
    import shutil

    from pairbench.harness.launcher import run_side
    from pairbench.tasks.rl.spec import cell_dir

    base, _, data = ppo_solve_cell
    docs = []
    for tag, lr in (("learns", base.params["learning_rate"]), ("frozen", 0.0)):
        cell = Cell(**{**json.loads(base.to_json()), "params": {**base.params, "learning_rate": lr, "threshold": 25.0},
                       "cell_id": ""})  # fmt: skip
        # the same seeded starts and randoms as the prepared cell (neither depends on the learning rate)
        shutil.copytree(cell_dir(data, base.cell_id), cell_dir(data, cell.cell_id), dirs_exist_ok=True)
        path = cell.write(tmp_path / tag)
        for seed in (1, 2):
            out = tmp_path / f"{tag}.{seed}.json"
            assert run_side(path, "candle", data, out, launch=seed).ok
            doc = json.loads(out.read_text())
            docs.append({**doc, "cell_id": "solve.ppo", "framework": {**doc["framework"], "name": tag}})
    runs, _ = rt.solve_runs(docs)
    validations = [{"cell_id": "solve.ppo", "baseline": "learns", "launches": 2, "params": {"threshold": 25.0},
                    "quality_gate": {"min_success_rate": 0.8}}]  # fmt: skip
    gate = rt.training_gate(runs, validations).set_index("framework")
    assert gate.loc["learns", "success_rate"] == 1.0 and gate.loc["frozen", "success_rate"] == 0.0
    assert gate.loc["frozen", "gate"] == "not comparable" and not gate.loc["frozen", "comparable"]
    assert "success rate 0% < min_success_rate 80%" in gate.loc["frozen", "reasons"]
    assert gate.loc["learns", "gate"] == "baseline"
