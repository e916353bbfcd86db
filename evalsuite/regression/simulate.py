"""Simulated runs for the quality layer: its power against an injected degradation and its false-alarm
rate when only the seed changes, measured by running the gate on many simulated pairs of score tables.

The model of a per-prompt metric value (0-100 scale, like a VBench or CLIP score x 100):

    value(prompt, seed) = difficulty_prompt + noise_seed,   difficulty ~ N(50, prompt_sd²),
    noise ~ noise_sd · t_5 / sd(t_5)   (heavier tails than a normal, as real per-video scores have)

A seed change redraws the noise of every prompt; a degradation of `drop` subtracts `drop` from the
candidate's values of the first metric. Metrics are independent here, which is the worst case for
Holm's correction (correlated metrics make it conservative).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from evalsuite.regression.quality import compare_runs

T_DF = 5


def _noise(rng: np.random.Generator, size: int, sd: float) -> np.ndarray:
    return sd * rng.standard_t(T_DF, size) / np.sqrt(T_DF / (T_DF - 2))


def simulated_pair(
    rng: np.random.Generator,
    n_prompts: int,
    n_metrics: int,
    noise_sd: float,
    drop: float,
    prompt_sd: float = 15.0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A baseline and a candidate score table over the same prompts with different seeds."""
    prompt_ids = [f"p{i:04d}" for i in range(n_prompts)]
    base, cand = [], []
    for m in range(n_metrics):
        difficulty = rng.normal(50.0, prompt_sd, n_prompts)
        shift = drop if m == 0 else 0.0
        base.append(
            pd.DataFrame(
                {
                    "prompt_id": prompt_ids,
                    "metric": f"m{m}",
                    "value": difficulty + _noise(rng, n_prompts, noise_sd),
                }
            )
        )
        cand.append(
            pd.DataFrame(
                {
                    "prompt_id": prompt_ids,
                    "metric": f"m{m}",
                    "value": difficulty + _noise(rng, n_prompts, noise_sd) - shift,
                }
            )
        )
    return pd.concat(base), pd.concat(cand)


@dataclass
class GateRates:
    runs: int
    detected: float  # share of runs in which the degraded metric (m0) failed the gate
    any_failed: float  # share of runs in which any metric failed the gate

    def standard_error(self, rate: float) -> float:
        return float(np.sqrt(max(rate * (1 - rate), 1e-12) / self.runs))


def gate_rates(
    *,
    runs: int,
    n_prompts: int,
    drop: float,
    noise_sd: float,
    n_metrics: int = 4,
    method: str = "wilcoxon",
    alpha: float = 0.05,
    min_effect: float = 0.0,
    n_resamples: int = 500,
    seed: int = 0,
) -> GateRates:
    """Run the gate on `runs` simulated pairs; a higher value is better for every simulated metric."""
    rng = np.random.default_rng(seed)
    detected = failed = 0
    for _ in range(runs):
        baseline, candidate = simulated_pair(rng, n_prompts, n_metrics, noise_sd, drop)
        result = compare_runs(
            baseline,
            candidate,
            {f"m{m}": True for m in range(n_metrics)},
            method=method,
            alpha=alpha,
            min_effect={f"m{m}": min_effect for m in range(n_metrics)},
            n_resamples=n_resamples,
            seed=int(rng.integers(2**31)),
            intervals=False,
        )
        degraded = result.degraded
        detected += "m0" in degraded
        failed += bool(degraded)
    return GateRates(runs, detected / runs, failed / runs)
