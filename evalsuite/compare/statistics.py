"""Per-metric statistics of a comparison of several systems over one prompt set.

Input: a tidy score table (system, prompt_id, metric, value, status; see `ComparisonData`). For every
metric (and VBench's quality score over the VBench dimensions present):

* **Means**: each system's mean over the prompts it has an `ok` value for, with a percentile-bootstrap
  95% interval over prompts. Aggregation `per_video` weights every video equally (this suite's
  definition); `vbench` weights each video of subject and background consistency by its number of
  frame pairs, as VBench's own code does for those two dimensions (every other VBench dimension
  averages videos equally there too).
* **Pairs**: for every pair of systems, on the prompts both have an `ok` value for (`n_paired`, always
  shown): the mean paired difference a − b (always per video, whatever the aggregation) with its 95%
  t-interval and the two-sided paired t-test's p (`evalsuite.paired.mean_test`, equal to scipy's
  `ttest_rel`), Holm-corrected over the pairs of that metric (`holm`, equal to statsmodels'); a pair
  differs when its Holm p ≤ α. Estimate, interval and test are one: a pair that differs always does so
  in the direction of its mean difference, which is the direction of the systems' means on those
  prompts, so the table never shows a significant win against its own estimate. (A rank test, such as
  Wilcoxon's, can reject in the direction opposite to the mean when the differences are skewed.) The
  share of prompts where a is better (ties count half) is shown beside it as a description.
* **Rank ranges**: [1 + #systems significantly better, N − #systems significantly worse], in the
  metric's own direction (lower is better for BRISQUE, NIQE, ...), as in the human layer.

The means' bootstrap draws its resamples once, as multinomial weights over the prompt set
(`evalsuite.human.bootstrap.cluster_weights`), shared by every system and metric and by the
correlations with people (evalsuite/compare/human.py), so the same inputs and seed give the same tables.
No torch here.

VBench's quality score (`vbench_quality_score`): its mean is VBench's weighted mean of the normalised
dimension means (`evalsuite.metrics.vbench_scale.quality_score`, as the run report's table), its interval the same combination of the
dimensions' bootstrap means; its paired tests and rank ranges use the per-prompt score
Σ w_d·(x_pd − min_d)/(max_d − min_d) / Σ w_d over prompts where every present dimension is `ok`.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

from evalsuite.human.bootstrap import cluster_weights, percentile_interval
from evalsuite.metrics.vbench_scale import QUALITY_DIMENSIONS, quality_score
from evalsuite.multitest import holm
from evalsuite.paired import mean_test, rejects
from evalsuite.ranking import rank_ranges

QUALITY_SCORE = "vbench_quality_score"
AGGREGATIONS = ("per_video", "vbench")
CONFIDENCE = 0.95


@dataclass(frozen=True)
class MetricInfo:
    """What the statistics need to know of a metric: its direction and its VBench role."""

    higher_is_better: bool = True
    vbench_dimension: str | None = None
    pair_weighted: bool = False  # VBench aggregates it over frame pairs (subject/background consistency)
    criterion: str = "visual_quality"


@dataclass
class ComparisonStatistics:
    means: pd.DataFrame  # metric, system, n_ok, n_failed, n_missing, mean, ci95_low, ci95_high
    pairs: (
        pd.DataFrame
    )  # metric, system_a, system_b, n_paired, mean_a, mean_b, diff, ..., p_holm, significant
    ranks: pd.DataFrame  # metric, system, mean, rank_low, rank_high, rank
    boot_means: dict[str, np.ndarray]  # metric -> resamples × systems (for correlations with people)
    quality_label: str | None  # "vbench_quality_score (partial: 6 of 7 dimensions)", or None
    prompts: pd.Index  # the prompt set, in the order of the weights' columns
    weights: np.ndarray  # resamples × prompts: the multinomial prompt weights every bootstrap used


def _pivot(scores: pd.DataFrame, metric: str, prompts: pd.Index, systems: list[str]) -> pd.DataFrame:
    part = scores[scores["metric"] == metric]
    return part.pivot(index="prompt_id", columns="system", values="value").reindex(
        index=prompts, columns=systems
    )


def _counts(status_counts: pd.Series, metric: str, system: str, n_prompts: int) -> tuple[int, int, int]:
    """(ok, failed, missing) videos of one system on one metric, from rows counted per status once
    (`status_counts`: sizes indexed by metric, system, status); a prompt with no row counts as missing."""
    counts = status_counts.get((metric, system), pd.Series(dtype=int))
    n_ok, n_missing_rows, n_rows = int(counts.get("ok", 0)), int(counts.get("missing", 0)), int(counts.sum())
    return n_ok, n_rows - n_ok - n_missing_rows, n_missing_rows + n_prompts - n_rows


def weighted_means(weights: np.ndarray, values: np.ndarray, video_weights: np.ndarray) -> np.ndarray:
    """Per row of `weights` (resamples × prompts) and column of `values` (prompts × systems, NaN where
    a system has no value): the mean of the values, each video weighted by `video_weights` (same shape
    as values)."""
    valid = ~np.isnan(values)
    numerator = weights @ np.where(valid, values * video_weights, 0.0)
    denominator = weights @ np.where(valid, video_weights, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return numerator / denominator


def _pairs(metric: str, matrix: np.ndarray, systems: list[str], higher: bool) -> list[dict]:
    rows = []
    for i, j in combinations(range(len(systems)), 2):
        both = ~np.isnan(matrix[:, i]) & ~np.isnan(matrix[:, j])
        d = matrix[both, i] - matrix[both, j]
        n = len(d)
        test = mean_test(d, confidence=CONFIDENCE)
        a_better = (d > 0) if higher else (d < 0)
        rows.append(
            {"metric": metric, "system_a": systems[i], "system_b": systems[j], "n_paired": n,
             "mean_a": float(matrix[both, i].mean()) if n else np.nan,
             "mean_b": float(matrix[both, j].mean()) if n else np.nan,
             "diff": test.estimate, "diff_ci95_low": test.low, "diff_ci95_high": test.high,
             "a_win_rate": float((a_better.sum() + 0.5 * (d == 0).sum()) / n) if n else np.nan,
             "p": test.p}
        )  # fmt: skip
    return rows


def _quality(values: dict[str, np.ndarray], info: dict[str, MetricInfo]) -> np.ndarray | None:
    """VBench's quality score over the VBench quality dimensions among the metrics of `values` (arrays
    of one shape: prompts × systems, or resamples × systems); None when there is none."""
    return quality_score({info[m].vbench_dimension: x for m, x in values.items() if info[m].vbench_dimension})


def compare_systems(
    scores: pd.DataFrame,
    systems: list[str],
    info: dict[str, MetricInfo],
    *,
    frames: pd.DataFrame | None = None,
    aggregation: str = "per_video",
    alpha: float = 0.05,
    n_resamples: int = 1000,
    seed: int = 0,
) -> ComparisonStatistics:
    """Means, paired tests and rank ranges per metric (see the module docstring).

    `scores`: columns system, prompt_id, metric, value, status; `info`: every metric in it;
    `frames`: system, prompt_id, frames (decoded frame count), needed for the `vbench` aggregation."""
    if aggregation not in AGGREGATIONS:
        raise ValueError(f"aggregation must be one of {AGGREGATIONS}, got {aggregation!r}")
    metrics = list(scores["metric"].unique())  # in order of first appearance
    status_counts = scores.groupby(["metric", "system", "status"]).size()  # sorted: fast lookups
    prompts = pd.Index(sorted(scores["prompt_id"].unique()), name="prompt_id")
    weights = cluster_weights(np.random.default_rng(seed), len(prompts), n_resamples).astype(float)
    frame_counts = None
    if frames is not None:
        frame_counts = frames.pivot(index="prompt_id", columns="system", values="frames").reindex(
            index=prompts, columns=systems
        )

    matrices, boot_means, mean_rows, pair_rows = {}, {}, [], []
    for metric in metrics:
        matrix = _pivot(scores, metric, prompts, systems).to_numpy(dtype=float)
        matrices[metric] = matrix
        video_weights = np.ones_like(matrix)
        if aggregation == "vbench" and info[metric].pair_weighted:
            if frame_counts is None:
                raise ValueError("the vbench aggregation needs each video's frame count (`frames`)")
            video_weights = np.maximum(frame_counts.to_numpy(dtype=float) - 1, 0.0)
        point = weighted_means(np.ones((1, len(prompts))), matrix, video_weights)[0]
        boot = weighted_means(weights, matrix, video_weights)
        boot_means[metric] = boot
        low, high = percentile_interval(boot, CONFIDENCE)
        for j, system in enumerate(systems):
            n_ok, n_failed, n_missing = _counts(status_counts, metric, system, len(prompts))
            mean_rows.append(
                {"metric": metric, "system": system, "n_ok": n_ok, "n_failed": n_failed,
                 "n_missing": n_missing, "mean": point[j], "ci95_low": low[j], "ci95_high": high[j]}
            )  # fmt: skip
        pair_rows += _pairs(metric, matrix, systems, info[metric].higher_is_better)

    quality = _quality(matrices, info)
    quality_label = None
    if quality is not None:
        present = sum(info[m].vbench_dimension in QUALITY_DIMENSIONS for m in metrics)
        quality_label = QUALITY_SCORE + (
            f" (partial: {present} of {len(QUALITY_DIMENSIONS)} dimensions)"
            if present < len(QUALITY_DIMENSIONS)
            else ""
        )
        point = _quality(
            {m: np.array([r["mean"] for r in mean_rows if r["metric"] == m]) for m in metrics}, info
        )
        boot = _quality({m: boot_means[m] for m in metrics}, info)
        boot_means[QUALITY_SCORE] = boot
        low, high = percentile_interval(boot, CONFIDENCE)
        for j, system in enumerate(systems):
            n_ok = int((~np.isnan(quality[:, j])).sum())
            mean_rows.append(
                {"metric": QUALITY_SCORE, "system": system, "n_ok": n_ok, "n_failed": len(prompts) - n_ok,
                 "n_missing": 0, "mean": point[j], "ci95_low": low[j], "ci95_high": high[j]}
            )  # fmt: skip
        pair_rows += _pairs(QUALITY_SCORE, quality, systems, True)

    means = pd.DataFrame(mean_rows)
    pairs = pd.DataFrame(
        pair_rows,
        columns=["metric", "system_a", "system_b", "n_paired", "mean_a", "mean_b", "diff", "diff_ci95_low",
                 "diff_ci95_high", "a_win_rate", "p"],
    )  # fmt: skip
    pairs["p_holm"] = np.nan
    for index in pairs.groupby("metric", sort=False).groups.values():
        pvals = pairs.loc[index, "p"].to_numpy(dtype=float)
        tested = ~np.isnan(pvals)
        if tested.any():
            adjusted = np.full(len(pvals), np.nan)
            adjusted[tested] = holm(pvals[tested])
            pairs.loc[index, "p_holm"] = adjusted
    pairs["significant"] = rejects(pairs["p_holm"], alpha)
    ranks = rank_table(means, pairs, info)
    return ComparisonStatistics(means, pairs, ranks, boot_means, quality_label, prompts, weights)


def rank_table(means: pd.DataFrame, pairs: pd.DataFrame, info: dict[str, MetricInfo]) -> pd.DataFrame:
    """Per metric, every system's rank range in the metric's direction (see `evalsuite.ranking`)."""
    tables = []
    for metric, group in means.groupby("metric", sort=False):
        higher = True if metric == QUALITY_SCORE else info[metric].higher_is_better
        sign = 1.0 if higher else -1.0
        estimates = group.set_index("system")["mean"] * sign
        significant = pairs[(pairs["metric"] == metric) & pairs["significant"]]
        wins = [
            (r.system_a, r.system_b) if r.diff * sign > 0 else (r.system_b, r.system_a)
            for r in significant.itertuples(index=False)
        ]
        ranked = rank_ranges(estimates.dropna(), wins)
        ranked["estimate"] *= sign
        tables.append(ranked.rename(columns={"estimate": "mean"}).assign(metric=metric))
    if not tables:
        return pd.DataFrame(columns=["metric", "system", "mean", "rank_low", "rank_high", "rank"])
    return pd.concat(tables, ignore_index=True)[["metric", "system", "mean", "rank_low", "rank_high", "rank"]]
