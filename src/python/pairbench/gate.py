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
    # Secondary checks (`also:` in the gate spec), each {metric, baseline_value, candidate_value, delta, ...}.
    also: list[dict[str, Any]] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def apply_gate(gate: dict[str, Any], baseline_quality: dict[str, Any],
               candidate_quality: dict[str, Any]) -> GateVerdict:
    """Both sides must reach `floor` on `metric` and differ by at most `tolerance` (absolute); every
    entry of the optional `also:` list is a further such check (e.g. ARI and silhouette for clustering)."""
    primary = _check(gate, baseline_quality, candidate_quality)
    extra = [_check(g, baseline_quality, candidate_quality, both_missing_agree=True) for g in gate.get("also") or []]
    reasons = primary.reasons + [r for e in extra for r in e.reasons]
    return GateVerdict(not reasons, primary.metric, primary.baseline_value, primary.candidate_value, primary.delta,
                       primary.tolerance, primary.floor, reasons,
                       [{k: v for k, v in asdict(e).items() if k != "also"} for e in extra] or None)


def _check(gate: dict[str, Any], baseline_quality: dict[str, Any], candidate_quality: dict[str, Any], *,
           both_missing_agree: bool = False) -> GateVerdict:
    metric = str(gate["metric"])
    tolerance = float(gate["tolerance"])
    floor = gate.get("floor")
    higher_is_better = bool(gate.get("higher_is_better", True))
    base, cand = baseline_quality.get(metric), candidate_quality.get(metric)
    reasons: list[str] = []
    if both_missing_agree and base is None and cand is None:
        # A secondary index undefined on both sides (e.g. silhouette with < 2 clusters) is an agreement.
        return GateVerdict(True, metric, None, None, None, tolerance, None if floor is None else float(floor), [])
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
