from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from evalsuite.human.absolute import (
    OVERALL,
    aggregate_absolute,
    mcnemar_pvalue,
    rank_with_ties,
    video_verdicts,
)
from evalsuite.human.ratings import validate_absolute
from evalsuite.human.simulate import overall_rate, simulate_absolute, solve_rho
from tests.conftest import PUBLISHED_TABLE

CRITERIA = ["text_alignment", "motion_quality", "visual_quality"]


def _ratings(rows: list[tuple]):
    return validate_absolute(
        pd.DataFrame(rows, columns=["prompt_id", "model", "rater_id", "criterion", "value"])
    )


def test_majority_verdicts_and_overall() -> None:
    rows = []
    for crit, votes in zip(
        CRITERIA, (["pass", "pass", "fail"], ["pass", "fail", "fail"], ["pass", "pass", "pass"]), strict=True
    ):
        rows += [("p1", "A", f"r{i}", crit, v) for i, v in enumerate(votes)]
    for crit in CRITERIA:  # p2: passes everything; a 1-1 tie on text alignment for model B fails
        rows += [("p2", "A", f"r{i}", crit, "pass") for i in range(3)]
    rows += [("p1", "B", "r0", "text_alignment", "pass"), ("p1", "B", "r1", "text_alignment", "fail")]
    videos = video_verdicts(_ratings(rows)).set_index(["prompt_id", "model", "criterion"])["passed"]
    assert videos[("p1", "A", "text_alignment")] == 1 and videos[("p1", "A", "motion_quality")] == 0
    assert videos[("p1", "A", OVERALL)] == 0 and videos[("p2", "A", OVERALL)] == 1
    assert videos[("p1", "B", "text_alignment")] == 0  # a tie is not a majority
    assert ("p1", "B", OVERALL) not in videos.index  # not rated on every criterion: no overall verdict


def _wilson(k: int, n: int, z: float = stats.norm.ppf(0.975)) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


@pytest.fixture(scope="module")
def campaign():
    """A simulated campaign whose true rates are the paper's table (read from ../shared, never copied)."""
    if not PUBLISHED_TABLE.is_file():
        pytest.skip(f"{PUBLISHED_TABLE} not present (only on project machines)")
    published = pd.read_csv(PUBLISHED_TABLE).set_index("model")
    # Rater noise 0.05 with 5 raters: a majority verdict is wrong for 0.1% of videos, a negligible bias.
    raw = simulate_absolute(published[CRITERIA], overall=published["overall"], noise=0.05, seed=7)
    return (
        published,
        raw,
        aggregate_absolute(validate_absolute(raw, source="simulated"), n_resamples=1000, seed=0),
    )


def test_rates_and_wilson_intervals_equal_closed_forms(campaign) -> None:
    _, _, result = campaign
    for row in result.rates.itertuples(index=False):
        assert row.rate == pytest.approx(row.n_pass / row.n_videos)
        low, high = _wilson(row.n_pass, row.n_videos)
        assert (row.wilson_low, row.wilson_high) == pytest.approx((low, high), abs=1e-12)
        # The prompt-clustered bootstrap of a mean of independent verdicts matches the binomial SE.
        se = math.sqrt(row.rate * (1 - row.rate) / row.n_videos)
        assert row.boot_prompt_high - row.boot_prompt_low == pytest.approx(2 * 1.96 * se, rel=0.15)
        assert row.boot_prompt_low <= row.rate <= row.boot_prompt_high


def test_simulated_paper_table_is_recovered_within_intervals(campaign) -> None:
    published, _, result = campaign
    rates = result.rates.set_index(["model", "criterion"])
    covered, total = 0, 0
    for model, row in published.iterrows():
        for criterion in [*CRITERIA, OVERALL]:
            got = rates.loc[(model, criterion)]
            truth = row[criterion]
            covered += got.wilson_low <= truth <= got.wilson_high
            total += 1
            assert abs(got.rate - truth) < 3 * math.sqrt(truth * (1 - truth) / got.n_videos), (
                model,
                criterion,
            )
    # 95% intervals: about 1 of 24 may miss by chance. Measured at this seed (7): 24 of 24 covered, worst
    # deviation 1.8 SE. Over seeds 0-7 coverage ranged 21-24 and the worst deviation reached 3.2 SE (misses
    # cluster: a model's criteria and its overall share draws), so these bounds are tied to seed 7.
    assert covered >= total - 2


def test_published_luma_cntopc_inversion_is_a_statistical_tie(campaign) -> None:
    """Luma1.6 (24.8%) is ranked 6th below CNTopC (24.6%) in the paper; 1,533 prompts cannot separate them.

    Over seeds 0-7 the pair came out tied on 7; on seed 2 CNTopC's simulated rate landed 3.1 SE below its
    true one and the pair separated: a single campaign can rank a 0.2-point gap either way.
    """
    _, _, result = campaign
    pair = result.pairs[
        (result.pairs["criterion"] == OVERALL)
        & result.pairs[["model_a", "model_b"]].isin(["Luma1.6 (API)", "CNTopC (Web)"]).all(axis=1)
    ]
    assert len(pair) == 1 and not pair["significant"].iloc[0]
    ranks = result.ranking.set_index("model")
    luma, cntopc = ranks.loc["Luma1.6 (API)"], ranks.loc["CNTopC (Web)"]
    assert luma.rank_low <= cntopc.rank_high and cntopc.rank_low <= luma.rank_high  # overlapping rank ranges
    assert "-" in luma["rank"] and "-" in cntopc["rank"]


def test_mcnemar_equals_binomial_and_chi_square_closed_forms() -> None:
    a = np.array([1] * 7 + [0] * 2 + [1] * 10)
    b = np.array([0] * 7 + [1] * 2 + [1] * 10)
    n10, n01, p = mcnemar_pvalue(a, b)
    assert (n10, n01) == (7, 2)
    assert p == pytest.approx(stats.binomtest(2, 9, 0.5).pvalue)
    a = np.array([1] * 40 + [0] * 20)
    b = np.array([0] * 40 + [1] * 20)
    _, _, p = mcnemar_pvalue(a, b)
    statistic = (abs(40 - 20) - 1) ** 2 / (40 + 20)
    assert p == pytest.approx(stats.chi2.sf(statistic, 1))
    assert mcnemar_pvalue(np.ones(5), np.ones(5))[2] == 1.0


def test_holm_adjustment_equals_step_down_by_hand(campaign) -> None:
    _, _, result = campaign
    for _, family in result.pairs.groupby("criterion"):
        p = family["p_mcnemar"].to_numpy()
        order = np.argsort(p)
        m = len(p)
        adjusted = np.empty(m)
        running = 0.0
        for rank, idx in enumerate(order):
            running = max(running, min(1.0, (m - rank) * p[idx]))
            adjusted[idx] = running
        np.testing.assert_allclose(family["p_holm"].to_numpy(), adjusted, rtol=1e-12)


def test_rank_ranges_from_significance() -> None:
    rates = pd.DataFrame({"model": ["A", "B", "C"], "criterion": OVERALL, "rate": [0.5, 0.45, 0.2]})
    pairs = pd.DataFrame(
        {
            "criterion": OVERALL,
            "model_a": ["A", "A", "B"],
            "model_b": ["B", "C", "C"],
            "diff": [0.05, 0.3, 0.25],
            "p_holm": [0.4, 0.001, 0.002],
        }
    )
    ranking = rank_with_ties(rates, pairs, OVERALL, 0.05).set_index("model")["rank"].to_dict()
    assert ranking == {"A": "1-2", "B": "1-2", "C": "3"}


def test_results_do_not_depend_on_row_order(campaign) -> None:
    _, raw, result = campaign
    shuffled = aggregate_absolute(
        validate_absolute(raw.sample(frac=1.0, random_state=3), source="shuffled"), n_resamples=1000, seed=0
    )
    pd.testing.assert_frame_equal(shuffled.rates, result.rates)
    pd.testing.assert_frame_equal(shuffled.pairs, result.pairs)


def test_copula_hits_the_target_overall_rate() -> None:
    rates = np.array([0.618, 0.665, 0.957])
    rho = solve_rho(rates, 0.413)
    assert 0 < rho < 1 and overall_rate(rates, rho) == pytest.approx(0.413, abs=1e-4)
    # The quadrature equals scipy's multivariate normal CDF (a Monte Carlo estimate, hence the tolerance).
    cov = np.full((3, 3), rho) + np.eye(3) * (1 - rho)
    expected = stats.multivariate_normal(np.zeros(3), cov).cdf(
        stats.norm.ppf(rates), rng=np.random.default_rng(0)
    )
    assert overall_rate(rates, rho) == pytest.approx(expected, abs=2e-4)
    assert overall_rate(rates, 0.0) == pytest.approx(np.prod(rates))
    with pytest.raises(ValueError, match="impossible"):
        solve_rho(rates, 0.9)


def test_simulation_is_reproducible_from_its_seed() -> None:
    rates = pd.DataFrame({"a": [0.6, 0.3], "b": [0.7, 0.9]}, index=["m1", "m2"])
    overall = pd.Series({"m1": 0.5, "m2": 0.28})
    first = simulate_absolute(rates, overall=overall, n_prompts=200, seed=11)
    pd.testing.assert_frame_equal(first, simulate_absolute(rates, overall=overall, n_prompts=200, seed=11))
    assert not first.equals(simulate_absolute(rates, overall=overall, n_prompts=200, seed=12))


def test_simulated_rows_are_labelled_synthetic(campaign) -> None:
    _, raw, _ = campaign
    assert raw["synthetic"].all() and raw["rater_id"].str.startswith("sim-").all()
    assert len(raw) == 1533 * 6 * 3 * 5
