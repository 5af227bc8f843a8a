"""The verdict's statistics: paired launch-level ratios, their interval, and the four outcomes.

The unit of replication is the launch, not the sample: samples inside one process share its memory
layout, its CPU frequency and its neighbours, so two launches of the same code differ far more than
two samples of one launch. Phase 4 therefore measures a cell in *rounds*; a round launches every
side of the cell once, in a random order, back to back on the same CPUs. Each launch contributes
one number per phase (the median of its samples), and each round one paired log ratio per pair of
sides, `d = log(t_candidate / t_reference)`. Everything here is a pure function of those numbers.

- Estimate: the Hodges-Lehmann estimate of the d's (the median of their Walsh averages), a robust
  centre that one odd round cannot drag; the ratio is its exponential.
- Interval: the distribution-free interval of that estimate, between two order statistics of the
  Walsh averages chosen from the exact null distribution of Wilcoxon's signed-rank statistic
  (Hollander & Wolfe, *Nonparametric Statistical Methods*, sec. 3.3). It needs no resampling (so the
  same rounds always give the same interval), keeps its coverage at six rounds where a percentile
  bootstrap does not, and is the interval of the same test whose p-value is shown. When the rounds are
  autocorrelated (host drift that reaches one side more than the other), a moving-block bootstrap
  over consecutive rounds is computed too and the wider interval is used.
- Outcome, against a margin delta fixed before the run (log-symmetric: the band is
  [1/(1 + delta), 1 + delta], so swapping the sides mirrors the verdict): `faster` / `slower` when the
  whole interval lies beyond the band, `equivalent` when it lies wholly inside it, `inconclusive`
  otherwise (or when there are too few rounds for an interval at the chosen confidence).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike, NDArray

OUTCOMES = ("faster", "slower", "equivalent", "inconclusive")
DECIDED = ("faster", "slower", "equivalent")


def _arr(x: ArrayLike) -> NDArray[np.float64]:
    return np.asarray(x, dtype=np.float64).ravel()


def log_ratios(candidate: ArrayLike, reference: ArrayLike) -> NDArray[np.float64]:
    """Per-round `log(candidate / reference)` of matched launch-level values (same round, same phase)."""
    c, r = _arr(candidate), _arr(reference)
    if c.shape != r.shape:
        raise ValueError(f"paired values must match round for round, got {c.size} and {r.size}")
    if np.any(c <= 0) or np.any(r <= 0):
        raise ValueError("times must be positive")
    return np.log(c) - np.log(r)


def walsh_averages(d: ArrayLike) -> NDArray[np.float64]:
    """The n(n+1)/2 averages (d_i + d_j) / 2 for i <= j, sorted."""
    x = _arr(d)
    i, j = np.triu_indices(x.size)
    return np.sort((x[i] + x[j]) / 2)


def hodges_lehmann(d: ArrayLike) -> float:
    """The Hodges-Lehmann estimate: the median of the Walsh averages."""
    x = _arr(d)
    if x.size == 0:
        return math.nan
    return float(np.median(walsh_averages(x)))


@lru_cache(maxsize=256)
def signed_rank_null(n: int) -> tuple[float, ...]:
    """P(T+ = t) for t = 0 .. n(n+1)/2 under the null (no ties): the exact distribution of Wilcoxon's
    signed-rank statistic, by counting the subsets of {1..n} with each sum."""
    top = n * (n + 1) // 2
    counts = np.zeros(top + 1, dtype=np.float64)
    counts[0] = 1.0
    for k in range(1, n + 1):
        counts[k:] = counts[k:] + counts[:-k].copy()
    return tuple(counts / 2.0**n)


def signed_rank_critical(n: int, confidence: float) -> tuple[int, float]:
    """(c, achieved confidence): the interval is [W_(c), W_(M+1-c)] of the M sorted Walsh averages,
    with c the largest count whose lower tail P(T+ <= c - 1) stays within (1 - confidence) / 2. c = 0
    means n is too small for any interval at this confidence."""
    if n < 1:
        return 0, math.nan
    cdf = np.cumsum(signed_rank_null(n))
    tail = (1.0 - confidence) / 2.0
    # P(T+ <= c - 1) <= tail  <=>  cdf[c - 1] <= tail; cdf is increasing.
    c = int(np.searchsorted(cdf, tail + 1e-12, side="right"))
    if c == 0:
        return 0, math.nan
    return c, float(1.0 - 2.0 * cdf[c - 1])


def wilcoxon_p(d: ArrayLike) -> float:
    """Two-sided Wilcoxon signed-rank p-value of the d's against 0 (exact for small n without ties or
    zeros, scipy's choice otherwise); 1.0 when every d is 0, NaN with no rounds."""
    x = _arr(d)
    if x.size == 0:
        return math.nan
    if np.all(x == 0):
        return 1.0
    from scipy.stats import wilcoxon

    return float(wilcoxon(x, alternative="two-sided").pvalue)


def lag1_autocorrelation(d: ArrayLike) -> float:
    """The lag-1 autocorrelation of the d's in round order (NaN below 3 rounds or without spread)."""
    x = _arr(d)
    if x.size < 3:
        return math.nan
    c = x - x.mean()
    denom = float(np.dot(c, c))
    return float(np.dot(c[:-1], c[1:]) / denom) if denom > 0 else math.nan


def autocorrelated(d: ArrayLike) -> bool:
    """Whether the rounds look autocorrelated: lag-1 autocorrelation above 1.96 / sqrt(n), the one-sided
    2.5% bound for independent rounds."""
    x = _arr(d)
    rho = lag1_autocorrelation(x)
    return bool(not math.isnan(rho) and rho > 1.96 / math.sqrt(x.size))


def block_bootstrap_ci(
    d: ArrayLike, confidence: float = 0.95, resamples: int = 2000, seed: int = 0, block: int | None = None
) -> tuple[float, float]:
    """Percentile interval of the Hodges-Lehmann estimate from a moving-block bootstrap over
    consecutive rounds (blocks of ceil(n^(1/3)), at least 2), which keeps short-range dependence."""
    x = _arr(d)
    n = x.size
    if n < 3:
        return math.nan, math.nan
    length = block or max(2, math.ceil(n ** (1 / 3)))
    length = min(length, n)
    rng = np.random.default_rng(seed)
    starts = rng.integers(0, n - length + 1, size=(resamples, math.ceil(n / length)))
    idx = (starts[:, :, None] + np.arange(length)[None, None, :]).reshape(resamples, -1)[:, :n]
    draws = x[idx]
    i, j = np.triu_indices(n)
    estimates = np.median((draws[:, i] + draws[:, j]) / 2, axis=1)
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(estimates, [tail, 100 - tail])
    return float(low), float(high)


@dataclass(frozen=True)
class PairedEstimate:
    """The estimate of one pair in one phase, on the log scale (`ratio` etc. give the time ratios)."""

    n_rounds: int
    log_estimate: float
    log_low: float
    log_high: float
    confidence: float  # the interval's achieved coverage (>= the requested one), NaN without an interval
    method: str  # "signed-rank", "signed-rank + block bootstrap", or "none (too few rounds)"
    p_wilcoxon: float
    lag1_autocorrelation: float

    @property
    def ratio(self) -> float:
        return math.exp(self.log_estimate) if not math.isnan(self.log_estimate) else math.nan

    @property
    def ratio_low(self) -> float:
        return math.exp(self.log_low) if not math.isnan(self.log_low) else math.nan

    @property
    def ratio_high(self) -> float:
        return math.exp(self.log_high) if not math.isnan(self.log_high) else math.nan


def paired_estimate(d: ArrayLike, confidence: float = 0.95, resamples: int = 2000, seed: int = 0) -> PairedEstimate:
    """Hodges-Lehmann estimate of the per-round log ratios `d` with its signed-rank interval (widened by
    a block bootstrap when the rounds are autocorrelated; see the module docstring)."""
    x = _arr(d)
    x = x[np.isfinite(x)]
    n = x.size
    rho = lag1_autocorrelation(x)
    p = wilcoxon_p(x)
    centre = hodges_lehmann(x)
    c, achieved = signed_rank_critical(n, confidence)
    if c == 0:
        return PairedEstimate(n, centre, math.nan, math.nan, math.nan, "none (too few rounds)", p, rho)
    w = walsh_averages(x)
    low, high = float(w[c - 1]), float(w[w.size - c])
    method = "signed-rank"
    if autocorrelated(x):
        b_low, b_high = block_bootstrap_ci(x, confidence, resamples, seed)
        low, high = min(low, b_low), max(high, b_high)
        method = "signed-rank + block bootstrap"
    return PairedEstimate(n, centre, low, high, achieved, method, p, rho)


def band(delta: float) -> tuple[float, float]:
    """The margin on the ratio scale: [1 / (1 + delta), 1 + delta]."""
    if not delta > 0:
        raise ValueError(f"delta must be positive, got {delta!r}")
    return 1.0 / (1.0 + delta), 1.0 + delta


def outcome(ratio_low: float, ratio_high: float, delta: float) -> str:
    """One of OUTCOMES for a time ratio (candidate / reference) whose interval is [low, high]:
    `faster` below the band, `slower` above it, `equivalent` wholly inside it, else `inconclusive`
    (also without an interval)."""
    if math.isnan(ratio_low) or math.isnan(ratio_high):
        return "inconclusive"
    lo, hi = band(delta)
    if ratio_high < lo:
        return "faster"
    if ratio_low > hi:
        return "slower"
    if ratio_low >= lo and ratio_high <= hi:
        return "equivalent"
    return "inconclusive"


def unpaired_estimate(
    candidate: ArrayLike, reference: ArrayLike, confidence: float = 0.95, resamples: int = 2000, seed: int = 0
) -> tuple[float, float, float]:
    """The same ratio without the pairing: the ratio of the medians of the two sides' launch values,
    with a percentile bootstrap over launches, each side resampled on its own. Reported beside the
    paired figures so that what pairing bought can be shown; also what `pairbench compare` uses
    between two runs, which cannot be interleaved."""
    c, r = np.log(_arr(candidate)), np.log(_arr(reference))
    if c.size == 0 or r.size == 0:
        return math.nan, math.nan, math.nan
    centre = float(np.median(c) - np.median(r))
    if c.size < 2 or r.size < 2:
        return math.exp(centre), math.nan, math.nan
    rng = np.random.default_rng(seed)
    mc = np.median(c[rng.integers(0, c.size, size=(resamples, c.size))], axis=1)
    mr = np.median(r[rng.integers(0, r.size, size=(resamples, r.size))], axis=1)
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(mc - mr, [tail, 100 - tail])
    return math.exp(centre), math.exp(float(low)), math.exp(float(high))


@lru_cache(maxsize=256)
def rank_sum_null(m: int, n: int) -> tuple[float, ...]:
    """P(U = u) for u = 0 .. m n under the null (no ties): the exact distribution of the Mann-Whitney
    statistic of samples of sizes m and n, by counting the m-subsets of ranks {1..m+n} with each sum."""
    top = m * n
    # ways[k][s]: k ranks chosen so far, their sum minus k(k+1)/2 (the smallest possible) equal to s
    ways = np.zeros((m + 1, top + 1), dtype=np.float64)
    ways[0, 0] = 1.0
    for rank in range(1, m + n + 1):
        for k in range(min(m, rank), 0, -1):
            shift = rank - k  # adding `rank` as the k-th smallest raises the excess by rank - k
            if shift <= top:
                ways[k, shift:] += ways[k - 1, : top + 1 - shift]
    return tuple(ways[m] / ways[m].sum())


def shift_estimate(candidate: ArrayLike, reference: ArrayLike, confidence: float = 0.95) -> tuple[float, float, float]:
    """The log shift between two unpaired samples of launch values (log(candidate) - log(reference)):
    the two-sample Hodges-Lehmann estimate (the median of all m n differences) with the exact
    distribution-free interval from the Mann-Whitney null (Hollander & Wolfe, sec. 4.3): two order
    statistics of the sorted differences. Like the paired interval it needs no resampling and keeps its
    coverage at six launches a side, where a percentile bootstrap of medians does not. NaN bounds when
    the samples are too small for an interval at this confidence."""
    c, r = np.log(_arr(candidate)), np.log(_arr(reference))
    if c.size == 0 or r.size == 0:
        return math.nan, math.nan, math.nan
    diffs = np.sort(np.subtract.outer(c, r).ravel())
    centre = float(np.median(diffs))
    cdf = np.cumsum(rank_sum_null(c.size, r.size))
    k = int(np.searchsorted(cdf, (1.0 - confidence) / 2.0 + 1e-12, side="right"))
    if k == 0:
        return centre, math.nan, math.nan
    return centre, float(diffs[k - 1]), float(diffs[diffs.size - k])


def supported_delta(aa_log_ratios: ArrayLike) -> float:
    """The margin this host supports, from A/A comparisons (each side against itself): rustc-perf's
    significance threshold, Q3 + 3 IQR of the absolute A/A log ratio estimates, as a relative change."""
    x = np.abs(_arr(aa_log_ratios))
    x = x[np.isfinite(x)]
    if x.size < 4:
        return math.nan
    q1, q3 = np.percentile(x, [25, 75])
    return float(math.exp(q3 + 3 * (q3 - q1)) - 1.0)
