"""Inter-rater agreement and each rater's deviation from the consensus.

* Fleiss' κ (statsmodels) per criterion, with videos as subjects. Fleiss' formula needs the same number
  of raters on every subject: videos with another count are left out, and the row says how many were used.
* Krippendorff's α (the `krippendorff` package) per criterion over all judgements, missing cells allowed:
  nominal for pass/fail, ordinal for Likert scores (on the raw 1-5 values, not the thresholded verdict).
* Rater deviation: for each judgement, the leave-one-out consensus is the mean verdict of the *other*
  raters of the same video and criterion (videos with a single rater carry no consensus). Per rater:
  `deviation` = mean |verdict − consensus|, `leniency` = mean (verdict − consensus), and
  `disagreement` = share of judgements against a strict majority of the others.
* Outliers: raters whose deviation lies more than `outlier_z` robust z-scores (median and 1.4826·MAD over
  raters with at least `min_ratings` judgements) above the median. They are flagged, never dropped.
"""

from __future__ import annotations

import krippendorff
import numpy as np
import pandas as pd
from statsmodels.stats.inter_rater import fleiss_kappa

from evalsuite.human.ratings import Ratings

OUTLIER_Z = 3.5
MIN_RATINGS = 20


def _categories(ratings: Ratings, table: pd.DataFrame) -> pd.Series:
    return table["value"].astype(float) if ratings.scale == "likert" else table["passed"]


def fleiss_by_criterion(ratings: Ratings) -> pd.DataFrame:
    rows = []
    for criterion in ratings.criteria:
        table = ratings.table[ratings.table["criterion"] == criterion]
        counts = (
            table.assign(category=_categories(ratings, table))
            .groupby(["prompt_id", "model", "category"])
            .size()
            .unstack("category", fill_value=0)
        )
        per_video = counts.sum(axis=1)
        modal = int(per_video.mode().max()) if len(per_video) else 0
        used = counts[per_video == modal]
        kappa = float(fleiss_kappa(used.to_numpy(), method="fleiss")) if modal > 1 and len(used) else np.nan
        rows.append(
            {"criterion": criterion, "fleiss_kappa": kappa, "raters_per_video": modal,
             "videos_used": len(used), "videos_left_out": len(counts) - len(used)}
        )  # fmt: skip
    return pd.DataFrame(rows)


def krippendorff_by_criterion(ratings: Ratings) -> pd.DataFrame:
    level = "ordinal" if ratings.scale == "likert" else "nominal"
    rows = []
    for criterion in ratings.criteria:
        table = ratings.table[ratings.table["criterion"] == criterion]
        grid = (
            table.assign(category=_categories(ratings, table).astype(float))
            .pivot_table(index="rater_id", columns=["prompt_id", "model"], values="category", aggfunc="first")
            .to_numpy(dtype=float)
        )  # raters × videos, NaN where a rater did not judge a video
        pairable = (np.sum(~np.isnan(grid), axis=0) > 1).sum()
        # One value throughout (every rater said "pass" to everything so far): α is undefined (0/0), and
        # the krippendorff package raises instead of returning NaN.
        varied = len(np.unique(grid[~np.isnan(grid)])) > 1
        alpha = (
            krippendorff.alpha(reliability_data=grid, level_of_measurement=level)
            if pairable and varied
            else np.nan
        )
        rows.append({"criterion": criterion, "krippendorff_alpha": float(alpha), "level": level})
    return pd.DataFrame(rows)


def rater_deviation(
    ratings: Ratings, *, outlier_z: float = OUTLIER_Z, min_ratings: int = MIN_RATINGS
) -> pd.DataFrame:
    """One row per rater: n, deviation, leniency, disagreement, robust z and the outlier flag."""
    table = ratings.table[["prompt_id", "model", "criterion", "rater_id", "passed"]]
    video = table.groupby(["prompt_id", "model", "criterion"])["passed"]
    total, count = video.transform("sum"), video.transform("count")
    others = count - 1
    with np.errstate(invalid="ignore", divide="ignore"):
        consensus = (total - table["passed"]) / others
    judged = table.assign(consensus=consensus)[others > 0]
    judged = judged.assign(
        deviation=(judged["passed"] - judged["consensus"]).abs(),
        leniency=judged["passed"] - judged["consensus"],
        against=np.where(judged["consensus"] == 0.5, np.nan, (judged["consensus"] > 0.5) != judged["passed"]),
    )
    per_rater = judged.groupby("rater_id").agg(
        n=("passed", "size"), deviation=("deviation", "mean"), leniency=("leniency", "mean"),
        disagreement=("against", "mean"),
    )  # fmt: skip
    eligible = per_rater["n"] >= min_ratings
    center = per_rater.loc[eligible, "deviation"].median()
    mad = 1.4826 * (per_rater.loc[eligible, "deviation"] - center).abs().median()
    per_rater["robust_z"] = (per_rater["deviation"] - center) / mad if mad > 0 else 0.0
    per_rater["outlier"] = eligible & (per_rater["robust_z"] > outlier_z)
    return per_rater.reset_index().sort_values("deviation", ascending=False, ignore_index=True)


def agreement_summary(ratings: Ratings) -> pd.DataFrame:
    return fleiss_by_criterion(ratings).merge(krippendorff_by_criterion(ratings), on="criterion")
