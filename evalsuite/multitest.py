"""Holm's step-down correction for a family of tests, shared by the comparison of systems, the
regression gate and the human layer. No torch.

Written out rather than called from statsmodels: statsmodels 0.15's `multipletests` runs a full
`gc.collect()` on every call, 0.1-0.4 s each in a process with torch loaded, which was most of a
16-metric comparison's time and of the regression gate's simulations. Equal to
`multipletests(method="holm")` (tests/compare/test_statistics.py).
"""

from __future__ import annotations

import numpy as np


def holm(pvalues: np.ndarray) -> np.ndarray:
    """Holm-adjusted p-values: sorted ascending, the k-th (from 0) times (m − k), made non-decreasing,
    capped at 1. A test is rejected at level α exactly when its adjusted p is ≤ α."""
    pvalues = np.asarray(pvalues, dtype=float)
    order = np.argsort(pvalues, kind="stable")
    m = len(pvalues)
    stepped = np.maximum.accumulate(pvalues[order] * (m - np.arange(m)))
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(stepped, 1.0)
    return adjusted
