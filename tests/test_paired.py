"""The suite's paired estimates and tests (evalsuite/paired.py) against scipy and by hand."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from evalsuite.paired import hodges_lehmann, mean_test, rejects, walsh_averages


@pytest.mark.parametrize("seed", range(5))
def test_mean_test_equals_scipy_ttest_rel(seed: int) -> None:
    rng = np.random.default_rng(seed)
    a, b = rng.normal(0.2, 1, 40), rng.normal(0, 1, 40)
    got = mean_test(a - b)
    want = stats.ttest_rel(a, b)
    assert got.p == pytest.approx(want.pvalue, rel=1e-12)
    assert (got.low, got.high) == pytest.approx(tuple(want.confidence_interval(0.95)), rel=1e-12)
    assert got.estimate == pytest.approx((a - b).mean(), rel=1e-12)
    one_sided = mean_test(a - b, alternative="greater")
    assert one_sided.p == pytest.approx(stats.ttest_rel(a, b, alternative="greater").pvalue, rel=1e-12)


def test_mean_test_degenerate_cases() -> None:
    assert np.isnan(mean_test(np.array([])).p)
    assert mean_test(np.zeros(5)).p == 1.0
    constant = mean_test(np.full(6, 0.5))
    assert (constant.estimate, constant.low, constant.high, constant.p) == (0.5, 0.5, 0.5, 0.0)
    assert mean_test(np.full(6, -0.5), alternative="greater").p == 1.0


@pytest.mark.parametrize("seed", range(20))
def test_signed_rank_statistic_counts_the_walsh_averages(seed: int) -> None:
    """The identity that ties the Hodges–Lehmann estimate to the test: with mid-ranks, Wilcoxon's T+ is
    #{Walsh averages > 0} + ½·#{= 0}, ties in |d| included."""
    rng = np.random.default_rng(seed)
    d = rng.integers(-4, 5, size=int(rng.integers(3, 40))).astype(float)  # many ties, some zeros
    d = d[d != 0] if np.any(d) else np.array([1.0])
    walsh = np.sort(walsh_averages(d))
    t_plus = stats.wilcoxon(d, zero_method="wilcox").statistic  # min(T+, T−) in scipy's two-sided form
    ranks = stats.rankdata(np.abs(d))
    assert ranks[d > 0].sum() == (walsh > 0).sum() + 0.5 * (walsh == 0).sum()
    assert t_plus == min(ranks[d > 0].sum(), ranks[d < 0].sum())


def test_hodges_lehmann_by_hand_and_its_interval_covers_it() -> None:
    d = np.array([1.0, -2.0, 3.0, 0.0, 4.0])  # the zero is dropped
    walsh = sorted(
        (x + y) / 2 for i, x in enumerate([1.0, -2.0, 3.0, 4.0]) for y in [1.0, -2.0, 3.0, 4.0][i:]
    )
    got = hodges_lehmann(d)
    assert got.estimate == pytest.approx(np.median(walsh))
    assert got.low <= got.estimate <= got.high
    # the interval's order statistics, by hand: k = floor(M/2 − z·sqrt(n(n+1)(2n+1)/24)) from the bottom
    rng = np.random.default_rng(0)
    wide = rng.normal(0.3, 1.0, 300)
    sorted_walsh = np.sort(walsh_averages(wide))
    m, n = len(sorted_walsh), len(wide)
    k = int(np.floor(m / 2 - stats.norm.ppf(0.975) * np.sqrt(n * (n + 1) * (2 * n + 1) / 24)))
    hl = hodges_lehmann(wide)
    assert (hl.estimate, hl.low, hl.high) == (
        np.median(sorted_walsh),
        sorted_walsh[k],
        sorted_walsh[m - 1 - k],
    )
    assert got.p == pytest.approx(stats.wilcoxon(d).pvalue)


def test_rejects_is_p_at_most_alpha() -> None:
    assert rejects(0.05, 0.05) and not rejects(0.0500001, 0.05) and not rejects(np.nan, 0.05)
