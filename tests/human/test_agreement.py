from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evalsuite.human.agreement import fleiss_by_criterion, krippendorff_by_criterion, rater_deviation
from evalsuite.human.ratings import validate_absolute
from evalsuite.human.simulate import simulate_absolute

COLUMNS = ["prompt_id", "model", "rater_id", "criterion", "value"]


def _fleiss_by_hand(counts: np.ndarray) -> float:
    """Fleiss (1971): counts is subjects × categories, the same number of raters n per subject."""
    n = counts.sum(axis=1)[0]
    p_category = counts.sum(axis=0) / counts.sum()
    p_subject = (np.sum(counts**2, axis=1) - n) / (n * (n - 1))
    chance = np.sum(p_category**2)
    return (p_subject.mean() - chance) / (1 - chance)


def _alpha_by_hand(grid: np.ndarray, metric) -> float:
    """Krippendorff's α from the coincidence matrix (Krippendorff 2011, "Computing Krippendorff's α")."""
    values = np.unique(grid[~np.isnan(grid)])
    index = {v: k for k, v in enumerate(values)}
    coincidence = np.zeros((len(values), len(values)))
    for unit in grid.T:
        present = unit[~np.isnan(unit)]
        m = len(present)
        if m < 2:
            continue
        for a in range(m):
            for b in range(m):
                if a != b:
                    coincidence[index[present[a]], index[present[b]]] += 1 / (m - 1)
    n_c = coincidence.sum(axis=1)
    n = n_c.sum()
    delta = np.array([[metric(c, k, n_c) for k in range(len(values))] for c in range(len(values))])
    observed = np.sum(coincidence * delta)
    expected = np.sum(np.outer(n_c, n_c) * delta) / (n - 1)
    return 1 - observed / expected


def _nominal(c: int, k: int, _) -> float:
    return float(c != k)


def _ordinal(c: int, k: int, n_c: np.ndarray) -> float:
    low, high = min(c, k), max(c, k)
    return float((n_c[low : high + 1].sum() - (n_c[c] + n_c[k]) / 2) ** 2)


@pytest.fixture(scope="module")
def binary_ratings():
    rates = pd.DataFrame({"text_alignment": [0.6, 0.4], "motion_quality": [0.5, 0.7]}, index=["A", "B"])
    raw = simulate_absolute(rates, n_prompts=150, raters_per_video=4, n_raters=12, noise=0.15, seed=3)
    return validate_absolute(raw, criteria=("text_alignment", "motion_quality"))


def test_fleiss_kappa_equals_closed_form(binary_ratings) -> None:
    got = fleiss_by_criterion(binary_ratings).set_index("criterion")
    for criterion, row in got.iterrows():
        part = binary_ratings.table[binary_ratings.table["criterion"] == criterion]
        counts = part.groupby(["prompt_id", "model"])["passed"].agg(["sum", "count"])
        table = np.column_stack([counts["sum"], counts["count"] - counts["sum"]])
        assert row.fleiss_kappa == pytest.approx(_fleiss_by_hand(table), abs=1e-12)
        assert row.raters_per_video == 4 and row.videos_left_out == 0


def test_fleiss_leaves_out_videos_with_another_rater_count_and_says_so(binary_ratings) -> None:
    table = binary_ratings.table
    one = table.drop(table[(table["prompt_id"] == "p00000") & (table["model"] == "A")].index[:1])
    got = fleiss_by_criterion(validate_absolute(one[COLUMNS])).set_index("criterion")
    assert got["videos_left_out"].sum() == 1


def test_krippendorff_nominal_equals_coincidence_matrix_by_hand(binary_ratings) -> None:
    got = krippendorff_by_criterion(binary_ratings).set_index("criterion")
    for criterion, row in got.iterrows():
        part = binary_ratings.table[binary_ratings.table["criterion"] == criterion]
        grid = part.pivot_table(index="rater_id", columns=["prompt_id", "model"], values="passed").to_numpy(
            float
        )
        assert row.level == "nominal"
        assert row.krippendorff_alpha == pytest.approx(_alpha_by_hand(grid, _nominal), abs=1e-9)


def test_krippendorff_ordinal_on_likert_values_by_hand() -> None:
    rng = np.random.default_rng(5)
    truth = rng.integers(1, 6, size=40)
    rows = []
    for video, score in enumerate(truth):
        for rater in rng.choice(8, size=3, replace=False):  # missing cells: 3 of 8 raters per video
            said = int(np.clip(score + rng.integers(-1, 2), 1, 5))
            rows.append((f"p{video}", "A", f"r{rater}", "visual_quality", said))
    ratings = validate_absolute(pd.DataFrame(rows, columns=COLUMNS), scale="likert")
    row = krippendorff_by_criterion(ratings).iloc[0]
    grid = ratings.table.pivot_table(index="rater_id", columns="prompt_id", values="value").to_numpy(float)
    assert row.level == "ordinal"
    assert row.krippendorff_alpha == pytest.approx(_alpha_by_hand(grid, _ordinal), abs=1e-9)


def test_a_random_rater_is_flagged_as_outlier_and_a_lenient_one_leans_positive(binary_ratings) -> None:
    table = binary_ratings.table[COLUMNS].copy()
    rng = np.random.default_rng(0)
    coin = table["rater_id"] == "sim-003"
    table.loc[coin, "value"] = np.where(rng.random(coin.sum()) < 0.5, "pass", "fail")
    soft = table["rater_id"] == "sim-007"
    table.loc[soft, "value"] = np.where(rng.random(soft.sum()) < 0.5, "pass", table.loc[soft, "value"])
    raters = rater_deviation(validate_absolute(table, criteria=("text_alignment", "motion_quality")))
    raters = raters.set_index("rater_id")
    assert list(raters.index[raters["outlier"]]) == ["sim-003"]
    assert (
        raters.loc["sim-007", "leniency"] > 0.1 > abs(raters.drop(["sim-003", "sim-007"])["leniency"]).max()
    )


def test_deviation_is_measured_against_the_other_raters_only() -> None:
    rows = [("p1", "A", r, "text_alignment", v) for r, v in (("r1", "pass"), ("r2", "pass"), ("r3", "fail"))]
    raters = rater_deviation(validate_absolute(pd.DataFrame(rows, columns=COLUMNS)), min_ratings=1)
    got = raters.set_index("rater_id")
    assert got.loc["r3", "deviation"] == 1.0 and got.loc["r1", "deviation"] == 0.5
    assert got.loc["r3", "disagreement"] == 1.0 and np.isnan(
        got.loc["r1", "disagreement"]
    )  # others split 1-1
