from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from evalsuite.human.absolute import aggregate_absolute, video_verdicts
from evalsuite.human.pairwise import ELO_SCALE, aggregate_pairwise, gsb_counts, pairs_from_verdicts
from evalsuite.human.ratings import RatingsError, validate_absolute, validate_pairwise

COLUMNS = ["prompt_id", "model_a", "model_b", "rater_id", "criterion", "verdict"]
MODELS = ["m0", "m1", "m2", "m3"]
THETA = np.array([0.0, 0.5, -0.3, 1.0])


def _simulate(theta: np.ndarray, nu: float, n_prompts: int, seed: int = 0) -> pd.DataFrame:
    """Davidson-model judgements, every pair once per prompt, written in random A/B order."""
    rng = np.random.default_rng(seed)
    rows = []
    for p in range(n_prompts):
        for a in range(len(theta)):
            for b in range(a + 1, len(theta)):
                pa, pb = np.exp(theta[a]), np.exp(theta[b])
                tie = nu * np.sqrt(pa * pb)
                u = rng.random() * (pa + pb + tie)
                verdict = "good" if u < pa else ("bad" if u < pa + pb else "same")
                if rng.random() < 0.5:  # the file may name either model first
                    a_name, b_name, verdict = (
                        MODELS[b],
                        MODELS[a],
                        {"good": "bad", "bad": "good"}.get(verdict, verdict),
                    )
                else:
                    a_name, b_name = MODELS[a], MODELS[b]
                rows.append((f"p{p}", a_name, b_name, "r1", "visual_quality", verdict))
    return pd.DataFrame(rows, columns=COLUMNS)


@pytest.fixture(scope="module")
def davidson():
    pairwise = validate_pairwise(_simulate(THETA, 0.8, 1500), source="simulated")
    return pairwise, aggregate_pairwise(pairwise, baseline="m0", n_resamples=300, seed=1)


def test_pairs_are_oriented_and_verdicts_flipped() -> None:
    table = pd.DataFrame(
        [("p1", "z", "a", "r1", "text_alignment", "good"), ("p2", "a", "z", "r1", "text_alignment", "G"),
         ("p3", "z", "a", "r1", "text_alignment", "tie")], columns=COLUMNS,
    )  # fmt: skip
    pairwise = validate_pairwise(table)
    assert (pairwise.table["model_a"] == "a").all() and list(pairwise.table["score"]) == [-1, 1, 0]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("p1", "a", "a", "r1", "text_alignment", "good")], "compare a model with itself"),
        ([("p1", "a", "b", "r1", "text_alignment", "maybe")], "not good/same/bad"),
        ([("p1", "a", "b", "r1", "text_alignment", None)], "empty/NaN"),
        ([("p1", "a", "b", "r1", "text_alignment", "good"), ("p1", "b", "a", "r1", "text_alignment", "bad")],
         "in either order"),
        ([("p1", "a", "b", "r1", "colour", "good")], "unknown criteria"),
    ],
)  # fmt: skip
def test_bad_pairwise_tables_raise_one_line(rows, message) -> None:
    with pytest.raises(RatingsError, match=message) as info:
        validate_pairwise(pd.DataFrame(rows, columns=COLUMNS), source="gsb.csv")
    assert str(info.value).startswith("gsb.csv: ") and "\n" not in str(info.value)


def test_unknown_model_in_pairwise_file() -> None:
    rows = [("p1", "a", "c", "r1", "text_alignment", "good")]
    with pytest.raises(RatingsError, match=r"unknown model\(s\) \['c'\]"):
        validate_pairwise(pd.DataFrame(rows, columns=COLUMNS), models=("a", "b"))


def test_gsb_counts_net_and_ratio_by_hand() -> None:
    verdicts = ["good"] * 5 + ["same"] * 3 + ["bad"] * 2
    table = pd.DataFrame(
        [(f"p{k}", "a", "b", "r1", "motion_quality", v) for k, v in enumerate(verdicts)], columns=COLUMNS
    )
    row = gsb_counts(validate_pairwise(table)).iloc[0]
    assert (row.G, row.S, row.B, row.n) == (5, 3, 2, 10)
    assert row.net_gsb == pytest.approx((5 - 2) / 10) and row.gsb_ratio == pytest.approx((5 + 3) / (3 + 2))


def test_davidson_fit_solves_davidsons_likelihood_equations(davidson) -> None:
    """Davidson (1970), eq. 3.3-3.4: at the MLE, each model's wins + ties/2 equal their expectation,
    and the total of ties equals its expectation."""
    pairwise, result = davidson
    fit = result.fits["visual_quality"]
    strength, nu = np.exp(fit.theta), fit.tie
    counts = gsb_counts(pairwise)
    observed, expected = np.zeros(4), np.zeros(4)
    ties_expected = 0.0
    for row in counts.itertuples(index=False):
        i, j = MODELS.index(row.model_a), MODELS.index(row.model_b)
        root = np.sqrt(strength[i] * strength[j])
        denom = strength[i] + strength[j] + nu * root
        observed[i] += row.G + row.S / 2
        observed[j] += row.B + row.S / 2
        expected[i] += row.n * (strength[i] + nu * root / 2) / denom
        expected[j] += row.n * (strength[j] + nu * root / 2) / denom
        ties_expected += row.n * nu * root / denom
    np.testing.assert_allclose(expected, observed, rtol=1e-6)
    assert ties_expected == pytest.approx(counts["S"].sum(), rel=1e-6)


def test_true_strengths_are_recovered_within_bootstrap_intervals(davidson) -> None:
    _, result = davidson
    table = result.ratings.set_index("model")
    true_elo = ELO_SCALE * THETA + 1000
    assert table.loc["m0", "elo"] == 1000.0  # the baseline is the anchor
    for model, elo in zip(MODELS[1:], true_elo[1:], strict=True):
        assert table.loc[model, "elo_low"] <= elo <= table.loc[model, "elo_high"], model
    assert table["tie_nu"].iloc[0] == pytest.approx(0.8, abs=0.1)


def test_win_probability_matrix_closed_form(davidson) -> None:
    _, result = davidson
    fit, matrix = result.fits["visual_quality"], result.win_probability["visual_quality"]
    np.testing.assert_allclose(matrix.to_numpy() + matrix.to_numpy().T, 1.0, atol=1e-12)
    pa, pb = np.exp(fit.theta[1]), np.exp(fit.theta[2])
    tie = fit.tie * np.sqrt(pa * pb)
    assert matrix.loc["m1", "m2"] == pytest.approx((pa + tie / 2) / (pa + pb + tie))


def test_without_ties_davidson_equals_bradley_terry_logistic_regression() -> None:
    """No ties: the MLE is plain Bradley-Terry, i.e. a logistic regression on +1/-1 model indicators."""
    rng = np.random.default_rng(3)
    rows, design, outcome = [], [], []
    for p in range(400):
        for a, b in [(0, 1), (0, 2), (1, 2), (1, 3), (2, 3), (0, 3)]:
            win = rng.random() < 1 / (1 + np.exp(THETA[b] - THETA[a]))
            rows.append((f"p{p}", MODELS[a], MODELS[b], "r1", "text_alignment", "good" if win else "bad"))
            x = np.zeros(4)
            x[a], x[b] = 1, -1
            design.append(x[1:])  # m0 is the baseline: theta_0 = 0
            outcome.append(int(win))
    result = aggregate_pairwise(
        validate_pairwise(pd.DataFrame(rows, columns=COLUMNS)), baseline="m0", n_resamples=0
    )
    logit = sm.Logit(np.array(outcome), np.array(design)).fit(disp=0, tol=1e-12)
    np.testing.assert_allclose(result.fits["text_alignment"].theta[1:], logit.params, atol=1e-5)
    assert result.fits["text_alignment"].tie < 1e-9 and result.ratings["identified"].all()


def test_separated_model_is_reported_not_identified() -> None:
    rows = [(f"p{k}", "a", "b", "r1", "text_alignment", "good") for k in range(20)]
    rows += [(f"p{k}", "b", "c", "r1", "text_alignment", v) for k, v in enumerate(["good", "bad"] * 10)]
    result = aggregate_pairwise(validate_pairwise(pd.DataFrame(rows, columns=COLUMNS)), n_resamples=0)
    assert not result.ratings["identified"].any()


def test_pairs_implied_by_verdicts_count_mcnemar_discordances() -> None:
    rng = np.random.default_rng(0)
    rows = [
        (f"p{p}", m, f"r{r}", c, "pass" if rng.random() < rate else "fail")
        for p in range(60) for m, rate in (("A", 0.7), ("B", 0.4)) for r in range(3)
        for c in ("text_alignment", "motion_quality", "visual_quality")
    ]  # fmt: skip
    ratings = validate_absolute(
        pd.DataFrame(rows, columns=["prompt_id", "model", "rater_id", "criterion", "value"])
    )
    absolute = aggregate_absolute(ratings, n_resamples=0)
    implied = validate_pairwise(pairs_from_verdicts(video_verdicts(ratings), ["overall"]), criteria=None)
    gsb = gsb_counts(implied).iloc[0]
    pair = absolute.pairs[absolute.pairs["criterion"] == "overall"].iloc[0]
    assert (gsb.G, gsb.B, gsb.n) == (pair.a_only, pair.b_only, pair.n_paired)
