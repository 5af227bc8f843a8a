"""config/analysis.yaml -> typed settings, with errors that name the file, the key and what is allowed."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pairbench.analysis.cost import CostSettings
from pairbench.analysis.rankings import RankingSettings
from pairbench.config import ConfigError, load_yaml

SECTIONS: dict[str, tuple[str, ...]] = {
    "power": ("effect", "power", "min_samples"),
    "ranking": ("weights", "elo", "bradley_terry"),
    "cost": ("training_phases", "prediction_phases"),
}


@dataclass(frozen=True)
class AnalysisConfig:
    effect: float = 0.05
    power: float = 0.8
    min_samples: int = 10
    ranking: RankingSettings = field(default_factory=RankingSettings)
    cost: CostSettings = field(default_factory=CostSettings)


def _number(
    problems: list[str], path: Path, key: str, value: Any, low: float, high: float | None = None
) -> None:
    bad = isinstance(value, bool) or not isinstance(value, (int, float)) or value < low
    if bad or (high is not None and value > high):
        allowed = f"a number in [{low:g}, {high:g}]" if high is not None else f"a number >= {low:g}"
        problems.append(f"{path}: {key}: got {value!r}; allowed: {allowed}")


def load_analysis_config(path: Path | None) -> AnalysisConfig:
    if path is None:
        return AnalysisConfig()
    doc = load_yaml(path)
    problems: list[str] = []
    for key in doc:
        if key != "version" and key not in SECTIONS:
            problems.append(f"{path}: {key}: unknown key; allowed: version, {', '.join(SECTIONS)}")
    sections: dict[str, dict[str, Any]] = {}
    for name, allowed in SECTIONS.items():
        sec = doc.get(name) or {}
        if not isinstance(sec, dict):
            problems.append(f"{path}: {name}: expected a mapping")
            sec = {}
        problems += [
            f"{path}: {name}.{k}: unknown key; allowed: {', '.join(allowed)}" for k in sec if k not in allowed
        ]
        sections[name] = sec
    power = sections["power"]
    for key, low, high in (("effect", 1e-6, 10.0), ("power", 0.01, 0.9999), ("min_samples", 1, None)):
        if key in power:
            _number(problems, path, f"power.{key}", power[key], low, high)
    ranking = sections["ranking"]
    weights = ranking.get("weights", {})
    for k, v in (weights or {}).items():
        if k not in ("speed", "memory", "quality"):
            problems.append(f"{path}: ranking.weights.{k}: unknown weight; allowed: speed, memory, quality")
        else:
            _number(problems, path, f"ranking.weights.{k}", v, 0.0)
    elo = ranking.get("elo") or {}
    problems += [
        f"{path}: ranking.elo.{k}: unknown key; allowed: k, initial" for k in elo if k not in ("k", "initial")
    ]
    for k, v in elo.items():
        if k in ("k", "initial"):
            _number(problems, path, f"ranking.elo.{k}", v, 0.0)
    bt = ranking.get("bradley_terry") or {}
    problems += [
        f"{path}: ranking.bradley_terry.{k}: unknown key; allowed: prior_wins"
        for k in bt
        if k != "prior_wins"
    ]
    if "prior_wins" in bt:
        _number(problems, path, "ranking.bradley_terry.prior_wins", bt["prior_wins"], 0.0)
    cost = sections["cost"]
    for k in ("training_phases", "prediction_phases"):
        if k in cost and (not isinstance(cost[k], list) or not all(isinstance(p, str) for p in cost[k])):
            problems.append(f"{path}: cost.{k}: got {cost[k]!r}; allowed: a list of phase-name patterns")
    if problems:
        raise ConfigError(problems)
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
        cost=CostSettings(
            **{k: list(cost[k]) for k in ("training_phases", "prediction_phases") if k in cost}
        ),
    )
