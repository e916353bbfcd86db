"""Arena-style drawing of side-by-side pairs: the next pair a rater sees is of the two systems whose
Bradley-Terry order is least settled.

When a pair is due, the judgements so far on the campaign's first criterion (raters not excluded) give a
Davidson Bradley-Terry fit (evalsuite/human/pairwise.py) with one virtual tie added to every pair (a weak
prior toward equality that keeps the strengths finite while some system has never lost). For systems i, j
with n_ij judgements and fitted win probability P = P(i ≻ j) + ½P(tie), the order is settled by
z_ij = |P − ½| / √(P(1 − P)/(n_ij + 1)); the pair with the smallest z is drawn first (ties: fewest
judgements, then the seed). Before any judgement every z is 0, so the draws start evenly.
Within the pair, the prompt is the one this rater has not seen with the fewest assignments, and no
item goes past `raters_per_item` assignments. The admin page reports the balance this produced
(judgements per system pair and the spread over prompts).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from evalsuite.human.pairwise import fit_davidson
from evalsuite.rating.campaign import new_assignment
from evalsuite.rating.settings import CampaignSettings
from evalsuite.rating.store import Assignment, Campaign, Item, Judgement, Rater, VideoRow

FROM_A = {True: {"left": 1, "same": 0, "right": -1}, False: {"left": -1, "same": 0, "right": 1}}


def pair_items(session: Session, campaign: Campaign) -> pd.DataFrame:
    """The campaign's real pair items: item, prompt, system_a, system_b, assignments so far."""
    a, b = aliased(VideoRow), aliased(VideoRow)
    assigned = (
        select(Assignment.item_id, func.count(Assignment.id).label("n"))
        .join(Rater, Rater.id == Assignment.rater_id)
        .where(Rater.excluded.is_(None))
        .group_by(Assignment.item_id)
        .subquery()
    )
    rows = session.execute(
        select(Item.id, a.prompt_id, a.system, b.system, func.coalesce(assigned.c.n, 0))
        .join(a, a.id == Item.video_a)
        .join(b, b.id == Item.video_b)
        .outerjoin(assigned, assigned.c.item_id == Item.id)
        .where(Item.campaign_id == campaign.id, Item.kind == "pair")
    ).all()
    return pd.DataFrame(rows, columns=["item", "prompt_id", "system_a", "system_b", "assigned"])


def outcomes(session: Session, campaign: Campaign) -> pd.DataFrame:
    """Judgements on the first criterion: system_a, system_b, score (+1 a better, 0 same, −1 b better)."""
    a, b = aliased(VideoRow), aliased(VideoRow)
    criterion = campaign.criteria[0]
    rows = session.execute(
        select(a.system, b.system, Assignment.a_on_left, Judgement.values)
        .join(Assignment, Assignment.id == Judgement.assignment_id)
        .join(Rater, Rater.id == Judgement.rater_id)
        .join(Item, Item.id == Judgement.item_id)
        .join(a, a.id == Item.video_a)
        .join(b, b.id == Item.video_b)
        .where(Item.campaign_id == campaign.id, Item.kind == "pair", Rater.excluded.is_(None))
        .where(Judgement.cannot_judge.is_(False))
    ).all()
    scores = [(sa, sb, FROM_A[bool(left)][values[criterion]]) for sa, sb, left, values in rows]
    return pd.DataFrame(scores, columns=["system_a", "system_b", "score"])


def settledness(systems: list[str], judged: pd.DataFrame) -> pd.DataFrame:
    """Per system pair (a < b): n judgements, the fitted P(a beats b) and z (module docstring)."""
    pairs = [(x, y) for k, x in enumerate(systems) for y in systems[k + 1 :]]
    counts = {p: [0.0, 0.0, 0.0] for p in pairs}  # a wins, b wins, ties
    for sa, sb, score in judged.itertuples(index=False):
        key, flip = ((sa, sb), 1) if (sa, sb) in counts else ((sb, sa), -1)
        counts[key][{1: 0, -1: 1, 0: 2}[score * flip]] += 1
    index = {s: k for k, s in enumerate(systems)}
    i = np.array([index[x] for x, _ in pairs])
    j = np.array([index[y] for _, y in pairs])
    wins, losses, ties = (np.array([counts[p][c] for p in pairs]) for c in range(3))
    n = wins + losses + ties
    # One virtual tie per pair: a weak prior toward equality that keeps the fit finite (Ford's condition
    # holds once every pair has a tie) from the first judgement on, even while one system never lost.
    fit = fit_davidson(i, j, wins, losses, ties + 1, systems, systems[0])
    probability = fit.win_probability().to_numpy()[i, j]
    spread = np.sqrt(probability * (1 - probability) / (n + 1))
    z = np.abs(probability - 0.5) / np.maximum(spread, 1e-12)
    return pd.DataFrame({"system_a": [x for x, _ in pairs], "system_b": [y for _, y in pairs],
                         "n": n.astype(int), "p_a_beats_b": probability, "z": z})  # fmt: skip


def draw_pair(
    session: Session, rater: Rater, campaign: Campaign, settings: CampaignSettings, position: int
) -> Assignment | None:
    """Store and return the rater's assignment at `position`: the least settled pair's least assigned
    prompt this rater has not seen; None when no item has room left."""
    items = pair_items(session, campaign)
    seen = set(session.scalars(select(Assignment.item_id).where(Assignment.rater_id == rater.id)))
    seen_prompts = set(items.loc[items["item"].isin(seen), "prompt_id"])
    open_items = items[~items["item"].isin(seen) & (items["assigned"] < campaign.raters_per_item)]
    if open_items.empty:
        return None
    fresh = open_items[~open_items["prompt_id"].isin(seen_prompts)]
    open_items = fresh if not fresh.empty else open_items
    systems = sorted(set(items["system_a"]) | set(items["system_b"]))
    ranked = settledness(systems, outcomes(session, campaign))
    rng = np.random.default_rng([settings.seed, rater.id, position])
    ranked = ranked.assign(draw=rng.random(len(ranked))).sort_values(["z", "n", "draw"])
    for pair in ranked.itertuples():
        candidates = open_items[
            (open_items["system_a"] == pair.system_a) & (open_items["system_b"] == pair.system_b)
        ]
        if candidates.empty:
            continue
        fewest = candidates[candidates["assigned"] == candidates["assigned"].min()]
        item = session.get(Item, int(fewest["item"].iloc[int(rng.integers(len(fewest)))]))
        assignment = new_assignment(rater, item, position, rng)
        session.add(assignment)
        session.flush()
        return assignment
    return None


def balance(session: Session, campaign: Campaign) -> pd.DataFrame:
    """Per system pair: judgements and assignments so far, and the fewest and most assignments of any of
    its prompts (an adaptive design's balance)."""
    items = pair_items(session, campaign)
    judged = outcomes(session, campaign)
    counts = judged.groupby(["system_a", "system_b"]).size()
    rows = []
    for (sa, sb), group in items.groupby(["system_a", "system_b"], sort=True):
        rows.append({"pair": f"{sa} vs {sb}", "judgements": int(counts.get((sa, sb), 0)),
                     "assignments": int(group["assigned"].sum()), "per_prompt_min": int(group["assigned"].min()),
                     "per_prompt_max": int(group["assigned"].max())})  # fmt: skip
    return pd.DataFrame(rows)
