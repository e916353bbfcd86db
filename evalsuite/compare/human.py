"""Automatic scores beside human judgements: the paper's layout, and how well they agree.

Given a ratings file of the compared systems (the human layer's long format):

* per system, the human pass rate of every criterion and "overall" (Wilson 95%) and the human rank
  range on `overall`, from `evalsuite.human.absolute` unchanged;
* model level: per metric and criterion, Spearman's ρ and Kendall's τ-b between the systems' metric
  means and their pass rates, with a percentile-bootstrap 95% interval over prompts. Each resample
  reuses the comparison's prompt weights for the metric means and the human rates alike, so both
  sides of one resample see the same prompts. With 6 systems τ moves in steps of 1/15: read n;
* video level: per metric and criterion, the correlations of `evalsuite.human.correlation` (a video's
  score against the share of its raters who passed it);
* the judge card, when the VLM judge's metrics were scored (`evalsuite.human.judge_card`): how far the
  judge agrees with these raters, beside their agreement among themselves.

Names must agree: a rated model that is no compared system stops the comparison with one line listing
both sets (one system called two things would otherwise give an empty table). Systems nobody rated
get blank human columns and a note.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd
from scipy import stats

from evalsuite.breakdown import rate_breakdown
from evalsuite.compare.data import ComparisonData, ComparisonError
from evalsuite.compare.statistics import CONFIDENCE, ComparisonStatistics
from evalsuite.human.absolute import OVERALL, AbsoluteResult, aggregate_absolute
from evalsuite.human.bootstrap import percentile_interval
from evalsuite.human.correlation import metric_human_correlations
from evalsuite.human.judge_card import judge_card
from evalsuite.human.ratings import Ratings

MIN_SYSTEMS = 3  # below this a rank correlation across systems says nothing


@dataclass
class HumanComparison:
    criteria: list[str]  # the rated criteria, then "overall"
    absolute: AbsoluteResult
    correlations: pd.DataFrame  # model level, with bootstrap intervals
    video_correlations: pd.DataFrame
    by_axis: pd.DataFrame | None = None  # pass rates per prompt-set axis value
    notes: list[str] = field(default_factory=list)
    judge_card: pd.DataFrame | None = None  # the VLM judge's metrics against the raters, when scored


def spearman_rows(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Spearman's ρ of each row of x with the same row of y (average ranks for ties), NaN where a row
    is constant."""
    rx = stats.rankdata(x, axis=1)
    ry = stats.rankdata(y, axis=1)
    rx = rx - rx.mean(axis=1, keepdims=True)
    ry = ry - ry.mean(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (rx * ry).sum(1) / np.sqrt((rx**2).sum(1) * (ry**2).sum(1))


def kendall_b_rows(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Kendall's τ-b of each row of x with the same row of y: (concordant − discordant) pairs over
    sqrt((pairs − pairs tied in x)(pairs − pairs tied in y)), NaN where a row is constant."""
    i, j = np.array(list(combinations(range(x.shape[1]), 2))).T
    sx, sy = np.sign(x[:, i] - x[:, j]), np.sign(y[:, i] - y[:, j])
    n0 = len(i)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (sx * sy).sum(1) / np.sqrt((n0 - (sx == 0).sum(1)) * (n0 - (sy == 0).sum(1)))


def check_rated_names(ratings: Ratings, systems: list[str]) -> list[str]:
    """Every rated model must be a compared system (else one line naming both lists); returns a note
    naming the systems nobody rated."""
    extra = sorted(set(ratings.models) - set(systems))
    if extra:
        raise ComparisonError(
            f"{ratings.source}: rated model(s) {extra} are not compared systems; ratings name "
            f"{sorted(ratings.models)}, the scores name {sorted(systems)}: use one name per system in both"
        )
    unrated = [s for s in systems if s not in ratings.models]
    return [f"not rated by people, so blank in the human columns: {', '.join(unrated)}"] if unrated else []


def human_comparison(
    ratings: Ratings,
    data: ComparisonData,
    statistics: ComparisonStatistics,
    *,
    alpha: float = 0.05,
    n_resamples: int = 1000,
    seed: int = 0,
) -> HumanComparison:
    notes = check_rated_names(ratings, data.systems)
    absolute = aggregate_absolute(ratings, alpha=alpha, n_resamples=n_resamples, seed=seed)
    criteria = [*ratings.criteria, OVERALL]
    outside = sorted(set(ratings.table["prompt_id"]) - set(statistics.prompts))
    if outside:
        notes.append(
            f"{len(outside)} rated prompt(s) are not in the compared prompt set and enter the human rates "
            f"but not the correlations (e.g. {outside[0]})"
        )
    rated = [s for s in data.systems if s in ratings.models]
    columns = [data.systems.index(s) for s in rated]
    verdicts = absolute.videos
    rows = []
    for criterion in criteria:
        part = verdicts[verdicts["criterion"] == criterion]
        matrix = part.pivot(index="prompt_id", columns="model", values="passed")
        matrix = matrix.reindex(index=statistics.prompts, columns=rated).to_numpy(dtype=float)
        valid = ~np.isnan(matrix)
        with np.errstate(invalid="ignore", divide="ignore"):
            boot_rates = (statistics.weights @ np.where(valid, matrix, 0.0)) / (statistics.weights @ valid)
            point_rates = np.nansum(matrix, 0) / valid.sum(0)
        for metric, boot_means in statistics.boot_means.items():
            means = statistics.means[statistics.means["metric"] == metric].set_index("system")["mean"]
            x, y = means.reindex(rated).to_numpy(dtype=float), point_rates
            row = {"metric": metric, "criterion": criterion, "n_systems": len(rated)}
            if len(rated) < MIN_SYSTEMS or np.ptp(x) == 0 or np.ptp(y) == 0:
                rows.append(row)
                continue
            rho, tau = stats.spearmanr(x, y), stats.kendalltau(x, y, variant="b")
            bx, by = boot_means[:, columns], boot_rates
            rho_low, rho_high = percentile_interval(spearman_rows(bx, by)[:, None], CONFIDENCE)
            tau_low, tau_high = percentile_interval(kendall_b_rows(bx, by)[:, None], CONFIDENCE)
            rows.append(
                row | {"spearman": float(rho.statistic), "spearman_ci95_low": rho_low[0],
                       "spearman_ci95_high": rho_high[0], "spearman_p": float(rho.pvalue),
                       "kendall": float(tau.statistic), "kendall_ci95_low": tau_low[0],
                       "kendall_ci95_high": tau_high[0], "kendall_p": float(tau.pvalue)}
            )  # fmt: skip
    correlations = pd.DataFrame(
        rows,
        columns=["metric", "criterion", "n_systems", "spearman", "spearman_ci95_low", "spearman_ci95_high",
                 "spearman_p", "kendall", "kendall_ci95_low", "kendall_ci95_high", "kendall_p"],
    )  # fmt: skip
    if len(rated) < MIN_SYSTEMS:
        notes.append(
            f"model-level correlations need at least {MIN_SYSTEMS} rated systems; {len(rated)} are rated"
        )
    scores = data.scores.rename(columns={"system": "model"})
    video = metric_human_correlations(scores, verdicts)
    video = video[video["level"] == "video"].drop(columns="level").reset_index(drop=True)
    by_axis = rate_breakdown(verdicts, data.prompts, data.axes) if data.axes else None
    card = judge_card(scores, ratings, resamples=n_resamples, seed=seed)
    return HumanComparison(
        criteria, absolute, correlations, video, by_axis, notes, card if len(card) else None
    )
