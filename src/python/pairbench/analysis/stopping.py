"""Adaptive rounds: after how many rounds a cell's verdicts are decided, and what that rule costs.

A cell first gets `min_rounds` rounds (each launches every side once, see harness/rounds.py). At
that first look, and every `look_every` rounds after it, every pair that must settle (each side
against the cell's baseline, in every phase; in an A/A run, each side's second arm against its
first) is estimated from its paired rounds (analysis/paired.py). The cell stops as soon as each of
those pairs is `faster`, `slower` or `equivalent`; an `inconclusive` pair gets more rounds, up to
`max_rounds` or the cell's time budget, whichever comes first. Whatever is still inconclusive
then is reported as `inconclusive`: an honest answer, never turned into a tie.

Repeated looks at a 95% interval raise the chance of a false decision above that of one look; the
margin delta keeps it small, and `simulate_error_rates` measures it for a given rule (the tests
and the methods section quote its figures). Pure functions; the rounds runner calls `look`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from pairbench.analysis.paired import (
    DECIDED,
    autocorrelated,
    band,
    block_bootstrap_ci,
    log_ratios,
    outcome,
    paired_estimate,
    signed_rank_critical,
)


@dataclass(frozen=True)
class RoundsRule:
    min_rounds: int
    max_rounds: int
    delta: float
    confidence: float = 0.95
    look_every: int = 2

    def __post_init__(self) -> None:
        if not 1 <= self.min_rounds <= self.max_rounds:
            raise ValueError(f"rounds: need 1 <= min_rounds <= max_rounds, got {self.min_rounds}, {self.max_rounds}")

    def is_look(self, rounds_done: int) -> bool:
        """Whether the cell is looked at after `rounds_done` rounds."""
        if rounds_done < self.min_rounds:
            return False
        return rounds_done >= self.max_rounds or (rounds_done - self.min_rounds) % self.look_every == 0


@dataclass(frozen=True)
class Look:
    """The state of a cell after `after_round` rounds: each required pair's outcome and whether the
    cell stops there."""

    after_round: int
    outcomes: dict[str, str] = field(default_factory=dict)  # "candidate/reference phase" -> outcome
    ratios: dict[str, list[float]] = field(default_factory=dict)  # same keys -> [ratio, low, high]
    settled: bool = False
    reason: str = ""


def pair_outcome(candidate: list[float], reference: list[float], rule: RoundsRule) -> tuple[str, list[float]]:
    """The outcome of one pair in one phase from its launch values per round (NaN where a round lacks
    one side) and [ratio, low, high]."""
    c, r = np.asarray(candidate, dtype=np.float64), np.asarray(reference, dtype=np.float64)
    ok = np.isfinite(c) & np.isfinite(r) & (c > 0) & (r > 0)
    est = paired_estimate(log_ratios(c[ok], r[ok]), rule.confidence)
    return outcome(est.ratio_low, est.ratio_high, rule.delta), [est.ratio, est.ratio_low, est.ratio_high]


def look(
    values: dict[str, dict[str, list[float]]], pairs: list[tuple[str, str]], rule: RoundsRule, rounds_done: int
) -> Look:
    """`values[side][phase]`: one launch value per round so far (NaN for a round a side missed).
    Every (candidate, reference) in `pairs` must be decided in every phase both sides timed."""
    outcomes, ratios = {}, {}
    for cand, ref in pairs:
        if cand not in values or ref not in values:
            continue
        for phase in sorted(set(values[cand]) & set(values[ref])):
            key = f"{cand}/{ref} {phase}"
            outcomes[key], ratios[key] = pair_outcome(values[cand][phase], values[ref][phase], rule)
    open_pairs = [k for k, o in outcomes.items() if o not in DECIDED]
    if not outcomes:
        return Look(rounds_done, outcomes, ratios, True, "no pair to decide")
    if not open_pairs:
        return Look(rounds_done, outcomes, ratios, True, f"every pair decided after {rounds_done} rounds")
    if rounds_done >= rule.max_rounds:
        return Look(
            rounds_done, outcomes, ratios, True, f"max_rounds ({rule.max_rounds}) reached; still open: {open_pairs[0]}"
        )
    more = f" (and {len(open_pairs) - 1} more)" if len(open_pairs) > 1 else ""
    return Look(rounds_done, outcomes, ratios, False, f"open: {open_pairs[0]}{more}")


def simulate_error_rates(
    rule: RoundsRule,
    sigma: float,
    true_ratio: float = 1.0,
    n_cells: int = 2000,
    seed: int = 0,
    tails: str = "normal",
) -> dict[str, float]:
    """Run the stopping rule on simulated cells whose per-round log ratios are drawn around
    log(true_ratio) with spread `sigma` (normal, or Student's t with 3 degrees of freedom scaled to
    the same sd for heavy tails). Returns the share of cells ending in each outcome and the mean
    number of rounds used. With true_ratio 1 (an A/A cell), `faster` + `slower` is the false
    verdict rate. Vectorised over cells: the same interval as `paired_estimate`, row by row."""
    rng = np.random.default_rng(seed)
    shape = (n_cells, rule.max_rounds)
    if tails == "normal":
        noise = rng.normal(0.0, 1.0, shape)
    elif tails == "t3":
        noise = rng.standard_t(3, shape) / math.sqrt(3.0)
    else:
        raise ValueError(f"tails: {tails!r}; allowed: normal, t3")
    d = math.log(true_ratio) + sigma * noise
    final = np.full(n_cells, "inconclusive", dtype=object)
    used = np.full(n_cells, rule.max_rounds)
    open_ = np.ones(n_cells, dtype=bool)
    lo_band, hi_band = math.log(band(rule.delta)[0]), math.log(band(rule.delta)[1])
    for k in range(rule.min_rounds, rule.max_rounds + 1):
        if not rule.is_look(k) or not open_.any():
            continue
        rows = np.flatnonzero(open_)
        low, high = _interval_rows(d[rows, :k], rule.confidence, rng)
        inside = np.where((low >= lo_band) & (high <= hi_band), "equivalent", "inconclusive")
        outcome = np.where(high < lo_band, "faster", np.where(low > hi_band, "slower", inside))
        outcome = np.where(np.isnan(low), "inconclusive", outcome)
        decided = outcome != "inconclusive"
        last = k >= rule.max_rounds
        stop = decided | last
        final[rows[stop]] = outcome[stop]
        used[rows[stop]] = k
        open_[rows[stop]] = False
    total = float(n_cells)
    shares = {o: float(np.sum(final == o)) / total for o in ("faster", "slower", "equivalent", "inconclusive")}
    return {**shares, "mean_rounds": float(used.mean())}


def _interval_rows(d: np.ndarray, confidence: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """`paired_estimate`'s interval for every row of `d` (rounds in columns)."""
    n = d.shape[1]
    c, _ = signed_rank_critical(n, confidence)
    if c == 0:
        nan = np.full(d.shape[0], np.nan)
        return nan, nan
    i, j = np.triu_indices(n)
    walsh = np.sort((d[:, i] + d[:, j]) / 2, axis=1)
    low, high = walsh[:, c - 1].copy(), walsh[:, walsh.shape[1] - c].copy()
    for r in np.flatnonzero([autocorrelated(row) for row in d]):
        b_low, b_high = block_bootstrap_ci(d[r], confidence, 500, int(rng.integers(1 << 31)))
        low[r], high[r] = min(low[r], b_low), max(high[r], b_high)
    return low, high


# The spreads of per-round log ratios the methods section quotes the rule's error rates at: from an
# idle host's best cells (1%) to a busy laptop's worst (20%).
SPREADS = (0.01, 0.03, 0.05, 0.1, 0.2)


def rule_error_rates(rule: RoundsRule, n_cells: int = 2000, seed: int = 0) -> dict[str, object]:
    """What the stopping rule costs, by simulation (`simulate_error_rates`), at each of SPREADS with
    normal and heavy (t3) tails: the false-verdict rate of an A/A pair (true ratio 1), the chance
    that a pair on the margin's edge (true ratio 1 + delta) is called `equivalent`, and the chance
    that a 10% effect is called `slower`. The worst of each is what the methods section states."""
    rows = []
    for tails in ("normal", "t3"):
        for sigma in SPREADS:
            null = simulate_error_rates(rule, sigma, 1.0, n_cells, seed, tails)
            edge = simulate_error_rates(rule, sigma, 1.0 + rule.delta, n_cells, seed + 1, tails)
            effect = simulate_error_rates(rule, sigma, 1.10, n_cells, seed + 2, tails)
            rows.append(
                {
                    "tails": tails,
                    "sigma": sigma,
                    "false_verdict": null["faster"] + null["slower"],
                    "aa_inconclusive": null["inconclusive"],
                    "false_equivalent_at_edge": edge["equivalent"],
                    "power_10pct": effect["slower"],
                    "mean_rounds_aa": null["mean_rounds"],
                }
            )
    return {
        "rule": {
            "min_rounds": rule.min_rounds,
            "max_rounds": rule.max_rounds,
            "look_every": rule.look_every,
            "delta": rule.delta,
            "confidence": rule.confidence,
        },
        "n_cells": n_cells,
        "rows": rows,
        "max_false_verdict": max(r["false_verdict"] for r in rows),
        "max_false_equivalent_at_edge": max(r["false_equivalent_at_edge"] for r in rows),
    }
