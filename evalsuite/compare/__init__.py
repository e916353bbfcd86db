"""Compare several systems over one prompt set: means, paired tests, rank ranges, published rows and
human judgements side by side (the HunyuanVideo paper's and VBench's leaderboard layout).

    data = load_runs(["reports/hyvideo__penguin", "reports/gen3__penguin"])   # or ComparisonData.of(...)
    comparison = compare(data, aggregation="per_video")
    write_comparison(comparison, out_dir)                                     # evalsuite.report.comparison

The pieces: `data` (inputs and their checks), `statistics` (per-metric statistics), `published`
(numbers of systems not run here), `human` (automatic beside human). No torch is imported here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from evalsuite.breakdown import score_breakdown
from evalsuite.compare.data import ComparisonData, ComparisonError, load_runs
from evalsuite.compare.human import HumanComparison, human_comparison
from evalsuite.compare.statistics import (
    QUALITY_SCORE,
    ComparisonStatistics,
    MetricInfo,
    compare_systems,
)
from evalsuite.human.ratings import Ratings

__all__ = ["QUALITY_SCORE", "Comparison", "ComparisonData", "ComparisonError", "compare", "load_runs"]


@dataclass
class Comparison:
    data: ComparisonData
    statistics: ComparisonStatistics
    info: dict[str, MetricInfo]
    aggregation: str
    alpha: float
    n_resamples: int
    published: pd.DataFrame | None = None
    human: HumanComparison | None = None
    by_axis: pd.DataFrame | None = None  # per prompt-set axis value (evalsuite/breakdown.py)
    warnings: list[str] = field(default_factory=list)  # read before the tables: gaps in the data
    notes: list[str] = field(default_factory=list)
    distribution: pd.DataFrame | None = None  # set-level metrics (evalsuite/distribution/score.py)

    @property
    def metrics(self) -> list[str]:
        """Metrics in table order: by criterion (text, motion, visual, other), then name; the quality
        score last."""
        order = {"text_alignment": 0, "motion_quality": 1, "visual_quality": 2}
        names = sorted(self.data.metrics, key=lambda m: (order.get(self.criterion(m), 3), m))
        return names + ([QUALITY_SCORE] if self.statistics.quality_label else [])

    def criterion(self, metric: str) -> str:
        return self.info[metric].criterion if metric in self.info else "visual_quality"


def metric_info(names: list[str]) -> dict[str, MetricInfo]:
    """Direction, criterion and VBench role of each metric, from the metric registry."""
    from evalsuite.metrics import METRICS

    unknown = [n for n in names if n not in METRICS]
    if unknown:
        raise ComparisonError(
            f"the score tables hold metric(s) {unknown} this version does not know; update the suite or rerun"
        )
    return {
        name: MetricInfo(
            higher_is_better=METRICS[name].higher_is_better,
            vbench_dimension=METRICS[name].vbench_dimension,
            pair_weighted=METRICS[name].vbench_pair_weighted,
            criterion=METRICS[name].criterion,
        )
        for name in names
    }


def coverage_warnings(data: ComparisonData) -> list[str]:
    """One line per system that lacks a usable value for some prompts: never compared silently on fewer."""
    lines = []
    n = data.prompt_set.n_prompts
    for system in data.systems:
        part = data.scores[data.scores["system"] == system]
        lacking = part[part["status"] != "ok"]
        if lacking.empty:
            continue
        prompts = lacking["prompt_id"].nunique()
        counts = lacking.groupby(["metric", "status"], sort=True).size()
        detail = ", ".join(f"{metric} {status} {count}" for (metric, status), count in counts.items())
        lines.append(
            f"{system}: {prompts} of {n} prompts lack a usable value on at least one metric ({detail}); "
            "its means use the prompts it has and every pair only the prompts both systems have (n in the tables)"
        )
    return lines


def skew_notes(pairs: pd.DataFrame, info: dict[str, MetricInfo]) -> list[str]:
    """One line per significant pair whose winner on the mean is better on fewer than half of the paired
    prompts: the verdict follows the mean (the table's estimate), and the reader should know that a few
    prompts with large differences decide it."""
    lines = []
    for row in pairs[pairs["significant"]].itertuples(index=False):
        higher = True if row.metric == QUALITY_SCORE else info[row.metric].higher_is_better
        a_ahead = (row.diff > 0) == higher
        winner, loser = (row.system_a, row.system_b) if a_ahead else (row.system_b, row.system_a)
        share = row.a_win_rate if a_ahead else 1 - row.a_win_rate
        if share < 0.5:
            lines.append(
                f"{row.metric}: {winner} is significantly ahead of {loser} on the mean, yet better on only "
                f"{share:.0%} of the {row.n_paired} paired prompts: a few prompts with large differences "
                "decide the mean (pairs.csv)"
            )
    return lines


def compare(
    data: ComparisonData,
    *,
    aggregation: str = "per_video",
    alpha: float = 0.05,
    n_resamples: int = 1000,
    seed: int = 0,
    published: pd.DataFrame | None = None,
    ratings: Ratings | None = None,
) -> Comparison:
    """Every statistic of the comparison (see the modules of this package for the definitions)."""
    if len(data.systems) < 2:
        raise ComparisonError(
            f"a comparison needs at least two systems, got {data.systems}: list more in compare.systems "
            "or give more run folders"
        )
    info = metric_info(data.metrics)
    statistics = compare_systems(
        data.scores, data.systems, info, frames=data.frames, aggregation=aggregation, alpha=alpha,
        n_resamples=n_resamples, seed=seed,
    )  # fmt: skip
    comparison = Comparison(
        data, statistics, info, aggregation, alpha, n_resamples, published,
        warnings=[*data.warnings, *coverage_warnings(data)],
        notes=[*data.notes, *skew_notes(statistics.pairs, info)],
    )  # fmt: skip
    if data.axes and data.prompts is not None:
        comparison.by_axis = score_breakdown(
            data.scores, data.prompts, data.axes, model_column="system", n_resamples=n_resamples, seed=seed
        )
    if ratings is not None:
        comparison.human = human_comparison(
            ratings, data, statistics, alpha=alpha, n_resamples=n_resamples, seed=seed
        )
        comparison.notes += comparison.human.notes
    return comparison
