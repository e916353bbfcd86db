"""The whole absolute aggregation at the paper's scale: 1,533 prompts × 6 models × 3 criteria × 5 raters
(137,970 ratings), validation included, with 1,000 bootstrap resamples. Goal: under 10 s on 2 cores."""

from __future__ import annotations

import pandas as pd
import pytest

from evalsuite.human.absolute import aggregate_absolute
from evalsuite.human.analysis import analyse_campaign
from evalsuite.human.ratings import validate_absolute
from evalsuite.human.simulate import simulate_absolute

RATES = pd.DataFrame(  # round numbers, not the paper's: the benchmark needs scale, not its figures
    {
        "text_alignment": [0.6, 0.6, 0.55, 0.5, 0.5, 0.45],
        "motion_quality": [0.65, 0.6, 0.6, 0.55, 0.45, 0.45],
        "visual_quality": [0.95] * 6,
    },
    index=[f"model_{i}" for i in range(6)],
)


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return simulate_absolute(RATES, n_prompts=1533, raters_per_video=5, n_raters=60, seed=0)


def test_bench_absolute_aggregation_paper_scale(benchmark, raw: pd.DataFrame) -> None:
    def run():
        return aggregate_absolute(validate_absolute(raw, source="bench"), n_resamples=1000)

    result = benchmark.pedantic(run, rounds=3, iterations=1)
    assert len(raw) == 137_970 and len(result.rates) == 6 * 4
    benchmark.extra_info["ratings"] = len(raw)


def test_bench_whole_campaign_analysis_paper_scale(benchmark, raw: pd.DataFrame) -> None:
    """Everything `hyvideo-eval human` computes: absolute statistics, the pairwise model on the implied
    pairs, agreement and rater deviation, with 1,000 prompt resamples (report writing not included)."""

    def run():
        return analyse_campaign(validate_absolute(raw, source="bench"), n_resamples=1000)

    result = benchmark.pedantic(run, rounds=3, iterations=1)
    assert len(result.pairwise.ratings) == 6 and len(result.agreement) == 3
    benchmark.extra_info["ratings"] = len(raw)
    benchmark.extra_info["resamples"] = 1000
