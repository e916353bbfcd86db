"""The set statistics' own properties: zero at identity, the fast paths equal the direct formulas, and
the small-set bias of Fréchet distances is real and measured."""

from __future__ import annotations

import numpy as np
import pytest

from evalsuite.distribution import statistics as st


def gaussian(n: int, d: int = 32, seed: int = 0, shift: float = 0.0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, d)) + shift


@pytest.mark.parametrize("ddof", [0, 1])
def test_a_set_against_itself_scores_zero(ddof: int) -> None:
    x = gaussian(200)
    assert abs(st.frechet_distance(x, x, ddof)) < 1e-8
    assert abs(st.FrechetToReference(x, ddof)(x)) < 1e-8


def test_kid_of_a_set_against_a_second_sample_of_itself_is_zero_within_its_standard_deviation() -> None:
    """Two halves of one set (KID's premise is independent samples: the very same rows on both sides
    meet themselves in the cross term, which pulls torch-fidelity's estimator, and so ours, below 0)."""
    x = gaussian(800)
    mean, std = st.kid(x[:400], x[400:], subsets=50, subset_size=100, seed=0)
    assert abs(mean) <= std
    y = gaussian(400, seed=1, shift=0.5)
    assert st.kid(x[:400], y, subsets=50, subset_size=100)[0] > 10 * std


@pytest.mark.parametrize("n", [20, 300])  # fewer and more rows than dimensions: SVD and eigen paths
@pytest.mark.parametrize("ddof", [0, 1])
def test_fast_frechet_equals_the_sqrtm_formula(n: int, ddof: int) -> None:
    reference, generated = gaussian(150, d=64, seed=1), gaussian(n, d=64, seed=2, shift=0.2)
    fast = st.FrechetToReference(reference, ddof)(generated)
    assert fast == pytest.approx(st.frechet_distance(generated, reference, ddof), rel=1e-7)


def test_kid_bootstrap_weights_equal_the_estimator_on_the_resampled_rows() -> None:
    generated, reference = gaussian(40, seed=3), gaussian(50, seed=4, shift=0.1)
    picks = np.random.default_rng(0).integers(0, 40, 40)
    weights = np.bincount(picks, minlength=40).astype(float)
    rows = generated[picks]
    k = st._poly_kernel
    kgg, krr = k(rows, rows), k(reference, reference)
    direct = (
        (kgg.sum() - np.trace(kgg)) / (40 * 39)
        + (krr.sum() - np.trace(krr)) / (50 * 49)
        - 2 * k(rows, reference).mean()
    )
    assert st.KidToReference(generated, reference)(weights) == pytest.approx(direct, rel=1e-12)


def test_frechet_distance_is_biased_at_small_n_and_the_bias_is_measured() -> None:
    """Both sets from one distribution: the true distance is 0, so what a small set scores is bias. It
    falls about as 1/n, and the fitted large-set limit is far closer to 0 than the small-set value."""
    d = 32
    reference = gaussian(4000, d=d, seed=10)
    distance = st.FrechetToReference(reference, ddof=0)
    per_video = [row[None] for row in gaussian(2000, d=d, seed=11)]
    small = distance(st.stack(per_video[:40]))
    large = distance(st.stack(per_video))
    assert small > 10 * large  # ≈ d²/n-ish at n = 40, ≈ 0 at 2000
    bias = st.frechet_bias(per_video[:40], distance, seed=0)
    assert bias is not None and bias.at_n > 0.5 * small  # most of the small-set value is bias
    assert abs(bias.limit) < 0.5 * small
    assert st.frechet_bias(per_video[:5], distance, seed=0) is None


def test_bootstrap_replicates_sit_above_the_value_and_the_interval_is_moved_back() -> None:
    reference = gaussian(300, seed=5)
    per_video = [gaussian(4, seed=100 + i, shift=0.3) for i in range(30)]
    distance = st.FrechetToReference(reference, ddof=1)
    value = distance(st.stack(per_video))
    replicates = np.array([distance(st.stack(per_video, p)) for p in st.bootstrap_picks(30, 200, 0)])
    assert st.percentile_interval(replicates)[0] > value  # repeated videos raise the distance
    low, high = st.shifted_interval(value, replicates)
    assert low < value < high
    assert high - low == pytest.approx(np.subtract(*st.percentile_interval(replicates)[::-1]))
