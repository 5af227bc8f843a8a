"""Estimators and tests with known answers (tests/test_stats.py checks each one).

Conventions follow criterion.rs and pyperf: every estimate carries a bootstrap CI; a change is
only called faster/slower when it is statistically significant *and* outside a noise band.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

DEFAULT_RESAMPLES = 5000


def _arr(x: ArrayLike) -> NDArray[np.float64]:
    a = np.asarray(x, dtype=np.float64).ravel()
    if a.size == 0:
        raise ValueError("empty sample")
    return a


def bootstrap_median_ci(x: ArrayLike, confidence: float = 0.95, resamples: int = DEFAULT_RESAMPLES,
                        seed: int = 0) -> tuple[float, float, float]:
    """Median with a percentile-bootstrap CI: (median, low, high)."""
    a = _arr(x)
    rng = np.random.default_rng(seed)
    medians = np.median(a[rng.integers(0, a.size, size=(resamples, a.size))], axis=1)
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(medians, [tail, 100 - tail])
    return float(np.median(a)), float(low), float(high)


def ratio_of_medians_ci(numerator: ArrayLike, denominator: ArrayLike, confidence: float = 0.95,
                        resamples: int = DEFAULT_RESAMPLES, seed: int = 0) -> tuple[float, float, float]:
    """median(numerator)/median(denominator) with a CI from resampling both samples independently."""
    a, b = _arr(numerator), _arr(denominator)
    rng = np.random.default_rng(seed)
    ma = np.median(a[rng.integers(0, a.size, size=(resamples, a.size))], axis=1)
    mb = np.median(b[rng.integers(0, b.size, size=(resamples, b.size))], axis=1)
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(ma / mb, [tail, 100 - tail])
    return float(np.median(a) / np.median(b)), float(low), float(high)


def mann_whitney_p(a: ArrayLike, b: ArrayLike) -> float:
    """Two-sided Mann-Whitney U p-value (exact for small samples without ties, else asymptotic)."""
    return float(stats.mannwhitneyu(_arr(a), _arr(b), alternative="two-sided").pvalue)


def holm(pvalues: ArrayLike) -> NDArray[np.float64]:
    """Holm-Bonferroni step-down adjusted p-values (same order as the input)."""
    p = np.asarray(pvalues, dtype=np.float64)
    m = p.size
    if m == 0:
        return p
    order = np.argsort(p)
    adjusted = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out = np.empty(m)
    out[order] = np.minimum(adjusted, 1.0)
    return out


def cliffs_delta(a: ArrayLike, b: ArrayLike) -> float:
    """P(a > b) - P(a < b) over all pairs; -1..1."""
    x, y = _arr(a), _arr(b)
    greater = np.sum(x[:, None] > y[None, :])
    less = np.sum(x[:, None] < y[None, :])
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


def instability_warnings(x: ArrayLike, min_samples: int = 10) -> list[str]:
    """pyperf's rules: too few samples, std >= 10% of the mean, min or max >= 50% away from the mean."""
    a = _arr(x)
    warnings = []
    if a.size < min_samples:
        warnings.append(f"only {a.size} samples (< {min_samples})")
    mean = float(np.mean(a))
    if mean > 0:
        if a.size > 1 and np.std(a, ddof=1) >= 0.10 * mean:
            warnings.append(f"std is {100 * np.std(a, ddof=1) / mean:.0f}% of the mean (>= 10%)")
        if a.min() <= 0.5 * mean or a.max() >= 1.5 * mean:
            warnings.append("min or max is >= 50% away from the mean")
    return warnings


@dataclass(frozen=True)
class Verdict:
    label: str  # "faster", "slower" or "no meaningful difference" (from the numerator's point of view)
    significant: bool
    outside_noise: bool


def verdict(ratio_ci: tuple[float, float], p_adjusted: float, alpha: float = 0.05,
            noise: float = 0.02) -> Verdict:
    """criterion.rs rule on a time ratio (numerator/denominator): significant and the whole CI outside
    [1 - noise, 1 + noise] -> faster (< 1) or slower (> 1); otherwise no meaningful difference."""
    low, high = ratio_ci
    significant = p_adjusted < alpha
    if significant and high < 1 - noise:
        return Verdict("faster", True, True)
    if significant and low > 1 + noise:
        return Verdict("slower", True, True)
    outside = high < 1 - noise or low > 1 + noise
    return Verdict("no meaningful difference", significant, outside)
