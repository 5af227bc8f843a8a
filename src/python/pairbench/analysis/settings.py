"""Typed settings of the analysis: `AnalysisConfig` is config/analysis.yaml (its shape is
schemas/analysis.schema.json, checked by pairbench.configuration.schema_check); `StatisticsSettings` is what the
summaries and comparisons use, built from that file and the run's params."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pairbench.analysis.cost import CostSettings
from pairbench.configuration.config import ConfigError, load_yaml
from pairbench.configuration.requirements import DEFAULT_WEIGHTS
from pairbench.configuration.run_defaults import run_default
from pairbench.configuration.schema_check import schema_problems


@dataclass(frozen=True)
class RankingSettings:
    """How analysis/rankings.py weighs and rates frameworks (analysis.yaml's `ranking:`)."""

    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    elo_k: float = 32.0
    elo_initial: float = 1500.0
    # Pseudo-wins each way between every compared pair, so an undefeated framework gets a finite strength.
    bt_prior_wins: float = 0.5


@dataclass(frozen=True)
class AnalysisConfig:
    effect: float = 0.05
    power: float = 0.8
    min_samples: int = 10
    ranking: RankingSettings = field(default_factory=RankingSettings)
    cost: CostSettings = field(default_factory=CostSettings)


@dataclass(frozen=True)
class StatisticsSettings:
    """The statistics of summaries and comparisons (`AnalysisConfig` above is the analysis.yaml file,
    which sets some of these)."""

    # alpha, delta and resamples are pipeline params: their defaults are nextflow_schema.json's.
    # Every verdict's interval has confidence 1 - alpha; delta is the verdicts' margin (paired.py).
    alpha: float = field(default_factory=lambda: float(run_default("alpha")))
    delta: float = field(default_factory=lambda: float(run_default("delta")))
    resamples: int = field(default_factory=lambda: int(run_default("resamples")))
    seed: int = 0
    # Power analysis: the relative change in time the run should be able to detect, at this power
    # (rounds_needed in the comparisons; samples_needed per series in the summary).
    effect: float = 0.05
    power: float = 0.8
    min_samples: int = 10
    # Cross-cell geometric means: fewer cells than this give per-cell ratios instead of a pooled
    # interval, and a pooled interval wider than this factor (high / low) is flagged.
    geomean_min_cells: int = 3
    geomean_max_ci_factor: float = 4.0

    @property
    def confidence(self) -> float:
        return 1.0 - self.alpha


def load_analysis_config(path: Path | None) -> AnalysisConfig:
    """config/analysis.yaml, checked against schemas/analysis.schema.json (every problem listed)."""
    if path is None:
        return AnalysisConfig()
    doc = load_yaml(path)
    if problems := schema_problems(doc, "analysis", str(path)):
        raise ConfigError(problems)
    power = doc.get("power") or {}
    ranking = doc.get("ranking") or {}
    weights = ranking.get("weights") or {}
    elo = ranking.get("elo") or {}
    bt = ranking.get("bradley_terry") or {}
    cost = doc.get("cost") or {}
    defaults = RankingSettings()
    return AnalysisConfig(
        effect=float(power.get("effect", 0.05)),
        power=float(power.get("power", 0.8)),
        min_samples=int(power.get("min_samples", 10)),
        ranking=RankingSettings(
            weights={**defaults.weights, **{k: float(v) for k, v in (weights or {}).items()}},
            elo_k=float(elo.get("k", defaults.elo_k)),
            elo_initial=float(elo.get("initial", defaults.elo_initial)),
            bt_prior_wins=float(bt.get("prior_wins", defaults.bt_prior_wins)),
        ),
        cost=CostSettings(**{k: list(cost[k]) for k in ("training_phases", "prediction_phases") if k in cost}),
    )
