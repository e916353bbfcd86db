"""Judgements out of the database in the human layer's long formats, and the human report from them.

absolute.csv: prompt_id, model, rater_id, criterion, value (pass/fail, or 1-5 on a Likert campaign).
pairwise.csv: prompt_id, model_a, model_b, rater_id, criterion, verdict (good/same/bad from model_a's side),
plus the audit columns a_side (where model_a's video was shown) and clicked (what the rater pressed).
Both hold real items only: gold and practice items are checks (`monitor.py` scores them), and a "cannot
judge" answer has no value. Excluded raters (screened out, or excluded by the owner) are left out unless
`include_excluded`; then their rows stay, and judgements.csv says who they are.
judgements.csv: every judgement, checks and "cannot judge" included, with the rater's exclusion, the
comment and both clocks: the audit trail. Rows are sorted, so one database always exports the same bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from evalsuite.data.atomic import write_csv_atomic
from evalsuite.rating.store import Assignment, Campaign, Item, Judgement, Rater, VideoRow, open_store

FROM_A = {
    True: {"left": "good", "same": "same", "right": "bad"},
    False: {"left": "bad", "same": "same", "right": "good"},
}
COLUMNS = ["rater_id", "participant", "excluded", "kind", "gold", "model_a", "prompt_id", "model_b",
           "a_on_left", "position", "values", "cannot_judge", "comment", "seconds", "served_seconds"]  # fmt: skip


def judgements(session: Session, campaign: Campaign, rater_id: int | None = None) -> pd.DataFrame:
    """One row per judgement (of one rater, given its database id): rater (and whether excluded), item
    kind, the videos' systems and prompt, side, position (practice items are negative), values, "cannot
    judge", comment and clocks."""
    a, b = aliased(VideoRow), aliased(VideoRow)
    query = (
        select(
            Rater.name,
            Rater.participant,
            Rater.excluded.is_not(None),
            Item.kind,
            Item.gold,
            a.system,
            a.prompt_id,
            b.system,
            Assignment.a_on_left,
            Assignment.position,
            Judgement.values,
            Judgement.cannot_judge,
            Judgement.comment,
            Judgement.seconds,
            Judgement.served_seconds,
        )
        .join(Assignment, Assignment.id == Judgement.assignment_id)
        .join(Rater, Rater.id == Judgement.rater_id)
        .join(Item, Item.id == Judgement.item_id)
        .join(a, a.id == Item.video_a)
        .outerjoin(b, b.id == Item.video_b)
        .where(Rater.campaign_id == campaign.id)
    )
    if rater_id is not None:
        query = query.where(Judgement.rater_id == rater_id)
    table = pd.DataFrame(session.execute(query).all(), columns=COLUMNS)
    table["excluded"] = table["excluded"].astype(bool)
    table["cannot_judge"] = table["cannot_judge"].astype(bool)
    return table


def answered(table: pd.DataFrame, kind: str, include_excluded: bool = False) -> pd.DataFrame:
    keep = (table["kind"] == kind) & ~table["cannot_judge"]
    if not include_excluded:
        keep &= ~table["excluded"]
    return table[keep]


def absolute_table(table: pd.DataFrame, criteria: list[str], include_excluded: bool = False) -> pd.DataFrame:
    out = [
        {"prompt_id": r.prompt_id, "model": r.model_a, "rater_id": r.rater_id, "criterion": c, "value": r.values[c]}
        for r in answered(table, "video", include_excluded).itertuples()
        for c in criteria
    ]  # fmt: skip
    frame = pd.DataFrame(out, columns=["prompt_id", "model", "rater_id", "criterion", "value"])
    return frame.sort_values(["prompt_id", "model", "rater_id", "criterion"], ignore_index=True)


def pairwise_table(table: pd.DataFrame, criteria: list[str], include_excluded: bool = False) -> pd.DataFrame:
    out = [
        {
            "prompt_id": r.prompt_id,
            "model_a": r.model_a,
            "model_b": r.model_b,
            "rater_id": r.rater_id,
            "criterion": c,
            "verdict": FROM_A[bool(r.a_on_left)][r.values[c]],
            "a_side": "left" if r.a_on_left else "right",
            "clicked": r.values[c],
        }
        for r in answered(table, "pair", include_excluded).itertuples()
        for c in criteria
    ]
    columns = ["prompt_id", "model_a", "model_b", "rater_id", "criterion", "verdict", "a_side", "clicked"]
    frame = pd.DataFrame(out, columns=columns)
    return frame.sort_values(["prompt_id", "model_a", "model_b", "rater_id", "criterion"], ignore_index=True)


def audit_table(table: pd.DataFrame) -> pd.DataFrame:
    """judgements.csv: every judgement with its values as JSON text."""
    out = table.assign(
        values=[json.dumps(v, sort_keys=True) for v in table["values"]],
        gold=[json.dumps(g, sort_keys=True) if g else "" for g in table["gold"]],
    )
    return out.sort_values(["rater_id", "position"], ignore_index=True)


def campaign_files(
    session: Session, campaign: Campaign, include_excluded: bool = False
) -> dict[str, pd.DataFrame]:
    """The export's tables by file stem."""
    table = judgements(session, campaign)
    criteria = list(campaign.criteria)
    main = (
        {"absolute": absolute_table(table, criteria, include_excluded)}
        if campaign.mode == "absolute"
        else {"pairwise": pairwise_table(table, criteria, include_excluded)}
    )
    return main | {"judgements": audit_table(table)}


@dataclass
class Exported:
    files: dict[str, Path]
    mode: str
    scale: str
    criteria: list[str]


def export_campaign(db_url: str, name: str, out_dir: str | Path, include_excluded: bool = False) -> Exported:
    """Write absolute.csv (absolute campaigns) or pairwise.csv (GSB campaigns) and judgements.csv."""
    from evalsuite.rating.campaign import CampaignError

    engine, sessions = open_store(db_url)
    try:
        with sessions() as session:
            campaign = session.scalar(select(Campaign).where(Campaign.name == name))
            if campaign is None:
                known = ", ".join(session.scalars(select(Campaign.name))) or "none"
                raise CampaignError(f"{db_url}: no campaign {name!r} (campaigns: {known})")
            tables = campaign_files(session, campaign, include_excluded)
            criteria, mode, scale = list(campaign.criteria), campaign.mode, campaign.scale
    finally:
        engine.dispose()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = {stem: write_csv_atomic(out / f"{stem}.csv", frame) for stem, frame in tables.items()}
    return Exported(files, mode, scale, criteria)
