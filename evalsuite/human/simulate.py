"""A campaign simulator: absolute ratings with known true rates, rater noise and rater bias.

Everything it makes is SYNTHETIC: rows carry `synthetic=True` and rater ids start with `sim-`.
It serves tests (is a known truth recovered within its intervals?), docs, and power analysis ("how
many prompts separate 37.7% from 37.5%?").

Model of one video (prompt × model): a latent Gaussian vector over the criteria with equal pairwise
correlation `rho` (a Gaussian copula); criterion c truly passes when its latent value is below
Φ⁻¹(true_rate[c]), so each criterion passes with exactly its true rate, and `rho` sets how often a
video passes all of them. Given a target `overall` rate, `rho` is solved for per model. The copula is
sampled and integrated through its one-factor form X_c = √rho·Z + √(1−rho)·E_c (Z, E_c independent
standard normals), so the same seed always gives the same ratings: no Monte Carlo CDF, no matrix
factorisation whose degenerate eigenvectors would reshuffle draws for a tiny change of rho. Each video is
judged by `raters_per_video` raters drawn from a pool; a rater reports the truth flipped with
probability `noise`, shifted on the log-odds scale by the rater's own leniency ~ N(0, `bias_sd`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import integrate, optimize, special, stats


def overall_rate(rates: np.ndarray, rho: float) -> float:
    """P(every criterion passes) under the equicorrelated Gaussian copula, by 1-D quadrature:
    ∫ φ(z) Π_c Φ((t_c − √rho·z) / √(1−rho)) dz with t_c = Φ⁻¹(rate_c)."""
    thresholds = stats.norm.ppf(np.asarray(rates, dtype=float))
    if rho == 0:
        return float(np.prod(np.asarray(rates, dtype=float)))
    scale, shift = np.sqrt(1 - rho), np.sqrt(rho)

    def integrand(z: float) -> float:
        # special.ndtr is Φ; scipy's distribution objects cost ~50 µs per call, which quad multiplies.
        return (
            np.exp(-0.5 * z * z)
            / np.sqrt(2 * np.pi)
            * np.prod(special.ndtr((thresholds - shift * z) / scale))
        )

    return float(integrate.quad(integrand, -np.inf, np.inf, epsabs=1e-12, epsrel=1e-10)[0])


def solve_rho(rates: np.ndarray, overall: float) -> float:
    """The copula correlation that makes P(all pass) equal `overall`."""
    low, high = overall_rate(rates, 0.0), overall_rate(rates, 0.999)
    if not low - 1e-9 <= overall <= high + 1e-9:
        raise ValueError(
            f"overall rate {overall:.3f} is impossible for criterion rates {rates}: it must lie in [{low:.3f}, {high:.3f}]"
        )
    if overall <= low:
        return 0.0
    return float(optimize.brentq(lambda r: overall_rate(rates, r) - overall, 0.0, 0.999, xtol=1e-6))


def simulate_absolute(
    true_rates: pd.DataFrame,
    *,
    overall: pd.Series | None = None,
    n_prompts: int = 1533,
    raters_per_video: int = 5,
    n_raters: int = 60,
    noise: float = 0.1,
    bias_sd: float = 0.0,
    seed: int = 0,
) -> pd.DataFrame:
    """Long-format synthetic ratings for the models (rows) and criteria (columns) of `true_rates`."""
    if raters_per_video > n_raters:
        raise ValueError(f"raters_per_video={raters_per_video} exceeds the pool of n_raters={n_raters}")
    rng = np.random.default_rng(seed)
    criteria = list(true_rates.columns)
    leniency = rng.normal(0.0, bias_sd, size=n_raters)
    frames = []
    for model, rates in true_rates.iterrows():
        rates = rates.to_numpy(dtype=float)
        rho = solve_rho(rates, float(overall[model])) if overall is not None else 0.0
        shared = rng.standard_normal((n_prompts, 1))
        latent = np.sqrt(rho) * shared + np.sqrt(1 - rho) * rng.standard_normal((n_prompts, len(criteria)))
        truth = latent < stats.norm.ppf(rates)  # prompts × criteria
        # Raters per video: a random subset of the pool (argsort of uniforms = sampling without replacement).
        raters = np.argsort(rng.random((n_prompts, n_raters)), axis=1)[:, :raters_per_video]
        p_pass = np.where(truth[:, :, None], 1 - noise, noise)  # prompts × criteria × raters
        p_pass = special.expit(special.logit(np.clip(p_pass, 1e-9, 1 - 1e-9)) + leniency[raters][:, None, :])
        said = rng.random(p_pass.shape) < p_pass
        prompt_idx, crit_idx, rater_slot = np.indices(said.shape).reshape(3, -1)
        frames.append(
            pd.DataFrame(
                {
                    "prompt_id": np.char.add("p", np.char.zfill(prompt_idx.astype(str), 5)),
                    "model": model,
                    "rater_id": np.char.add(
                        "sim-", np.char.zfill(raters[prompt_idx, rater_slot].astype(str), 3)
                    ),
                    "criterion": np.asarray(criteria)[crit_idx],
                    "value": np.where(said.reshape(-1), "pass", "fail"),
                    "true_pass": truth[prompt_idx, crit_idx],
                }
            )
        )
    table = pd.concat(frames, ignore_index=True)
    table["synthetic"] = True
    return table
