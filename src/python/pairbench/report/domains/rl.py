"""The rl section of the report: the three speeds kept apart, the policy cells' figures with the lockstep
deviation, and the training runs with their learning curves. It renders the analysis' rl tables
(analysis/domains/rl.py, analysis/rl_training.py) and computes none of them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from pairbench.report.domains import rl_charts
from pairbench.report.domains.base import DomainSection
from pairbench.report.section import Section
from pairbench.report.tables import Sources, TableView, table_view

POLICY_COLUMNS = [
    "algorithm",
    "dataset",
    "framework",
    "env_steps_per_s",
    "env_steps_ci",
    "infer_b1_ms",
    "infer_b1_ci",
    "infer_b256_per_s",
    "train_lockstep_s",
    "train_lockstep_ci",
    "lockstep_loss_rel_dev",
    "gate",
]
TRAINING_COLUMNS = [
    "algorithm",
    "framework",
    "seeds",
    "success_rate",
    "final_return_median",
    "steps_to_threshold_median",
    "steps_to_threshold_ci",
    "seconds_to_threshold_median",
    "seconds_to_threshold_ci",
    "train_s_median",
    "return_difference",
    "return_difference_ci_low",
    "return_difference_ci_high",
    "gate",
    "reasons",
]
SPEEDS_COLUMNS = ["algorithm", "framework", "environment_steps_per_s", "agent_update_s", "time_to_solve_s"]

POLICY_NOTE = (
    "Environment speed: the same 20,000 recorded actions replayed on gymnasium's CartPole-v1 (Python) and on "
    "the Rust CartPole (bit-identical dynamics; on the candle and tch rows it is the same Rust code). "
    "Agent update speed: SB3's DQN or PPO learn() vs the Rust DQN or PPO (candle, tch) from the same SB3-exported "
    "weights, with the same pre-drawn exploration (PPO: action-sampling) and minibatch randoms, until the "
    "lockstep's gradient steps are done. Gate (all profiles): per-step losses within 1e-4 relative of SB3's "
    "(PPO's policy and value losses within 1e-4 of their curve's scale), and identical greedy actions and "
    "evaluation returns of the shared initial policy. That is the whole gate in smoke (rl_seeds 0): smoke "
    "does not train to the threshold."
)
TRAINING_NOTE = (
    "End-to-end time to solve (`solve` task): launch k trains seed k from scratch in a fresh process (SB3's "
    "seeded weights for k and seed k's pre-drawn randoms, the same on every side) over the whole zoo budget, "
    "with a deterministic greedy evaluation from the 100 evaluation starts every eval_interval env steps. "
    "Steps and seconds are those of the first evaluation whose mean reaches the threshold; seconds are "
    "training time, evaluation time excluded. Medians over the seeds that reached it, with percentile "
    "bootstrap 95% CIs over seeds. Gate (a rule of its own, outside the timing verdicts): comparable when every "
    "side reaches the threshold in at least min_success_rate of its seeds, the candidate's success rate is at most "
    "success_margin below SB3's, and the final returns are shown equivalent seed for seed (the 90% signed-rank "
    "interval of the per-seed differences within ±return_margin, a tenth of the threshold by default); not "
    "comparable on a real difference (a missed success rate, or that interval wholly outside the margin); "
    "inconclusive when the seeds cannot tell."
)
SPEEDS_NOTE = (
    "Environment speed (env steps/s, recorded actions), agent update speed (the lockstep run: same start, same "
    "randoms, seconds) and end-to-end time to solve (median training seconds until the evaluation mean first "
    "reaches 475, over seeds): medians per side; the verdicts of the timed pairs are in the lines above and in "
    "the Speed section."
)


@dataclass
class RlView:
    advice: list[str] = field(default_factory=list)
    speeds: TableView | None = None
    policy: TableView | None = None
    training: TableView | None = None
    lockstep_svg: str = ""
    curves_svg: str = ""
    speeds_note: str = SPEEDS_NOTE
    policy_note: str = POLICY_NOTE
    training_note: str = TRAINING_NOTE
    columns: dict[str, list[str]] = field(
        default_factory=lambda: {"speeds": SPEEDS_COLUMNS, "policy": POLICY_COLUMNS, "training": TRAINING_COLUMNS}
    )


def view(tables: Mapping[str, pd.DataFrame], sources: Sources) -> RlView:
    training = tables["rl_training"]
    return RlView(
        advice=[str(x) for x in tables["rl_advice"]["line"]] if not tables["rl_advice"].empty else [],
        speeds=table_view(tables["rl_speeds"], SPEEDS_COLUMNS, "t-rl-split"),
        policy=table_view(tables["rl_policy"], POLICY_COLUMNS, "t-rl"),
        training=table_view(training, TRAINING_COLUMNS, "t-rl-training") if not training.empty else None,
        lockstep_svg=rl_charts.lockstep_deviation(tables["rl_lockstep"]),
        curves_svg=rl_charts.learning_curves(tables["rl_curves"]),
    )


SECTION = DomainSection(
    "rl",
    tables=("rl_speeds", "rl_policy", "rl_advice", "rl_training", "rl_curves", "rl_lockstep", "rl_solve_runs"),
    section=Section("rl", "Reinforcement learning", only_with="rl_speeds", md_template=True),
    view=view,
)
