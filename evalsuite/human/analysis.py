"""One human-evaluation campaign analysed end to end: the tables every report format renders.

`analyse_campaign` runs the absolute aggregation, the pairwise model (on GSB ratings when given, else on
the pairs implied by the absolute verdicts), agreement, rater deviation, per-category rates, the
automatic-vs-human correlations (when a score table is given) and the check of a published table
against the measured one. Like everything in `evalsuite.human`, it imports no torch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

import pandas as pd

from evalsuite.human.absolute import OVERALL, AbsoluteResult, aggregate_absolute
from evalsuite.human.agreement import agreement_summary, rater_deviation
from evalsuite.human.correlation import metric_human_correlations
from evalsuite.human.pairwise import PairwiseResult, aggregate_pairwise, pairs_from_verdicts
from evalsuite.human.ratings import PairwiseRatings, Ratings, RatingsError, validate_pairwise

PUBLISHED_META = ("open_source", "duration_s", "ranking")


@dataclass
class CampaignAnalysis:
    ratings: Ratings
    absolute: AbsoluteResult
    primary: str
    pairwise: PairwiseResult | None  # None with one rated model: there is nothing to compare
    pairwise_source: str  # "GSB ratings (<file>)" or "implied by the absolute verdicts"
    agreement: pd.DataFrame
    raters: pd.DataFrame
    categories: pd.DataFrame | None  # models × categories: primary pass rate
    correlations: pd.DataFrame | None
    published: pd.DataFrame | None  # indexed by model
    published_check: pd.DataFrame | None  # per shared model and criterion: published vs measured
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    axis_rates: pd.DataFrame | None = None  # pass rates per prompt-set axis value (evalsuite/breakdown.py)

    @property
    def synthetic(self) -> bool:
        table = self.ratings.table
        return bool("synthetic" in table.columns and table["synthetic"].astype(bool).any())


def load_published(path: str | Path, criteria: list[str]) -> pd.DataFrame:
    """A published comparison table: one row per model, rates as fractions in [0, 1]."""
    path = Path(path)
    if not path.is_file():
        raise RatingsError(f"{path}: published table not found (human.published names a CSV)")
    table = pd.read_csv(path, dtype={"model": str})
    missing = [c for c in ["model", *criteria] if c not in table.columns]
    if missing:
        raise RatingsError(
            f"{path}: missing column(s) {missing}; a published table has model, {', '.join(criteria)}"
        )
    if table["model"].duplicated().any():
        raise RatingsError(
            f"{path}: model {table['model'][table['model'].duplicated()].iloc[0]!r} appears twice"
        )
    values = table[criteria].apply(pd.to_numeric, errors="coerce")
    if values.isna().any().any() or ((values < 0) | (values > 1)).any().any():
        raise RatingsError(f"{path}: rates must be fractions in [0, 1] (write 41.3% as 0.413)")
    return table.set_index("model")


def category_rates(videos: pd.DataFrame, categories: pd.Series, criterion: str) -> pd.DataFrame:
    """models × categories: the pass rate on `criterion` (categories maps prompt_id -> category)."""
    part = videos[videos["criterion"] == criterion]
    part = part.assign(category=part["prompt_id"].map(categories))
    return part.dropna(subset=["category"]).pivot_table(
        index="model", columns="category", values="passed", aggfunc="mean"
    )


def _published_check(published: pd.DataFrame, absolute: AbsoluteResult, criteria: list[str]) -> pd.DataFrame:
    rates = absolute.rates.set_index(["model", "criterion"])
    rows = []
    for model in published.index.intersection(absolute.ranking["model"]):
        for criterion in criteria:
            measured = rates.loc[(model, criterion)]
            value = float(published.loc[model, criterion])
            rows.append(
                {"model": model, "criterion": criterion, "published": value, "measured": measured["rate"],
                 "wilson_low": measured["wilson_low"], "wilson_high": measured["wilson_high"],
                 "inside": measured["wilson_low"] <= value <= measured["wilson_high"]}
            )  # fmt: skip
    return pd.DataFrame(rows)


def ranking_notes(published: pd.DataFrame, absolute: AbsoluteResult, primary: str) -> list[str]:
    """Pairs the published ranking orders against their published primary rate, and what the data say."""
    if "ranking" not in published.columns or primary not in published.columns:
        return []
    pairs = absolute.pairs[absolute.pairs["criterion"] == primary].set_index(["model_a", "model_b"])
    ranks = absolute.ranking.set_index("model")["rank"]
    notes = []
    for a, b in combinations(published.index, 2):
        rate_a, rate_b = published.loc[a, primary], published.loc[b, primary]
        rank_a, rank_b = published.loc[a, "ranking"], published.loc[b, "ranking"]
        if (rate_a - rate_b) * (rank_b - rank_a) >= 0:  # consistent (or tied) order
            continue
        text = (
            f"The published ranking is not monotone in {primary}: {a} ({rate_a:.1%}) is ranked {rank_a} "
            f"and {b} ({rate_b:.1%}) is ranked {rank_b}."
        )
        key = (a, b) if (a, b) in pairs.index else (b, a)
        if key in pairs.index:
            row = pairs.loc[key]
            verdict = "statistically tied" if not row["significant"] else "significantly different"
            text += (
                f" Measured here: {a} {ranks[a]}, {b} {ranks[b]}; the two are {verdict} "
                f"(Holm-adjusted p = {row['p_holm']:.2f}, {int(row['n_paired'])} paired prompts)."
            )
        notes.append(text)
    return notes


def analyse_campaign(
    ratings: Ratings,
    *,
    pairwise: PairwiseRatings | None = None,
    published: pd.DataFrame | None = None,
    scores: pd.DataFrame | None = None,
    categories: pd.Series | None = None,
    primary: str = OVERALL,
    test: str = "mcnemar",
    alpha: float = 0.05,
    n_resamples: int = 1000,
    baseline: str | None = None,
    seed: int = 0,
) -> CampaignAnalysis:
    rated = pairwise.models if pairwise is not None else ratings.models
    if baseline is not None and baseline not in rated:  # checked first: fail before the bootstrap runs
        raise RatingsError(f"Elo baseline {baseline!r} is not a rated model; rated: {list(rated)}")
    absolute = aggregate_absolute(
        ratings, primary=primary, test=test, alpha=alpha, n_resamples=n_resamples, seed=seed
    )
    warnings = list(ratings.warnings)
    pair_result, single = None, pairwise is None and len(ratings.models) < 2
    if single:  # one rated model (e.g. ratings that calibrate a judge): pass rates, no pairs
        pairwise_source = "none: one rated model"
    elif pairwise is None:
        implied = pairs_from_verdicts(absolute.videos, [primary])
        pairwise = validate_pairwise(implied, source="absolute verdicts", criteria=None)
        pairwise_source = f"implied by the absolute verdicts on {primary} (A passes, B fails = A better)"
    else:
        pairwise_source = f"GSB ratings ({pairwise.source})"
        warnings += pairwise.warnings
    if not single:
        pair_result = aggregate_pairwise(pairwise, baseline=baseline, n_resamples=n_resamples, seed=seed)
    if categories is None and "category" in ratings.table.columns:
        categories = ratings.table.drop_duplicates("prompt_id").set_index("prompt_id")["category"]
    check, notes = None, []
    if published is not None:
        shown = [c for c in [*ratings.criteria, OVERALL] if c in published.columns]
        check = _published_check(published, absolute, shown)
        notes = ranking_notes(published, absolute, primary)
    correlations = metric_human_correlations(scores, absolute.videos) if scores is not None else None
    if correlations is not None and not (correlations["n"] > 0).any():
        warnings.append(
            "the automatic scores share no (model, prompt_id) with the ratings, so no correlation was computed: "
            f"check that model names and prompt ids match (rated models: {', '.join(ratings.models)})"
        )
    raters = rater_deviation(ratings)
    warnings += [
        f"rater {r.rater_id} deviates from the consensus far more than the others "
        f"(mean deviation {r.deviation:.2f}, robust z {r.robust_z:.1f}): check their judgements"
        for r in raters[raters["outlier"]].itertuples()
    ]
    return CampaignAnalysis(
        ratings=ratings,
        absolute=absolute,
        primary=primary,
        pairwise=pair_result,
        pairwise_source=pairwise_source,
        agreement=agreement_summary(ratings),
        raters=raters,
        categories=category_rates(absolute.videos, categories, primary) if categories is not None else None,
        correlations=correlations,
        published=published,
        published_check=check,
        notes=notes,
        warnings=warnings,
    )
