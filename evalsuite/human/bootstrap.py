"""Cluster bootstrap pieces shared by the absolute and pairwise aggregations.

Resamples are drawn as multinomial weights over clusters (prompts or raters): a weighted statistic
per row of weights is that statistic on one resample, and one weight matrix can serve every model so
paired differences stay paired.
"""

from __future__ import annotations

import numpy as np


def cluster_weights(rng: np.random.Generator, n_clusters: int, n_resamples: int) -> np.ndarray:
    """n_resamples × n_clusters counts: how often each cluster is drawn in each resample."""
    return rng.multinomial(n_clusters, np.full(n_clusters, 1 / n_clusters), size=n_resamples)


def percentile_interval(samples: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Per column of `samples` (rows = resamples), the percentile interval, ignoring NaN resamples;
    NaN when there are no resamples (n_resamples=0: no bootstrap asked for)."""
    if len(samples) == 0:
        empty = np.full(samples.shape[1:], np.nan)
        return empty, empty
    tail = (1 - confidence) / 2 * 100
    return np.nanpercentile(samples, tail, axis=0), np.nanpercentile(samples, 100 - tail, axis=0)
