"""The judge card's statistics on a constructed case whose answers are known, and equal to scipy's and
statsmodels' own functions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.inter_rater import cohens_kappa

from evalsuite.human.judge_card import card_lines, judge_card, kappa, rater_ceiling
from evalsuite.human.ratings import validate_absolute

MODELS = ("alpha", "beta", "gamma")


def constructed(seed: int = 0):
    """12 prompts × 3 systems, 3 raters each (binary text alignment), and a judge rubric score per video
    that agrees with the raters' majority on all but a known set of videos."""
    rng = np.random.default_rng(seed)
    rows, judge = [], []
    quality = {"alpha": 0.8, "beta": 0.5, "gamma": 0.2}
    for p in range(12):
        for model in MODELS:
            votes = (rng.random(3) < quality[model]).astype(int)
            for r, v in enumerate(votes):
                rows.append(
                    {
                        "prompt_id": f"p{p:02d}",
                        "model": model,
                        "rater_id": f"r{r}",
                        "criterion": "text_alignment",
                        "value": int(v),
                    }
                )
            majority = int(votes.sum() >= 2)
            flipped = (p + MODELS.index(model)) % 5 == 0  # the judge gets these videos wrong
            score = (5 if majority else 2) if not flipped else (2 if majority else 5)
            judge.append(
                {
                    "prompt_id": f"p{p:02d}",
                    "model": model,
                    "metric": "judge_text_alignment",
                    "value": float(score),
                    "status": "ok",
                }
            )
    ratings = validate_absolute(pd.DataFrame(rows), criteria=("text_alignment",))
    return ratings, pd.DataFrame(judge)


def test_the_card_equals_scipy_and_statsmodels_on_a_constructed_case() -> None:
    ratings, judge = constructed()
    card = judge_card(judge, ratings, resamples=200, seed=1).set_index("metric").loc["judge_text_alignment"]
    # what the card computes, by hand from the same tables
    table = ratings.table
    majority = table.groupby(["prompt_id", "model"])["passed"].mean().gt(0.5).astype(int).rename("human")
    both = judge.set_index(["prompt_id", "model"]).join(majority)
    judge_pass = (both["value"] >= 4).astype(int)
    flipped = sum((p + m) % 5 == 0 for p in range(12) for m in range(3))
    assert card["videos"] == 36 and card["ties_left_out"] == 0  # 3 raters: no ties
    assert card["accuracy"] == pytest.approx(1 - flipped / 36)
    confusion = pd.crosstab(judge_pass, both["human"]).reindex(index=[0, 1], columns=[0, 1], fill_value=0)
    assert card["kappa"] == pytest.approx(cohens_kappa(confusion.to_numpy(), return_results=False), abs=1e-12)
    rate = table.groupby(["prompt_id", "model"])["passed"].mean()
    assert card["spearman_video"] == pytest.approx(stats.spearmanr(both["value"], rate).statistic, abs=1e-12)
    assert card["kendall_video"] == pytest.approx(stats.kendalltau(both["value"], rate).statistic, abs=1e-12)
    systems = both.assign(rate=rate).groupby(level="model")[["value", "rate"]].mean()
    assert card["spearman_system"] == pytest.approx(
        stats.spearmanr(systems["value"], systems["rate"]).statistic
    )
    assert card["accuracy_low"] <= card["accuracy"] <= card["accuracy_high"]
    assert card["kappa_low"] <= card["kappa"] <= card["kappa_high"]
    again = judge_card(judge, ratings, resamples=200, seed=1).set_index("metric").loc["judge_text_alignment"]
    assert again["kappa_low"] == card["kappa_low"]  # seeded: the same interval
    assert "accuracy" in card_lines(judge_card(judge, ratings, resamples=20))[0]


def test_a_perfect_judge_and_a_judge_asked_again() -> None:
    ratings, judge = constructed()
    majority = ratings.table.groupby(["prompt_id", "model"])["passed"].mean().gt(0.5)
    perfect = judge.assign(
        value=[
            5.0 if majority[(p, m)] else 1.0 for p, m in zip(judge["prompt_id"], judge["model"], strict=True)
        ]
    )
    reasked = perfect.assign(
        value=np.where(np.arange(len(perfect)) < 6, 6 - perfect["value"], perfect["value"])
    )
    card = judge_card(perfect, ratings, reasked=reasked, resamples=50).iloc[0]
    assert card["accuracy"] == 1.0 and card["kappa"] == 1.0
    own = (perfect["value"] >= 4).to_numpy()
    assert card["self_n"] == 36 and card["self_kappa"] == pytest.approx(
        kappa(own, (reasked["value"] >= 4).to_numpy())
    )
    assert card["self_kappa"] < 1.0


def test_the_ceiling_is_each_rating_against_the_others_majority() -> None:
    rows = []
    # video 1: 1,1,0 -> rating 0 vs others (1,1): wrong; each 1 vs others (1,0): a tie, left out
    # video 2: 1,1,1 -> all three agree with their others
    for video, votes in (("v1", (1, 1, 0)), ("v2", (1, 1, 1))):
        for r, v in enumerate(votes):
            rows.append(
                {
                    "prompt_id": video,
                    "model": "m",
                    "rater_id": f"r{r}",
                    "criterion": "text_alignment",
                    "value": v,
                }
            )
    ratings = validate_absolute(pd.DataFrame(rows), criteria=("text_alignment",))
    ceiling = rater_ceiling(ratings, "text_alignment")
    assert ceiling["ceiling_n"] == 4 and ceiling["ceiling_accuracy"] == pytest.approx(3 / 4)
