from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
import pytest

from evalsuite.human.correlation import metric_human_correlations
from evalsuite.human.power import majority_error, observed_rates, prompts_needed, simulated_power


def _ranks(x: np.ndarray) -> np.ndarray:
    """Average ranks (ties share the mean rank), by hand."""
    order = np.argsort(x, kind="stable")
    ranks = np.empty(len(x))
    ranks[order] = np.arange(1, len(x) + 1)
    for value in np.unique(x):
        ranks[x == value] = ranks[x == value].mean()
    return ranks


def _kendall_tau_b(x: np.ndarray, y: np.ndarray) -> float:
    concordant = discordant = ties_x = ties_y = 0
    for a, b in combinations(range(len(x)), 2):
        dx, dy = np.sign(x[a] - x[b]), np.sign(y[a] - y[b])
        if dx == 0 and dy == 0:
            continue
        if dx == 0:
            ties_x += 1
        elif dy == 0:
            ties_y += 1
        elif dx == dy:
            concordant += 1
        else:
            discordant += 1
    return (concordant - discordant) / np.sqrt(
        (concordant + discordant + ties_x) * (concordant + discordant + ties_y)
    )


@pytest.fixture(scope="module")
def tables():
    rng = np.random.default_rng(2)
    models, prompts = ["A", "B", "C", "D", "E"], [f"p{k}" for k in range(30)]
    videos, scores = [], []
    for m_index, model in enumerate(models):
        for prompt in prompts:
            n_pass = int(rng.integers(0, 4))
            quality = n_pass + rng.normal(0, 1) + 0.3 * m_index
            videos.append((prompt, model, "motion_quality", n_pass, 3, int(2 * n_pass > 3)))
            scores.append(("run", model, prompt, "flicker", quality, "ok"))
    scores.append(("run", "A", "p0", "flicker", 99.0, "failed"))  # failed rows must not count
    videos = pd.DataFrame(videos, columns=["prompt_id", "model", "criterion", "n_pass", "n_raters", "passed"])
    scores = pd.DataFrame(scores, columns=["run_id", "model", "prompt_id", "metric", "value", "status"])
    return videos, scores


def test_video_level_correlations_equal_hand_computations(tables) -> None:
    videos, scores = tables
    got = metric_human_correlations(scores, videos).set_index("level").loc["video"]
    ok = scores[scores["status"] == "ok"].merge(videos, on=["prompt_id", "model"])
    x, y = ok["value"].to_numpy(), (ok["n_pass"] / ok["n_raters"]).to_numpy()
    assert got["n"] == 150
    assert got["spearman"] == pytest.approx(np.corrcoef(_ranks(x), _ranks(y))[0, 1], abs=1e-12)
    assert got["kendall"] == pytest.approx(_kendall_tau_b(x, y), abs=1e-12)


def test_model_level_uses_mean_score_against_video_pass_rate(tables) -> None:
    videos, scores = tables
    got = metric_human_correlations(scores, videos).set_index("level").loc["model"]
    ok = scores[scores["status"] == "ok"].merge(videos, on=["prompt_id", "model"])
    per_model = ok.groupby("model")[["value", "passed"]].mean()
    x, y = per_model["value"].to_numpy(), per_model["passed"].to_numpy()
    assert got["n"] == 5
    assert got["spearman"] == pytest.approx(np.corrcoef(_ranks(x), _ranks(y))[0, 1], abs=1e-12)
    assert got["kendall"] == pytest.approx(_kendall_tau_b(x, y), abs=1e-12)


def test_constant_input_gives_nan_not_a_crash(tables) -> None:
    videos, scores = tables
    flat = scores.assign(value=1.0)
    assert metric_human_correlations(flat, videos)["spearman"].isna().all()


def test_majority_error_closed_form() -> None:
    e = 0.1
    assert majority_error(1, e) == pytest.approx(e)
    assert majority_error(3, e) == pytest.approx(3 * e**2 * (1 - e) + e**3)
    a, b = observed_rates(0.6, 0.4, 3, e)
    w = majority_error(3, e)
    assert a - b == pytest.approx(0.2 * (1 - 2 * w))


def test_prompts_needed_matches_simulated_power() -> None:
    """At the formula's n, simulated campaigns reach about the asked-for power (normal approximation)."""
    n = prompts_needed(0.5, 0.4, raters_per_video=3, noise=0.1)
    power = simulated_power(0.5, 0.4, n, raters_per_video=3, noise=0.1, repeats=400, seed=0)
    assert 0.72 <= power <= 0.88  # 400 repeats: SE 0.02 around 0.8; measured 0.81 at n=439, seed 0
    assert (
        simulated_power(0.5, 0.4, n // 4, raters_per_video=3, noise=0.1, repeats=400, seed=0) < 0.45
    )  # 0.24


def test_paper_gap_needs_about_a_million_prompts() -> None:
    """README example: 37.7% vs 37.5% with 5 raters per video and independent verdicts."""
    n = prompts_needed(0.377, 0.375, raters_per_video=5, noise=0.1)
    assert 900_000 < n < 1_000_000
    assert (
        prompts_needed(0.377, 0.375, correlation=0.6) < n < prompts_needed(0.377, 0.375, raters_per_video=1)
    )
