"""A campaign's assignment design: which rater sees which item, in what order, on which side.

* Items. Absolute mode: one per video (system × prompt). GSB mode: one per prompt and pair of systems,
  the two videos side by side.
* Coverage. Every item is seen by exactly `k` different raters: copy c of item i goes to rater
  (i·k + c) mod R after the items are shuffled, so no rater gets an item twice (k ≤ R) and raters' loads
  differ by at most one item; items are interleaved by system first, so each rater's share of every
  system is as even as the counts allow.
* Blinding. System names are never shown; GSB sides are drawn per assignment and recorded.
* Gold items (attention checks) with a known answer, `gold_share` of each rater's list, at shuffled
  positions, their videos drawn without replacement per rater. Absolute: a video shown with another
  prompt's text — its text alignment must fail (or be at most 2 on a 1-5 scale). GSB, alternating: one
  video against itself — every criterion must be "same"; or a video of the prompt against the same
  system's video of another prompt — text alignment must go to the prompt's own video ("a").
  A gold item is served like any other (fresh random keys, the same headers), so only its content can
  give it away. The practice round is built the same way, with its answers explained.
* Order. Each rater's list, gold items included, is shuffled with the campaign's seed when it is stored.
Everything is a pure function of the inputs and the seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class PlannedItem:
    kind: str  # "video", "pair", "gold" or "practice"
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


def _check_item(videos: pd.DataFrame, mode: str, criteria: list[str], scale: str, a: int, rng, kind: str,
                variant: int) -> PlannedItem | None:  # fmt: skip
    """One item with a known answer built on video `a` (None when the campaign cannot hold one)."""
    prompts, systems = videos["prompt_id"].to_numpy(), videos["system"].to_numpy()
    others = np.flatnonzero(prompts != prompts[a])
    mismatch_possible = "text_alignment" in criteria and len(others) > 0
    if mode == "gsb":
        if variant % 2 == 0 or not mismatch_possible:
            return PlannedItem(kind, a, a, a, {c: "same" for c in criteria})
        same_system = others[systems[others] == systems[a]]
        b = int(rng.choice(same_system if len(same_system) else others))
        return PlannedItem(kind, a, b, a, {"text_alignment": "a"})  # only a's video shows a's text
    if not mismatch_possible:
        return None
    answer = "fail" if scale == "binary" else "<=2"
    return PlannedItem(kind, a, None, int(rng.choice(others)), {"text_alignment": answer})


def gold_items(
    videos: pd.DataFrame, mode: str, criteria: list[str], scale: str, per_rater: int, raters: int, seed: int
) -> list[list[PlannedItem]]:
    """Each rater's `per_rater` attention checks (see the module docstring), their videos drawn without
    replacement within a rater's list (so no rater meets one check twice); none where the campaign has no
    text-alignment criterion to check in absolute mode."""
    rng = np.random.default_rng(seed + 1)
    per_rater = min(per_rater, len(videos))
    out = []
    for _ in range(raters):
        chosen = rng.choice(len(videos), size=per_rater, replace=False)
        items = [
            _check_item(videos, mode, criteria, scale, int(a), rng, "gold", v) for v, a in enumerate(chosen)
        ]
        out.append([item for item in items if item is not None])
    return out


def practice_items(videos: pd.DataFrame, mode: str, criteria: list[str], scale: str, count: int, seed: int
                   ) -> list[PlannedItem]:  # fmt: skip
    """The practice round, the same for every rater: items built like the attention checks, whose known
    answer the rater is shown after answering. In side-by-side mode one of each kind when there are two."""
    rng = np.random.default_rng(seed + 4)
    chosen = rng.choice(len(videos), size=min(count, len(videos)), replace=False)
    items = [
        _check_item(videos, mode, criteria, scale, int(a), rng, "practice", v + 1)
        for v, a in enumerate(chosen)
    ]
    return [item for item in items if item is not None]


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
