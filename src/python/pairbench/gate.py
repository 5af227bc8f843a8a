"""The quality gate: timings are only compared when both sides solve the task equally well."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class GateVerdict:
    comparable: bool
    metric: str
    baseline_value: float | None
    candidate_value: float | None
    delta: float | None
    tolerance: float
    floor: float | None
    reasons: list[str]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def apply_gate(gate: dict[str, Any], baseline_quality: dict[str, Any],
               candidate_quality: dict[str, Any]) -> GateVerdict:
    """Both sides must reach `floor` on `metric` and differ by at most `tolerance` (absolute)."""
    metric = str(gate["metric"])
    tolerance = float(gate["tolerance"])
    floor = gate.get("floor")
    higher_is_better = bool(gate.get("higher_is_better", True))
    base, cand = baseline_quality.get(metric), candidate_quality.get(metric)
    reasons: list[str] = []
    for side, value in (("baseline", base), ("candidate", cand)):
        if value is None:
            reasons.append(f"{side} reports no {metric}")
        elif floor is not None and (value < floor if higher_is_better else value > floor):
            bound = ">=" if higher_is_better else "<="
            reasons.append(f"{side} {metric}={value:.4g} fails the floor ({bound} {floor})")
    delta = None
    if base is not None and cand is not None:
        delta = float(cand) - float(base)
        if abs(delta) > tolerance:
            reasons.append(f"|{metric}(candidate) - {metric}(baseline)| = {abs(delta):.4g} > tolerance {tolerance:g}")
    return GateVerdict(not reasons, metric, base, cand, delta, tolerance,
                       None if floor is None else float(floor), reasons)
