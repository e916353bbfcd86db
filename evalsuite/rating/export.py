"""Judgements out of the database in the human layer's long formats, and the human report from them.

absolute.csv: prompt_id, model, rater_id, criterion, value (pass/fail, or 1-5 on a Likert campaign).
pairwise.csv: prompt_id, model_a, model_b, rater_id, criterion, verdict (good/same/bad from model_a's side),
plus the audit columns a_side (where model_a's video was shown) and clicked (what the rater pressed).
Gold items are left out of both (they are attention checks; `monitor.py` scores them). Rows are sorted,
so the same database always exports the same bytes.
"""

from __future__ import annotations

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


def judgements(session: Session, campaign: Campaign) -> pd.DataFrame:
    """One row per judgement: rater, item kind, the videos' systems and prompt, side, values, seconds."""
    a, b = aliased(VideoRow), aliased(VideoRow)
    rows = session.execute(
        select(
            Rater.name,
            Item.kind,
            Item.gold,
            a.system,
            a.prompt_id,
            b.system,
            Assignment.a_on_left,
            Judgement.values,
            Judgement.seconds,
        )
        .join(Assignment, Assignment.id == Judgement.assignment_id)
        .join(Rater, Rater.id == Judgement.rater_id)
        .join(Item, Item.id == Judgement.item_id)
        .join(a, a.id == Item.video_a)
        .outerjoin(b, b.id == Item.video_b)
        .where(Rater.campaign_id == campaign.id)
    ).all()
    columns = [
        "rater_id",
        "kind",
        "gold",
        "model_a",
        "prompt_id",
        "model_b",
        "a_on_left",
        "values",
        "seconds",
    ]
    return pd.DataFrame(rows, columns=columns)


def absolute_table(table: pd.DataFrame, criteria: list[str]) -> pd.DataFrame:
    real = table[table["kind"] == "video"]
    out = [
        {
            "prompt_id": r.prompt_id,
            "model": r.model_a,
            "rater_id": r.rater_id,
            "criterion": c,
            "value": r.values[c],
        }
        for r in real.itertuples()
        for c in criteria
    ]
    frame = pd.DataFrame(out, columns=["prompt_id", "model", "rater_id", "criterion", "value"])
    return frame.sort_values(["prompt_id", "model", "rater_id", "criterion"], ignore_index=True)


def pairwise_table(table: pd.DataFrame, criteria: list[str]) -> pd.DataFrame:
    real = table[table["kind"] == "pair"]
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
        for r in real.itertuples()
        for c in criteria
    ]
    columns = ["prompt_id", "model_a", "model_b", "rater_id", "criterion", "verdict", "a_side", "clicked"]
    frame = pd.DataFrame(out, columns=columns)
    return frame.sort_values(["prompt_id", "model_a", "model_b", "rater_id", "criterion"], ignore_index=True)


@dataclass
class Exported:
    files: dict[str, Path]
    mode: str
    scale: str
    criteria: list[str]


def export_campaign(db_url: str, name: str, out_dir: str | Path) -> Exported:
    """Write absolute.csv (absolute campaigns) or pairwise.csv (GSB campaigns) into `out_dir`."""
    from evalsuite.rating.campaign import CampaignError

    engine, sessions = open_store(db_url)
    try:
        with sessions() as session:
            campaign = session.scalar(select(Campaign).where(Campaign.name == name))
            if campaign is None:
                known = ", ".join(session.scalars(select(Campaign.name))) or "none"
                raise CampaignError(f"{db_url}: no campaign {name!r} (campaigns: {known})")
            table = judgements(session, campaign)
            criteria, mode, scale = list(campaign.criteria), campaign.mode, campaign.scale
    finally:
        engine.dispose()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if mode == "absolute":
        files = {"absolute": write_csv_atomic(out / "absolute.csv", absolute_table(table, criteria))}
    else:
        files = {"pairwise": write_csv_atomic(out / "pairwise.csv", pairwise_table(table, criteria))}
    return Exported(files, mode, scale, criteria)
