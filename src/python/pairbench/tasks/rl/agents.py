"""The agents by name (a cell's `algorithm`): their params, numpy only, and their SB3 side, which
imports SB3 on call (agent.rs's `rl_benchmark` picks the Rust sides' agent by the same names).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pairbench.tasks.rl.ppo_spec import PpoParams
from pairbench.tasks.rl.spec import CommonParams, DqnParams

if TYPE_CHECKING:  # agent.py imports torch and gymnasium
    from pairbench.tasks.rl.agent import Agent


def params_class(algorithm: str) -> type[CommonParams]:
    """The params of a cell's agent."""
    if algorithm == "ppo":
        return PpoParams
    if algorithm != "dqn":
        raise KeyError(f"no RL agent {algorithm!r}; allowed: dqn, ppo")
    return DqnParams


def agent_for(name: str) -> Agent:
    """The agent of a cell's `algorithm` (SB3 imported only here)."""
    if name == "dqn":
        from pairbench.tasks.rl.sb3_runner import DQN_AGENT

        return DQN_AGENT
    if name == "ppo":
        from pairbench.tasks.rl.sb3_ppo import PPO_AGENT

        return PPO_AGENT
    raise KeyError(f"no RL agent {name!r}; allowed: dqn, ppo")
