"""Power analysis: how many prompts (and raters per video) separate two pass rates?

The comparison is McNemar's test on the two models' majority verdicts over the same prompts.

* Rater noise: a rater flips the true verdict with probability e; the majority of k raters is then
  wrong with probability w = P(Binomial(k, e) > k/2), so observed rates are p' = p(1 − w) + (1 − p)w
  and the difference shrinks to δ' = δ(1 − 2w). (With an even k a tied vote fails, which biases both
  rates alike; the formula ignores it, so use an odd k.)
* Pairing: on one prompt the two verdicts correlate with coefficient r (prompt difficulty is shared);
  P(both pass) = p'_a p'_b + r·√(p'_a q'_a p'_b q'_b), and the discordance is ψ = p'_a + p'_b − 2·P(both).
* Prompts needed (Connor 1987, the normal approximation to McNemar's test):
  n = [z_{1−α/2}·√ψ + z_{power}·√(ψ − δ'²)]² / δ'².
`simulated_power` checks the formula with the campaign simulator's own machinery.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from evalsuite.human.absolute import mcnemar_pvalue
from evalsuite.paired import rejects


def majority_error(raters_per_video: int, noise: float) -> float:
    """P(a strict majority of k raters reports the wrong verdict) when each flips with `noise`."""
    return float(stats.binom.sf(raters_per_video // 2, raters_per_video, noise))


def observed_rates(rate_a: float, rate_b: float, raters_per_video: int, noise: float) -> tuple[float, float]:
    w = majority_error(raters_per_video, noise)
    return rate_a * (1 - w) + (1 - rate_a) * w, rate_b * (1 - w) + (1 - rate_b) * w


def discordance(rate_a: float, rate_b: float, correlation: float) -> float:
    both = rate_a * rate_b + correlation * math.sqrt(rate_a * (1 - rate_a) * rate_b * (1 - rate_b))
    return rate_a + rate_b - 2 * both


def prompts_needed(
    rate_a: float,
    rate_b: float,
    *,
    raters_per_video: int = 5,
    noise: float = 0.1,
    correlation: float = 0.0,
    alpha: float = 0.05,
    power: float = 0.8,
) -> int:
    """Prompts for McNemar's test to detect rate_a ≠ rate_b with the given power (module docstring)."""
    a, b = observed_rates(rate_a, rate_b, raters_per_video, noise)
    delta = a - b
    if delta == 0:
        return math.inf
    psi = discordance(a, b, correlation)
    z_alpha, z_power = stats.norm.ppf(1 - alpha / 2), stats.norm.ppf(power)
    return math.ceil((z_alpha * math.sqrt(psi) + z_power * math.sqrt(psi - delta**2)) ** 2 / delta**2)


def simulated_power(
    rate_a: float,
    rate_b: float,
    n_prompts: int,
    *,
    raters_per_video: int = 5,
    noise: float = 0.1,
    alpha: float = 0.05,
    repeats: int = 400,
    seed: int = 0,
) -> float:
    """Share of simulated campaigns (independent verdicts, r = 0) in which McNemar rejects at `alpha`."""
    rng = np.random.default_rng(seed)
    rejected = 0
    for _ in range(repeats):
        truth = rng.random((n_prompts, 2)) < np.array([rate_a, rate_b])
        flips = rng.random((n_prompts, 2, raters_per_video)) < noise
        said = truth[:, :, None] ^ flips
        verdict = 2 * said.sum(axis=2) > raters_per_video
        rejected += rejects(mcnemar_pvalue(verdict[:, 0], verdict[:, 1])[2], alpha)
    return rejected / repeats


def pair_prompts_needed(
    win_rate: float,
    *,
    raters_per_item: int = 3,
    noise: float = 0.1,
    alpha: float = 0.05,
    power: float = 0.8,
) -> int:
    """Prompts of one pair of systems for a sign test on the per-prompt majority preference to detect a
    true win rate `win_rate` against ½ (side-by-side campaigns). A rater prefers the wrong side with
    probability `noise`, so the majority of k is wrong with w = majority_error(k, noise) and the observed
    rate is p' = p(1 − w) + (1 − p)w; then n = [z_{1−α/2}·½ + z_{power}·√(p'(1 − p'))]² / (p' − ½)²."""
    w = majority_error(raters_per_item, noise)
    p = win_rate * (1 - w) + (1 - win_rate) * w
    if p == 0.5:
        return math.inf
    z_alpha, z_power = stats.norm.ppf(1 - alpha / 2), stats.norm.ppf(power)
    return math.ceil((z_alpha * 0.5 + z_power * math.sqrt(p * (1 - p))) ** 2 / (p - 0.5) ** 2)
