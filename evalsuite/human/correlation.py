"""How well automatic metrics agree with people: Spearman and Kendall correlations (scipy).

Input: the automatic score table of an eval run (columns model, prompt_id, metric, value, status; rows
whose status is not "ok" are ignored) and the video verdicts of the absolute aggregation.

* Model level: per metric, the model's mean score against the model's human pass rate, per criterion.
  With a handful of models these coefficients are coarse (6 models: Kendall's τ moves in steps of 1/15),
  so n and the p-value stand beside every coefficient.
* Video level: per metric, the video's score against the share of its raters who passed it on the
  criterion (for "overall", the video's 0/1 verdict), over the videos that have both.
Kendall's τ is τ-b (ties corrected), the variant for scores with ties such as pass rates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

SCORE_KEYS = ["model", "prompt_id"]


def _correlate(x: np.ndarray, y: np.ndarray) -> dict:
    n = len(x)
    if n < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:  # undefined on constants; say so instead of NaN noise
        return {"n": n, "spearman": np.nan, "spearman_p": np.nan, "kendall": np.nan, "kendall_p": np.nan}
    rho = stats.spearmanr(x, y)
    tau = stats.kendalltau(x, y, variant="b")
    return {"n": n, "spearman": float(rho.statistic), "spearman_p": float(rho.pvalue),
            "kendall": float(tau.statistic), "kendall_p": float(tau.pvalue)}  # fmt: skip


def human_video_scores(videos: pd.DataFrame) -> pd.DataFrame:
    """Per video and criterion the human score correlated at video level (see the module docstring)."""
    n_pass = pd.to_numeric(videos["n_pass"], errors="coerce").astype(float)  # NA on "overall" rows
    n_raters = pd.to_numeric(videos["n_raters"], errors="coerce").astype(float)
    return videos.assign(human=(n_pass / n_raters).fillna(videos["passed"].astype(float)))


def metric_human_correlations(scores: pd.DataFrame, videos: pd.DataFrame) -> pd.DataFrame:
    """Rows: level (model | video), metric, criterion, n, spearman(+p), kendall(+p)."""
    ok = scores[scores["status"] == "ok"]
    auto = ok.groupby([*SCORE_KEYS, "metric"])["value"].mean().unstack("metric")
    videos = human_video_scores(videos)
    share = videos.pivot_table(index=SCORE_KEYS, columns="criterion", values="human")
    verdict = videos.pivot_table(index=SCORE_KEYS, columns="criterion", values="passed")
    rows = []
    for metric in auto.columns:
        for criterion in share.columns:
            joined = pd.concat(
                [auto[metric], share[criterion], verdict[criterion]], axis=1, join="inner"
            ).dropna()
            # Model level: mean score vs the video pass rate of the comparison table, on the same videos.
            by_model = joined.iloc[:, [0, 2]].groupby(level="model").mean()
            for level, data in (("model", by_model), ("video", joined.iloc[:, [0, 1]])):
                x, y = data.iloc[:, 0].to_numpy(), data.iloc[:, 1].to_numpy()
                rows.append({"level": level, "metric": metric, "criterion": criterion, **_correlate(x, y)})
    return pd.DataFrame(rows)
