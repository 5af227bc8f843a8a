"""Estimators and tests with known answers (tests/test_stats.py checks each one).

Conventions follow criterion.rs and pyperf: every estimate carries a bootstrap CI; a change is
only called faster/slower when it is statistically significant *and* outside a noise band.
This module holds pure functions on arrays; compare.py applies them to tables.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special, stats
from statsmodels.stats.multitest import multipletests

DEFAULT_RESAMPLES = 5000


def _arr(x: ArrayLike) -> NDArray[np.float64]:
    a = np.asarray(x, dtype=np.float64).ravel()
    if a.size == 0:
        raise ValueError("empty sample")
    return a


def bootstrap_medians(x: ArrayLike, resamples: int = DEFAULT_RESAMPLES, seed: int = 0) -> NDArray[np.float64]:
    """The bootstrap distribution of the median (one value per resample).

    Exposed separately so that a series' distribution is computed once and reused by its own CI and
    by every ratio it takes part in.
    """
    a = _arr(x)
    if a.size == 1 or np.all(a == a[0]):
        return np.full(resamples, a[0])
    return bootstrap_medians_sorted(np.sort(a)[None, :], resamples, np.random.default_rng(seed))[0]


def median_rank_draws(
    n: int, size: tuple[int, ...], rng: np.random.Generator
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """0-based ranks (j1, j2) of the two middle order statistics of a bootstrap resample of size n,
    drawn from their exact joint distribution, so that the resample's median is
    (x_(j1) + x_(j2)) / 2 of the sorted original sample (j1 == j2 for odd n).

    Equivalent to resampling n values and taking their median, in O(size) instead of O(size * n):
    N_i, the number of draws among the i+1 smallest values, is Binomial(n, (i+1)/n), so
    P(j1 <= i) = P(N_i >= k). For even n, j2 = j1 unless exactly k draws fall at or below j1, in which
    case j2 - j1 - 1 is the minimum of the other n - k draws, uniform over the values above j1.
    """
    if n == 1:
        zero = np.zeros(size, dtype=np.intp)
        return zero, zero
    k = (n + 1) // 2 if n % 2 else n // 2
    i = np.arange(n)
    p = (i + 1) / n
    cdf = stats.binom.sf(k - 1, n, p)
    cdf[-1] = 1.0
    j1 = np.minimum(np.searchsorted(cdf, rng.random(size), side="right"), n - 1)
    if n % 2:
        return j1, j1
    p_j1 = np.diff(cdf, prepend=0.0)
    # P(N_i = k and at least one of those k draws is value i) / P(j1 = i)
    exactly_k = stats.binom.pmf(k, n, p) * (1.0 - (i / (i + 1.0)) ** k)
    q = np.divide(exactly_k, p_j1, out=np.zeros(n), where=p_j1 > 0)
    only_k = rng.random(size) < q[j1]
    above = n - j1 - 1
    gap = np.floor(above * (1.0 - rng.random(size) ** (1.0 / (n - k)))).astype(np.intp)
    j2 = np.where(only_k, j1 + 1 + np.minimum(gap, np.maximum(above - 1, 0)), j1)
    return j1, j2


def bootstrap_medians_sorted(
    sorted_rows: NDArray[np.float64], resamples: int, rng: np.random.Generator
) -> NDArray[np.float64]:
    """Bootstrap medians of several equal-length samples at once (rows of `sorted_rows`, each sorted),
    through the exact distribution of the median's ranks (see `median_rank_draws`)."""
    m, n = sorted_rows.shape
    j1, j2 = median_rank_draws(n, (m, resamples), rng)
    return 0.5 * (np.take_along_axis(sorted_rows, j1, axis=1) + np.take_along_axis(sorted_rows, j2, axis=1))


def percentile_ci(distribution: NDArray[np.float64], confidence: float = 0.95) -> tuple[float, float]:
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(distribution, [tail, 100 - tail])
    return float(low), float(high)


def bootstrap_median_ci(
    x: ArrayLike, confidence: float = 0.95, resamples: int = DEFAULT_RESAMPLES, seed: int = 0
) -> tuple[float, float, float]:
    """Median with a percentile-bootstrap CI: (median, low, high)."""
    a = _arr(x)
    low, high = percentile_ci(bootstrap_medians(a, resamples, seed), confidence)
    return float(np.median(a)), low, high


def ratio_of_medians_ci(
    numerator: ArrayLike,
    denominator: ArrayLike,
    confidence: float = 0.95,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> tuple[float, float, float]:
    """median(numerator)/median(denominator) with a CI from resampling both samples independently."""
    a, b = _arr(numerator), _arr(denominator)
    ma = bootstrap_medians(a, resamples, seed)
    mb = bootstrap_medians(b, resamples, seed + 1)
    low, high = percentile_ci(ma / mb, confidence)
    return float(np.median(a) / np.median(b)), low, high


def robust_spread(x: ArrayLike) -> tuple[float, float, float]:
    """(MAD / median, IQR, IQR / median): spread measures that one preemption spike cannot inflate,
    unlike std / mean. MAD is the raw median absolute deviation (not scaled by 1.4826)."""
    a = _arr(x)
    med = float(np.median(a))
    q1, q3 = np.percentile(a, [25, 75])
    iqr = float(q3 - q1)
    if med == 0:
        return math.nan, iqr, math.nan
    return float(np.median(np.abs(a - med)) / med), iqr, iqr / med


def tukey_outliers(x: ArrayLike) -> tuple[int, int]:
    """(mild, severe) outlier counts by Tukey's fences, as criterion.rs classifies them: mild between
    1.5 and 3 IQR outside the quartiles, severe beyond 3 IQR."""
    a = _arr(x)
    q1, q3 = np.percentile(a, [25, 75])
    iqr = q3 - q1
    outside_mild = (a < q1 - 1.5 * iqr) | (a > q3 + 1.5 * iqr)
    severe = (a < q1 - 3 * iqr) | (a > q3 + 3 * iqr)
    return int(np.sum(outside_mild & ~severe)), int(np.sum(severe))


def shapiro_p(x: ArrayLike) -> float:
    """Shapiro-Wilk p-value; NaN when it is undefined (fewer than 3 samples or no spread)."""
    a = _arr(x)
    if a.size < 3 or np.ptp(a) == 0:
        return math.nan
    return float(stats.shapiro(a).pvalue)


def mann_whitney_p(a: ArrayLike, b: ArrayLike) -> float:
    """Two-sided Mann-Whitney U p-value (exact for small samples without ties, else asymptotic)."""
    x, y = _arr(a), _arr(b)
    if np.all(x == x[0]) and np.all(y == x[0]):
        return 1.0
    return float(stats.mannwhitneyu(x, y, alternative="two-sided").pvalue)


def welch_p(a: ArrayLike, b: ArrayLike) -> float:
    """Two-sided Welch t-test p-value (unequal variances); NaN with fewer than 2 samples a side."""
    x, y = _arr(a), _arr(b)
    if x.size < 2 or y.size < 2:
        return math.nan
    return float(welch_p_rows(x[None, :], y[None, :])[0])


def welch_p_rows(x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
    """Welch p-values row by row (rows of x against rows of y): scipy's `ttest_ind(equal_var=False)`
    in one vectorised call for many pairs."""
    constant = (np.ptp(x, axis=1) == 0) & (np.ptp(y, axis=1) == 0)
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        # scipy warns (and returns NaN) on rows without spread; those are decided below.
        warnings.simplefilter("ignore", RuntimeWarning)
        p = np.asarray(stats.ttest_ind(x, y, equal_var=False, axis=1).pvalue, dtype=np.float64)
    # No spread on either side: identical constants do not differ, distinct constants certainly do.
    return np.where(constant, np.where(x[:, 0] == y[:, 0], 1.0, 0.0), p)


def mann_whitney_p_rows(x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
    """Mann-Whitney p-values row by row. Small samples go one by one (scipy picks the exact test
    when there are no ties); larger ones in one asymptotic call with tie and continuity correction,
    which is what scipy chooses for them anyway."""
    if max(x.shape[1], y.shape[1]) <= 8:
        return np.array([mann_whitney_p(a, b) for a, b in zip(x, y, strict=True)])
    p = stats.mannwhitneyu(x, y, alternative="two-sided", method="asymptotic", axis=1).pvalue
    same = np.all(x == x[:, :1], axis=1) & np.all(y == x[:, :1], axis=1)
    return np.where(same, 1.0, np.nan_to_num(np.asarray(p, dtype=np.float64), nan=1.0))


def paired_t_p(a: ArrayLike, b: ArrayLike) -> float:
    """Two-sided paired t-test p-value on matched observations (same fold or seed)."""
    x, y = _arr(a), _arr(b)
    if x.size != y.size:
        raise ValueError(f"paired samples must have equal length, got {x.size} and {y.size}")
    if x.size < 2:
        return math.nan
    d = x - y
    if np.ptp(d) == 0:
        return 1.0 if d[0] == 0 else 0.0
    return float(stats.ttest_rel(x, y).pvalue)


def _adjust(pvalues: ArrayLike, method: str) -> NDArray[np.float64]:
    p = np.asarray(pvalues, dtype=np.float64)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        out[ok] = multipletests(p[ok], method=method)[1]
    return out


def holm(pvalues: ArrayLike) -> NDArray[np.float64]:
    """Holm-Bonferroni step-down adjusted p-values (same order; NaN stays NaN and is not counted)."""
    return _adjust(pvalues, "holm")


def bonferroni(pvalues: ArrayLike) -> NDArray[np.float64]:
    """Bonferroni adjusted p-values (same order; NaN stays NaN and is not counted)."""
    return _adjust(pvalues, "bonferroni")


def cliffs_delta(a: ArrayLike, b: ArrayLike) -> float:
    """P(a > b) - P(a < b) over all pairs; -1..1. Computed by ranks, O((n+m) log(n+m))."""
    x, y = _arr(a), _arr(b)
    ys = np.sort(y)
    less_than_x = np.searchsorted(ys, x, side="left")  # y < x
    at_most_x = np.searchsorted(ys, x, side="right")  # y <= x
    greater = int(less_than_x.sum())
    less = int((y.size - at_most_x).sum())
    return float((greater - less) / (x.size * y.size))


def cliffs_magnitude(delta: float) -> str:
    """Romano et al. (2006) thresholds."""
    d = abs(delta)
    if d < 0.147:
        return "negligible"
    if d < 0.33:
        return "small"
    if d < 0.474:
        return "medium"
    return "large"


def cohens_d(a: ArrayLike, b: ArrayLike) -> float:
    """(mean(a) - mean(b)) / pooled sample std; NaN when the pooled std is zero or undefined."""
    x, y = _arr(a), _arr(b)
    if x.size + y.size < 3:
        return math.nan
    pooled = (
        (x.size - 1) * np.var(x, ddof=1 if x.size > 1 else 0) + (y.size - 1) * np.var(y, ddof=1 if y.size > 1 else 0)
    ) / (x.size + y.size - 2)
    if pooled <= 0:
        return math.nan
    return float((np.mean(x) - np.mean(y)) / math.sqrt(pooled))


def cohens_magnitude(d: float) -> str:
    """Cohen (1988): 0.2 small, 0.5 medium, 0.8 large."""
    if math.isnan(d):
        return "undefined"
    m = abs(d)
    if m < 0.2:
        return "negligible"
    if m < 0.5:
        return "small"
    if m < 0.8:
        return "medium"
    return "large"


def instability_warnings(x: ArrayLike, min_samples: int = 10) -> list[str]:
    """pyperf's rules: too few samples, std >= 10% of the mean, min or max >= 50% away from the mean."""
    a = _arr(x)
    found = []
    if a.size < min_samples:
        found.append(f"only {a.size} samples (< {min_samples})")
    mean = float(np.mean(a))
    if mean > 0:
        if a.size > 1 and np.std(a, ddof=1) >= 0.10 * mean:
            found.append(f"std is {100 * np.std(a, ddof=1) / mean:.0f}% of the mean (>= 10%)")
        if a.min() <= 0.5 * mean or a.max() >= 1.5 * mean:
            found.append("min or max is >= 50% away from the mean")
    return found


def samples_for_effect_size(d: float, alpha: float = 0.05, power: float = 0.8) -> int:
    """Samples per group for a two-sided two-sample t-test to detect standardised effect `d`
    (Cohen 1988, table 2.4.1: d = 0.5 -> 64): the smallest n whose power reaches `power`."""
    if math.isnan(d) or d == 0:
        return 0
    if math.isinf(d):
        return 2
    # Rounded so that thousands of series with similar spread share one search.
    return _smallest_n(round(abs(d), 4), alpha, power)


def t_test_power(d: float, n: int | NDArray[np.int64], alpha: float = 0.05) -> NDArray[np.float64]:
    """Power of a two-sided two-sample t-test with n per group (noncentral t; both tails). The same
    numbers as statsmodels' `TTestIndPower().power` (tests/test_statistics_reference.py holds it to
    1e-12), which costs ~320 us a call here against ~18 us, and whose `solve_power` ~7.8 ms against
    ~0.6 ms for `_smallest_n`: analysis sizes thousands of series, so the formula stays."""
    n = np.asarray(n, dtype=np.float64)
    df = 2 * n - 2
    nc = d * np.sqrt(n / 2)
    crit = special.stdtrit(df, 1 - alpha / 2)
    return np.asarray(1 - special.nctdtr(df, nc, crit) + special.nctdtr(df, nc, -crit))


@lru_cache(maxsize=4096)
def _smallest_n(d: float, alpha: float, power: float) -> int:
    # Start from the normal approximation and walk to the exact t-test answer (a step or two).
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    n = max(2, math.ceil(2 * (z / d) ** 2))
    if n > 10**9:
        return n
    while t_test_power(d, n, alpha) < power:
        n += 1
    while n > 2 and t_test_power(d, n - 1, alpha) >= power:
        n -= 1
    return n


def samples_needed(pilot: ArrayLike, relative_effect: float, alpha: float = 0.05, power: float = 0.8) -> int:
    """Repetitions per side needed to detect a `relative_effect` change (0.05 = 5%) in this series'
    time, given the spread seen in the pilot samples. Times are compared on the log scale, where a
    relative change is a shift, so the standardised effect is log(1 + effect) / sd(log t)."""
    a = _arr(pilot)
    if a.size < 2 or np.any(a <= 0):
        return 0
    sd = float(np.std(np.log(a), ddof=1))
    if sd == 0:
        return 2
    return samples_for_effect_size(math.log1p(relative_effect) / sd, alpha, power)


def geometric_mean_ci(ratios: ArrayLike, confidence: float = 0.95) -> tuple[float, float, float]:
    """Geometric mean of positive ratios with a t-interval on their logs (across cells).
    With one ratio the interval is undefined (NaN)."""
    r = _arr(ratios)
    if np.any(r <= 0):
        raise ValueError("geometric mean needs positive ratios")
    logs = np.log(r)
    centre = float(np.mean(logs))
    if r.size < 2:
        return math.exp(centre), math.nan, math.nan
    half = float(stats.t.ppf(0.5 + confidence / 2, r.size - 1) * np.std(logs, ddof=1) / math.sqrt(r.size))
    return math.exp(centre), math.exp(centre - half), math.exp(centre + half)


def hierarchical_geomean_ci(
    log_centres: ArrayLike,
    log_ratio_draws: list[NDArray[np.float64]],
    confidence: float = 0.95,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> tuple[float, float, float]:
    """Geometric mean over cells of a ratio, with a two-level percentile bootstrap.

    `log_ratio_draws[i]` is cell i's bootstrap distribution of log(ratio) (its samples resampled).
    Each resample draws the cells with replacement and, for every drawn cell, one draw of its own
    distribution, so the interval carries both the spread between cells and the noise within them
    (Davison & Hinkley 1997, sec. 3.8). The point estimate is the geometric mean of the cells' own
    estimates (`log_centres`). With one cell, the interval is that cell's own bootstrap interval.
    """
    centres = _arr(log_centres)
    if centres.size != len(log_ratio_draws):
        raise ValueError(f"{centres.size} centres for {len(log_ratio_draws)} distributions")
    k = len(log_ratio_draws)
    width = min(d.size for d in log_ratio_draws)
    table = np.stack([d[:width] for d in log_ratio_draws])
    centre = float(np.mean(centres))
    rng = np.random.default_rng(seed)
    cells = rng.integers(0, k, size=(resamples, k)) if k > 1 else np.zeros((resamples, 1), dtype=np.intp)
    draws = rng.integers(0, width, size=(resamples, k))
    means = table[cells, draws].mean(axis=1)
    low, high = percentile_ci(means, confidence)
    return math.exp(centre), math.exp(low), math.exp(high)


@dataclass(frozen=True)
class Verdict:
    label: str  # "faster", "slower" or "no meaningful difference" (from the numerator's point of view)
    significant: bool
    outside_noise: bool


def verdict(ratio_ci: tuple[float, float], p_adjusted: float, alpha: float = 0.05, noise: float = 0.02) -> Verdict:
    """criterion.rs rule on a time ratio (numerator/denominator): significant and the whole CI outside
    [1 - noise, 1 + noise] -> faster (< 1) or slower (> 1); otherwise no meaningful difference."""
    low, high = ratio_ci
    significant = bool(p_adjusted < alpha)
    if significant and high < 1 - noise:
        return Verdict("faster", True, True)
    if significant and low > 1 + noise:
        return Verdict("slower", True, True)
    outside = high < 1 - noise or low > 1 + noise
    return Verdict("no meaningful difference", significant, outside)
