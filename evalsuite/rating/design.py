"""A campaign's assignment design: which rater sees which item, in what order, on which side.

* Items. Absolute mode: one per video (system × prompt). GSB mode: one per prompt and pair of systems,
  the two videos side by side.
* Coverage. Every item is seen by exactly `k` different raters: copy c of item i goes to rater
  (i·k + c) mod R after the items are shuffled, so no rater gets an item twice (k ≤ R) and raters' loads
  differ by at most one item; items are interleaved by system first, so each rater's share of every
  system is as even as the counts allow.
* Blinding. System names are never shown; GSB sides are drawn per assignment and recorded.
* Gold items (attention checks) with a known answer, `gold_share` of each rater's list, at shuffled
  positions. Absolute: a video shown with another prompt's text — its text alignment must fail (or be at
  most 2 on a 1-5 scale). GSB: one video against itself — every criterion must be "same".
* Order. Each rater's list, gold items included, is shuffled with the campaign's seed when it is stored.
Everything is a pure function of the inputs and the seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class PlannedItem:
    kind: str  # "video", "pair" or "gold"
    video_a: int  # positions in the videos table
    video_b: int | None
    prompt_of: int  # the video whose prompt the rater reads
    gold: dict | None = None


def plan_items(videos: pd.DataFrame, mode: str) -> list[PlannedItem]:
    """The campaign's items from its videos (columns system, prompt_id; row order = video index)."""
    if mode == "absolute":
        return [PlannedItem("video", i, None, i) for i in range(len(videos))]
    items = []
    for _, group in videos.groupby("prompt_id", sort=True):
        rows = sorted(group.index, key=lambda i: videos.at[i, "system"])
        for x, a in enumerate(rows):
            items += [PlannedItem("pair", a, b, a) for b in rows[x + 1 :]]
    return items


def gold_items(
    videos: pd.DataFrame, mode: str, criteria: list[str], scale: str, count: int, seed: int
) -> list[PlannedItem]:
    """`count` attention checks (see the module docstring)."""
    rng = np.random.default_rng(seed + 1)
    prompts = videos["prompt_id"].to_numpy()
    out = []
    for _ in range(count):
        a = int(rng.integers(len(videos)))
        if mode == "gsb":
            out.append(PlannedItem("gold", a, a, a, {c: "same" for c in criteria}))
            continue
        others = np.flatnonzero(prompts != prompts[a])
        if not len(others) or "text_alignment" not in criteria:
            break
        answer = "fail" if scale == "binary" else "<=2"
        out.append(PlannedItem("gold", a, None, int(rng.choice(others)), {"text_alignment": answer}))
    return out


def assign(order: np.ndarray, n_raters: int, k: int) -> list[list[int]]:
    """Per rater, the item indices it rates, each item to k distinct raters: copy c of the i-th item of
    `order` goes to rater (i·k + c) mod R. Lists keep that order; the campaign shuffles each list with
    its gold items when it stores them."""
    if not 1 <= k <= n_raters:
        raise ValueError(f"each item needs k distinct raters: 1 <= k={k} <= raters={n_raters}")
    lists: list[list[int]] = [[] for _ in range(n_raters)]
    for i, item in enumerate(order):
        for c in range(k):
            lists[(i * k + c) % n_raters].append(int(item))
    return lists


def system_interleaved(videos: pd.DataFrame, items: list[PlannedItem], seed: int) -> np.ndarray:
    """Item order for `assign`: shuffled within each system, then systems taken in turn, so consecutive
    items (and so each rater's cyclic share) cycle through the systems."""
    rng = np.random.default_rng(seed + 2)
    by_system: dict[str, list[int]] = {}
    for i, item in enumerate(items):
        by_system.setdefault(str(videos.at[item.video_a, "system"]), []).append(i)
    queues = [list(rng.permutation(v)) for _, v in sorted(by_system.items())]
    order = []
    while any(queues):
        for queue in queues:
            if queue:
                order.append(int(queue.pop()))
    return np.array(order, dtype=int)
