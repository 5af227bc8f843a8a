"""The requirements file: latency and memory budgets, quality floors, ranking weights and use-case weights.

Read by `pairbench check-config` before anything runs and by phase 5's recommendations
(analysis/recommend.py). Loading it imports no table library: the config check stays cheap.

Requirements file (YAML):
    version: 1
    weights: {speed: 0.5, memory: 0.2, quality: 0.3}
    default: {latency_budget_s: null, latency_phase: null, memory_budget_mb: null, quality_floor: null}
    tasks:
      <task>: {latency_budget_s: 0.01, latency_phase: <phase>, memory_budget_mb: 512, quality_floor: 0.4}
    use_cases:   # optional; weights combine the per-use-case choices (analysis/usecases.py)
      training_throughput: {weight: 1.0, phases: [fit, train_epoch]}
      memory_constrained: {weight: 2.0}
A latency budget applies to `latency_phase`, or to every phase when that is null.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pairbench.configuration.config import ConfigError, load_yaml
from pairbench.configuration.schema_check import schema_problems

REQUIREMENT_KEYS = ("latency_budget_s", "latency_phase", "memory_budget_mb", "quality_floor")
WEIGHT_KEYS = ("speed", "memory", "quality")
# The weights of speed, memory and quality when neither the requirements file nor analysis.yaml sets them.
DEFAULT_WEIGHTS = {"speed": 0.5, "memory": 0.2, "quality": 0.3}


@dataclass(frozen=True)
class UseCase:
    name: str
    label: str
    weight: float
    phases: tuple[str, ...]  # empty: decided by memory


DEFAULT_USE_CASES = (
    UseCase("training_throughput", "training throughput", 1.0, ("fit", "train_epoch")),
    UseCase("batch_inference", "batch inference", 1.0, ("predict", "eval_epoch", "infer_b32", "infer_b256")),
    UseCase("single_request_latency", "single-request latency", 1.0, ("infer_b1",)),
    UseCase("memory_constrained", "memory-constrained deployment", 1.0, ()),
)


@dataclass(frozen=True)
class Requirements:
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    default: dict[str, Any] = field(default_factory=dict)
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)
    use_cases: dict[str, dict[str, Any]] = field(default_factory=dict)

    def use_case_list(self) -> tuple[UseCase, ...]:
        """The default use cases with this file's weights and phases applied."""
        out = []
        for uc in DEFAULT_USE_CASES:
            spec = self.use_cases.get(uc.name) or {}
            phases = tuple(str(p) for p in spec["phases"]) if "phases" in spec else uc.phases
            out.append(UseCase(uc.name, uc.label, float(spec.get("weight", uc.weight)), phases))
        return tuple(out)

    def for_task(self, task: str) -> dict[str, Any]:
        return {**{k: None for k in REQUIREMENT_KEYS}, **self.default, **self.tasks.get(task, {})}


def load_requirements(path: Path) -> Requirements:
    """A requirements file, checked against schemas/requirements.schema.json (every problem listed)."""
    doc = load_yaml(path)
    if problems := schema_problems(doc, "requirements", str(path)):
        raise ConfigError(problems)
    weights = doc.get("weights") or {}
    use_cases = doc.get("use_cases") or {}
    return Requirements(
        {**DEFAULT_WEIGHTS, **{k: float(v) for k, v in weights.items()}},
        dict(doc.get("default") or {}),
        {str(t): dict(s or {}) for t, s in (doc.get("tasks") or {}).items()},
        {str(k): dict(v or {}) for k, v in use_cases.items()},
    )
