"""RL: the trace fixtures are gymnasium's own output, and SB3, candle and tch run the same DQN and the same
PPO in lockstep from the same start (same losses within 1e-4 relative, identical greedy actions and
returns). A deliberately broken agent (wrong gamma; wrong clip range or GAE lambda) must fail the gate.
Tiny budgets: well under a minute."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pairbench.core.cells import Cell
from pairbench.core.schema import read_result
from pairbench.experiment.validation import component_deviations, loss_curve_deviation, strict_reasons
from pairbench.harness.launcher import run_side
from pairbench.tasks.rl import traces
from pairbench.tasks.rl.ppo_spec import PpoParams
from pairbench.tasks.rl.prepare import prepare_cell
from tests.rl_support import DQN_PARAMS as PARAMS
from tests.rl_support import FRAMEWORKS, PPO_PARAMS, cartpole_data, require_binary, validate

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "rl"
GATE = {
    "metric": "mean_return",
    "tolerance": 0.0,
    "prediction_tolerance": 0.0,
    "max_loss_curve_rel_dev": 1e-4,
    "validation_samples": 1,
}
LOCKSTEP_RTOL = 1e-4


@pytest.mark.parametrize("env", sorted(traces.TRACES))
def test_trace_fixture_is_what_gymnasium_records(env: str) -> None:
    fixture = FIXTURES / traces.TRACES[env].file
    assert traces.record(env) == fixture.read_bytes(), (
        f"{fixture.relative_to(ROOT)} differs from gymnasium's output: "
        f"re-run `python -m pairbench.tasks.rl.traces --env {env} {fixture.relative_to(ROOT)}`"
    )


@pytest.fixture(scope="module")
def rl_cell(tmp_path_factory: pytest.TempPathFactory) -> tuple[Cell, Path, Path]:
    data = cartpole_data(tmp_path_factory, "rl-data")
    cell = Cell(
        run_id="test",
        domain="rl",
        task="policy",
        algorithm="dqn",
        dataset="cartpole",
        params=PARAMS,
        frameworks=FRAMEWORKS,
        seed=5,
        warmup=0,
        samples=1,
        threads=1,
        quality_gate=GATE,
    )
    path = cell.write(data / "cells")
    prepare_cell(json.loads(cell.to_json()), data)
    return cell, path, data


def run(path: Path, side: str, data: Path, out_dir: Path) -> tuple[dict[str, Any], np.ndarray]:
    require_binary(side)
    out, pred = out_dir / f"{side}.json", out_dir / f"{side}.npy"
    outcome = run_side(path, side, data, out, extra=["--predictions-out", str(pred)])
    assert outcome.ok, outcome.error
    return read_result(out), np.load(pred)


@pytest.fixture(scope="module")
def validated(rl_cell: tuple[Cell, Path, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The phase-3 gate run once for the module: every side once, predictions saved. The sides get a
    TMPDIR of their own, so that a test can see what they leave there."""
    cell, path, data = rl_cell
    tmpdir = tmp_path_factory.mktemp("rl-tmpdir")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TMPDIR", str(tmpdir))
        validated = validate(cell, path, data, tmp_path_factory.mktemp("rl-validation"))
    return {**validated, "tmpdir": tmpdir}


def param_deviation(base: dict[str, list[float]], cand: dict[str, list[float]]) -> float:
    """Largest |difference| of a probed entry (or norm) relative to that tensor's largest |value|."""
    assert base.keys() == cand.keys() and base
    return max(float(np.max(np.abs(np.subtract(cand[k], base[k]))) / np.max(np.abs(base[k]))) for k in base)


@pytest.mark.rust
def test_lockstep_and_action_identity(validated: dict[str, Any]) -> None:
    report, sides = validated["report"], validated["sides"]
    assert report["comparable"], report["reasons"]
    base, base_pred = sides["sb3"]
    n_eval = 100
    assert len(base["metadata"]["loss_steps"]) == 128
    # Not vacuous: the probes see both actions and the losses are not constant.
    assert set(base_pred[n_eval:].astype(int)) == {0, 1}
    assert np.ptp(base["metadata"]["loss_steps"]) > 0
    for side in ("candle", "tch"):
        result, pred = sides[side]
        np.testing.assert_array_equal(pred, base_pred, err_msg=f"{side}: greedy returns/actions differ")
        dev = loss_curve_deviation(base["metadata"]["loss_steps"], result["metadata"]["loss_steps"])
        assert dev is not None and dev <= LOCKSTEP_RTOL, f"{side}: loss deviation {dev}"
        pdev = param_deviation(base["metadata"]["lockstep_params"], result["metadata"]["lockstep_params"])
        assert pdev <= LOCKSTEP_RTOL, f"{side}: parameter deviation {pdev}"
        gate = next(g for g in report["gates"] if g["candidate"] == side)
        assert gate["comparable"] and gate["prediction_max_abs_diff"] == 0.0
        assert gate["loss_curve_max_rel_dev"] == pytest.approx(dev)
    # Every side built (SB3) or loaded (candle, tch: the safetensors file) its lockstep models in
    # prepare_phase, outside the timer, and none inside a timed call.
    for side, (result, _) in sides.items():
        builds = result["metadata"]["model_builds"]
        assert builds["timed"] == 0 and builds["prepared"] >= 1, f"{side}: {builds}"


def test_the_python_env_does_the_rust_envs_reset_work() -> None:
    """gymnasium's side resets as rl-env's `reset_to` does: the table's state set, no RNG draw (and no
    reseeding) to overwrite, under CartPole-v1's TimeLimit only (gym.make's checking wrappers have no Rust
    counterpart); its steps are gymnasium's own, bit for bit those of gym.make's CartPole-v1."""
    import gymnasium as gym

    from pairbench.tasks.rl.lockstep import TableCartPole, cartpole

    states = np.array([[0.01, -0.02, 0.03, 0.04], [0.04, 0.01, -0.03, 0.02]])
    env = cartpole(states)
    assert isinstance(env, gym.wrappers.TimeLimit) and isinstance(env.env, TableCartPole)
    assert env._max_episode_steps == 500
    base = env.env
    rng = base.np_random.bit_generator.state
    for row in states:
        obs, _ = env.reset(seed=3)
        np.testing.assert_array_equal(obs, row.astype(np.float32))
        assert np.array_equal(base.state, row)
    assert base.np_random.bit_generator.state == rng
    ref = gym.make("CartPole-v1")
    ref.reset(seed=0)
    ref.unwrapped.state = states[0].copy()  # type: ignore[attr-defined]
    env.reset()
    for t in range(200):
        action = t % 3 % 2
        got, want = env.step(action), ref.step(action)
        np.testing.assert_array_equal(got[0], want[0])
        assert got[1:4] == want[1:4]
        if got[2] or got[3]:
            break


@pytest.mark.rust
def test_sb3_leaves_nothing_in_tmpdir(validated: dict[str, Any]) -> None:
    # SB3 without a logger of its own makes an empty $TMPDIR/SB3-<time> folder per learn().
    assert "sb3" in validated["sides"]
    assert not list(Path(validated["tmpdir"]).glob("SB3-*"))


@pytest.mark.rust
def test_broken_agent_fails_the_gate(
    rl_cell: tuple[Cell, Path, Path], validated: dict[str, Any], tmp_path: Path
) -> None:
    cell, _, data = rl_cell
    # Same cell id (so the same shared files), but gamma 0.9 for the Rust agent: its TD targets change.
    broken = dataclasses.replace(cell, params={**PARAMS, "gamma": 0.9})
    assert broken.cell_id == cell.cell_id
    broken_path = tmp_path / "broken.json"
    broken_path.write_text(broken.to_json(), encoding="utf-8")
    base, base_pred = validated["sides"]["sb3"]
    bad, bad_pred = run(broken_path, "candle", data, tmp_path)
    dev = loss_curve_deviation(base["metadata"]["loss_steps"], bad["metadata"]["loss_steps"])
    reasons = strict_reasons(GATE, float(np.max(np.abs(bad_pred - base_pred))), dev)
    assert any("max_loss_curve_rel_dev" in r for r in reasons), reasons
    # And the gate's own bookkeeping refuses a side with no loss curve at all.
    assert strict_reasons(GATE, 0.0, None)


@pytest.mark.rust
@pytest.mark.parametrize("side", ["sb3", "candle", "tch"])
def test_a_cell_missing_an_adam_param_is_refused_by_name(
    rl_cell: tuple[Cell, Path, Path], tmp_path: Path, side: str
) -> None:
    """No side falls back on torch's Adam defaults: a missing setting is a named error."""
    require_binary(side)
    cell, _, data = rl_cell
    lacking = dataclasses.replace(cell, params={k: v for k, v in PARAMS.items() if k != "adam_eps"})
    path = tmp_path / "lacking.json"
    path.write_text(lacking.to_json(), encoding="utf-8")
    outcome = run_side(path, side, data, tmp_path / f"{side}.json", timeout_s=120)
    assert not outcome.ok
    assert f'cell {cell.cell_id}: param "adam_eps" missing' in (outcome.error or "")


@pytest.fixture(scope="module")
def ppo_cell(rl_cell: tuple[Cell, Path, Path]) -> tuple[Cell, Path, Path]:
    dqn_cell, _, data = rl_cell
    cell = dataclasses.replace(dqn_cell, algorithm="ppo", params=PPO_PARAMS)
    path = cell.write(data / "cells")
    prepare_cell(json.loads(cell.to_json()), data)
    return cell, path, data


@pytest.fixture(scope="module")
def ppo_validated(ppo_cell: tuple[Cell, Path, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    cell, path, data = ppo_cell
    return validate(cell, path, data, tmp_path_factory.mktemp("ppo-validation"))


@pytest.mark.rust
def test_ppo_lockstep_and_action_identity(ppo_validated: dict[str, Any]) -> None:
    report, sides = ppo_validated["report"], ppo_validated["sides"]
    assert report["comparable"], report["reasons"]
    base, base_pred = sides["sb3"]
    meta = base["metadata"]
    assert len(meta["loss_steps"]) == 40
    assert set(meta["loss_components"]) == {"policy", "value"}
    # Not vacuous: both actions on the probes, moving losses, a policy loss away from round-off level.
    assert set(base_pred[100:].astype(int)) == {0, 1}
    assert np.ptp(meta["loss_steps"]) > 0
    assert np.max(np.abs(meta["loss_components"]["policy"])) > 1e-4
    for side in ("candle", "tch"):
        result, pred = sides[side]
        np.testing.assert_array_equal(pred, base_pred, err_msg=f"{side}: greedy returns/actions differ")
        dev = loss_curve_deviation(meta["loss_steps"], result["metadata"]["loss_steps"])
        assert dev is not None and dev <= LOCKSTEP_RTOL, f"{side}: total-loss deviation {dev}"
        gate = next(g for g in report["gates"] if g["candidate"] == side)
        parts = gate["loss_component_max_rel_dev"]
        assert set(parts) == {"policy", "value"} and max(parts.values()) <= LOCKSTEP_RTOL, parts
        assert gate["comparable"] and gate["prediction_max_abs_diff"] == 0.0
        pdev = param_deviation(meta["lockstep_params"], result["metadata"]["lockstep_params"])
        assert pdev <= LOCKSTEP_RTOL, f"{side}: parameter deviation {pdev}"


@pytest.mark.rust
@pytest.mark.parametrize("broken", [{"clip_range": 0.1}, {"gae_lambda": 0.9}])
def test_broken_ppo_fails_the_gate(
    ppo_cell: tuple[Cell, Path, Path], ppo_validated: dict[str, Any], tmp_path: Path, broken: dict[str, float]
) -> None:
    cell, _, data = ppo_cell
    # Same cell id (so the same shared files) with one setting changed for the Rust agent only.
    bad_cell = dataclasses.replace(cell, params={**PPO_PARAMS, **broken})
    assert bad_cell.cell_id == cell.cell_id
    path = tmp_path / "broken.json"
    path.write_text(bad_cell.to_json(), encoding="utf-8")
    base, base_pred = ppo_validated["sides"]["sb3"]
    bad, bad_pred = run(path, "tch", data, tmp_path)
    meta, bad_meta = base["metadata"], bad["metadata"]
    dev = loss_curve_deviation(meta["loss_steps"], bad_meta["loss_steps"])
    parts = component_deviations(meta["loss_components"], bad_meta["loss_components"])
    worst = None if dev is None or None in parts.values() else max(dev, *parts.values())  # type: ignore[type-var]
    reasons = strict_reasons(GATE, float(np.max(np.abs(bad_pred - base_pred))), worst)
    assert any("max_loss_curve_rel_dev" in r for r in reasons), (dev, parts)
    # A side without the component curves is not compared vacuously.
    assert component_deviations(meta["loss_components"], {}) == {"policy": None, "value": None}


@pytest.mark.rust
@pytest.mark.parametrize("side", ["sb3", "candle", "tch"])
def test_a_ppo_cell_missing_a_param_is_refused_by_name(
    ppo_cell: tuple[Cell, Path, Path], tmp_path: Path, side: str
) -> None:
    cell, _, data = ppo_cell
    params = {k: v for k, v in PPO_PARAMS.items() if k not in ("gae_lambda", "vf_coef")}
    want = f'cell {cell.cell_id}: param "gae_lambda" missing; param "vf_coef" missing'
    if side == "sb3":
        # SB3's runner builds its settings with PpoParams.from_params first; a process costs ~10 s of imports.
        with pytest.raises(ValueError) as err:
            PpoParams.from_params(params, cell.cell_id)
        assert str(err.value) == want
        return
    path = tmp_path / "lacking.json"
    path.write_text(dataclasses.replace(cell, params=params).to_json(), encoding="utf-8")
    outcome = run_side(path, side, data, tmp_path / f"{side}.json", timeout_s=120)
    assert not outcome.ok
    assert want in (outcome.error or "")
