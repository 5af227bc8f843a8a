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


def apply_gate(
    gate: dict[str, Any],
    baseline_quality: dict[str, Any],
    candidate_quality: dict[str, Any],
    chance: dict[str, float] | None = None,
) -> GateVerdict:
    """Both sides must reach `floor` on `metric` and differ by at most `tolerance` (absolute); every
    entry of the optional `also:` list is a further such check (e.g. ARI and silhouette for clustering).
    Agreement on a degenerate result is not parity: see `degenerate_reasons`."""
    primary = _check(gate, baseline_quality, candidate_quality)
    extra = [_check(g, baseline_quality, candidate_quality, both_missing_agree=True) for g in gate.get("also") or []]
    reasons = primary.reasons + [r for e in extra for r in e.reasons]
    # ARI's chance level is 0 whatever the data; the others come from the test labels (chance_levels).
    reasons += degenerate_reasons(gate, baseline_quality, candidate_quality, {"adjusted_rand": 0.0, **(chance or {})})
    return GateVerdict(
        not reasons,
        primary.metric,
        primary.baseline_value,
        primary.candidate_value,
        primary.delta,
        primary.tolerance,
        primary.floor,
        reasons,
        [{k: v for k, v in asdict(e).items() if k != "also"} for e in extra] or None,
    )


def _check(
    gate: dict[str, Any],
    baseline_quality: dict[str, Any],
    candidate_quality: dict[str, Any],
    *,
    both_missing_agree: bool = False,
) -> GateVerdict:
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
    return GateVerdict(
        not reasons, metric, base, cand, delta, tolerance, None if floor is None else float(floor), reasons
    )


def degenerate_reasons(
    gate: dict[str, Any], baseline_quality: dict[str, Any], candidate_quality: dict[str, Any], chance: dict[str, float]
) -> list[str]:
    """Reasons why two sides that agree have both produced nothing worth timing.

    - a clustering with fewer than two clusters on both sides (e.g. DBSCAN labelling every point
      noise): ARI near 0 and silhouette undefined on both sides agree, but trivially;
    - the gate metric within `tolerance` of its chance level on both sides (`chance[metric]`: the
      majority-class share for accuracy, 0 for ARI): a classifier at chance on both sides.
    One degenerate side is already caught by the tolerance or the floor; this catches both at once.
    """
    reasons = []
    nb, nc = baseline_quality.get("n_clusters"), candidate_quality.get("n_clusters")
    if nb is not None and nc is not None and nb < 2 and nc < 2:
        reasons.append(
            f"degenerate on both sides: fewer than 2 clusters (baseline {nb:g}, candidate {nc:g}; noise fraction "
            f"{baseline_quality.get('noise_fraction', float('nan')):.2f} and "
            f"{candidate_quality.get('noise_fraction', float('nan')):.2f}), so the clustering indices are "
            "undefined or trivial: not comparable"
        )
    metric = str(gate["metric"])
    level = chance.get(metric)
    base, cand = baseline_quality.get(metric), candidate_quality.get(metric)
    if level is not None and base is not None and cand is not None and not reasons:
        margin = float(gate["tolerance"])
        higher = bool(gate.get("higher_is_better", True))
        at_chance = [(v <= level + margin) if higher else (v >= level - margin) for v in (base, cand)]
        if all(at_chance):
            reasons.append(
                f"degenerate on both sides: {metric} {base:.4g} (baseline) and {cand:.4g} (candidate) are within "
                f"{margin:g} of the chance level {level:.4g}: agreement at chance is not parity"
            )
    return reasons


def chance_levels(task: str, y_test: Any) -> dict[str, float]:
    """The score of a model that learned nothing, per gate metric: accuracy of always predicting the
    majority class, and 0 for the adjusted Rand index (its expected value under random labels)."""
    levels = {"adjusted_rand": 0.0}
    if "classification" in task and y_test is not None:
        import numpy as np

        _, counts = np.unique(np.asarray(y_test), return_counts=True)
        if counts.size:
            levels["accuracy"] = float(counts.max() / counts.sum())
    return levels
