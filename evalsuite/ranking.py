"""Rank ranges that show ties: what the data allow, not just the order of the point estimates.

A system's rank range is [1 + #systems significantly better, N − #systems significantly worse], where
"significantly" is decided by the caller's paired tests (Holm-corrected). Systems the data cannot
separate share ranks, e.g. two systems at "2-3". Used by the human layer (pass rates) and by the
comparison of systems on automatic metrics, so both read the same way. No torch, no networks.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd


def rank_ranges(estimates: pd.Series, wins: Iterable[tuple[str, str]]) -> pd.DataFrame:
    """`estimates`: point estimate per system (index), larger is better; `wins`: (winner, loser) pairs
    that differ significantly. Returns system, estimate, rank_low, rank_high and rank ("2" or "2-3"),
    sorted best first (ties in the estimate keep the given order)."""
    order = estimates.sort_values(ascending=False, kind="stable")
    better = dict.fromkeys(order.index, 0)
    worse = dict.fromkeys(order.index, 0)
    for winner, loser in wins:
        better[loser] += 1
        worse[winner] += 1
    n = len(order)
    low = [1 + better[s] for s in order.index]
    high = [n - worse[s] for s in order.index]
    return pd.DataFrame(
        {
            "system": list(order.index),
            "estimate": order.to_numpy(dtype=float),
            "rank_low": low,
            "rank_high": high,
            "rank": [str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in zip(low, high, strict=True)],
        }
    )
