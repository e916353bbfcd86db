"""Paired per-prompt differences: one estimate and the test that belongs to it. No torch.

A statistic shown beside a test must never point the other way. Two pairs are used in this suite:

* **the mean and the paired t-test** (`mean_test`): the estimate is the mean of the differences d, its
  interval mean ± t·s/√n and its p-value the paired t-test's (scipy.stats.ttest_1samp, equal to
  ttest_rel). Interval and test are dual: the (1 − α) interval excludes 0 exactly when the two-sided
  p < α, and a significant difference always has the sign of the mean. This is what the comparison of
  systems reports, because its tables show means: with skewed differences (A ahead on most prompts by a
  little, B ahead on a few by a lot) a rank test would call A better while A's mean is lower. With
  prompts as the unit and n in the tens or more, the t-test's normal approximation of the mean is the
  one Miller (2024, "Adding error bars to evals") recommends for paired model comparisons.
* **the Hodges–Lehmann estimate and Wilcoxon's signed-rank test** (`hodges_lehmann`): the median of
  the Walsh averages (d_i + d_j)/2, i ≤ j, over the non-zero differences (the ones scipy's
  `zero_method="wilcox"` ranks). With mid-ranks, the signed-rank statistic is exactly
  #{Walsh averages > 0} + ½·#{= 0}, so the test favours the side more Walsh averages lie on, which is the
  side of their median: a significant one-sided test never comes with an estimate of the other sign.
  The regression gate's `wilcoxon` method reports it.

Rejection everywhere in the suite is `p ≤ α` (`rejects`), after Holm where a family is tested.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats


def rejects(p: np.ndarray | float, alpha: float) -> np.ndarray | bool:
    """The suite's one rejection rule: p ≤ α (NaN, an untested pair, never rejects)."""
    return np.asarray(p, dtype=float) <= alpha


@dataclass(frozen=True)
class PairedEstimate:
    estimate: float
    low: float
    high: float
    p: float


def mean_test(d: np.ndarray, *, alternative: str = "two-sided", confidence: float = 0.95) -> PairedEstimate:
    """Mean of `d` with its t-interval and the paired t-test's p (H0: mean 0).

    Degenerate cases, decided as the limit of the test: no difference → NaN; all differences zero → p 1;
    one difference, or all equal and non-zero (s = 0), → the interval is the point and p is 0 when the
    mean lies on the tested side, 1 otherwise. `alternative` "greater" tests mean > 0; its interval is
    then one-sided too (scipy's)."""
    d = np.asarray(d, dtype=float)
    n = len(d)
    if n == 0:
        return PairedEstimate(np.nan, np.nan, np.nan, np.nan)
    mean = float(d.mean())
    if not np.any(d):
        return PairedEstimate(0.0, 0.0, 0.0, 1.0)
    if n == 1 or np.all(d == d[0]):
        on_side = mean > 0 if alternative == "greater" else mean < 0 if alternative == "less" else True
        return PairedEstimate(mean, mean, mean, 0.0 if on_side else 1.0)
    result = stats.ttest_1samp(d, 0.0, alternative=alternative)
    interval = result.confidence_interval(confidence)
    return PairedEstimate(mean, float(interval.low), float(interval.high), float(result.pvalue))


def walsh_averages(d: np.ndarray) -> np.ndarray:
    """(d_i + d_j)/2 for i ≤ j, in no particular order."""
    d = np.asarray(d, dtype=float)
    i, j = np.triu_indices(len(d))
    return (d[i] + d[j]) / 2


def hodges_lehmann(d: np.ndarray, *, confidence: float = 0.95) -> PairedEstimate:
    """Hodges–Lehmann estimate of the differences' centre with its distribution-free interval (the
    Walsh averages' order statistics at the signed-rank test's normal critical value, Hollander & Wolfe)
    and the two-sided Wilcoxon p; zeros dropped as scipy's `zero_method="wilcox"` drops them."""
    d = np.asarray(d, dtype=float)
    nonzero = d[d != 0]
    if len(d) == 0:
        return PairedEstimate(np.nan, np.nan, np.nan, np.nan)
    if len(nonzero) == 0:
        return PairedEstimate(0.0, 0.0, 0.0, 1.0)
    walsh = walsh_averages(nonzero)
    n, m = len(nonzero), len(walsh)
    z = stats.norm.ppf(0.5 + confidence / 2)
    k = int(np.floor(m / 2 - z * np.sqrt(n * (n + 1) * (2 * n + 1) / 24)))
    k = min(max(k, 0), (m - 1) // 2)
    # the order statistics needed, in linear time (n = 1,533 prompts: 1.2 M Walsh averages)
    ranks = sorted({k, m - 1 - k, (m - 1) // 2, m // 2})
    ordered = np.partition(walsh, ranks)
    median = (ordered[(m - 1) // 2] + ordered[m // 2]) / 2
    return PairedEstimate(float(median), float(ordered[k]), float(ordered[m - 1 - k]), wilcoxon_p(d))


def wilcoxon_p(d: np.ndarray, alternative: str = "two-sided") -> float:
    """Wilcoxon signed-rank p of paired differences, zeros dropped (1.0 when all are zero, NaN when none)."""
    d = np.asarray(d, dtype=float)
    if len(d) == 0:
        return float("nan")
    if not np.any(d):
        return 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy warns on ties and small n; the p it returns is right
        return float(stats.wilcoxon(d, zero_method="wilcox", alternative=alternative).pvalue)
