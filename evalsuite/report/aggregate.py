"""Aggregate per-video scores into per-model and per-category tables with bootstrap intervals.

Intervals are percentile bootstrap 95% intervals of the mean over prompts (scipy.stats.bootstrap,
1,000 resamples, fixed seed), so the same scores always give the same table. Failed and missing
videos are counted, never averaged in.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

N_RESAMPLES = 1000
CONFIDENCE = 0.95


def bootstrap_mean_ci(values: np.ndarray, seed: int = 0) -> tuple[float, float]:
    values = np.asarray(values, dtype=float)
    if len(values) < 2:
        return (np.nan, np.nan)
    if np.all(values == values[0]):
        return (float(values[0]), float(values[0]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        result = stats.bootstrap(
            (values,),
            np.mean,
            n_resamples=N_RESAMPLES,
            confidence_level=CONFIDENCE,
            method="percentile",
            rng=np.random.default_rng(seed),
        )
    return (float(result.confidence_interval.low), float(result.confidence_interval.high))


def _summarise(group: pd.DataFrame) -> pd.Series:
    ok = group.loc[group["status"] == "ok", "value"].to_numpy(dtype=float)
    low, high = bootstrap_mean_ci(ok)
    return pd.Series(
        {
            "n_ok": len(ok),
            "n_failed": int((group["status"] != "ok").sum()),
            "mean": float(ok.mean()) if len(ok) else np.nan,
            "ci95_low": low,
            "ci95_high": high,
            "std": float(ok.std(ddof=1)) if len(ok) > 1 else np.nan,
            "min": float(ok.min()) if len(ok) else np.nan,
            "max": float(ok.max()) if len(ok) else np.nan,
        }
    )


def summarise(scores: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """One row per group of `by` (e.g. model × metric) with counts, mean, 95% CI, std, min, max."""
    if scores.empty:
        return pd.DataFrame(
            columns=[*by, "n_ok", "n_failed", "mean", "ci95_low", "ci95_high", "std", "min", "max"]
        )
    keyed = scores.assign(category=scores["category"].fillna("(none)"))
    table = keyed.groupby(by, sort=True, dropna=False)[["value", "status"]].apply(_summarise).reset_index()
    return table.astype({"n_ok": int, "n_failed": int})
