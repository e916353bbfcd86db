"""Pairwise (GSB) judgements -> counts, net GSB, and a Bradley-Terry model with ties on the Elo scale.

Definitions, per criterion and pair (A, B), with G, S, B the judgements A better / same / B better:

* net GSB = (G − B) / (G + S + B), in [−1, 1];  GSB ratio = (G + S) / (S + B).
* Davidson's (1970) Bradley-Terry model with ties: with strengths π = exp(θ),
  P(A ≻ B) = π_A / D,  P(A = B) = ν·√(π_A·π_B) / D,  D = π_A + π_B + ν·√(π_A·π_B),
  fitted by maximum likelihood (scipy L-BFGS-B, analytic gradient) with θ_baseline = 0 and ν = exp(λ).
  The MLE is finite when every model beat or tied, directly or through others, every other model (Ford's
  condition); otherwise the fit is reported as not identified (`identified` False), never silently.
* Elo = 400 / ln 10 · θ + 1000, so the baseline sits at 1000 and 400 points mean 10:1 odds.
* Win probability of A over B = P(A ≻ B) + ½·P(A = B) (a tie counts half), so the matrix's (A, B) and
  (B, A) cells sum to 1.
* Intervals: percentile bootstrap with prompts as the resampled cluster (counts re-weighted by
  multinomial prompt weights, each resample refitted from the full-data estimate).

When only absolute ratings exist, `pairs_from_verdicts` turns per-prompt majority verdicts into
judgements (A passes and B fails -> good, equal verdicts -> same), so the same model applies.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd
from scipy import optimize
from scipy.sparse import csgraph

from evalsuite.human.bootstrap import cluster_weights, percentile_interval
from evalsuite.human.ratings import PairwiseRatings

ELO_SCALE = 400 / np.log(10)
ELO_BASE = 1000.0


@dataclass
class BradleyTerryFit:
    models: list[str]
    baseline: str
    theta: np.ndarray  # log-strengths, theta[baseline] = 0
    tie: float  # Davidson's nu
    log_likelihood: float
    converged: bool

    @property
    def elo(self) -> np.ndarray:
        return ELO_SCALE * self.theta + ELO_BASE

    def win_probability(self) -> pd.DataFrame:
        """P(row beats column) + ½·P(tie); the diagonal is ½."""
        strength = np.exp(self.theta)
        a, b = strength[:, None], strength[None, :]
        tie_mass = self.tie * np.sqrt(a * b)
        prob = (a + tie_mass / 2) / (a + b + tie_mass)
        return pd.DataFrame(prob, index=self.models, columns=self.models)


def gsb_counts(pairwise: PairwiseRatings) -> pd.DataFrame:
    """Per criterion and pair: G, S, B, n, net GSB and the GSB ratio."""
    table = pairwise.table
    counts = (
        table.assign(G=table["score"] == 1, S=table["score"] == 0, B=table["score"] == -1)
        .groupby(["criterion", "model_a", "model_b"], sort=True)[["G", "S", "B"]]
        .sum()
        .reset_index()
    )
    counts["n"] = counts[["G", "S", "B"]].sum(axis=1)
    counts["net_gsb"] = (counts["G"] - counts["B"]) / counts["n"]
    with np.errstate(divide="ignore", invalid="ignore"):
        counts["gsb_ratio"] = (counts["G"] + counts["S"]) / (counts["S"] + counts["B"])
    return counts


def _outcome_arrays(table: pd.DataFrame, models: list[str], prompts: pd.Index) -> tuple[np.ndarray, ...]:
    """Index pairs (i, j) and prompts × pairs arrays of A-wins, B-wins and ties."""
    index = {m: k for k, m in enumerate(models)}
    pairs = sorted({(index[a], index[b]) for a, b in zip(table["model_a"], table["model_b"], strict=True)})
    pair_index = {p: k for k, p in enumerate(pairs)}
    column = np.array(
        [pair_index[(index[a], index[b])] for a, b in zip(table["model_a"], table["model_b"], strict=True)],
        dtype=np.int64,
    )
    row = prompts.get_indexer(table["prompt_id"])
    out = []
    for value in (1, -1, 0):
        grid = np.zeros((len(prompts), len(pairs)))
        hit = table["score"].to_numpy() == value
        np.add.at(grid, (row[hit], column[hit]), 1.0)
        out.append(grid)
    ends = np.array(pairs, dtype=np.int64).reshape(-1, 2)
    return ends[:, 0], ends[:, 1], *out


def _negative_log_likelihood(
    params: np.ndarray, i: np.ndarray, j: np.ndarray, wins: np.ndarray, losses: np.ndarray, ties: np.ndarray,
    free: np.ndarray,
) -> tuple[float, np.ndarray]:  # fmt: skip
    theta = np.zeros(len(free) + 1)
    theta[free] = params[:-1]
    log_nu = params[-1]
    ti, tj = theta[i], theta[j]
    mid = (ti + tj) / 2
    log_terms = np.stack([ti, tj, log_nu + mid])  # log π_i, log π_j, log ν√(π_iπ_j)
    log_d = np.logaddexp.reduce(log_terms, axis=0)
    total = wins + losses + ties
    loglik = np.sum(wins * ti + losses * tj + ties * (log_nu + mid) - total * log_d)
    share = np.exp(log_terms - log_d)  # expected shares of i-wins, j-wins, ties
    # ∂/∂θ_i of the log-likelihood: observed minus expected, with a tie counting half to each side.
    d_i = (wins + ties / 2) - total * (share[0] + share[2] / 2)
    d_j = (losses + ties / 2) - total * (share[1] + share[2] / 2)
    grad_theta = np.bincount(i, d_i, len(theta)) + np.bincount(j, d_j, len(theta))
    grad_nu = np.sum(ties - total * share[2])
    grad = np.concatenate([grad_theta[free], [grad_nu]])
    return -loglik, -grad


def fit_davidson(
    i: np.ndarray, j: np.ndarray, wins: np.ndarray, losses: np.ndarray, ties: np.ndarray,
    models: list[str], baseline: str, start: np.ndarray | None = None,
) -> BradleyTerryFit:  # fmt: skip
    """Maximum-likelihood Davidson model from per-pair totals (see the module docstring)."""
    anchor = models.index(baseline)
    free = np.array([k for k in range(len(models)) if k != anchor], dtype=np.int64)
    if start is None:
        start = np.zeros(len(free) + 1)
        start[-1] = np.log(max(ties.sum(), 0.5) / max(wins.sum() + losses.sum(), 1.0)) + np.log(2)
    result = optimize.minimize(
        _negative_log_likelihood, start, args=(i, j, wins, losses, ties, free), jac=True, method="L-BFGS-B",
        bounds=[(-30, 30)] * len(free) + [(-30, 10)], options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 2000},
    )  # fmt: skip
    theta = np.zeros(len(models))
    theta[free] = result.x[:-1]
    identified = _strongly_connected(i, j, wins, losses, ties, len(models))
    return BradleyTerryFit(
        models,
        baseline,
        theta,
        float(np.exp(result.x[-1])),
        -float(result.fun),
        bool(result.success) and identified,
    )


def _strongly_connected(
    i: np.ndarray, j: np.ndarray, wins: np.ndarray, losses: np.ndarray, ties: np.ndarray, n: int
) -> bool:
    """Ford's (1957) condition for finite strengths: in the graph "x beat or tied y", every model reaches
    every other. Otherwise some group never lost to the rest and its strengths run off to infinity."""
    beat_or_tied = np.zeros((n, n), dtype=bool)
    beat_or_tied[i, j] |= (wins + ties) > 0
    beat_or_tied[j, i] |= (losses + ties) > 0
    count, _ = csgraph.connected_components(beat_or_tied, directed=True, connection="strong")
    return count == 1


@dataclass
class PairwiseResult:
    gsb: pd.DataFrame  # per criterion and pair: counts, net GSB, ratio
    ratings: pd.DataFrame  # per criterion and model: theta, Elo, intervals
    win_probability: dict[str, pd.DataFrame]  # per criterion: models × models
    fits: dict[str, BradleyTerryFit]


def aggregate_pairwise(
    pairwise: PairwiseRatings,
    *,
    baseline: str | None = None,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> PairwiseResult:
    """GSB counts plus the Davidson fit with prompt-clustered bootstrap intervals, per criterion."""
    models = list(pairwise.models)
    baseline = baseline or models[0]
    if baseline not in models:
        raise ValueError(f"Elo baseline {baseline!r} is not a rated model; rated: {models}")
    table = pairwise.table
    prompts = pd.Index(sorted(table["prompt_id"].unique()), name="prompt_id")
    rng = np.random.default_rng(seed)
    weights = cluster_weights(rng, len(prompts), n_resamples)
    rows, matrices, fits = [], {}, {}
    for criterion in pairwise.criteria:
        part = table[table["criterion"] == criterion]
        i, j, wins, losses, ties = _outcome_arrays(part, models, prompts)
        fit = fit_davidson(i, j, wins.sum(0), losses.sum(0), ties.sum(0), models, baseline)
        start = np.concatenate([np.delete(fit.theta, models.index(baseline)), [np.log(fit.tie)]])
        boot = np.array([
            fit_davidson(i, j, w @ wins, w @ losses, w @ ties, models, baseline, start=start).elo
            for w in weights
        ]).reshape(n_resamples, len(models))  # fmt: skip
        low, high = percentile_interval(boot, confidence)
        for k, model in enumerate(models):
            rows.append(
                {"criterion": criterion, "model": model, "theta": fit.theta[k], "elo": fit.elo[k],
                 "elo_low": low[k], "elo_high": high[k], "tie_nu": fit.tie, "identified": fit.converged}
            )  # fmt: skip
        matrices[criterion] = fit.win_probability()
        fits[criterion] = fit
    return PairwiseResult(gsb_counts(pairwise), pd.DataFrame(rows), matrices, fits)


def pairs_from_verdicts(videos: pd.DataFrame, criteria: list[str] | None = None) -> pd.DataFrame:
    """Pairwise rows (PAIRWISE_COLUMNS) implied by per-prompt video verdicts of the absolute aggregation."""
    frames = []
    for criterion, part in videos.groupby("criterion", sort=False):
        if criteria is not None and criterion not in criteria:
            continue
        wide = part.pivot(index="prompt_id", columns="model", values="passed")
        for a, b in combinations(sorted(wide.columns), 2):
            both = wide[[a, b]].dropna()
            verdict = np.sign(both[a].astype(int) - both[b].astype(int)).map(
                {1: "good", 0: "same", -1: "bad"}
            )
            frames.append(
                pd.DataFrame({"prompt_id": both.index, "model_a": a, "model_b": b, "rater_id": "majority",
                              "criterion": criterion, "verdict": verdict.to_numpy()})
            )  # fmt: skip
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
