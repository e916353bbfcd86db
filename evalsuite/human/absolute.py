"""Absolute human judgements -> pass rates, intervals, paired tests and a ranking that shows ties.

Definitions (HunyuanVideo paper, arXiv 2412.03603, Table 3, made explicit):

* A video (prompt × model) passes a criterion when a strict majority of its raters pass it (a tie
  fails). The per-rating rate (share of all judgements that pass) is reported beside it.
* "overall": the share of videos that pass every criterion (only videos rated on all criteria count).
* Intervals: Wilson 95% (statsmodels) on the video rate; percentile bootstrap 95% with prompts as the
  resampled cluster; for the per-rating rate, a bootstrap with raters as the cluster.
* Paired comparisons on the prompts both models were rated on: McNemar's test on the video verdicts
  (exact binomial when the discordant count is under 25, else chi-square with continuity correction)
  and a paired bootstrap of the rate difference; Holm's correction over all pairs of one criterion.
* Ranking: rank range [1 + #models significantly better, N − #models significantly worse] on the
  primary criterion; models not separated by the data share a range such as "5-6".

Bootstrap resamples are drawn once, as multinomial weights over prompts, and shared by every model and
criterion, so paired differences use the same resamples on both sides.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.proportion import proportion_confint

from evalsuite.human.bootstrap import cluster_weights, percentile_interval
from evalsuite.human.ratings import Ratings
from evalsuite.multitest import holm
from evalsuite.paired import rejects
from evalsuite.ranking import rank_ranges

OVERALL = "overall"


@dataclass
class AbsoluteResult:
    videos: pd.DataFrame  # prompt_id, model, criterion, passed (0/1), n_raters, n_pass
    rates: pd.DataFrame  # model × criterion: rate, intervals, per-rating rate
    pairs: pd.DataFrame  # criterion × (model_a, model_b): difference and tests
    ranking: pd.DataFrame  # model, primary rate, rank range


def video_verdicts(ratings: Ratings) -> pd.DataFrame:
    """Majority verdict per (prompt, model, criterion), plus the `overall` verdict per (prompt, model)."""
    grouped = ratings.table.groupby(["prompt_id", "model", "criterion"], sort=True)["passed"]
    videos = grouped.agg(n_pass="sum", n_raters="count").reset_index()
    videos["passed"] = (2 * videos["n_pass"] > videos["n_raters"]).astype(np.int8)
    wide = videos.pivot(index=["prompt_id", "model"], columns="criterion", values="passed")
    wide = wide.reindex(columns=list(ratings.criteria)).dropna()
    overall = wide.all(axis=1).astype(np.int8).rename("passed").reset_index()
    overall["criterion"] = OVERALL
    overall["n_raters"] = overall["n_pass"] = pd.NA
    return pd.concat([videos, overall[videos.columns]], ignore_index=True)


def _matrix(videos: pd.DataFrame, criterion: str, prompts: pd.Index, models: list[str]) -> np.ndarray:
    """prompts × models array of verdicts, NaN where a model has no verdict for a prompt."""
    part = videos[videos["criterion"] == criterion].pivot(index="prompt_id", columns="model", values="passed")
    return part.reindex(index=prompts, columns=models).to_numpy(dtype=float)


def _weighted_ratio(weights: np.ndarray, numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """Per resample (rows of `weights`) and column: weighted sum of `numerator` over that of `denominator`."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return (weights @ numerator) / (weights @ denominator)


def _weighted_rates(weights: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Rates per resample (rows of `weights`) and column of `matrix`, ignoring NaN cells."""
    valid = ~np.isnan(matrix)
    return _weighted_ratio(weights, np.where(valid, matrix, 0.0), valid)


def _bootstrap_pvalue(diffs: np.ndarray) -> float:
    """Two-sided percentile-bootstrap p-value for H0: difference = 0."""
    diffs = diffs[~np.isnan(diffs)]
    if len(diffs) == 0:
        return float("nan")
    return float(min(1.0, 2 * min((diffs <= 0).mean(), (diffs >= 0).mean())))


def mcnemar_pvalue(a: np.ndarray, b: np.ndarray) -> tuple[int, int, float]:
    """Discordant counts (a passes, b fails), (a fails, b passes) and McNemar's p-value."""
    n10 = int(np.sum((a == 1) & (b == 0)))
    n01 = int(np.sum((a == 0) & (b == 1)))
    if n10 + n01 == 0:
        return n10, n01, 1.0
    table = [[0, n10], [n01, 0]]  # concordant cells do not enter the statistic
    exact = n10 + n01 < 25
    return n10, n01, float(mcnemar(table, exact=exact, correction=not exact).pvalue)


def aggregate_absolute(
    ratings: Ratings,
    *,
    primary: str = OVERALL,
    test: str = "mcnemar",
    alpha: float = 0.05,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> AbsoluteResult:
    """All absolute statistics of one ratings table (see the module docstring for definitions)."""
    if test not in ("mcnemar", "bootstrap"):
        raise ValueError(f"test must be 'mcnemar' or 'bootstrap', got {test!r}")
    criteria = [*ratings.criteria, OVERALL]
    if primary not in criteria:
        raise ValueError(f"primary criterion {primary!r} is not among {criteria}")
    models = list(ratings.models)
    videos = video_verdicts(ratings)
    prompts = pd.Index(sorted(videos["prompt_id"].unique()), name="prompt_id")
    rng = np.random.default_rng(seed)
    prompt_weights = cluster_weights(rng, len(prompts), n_resamples)
    raters = sorted(ratings.table["rater_id"].unique())
    rater_weights = cluster_weights(rng, len(raters), n_resamples)

    rate_rows, pair_rows = [], []
    for criterion in criteria:
        matrix = _matrix(videos, criterion, prompts, models)
        boot = _weighted_rates(prompt_weights, matrix)
        low, high = percentile_interval(boot, confidence)
        per_rating = _per_rating(ratings, criterion, raters, models, rater_weights, confidence)
        for j, model in enumerate(models):
            column = matrix[:, j]
            n = int(np.sum(~np.isnan(column)))
            k = int(np.nansum(column))
            wilson = (
                proportion_confint(k, n, alpha=1 - confidence, method="wilson") if n else (np.nan, np.nan)
            )
            rate_rows.append(
                {"model": model, "criterion": criterion, "n_videos": n, "n_pass": k,
                 "rate": k / n if n else np.nan, "wilson_low": wilson[0], "wilson_high": wilson[1],
                 "boot_prompt_low": low[j], "boot_prompt_high": high[j], **per_rating[model]}
            )  # fmt: skip
        pair_rows += _pairs(criterion, matrix, models, prompt_weights)

    pairs = pd.DataFrame(pair_rows)
    if not pairs.empty:
        p_column = "p_mcnemar" if test == "mcnemar" else "p_bootstrap"
        pairs["p_holm"] = np.nan
        for index in pairs.groupby("criterion").groups.values():  # Holm within each criterion's family
            pvals = pairs.loc[index, p_column].to_numpy()
            pairs.loc[index, "p_holm"] = holm(pvals)
        pairs["significant"] = rejects(pairs["p_holm"], alpha)
    rates = pd.DataFrame(rate_rows)
    return AbsoluteResult(videos, rates, pairs, rank_with_ties(rates, pairs, primary, alpha))


def _per_rating(
    ratings: Ratings,
    criterion: str,
    raters: list[str],
    models: list[str],
    weights: np.ndarray,
    confidence: float,
) -> dict:
    if criterion == OVERALL:  # a per-rating "overall" is not defined: judgements are per criterion
        return {
            m: {"rating_rate": np.nan, "boot_rater_low": np.nan, "boot_rater_high": np.nan} for m in models
        }
    table = ratings.table[ratings.table["criterion"] == criterion]
    grouped = table.groupby(["rater_id", "model"])["passed"].agg(["sum", "count"])
    passes = grouped["sum"].unstack("model").reindex(index=raters, columns=models).fillna(0).to_numpy()
    counts = grouped["count"].unstack("model").reindex(index=raters, columns=models).fillna(0).to_numpy()
    low, high = percentile_interval(_weighted_ratio(weights, passes, counts), confidence)
    totals = passes.sum(axis=0) / np.maximum(counts.sum(axis=0), 1)
    return {
        m: {"rating_rate": totals[j], "boot_rater_low": low[j], "boot_rater_high": high[j]}
        for j, m in enumerate(models)
    }


def _pairs(criterion: str, matrix: np.ndarray, models: list[str], weights: np.ndarray) -> list[dict]:
    rows = []
    for i, j in combinations(range(len(models)), 2):
        both = ~np.isnan(matrix[:, i]) & ~np.isnan(matrix[:, j])
        a, b = matrix[both, i], matrix[both, j]
        n10, n01, p_mcnemar = mcnemar_pvalue(a, b)
        paired = np.where(both[:, None], matrix[:, [i, j]], np.nan)
        boot = _weighted_rates(weights, paired)
        rate_a, rate_b = (float(a.mean()), float(b.mean())) if both.any() else (np.nan, np.nan)
        rows.append(
            {"criterion": criterion, "model_a": models[i], "model_b": models[j], "n_paired": int(both.sum()),
             "rate_a": rate_a, "rate_b": rate_b, "diff": rate_a - rate_b, "a_only": n10, "b_only": n01, "p_mcnemar": p_mcnemar,
             "p_bootstrap": _bootstrap_pvalue(boot[:, 0] - boot[:, 1])}
        )  # fmt: skip
    return rows


def rank_with_ties(rates: pd.DataFrame, pairs: pd.DataFrame, primary: str, alpha: float) -> pd.DataFrame:
    """Rank range per model on `primary`: [1 + #significantly better, N − #significantly worse]."""
    primary_rates = rates[rates["criterion"] == primary].set_index("model")["rate"]
    significant = (
        pairs[(pairs["criterion"] == primary) & rejects(pairs["p_holm"], alpha)] if not pairs.empty else pairs
    )
    wins = [
        (row.model_a, row.model_b) if row.diff > 0 else (row.model_b, row.model_a)
        for row in significant.itertuples(index=False)
    ]
    table = rank_ranges(primary_rates, wins)
    return table.rename(columns={"system": "model", "estimate": f"{primary}_rate"})
