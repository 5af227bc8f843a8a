"""Registration of the RL tasks and agents; gymnasium, SB3 and torch are imported only when a cell runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pairbench.core.benchmark import Benchmark, RunContext
from pairbench.core.registry import algorithm, cell_preparer, task_runner
from pairbench.datasets.materialise import Split
from pairbench.tasks.rl import DOMAIN

POLICY_TASK = "policy"
SOLVE_TASK = "solve"


@algorithm(DOMAIN, POLICY_TASK, "dqn")
def dqn(params: dict[str, Any]) -> Any:
    """DQN (SB3's, rl-baselines3-zoo CartPole-v1 hyper-parameters), MLP Q-network with a hard target copy"""
    from pairbench.tasks.rl.spec import DqnParams

    return DqnParams.from_params(params, "policy.dqn (catalogue)")


@algorithm(DOMAIN, POLICY_TASK, "ppo")
def ppo(params: dict[str, Any]) -> Any:
    """PPO (SB3's, rl-baselines3-zoo CartPole-v1 hyper-parameters), separate Tanh actor and critic MLPs"""
    from pairbench.tasks.rl.ppo_spec import PpoParams

    return PpoParams.from_params(params, "policy.ppo (catalogue)")


@task_runner(DOMAIN, POLICY_TASK)
def make(algorithm_name: str, params: dict[str, Any], split: Split, context: RunContext) -> Benchmark:
    from pairbench.tasks.rl.agent import LockstepBenchmark
    from pairbench.tasks.rl.agents import agent_for

    return LockstepBenchmark(
        agent_for(algorithm_name),
        params,
        split,
        cell_id=context.cell_id,
        data_dir=context.data_dir,
        seed=context.seed,
    )


@algorithm(DOMAIN, SOLVE_TASK, "dqn")
def dqn_solve(params: dict[str, Any]) -> Any:
    """DQN trained over the whole zoo budget per seed, evaluated greedily every eval_interval env steps"""
    from pairbench.tasks.rl.spec import DqnParams

    return DqnParams.from_params(params, "solve.dqn (catalogue)")


@algorithm(DOMAIN, SOLVE_TASK, "ppo")
def ppo_solve(params: dict[str, Any]) -> Any:
    """PPO trained over the whole zoo budget per seed, evaluated greedily every eval_interval env steps"""
    from pairbench.tasks.rl.ppo_spec import PpoParams

    return PpoParams.from_params(params, "solve.ppo (catalogue)")


@task_runner(DOMAIN, SOLVE_TASK)
def make_solve(algorithm_name: str, params: dict[str, Any], split: Split, context: RunContext) -> Benchmark:
    from pairbench.tasks.rl.agents import agent_for
    from pairbench.tasks.rl.sb3_solve import SolveBenchmark

    return SolveBenchmark(
        agent_for(algorithm_name),
        params,
        split,
        cell_id=context.cell_id,
        data_dir=context.data_dir,
        launch=context.launch,
    )


@cell_preparer(DOMAIN)
def prepare(cell: dict[str, Any], data_dir: Path) -> Path:
    """Phase-3 hook: the shared initial network, the pre-drawn randoms and the probe observations."""
    if cell["task"] == SOLVE_TASK:
        from pairbench.tasks.rl.prepare import prepare_solve_cell

        return prepare_solve_cell(cell, data_dir)
    from pairbench.tasks.rl.prepare import prepare_cell

    return prepare_cell(cell, data_dir)
