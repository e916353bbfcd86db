"""VBench-style normalised scores: VBench's published per-dimension min/max and weights, and its quality
score, for the metrics of this suite that reproduce a VBench dimension (`Metric.vbench_dimension`).

VBench (`scripts/cal_final_score.py`, `scripts/constant.py`):

    normalised_d = (score_d - Min_d) / (Max_d - Min_d)            (not clipped)
    quality      = sum_d weight_d · normalised_d / sum_d weight_d   over its 7 quality dimensions

with dynamic degree weighted 0.5 and every other dimension 1. VBench counts a dimension it was not given
as 0; here a missing dimension is left out and named instead, and the score over fewer than 7 is labelled
partial, because it is not comparable with VBench's leaderboard. All 7 quality dimensions have a metric
here (`hyvideo-eval metrics` lists them); a run without one of them, or without its weights, is partial.
The semantic dimensions (object class, scene, ...) need detectors this suite does not run.
"""

from __future__ import annotations

import pandas as pd

from evalsuite.metrics import METRICS
from evalsuite.metrics.vbench_scale import QUALITY_DIMENSIONS, normalised, quality_score


def normalised_table(by_model: pd.DataFrame) -> pd.DataFrame:
    """Per model and VBench quality dimension: the metric, its mean, VBench's min/max/weight, the
    normalised value; then one `quality score` row per model over the dimensions present."""
    rows = []
    for model, group in by_model.groupby("model", sort=True):
        means = {
            METRICS[m].vbench_dimension: (m, mean)
            for m, mean in zip(group["metric"], group["mean"], strict=True)
            if m in METRICS and METRICS[m].vbench_dimension and pd.notna(mean)
        }
        if not means:
            continue
        for dimension, (low, high, weight) in QUALITY_DIMENSIONS.items():
            metric, mean = means.get(dimension, (None, float("nan")))
            rows.append((model, dimension, metric, mean, low, high, weight, normalised(dimension, mean)))
        present = sum(dim in means for dim in QUALITY_DIMENSIONS)
        label = "quality score"
        if present < len(QUALITY_DIMENSIONS):
            label += f" (partial: {present} of {len(QUALITY_DIMENSIONS)} dimensions)"
        score = quality_score({dimension: mean for dimension, (_, mean) in means.items()})
        rows.append((model, label, None, *[float("nan")] * 4, score))
    return pd.DataFrame(
        rows,
        columns=["model", "dimension", "metric", "mean", "vbench_min", "vbench_max", "weight", "normalised"],
    )


def missing_dimensions(table: pd.DataFrame) -> list[str]:
    dims = table[table["dimension"].isin(list(QUALITY_DIMENSIONS))]
    return sorted(set(dims.loc[dims["metric"].isna(), "dimension"]))
