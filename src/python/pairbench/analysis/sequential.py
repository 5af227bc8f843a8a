"""Adaptive launches: after the first `--launches` of every side of a cell, is the cell's verdict settled,
or does it get more launches (up to `--max_launches`)?

The rule is a two-look group-sequential design of the Haybittle-Peto kind. At the interim look (after
the first launches) a cell stops only on overwhelming evidence: for every phase and every pair of its
sides, the ratio of medians' bootstrap CI at `INTERIM_CONFIDENCE` (99.9%) lies wholly outside the noise
band (a clear win or loss) or wholly inside it (a clear tie).

Which pairs must settle: each side against the cell's baseline (its first side, the Python reference) —
the comparisons the verdicts, rankings and recommendations are built on. A pair of two challengers
(candle vs tch, linfa vs linfa-py) is still analysed, on the launches it got, but does not hold the cell
open: two Rust sides running the same kernels are often within a few percent of each other, and such a
pair rarely settles at 99.9%, so requiring it topped up nearly every three-sided cell.

Any other cell runs to `--max_launches` on the sides of its unsettled pairs (the baseline and each
challenger that has not settled against it; a settled challenger keeps its first launches), and the
final analysis uses the nominal alpha. Stopping only at
p < 0.001 costs the final test less than 0.001 of its error rate, which is why Haybittle-Peto needs no
adjustment of the final alpha.

Pure functions over plain sample lists; `pairbench plan-launches` applies them to phase 4's results.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np

from pairbench.analysis import stats

INTERIM_CONFIDENCE = 0.999


@dataclass(frozen=True)
class Decision:
    """Whether one cell stops after its first launches, and why (one line, for the plan file); an open
    cell also names the sides that get more launches (those of its unsettled pairs)."""

    cell_id: str
    settled: bool
    reason: str
    open_sides: tuple[str, ...] = ()


def pair_settled(
    candidate: list[float],
    reference: list[float],
    noise: float,
    confidence: float = INTERIM_CONFIDENCE,
    resamples: int = 2000,
    seed: int = 0,
) -> tuple[bool, str]:
    """Is candidate/reference settled: its ratio CI wholly outside [1 - noise, 1 + noise], or wholly
    inside it? Fewer than 3 samples on a side never settle."""
    if min(len(candidate), len(reference)) < 3:
        return False, "fewer than 3 samples"
    ratio, low, high = stats.ratio_of_medians_ci(candidate, reference, confidence, resamples, seed)
    ci = f"ratio {ratio:.3g} [{low:.3g}, {high:.3g}]"
    if high < 1 - noise or low > 1 + noise:
        return True, f"{ci} outside the ±{noise:.1%} band"
    if low >= 1 - noise and high <= 1 + noise:
        return True, f"{ci} inside the ±{noise:.1%} band"
    return False, f"{ci} overlaps the band edge"


def cell_decision(
    cell_id: str,
    samples: dict[str, dict[str, list[float]]],
    failed: list[str],
    noise: float,
    confidence: float = INTERIM_CONFIDENCE,
    baseline: str | None = None,
) -> Decision:
    """`samples[side][phase]`: the pooled samples of the cell's first launches. With a `baseline`, only
    the pairs that include it must settle; without one, every pair. A cell with a failed launch is not
    topped up (its retries are spent, and more launches would not restore the pair)."""
    if failed:
        return Decision(cell_id, True, f"not topped up: failed launch(es) on {', '.join(sorted(failed))}")
    if len(samples) < 2:
        return Decision(cell_id, True, "one side only: no verdict to settle")
    phases = sorted(set.intersection(*(set(p) for p in samples.values())))
    reasons, open_sides = [], set()
    for (side_a, by_phase_a), (side_b, by_phase_b) in combinations(sorted(samples.items()), 2):
        if baseline in samples and baseline not in (side_a, side_b):
            continue
        for phase in phases:
            settled, why = pair_settled(by_phase_a[phase], by_phase_b[phase], noise, confidence)
            if not settled:
                reasons.append(f"{side_a} vs {side_b} {phase}: {why}")
                open_sides |= {side_a, side_b}
                break
    if reasons:
        more = f" (and {len(reasons) - 1} more pair(s))" if len(reasons) > 1 else ""
        return Decision(cell_id, False, reasons[0] + more, tuple(sorted(open_sides)))
    pairs = f"every pair with {baseline}" if baseline in samples else "every pair"
    return Decision(cell_id, True, f"{pairs} settled in every phase at {confidence:.1%} ({len(phases)} phase(s))")


def expected_saving(decisions: list[Decision]) -> float:
    """Share of cells that stop at the interim look."""
    return float(np.mean([d.settled for d in decisions])) if decisions else 0.0
