"""What the admin page shows, computed from the committed judgements with the human layer's own statistics:
per-rater progress, median seconds per item, gold-item accuracy; Fleiss κ and Krippendorff α per
criterion (evalsuite/human/agreement.py) once items have two judgements; the raters to look at
(gold accuracy under 70 %, the human layer's straight-liners and agreement outliers); videos whose files
moved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from evalsuite.human.agreement import agreement_summary, rater_deviation
from evalsuite.human.ratings import RatingsError, straight_liner_ids, validate_absolute
from evalsuite.rating.export import absolute_table, judgements
from evalsuite.rating.store import Assignment, Campaign, Rater, VideoRow

GOLD_ACCURACY_FLOOR = 0.7


@dataclass
class CampaignStatus:
    raters: pd.DataFrame  # rater, done, total, median_seconds, gold_items, gold_accuracy, flag
    agreement: pd.DataFrame  # criterion, fleiss_kappa, krippendorff_alpha, ...
    missing_videos: list[str] = field(default_factory=list)
    judgements: int = 0
    assignments: int = 0


def gold_correct(values: dict, gold: dict) -> bool:
    for criterion, answer in gold.items():
        given = values.get(criterion)
        if answer == "<=2":
            if not (isinstance(given, int) and given <= 2):
                return False
        elif given != answer:
            return False
    return True


def campaign_status(session: Session, campaign: Campaign) -> CampaignStatus:
    table = judgements(session, campaign)
    totals = dict(
        session.execute(
            select(Rater.name, func.count(Assignment.id))
            .join(Assignment, Assignment.rater_id == Rater.id, isouter=True)
            .where(Rater.campaign_id == campaign.id)
            .group_by(Rater.name)
        ).all()
    )
    gold = table[table["kind"] == "gold"]
    gold = gold.assign(
        correct=[gold_correct(v, g) for v, g in zip(gold["values"], gold["gold"], strict=True)]
    )
    flags: dict[str, list[str]] = {name: [] for name in totals}
    agreement = pd.DataFrame()
    rated = absolute_table(table, list(campaign.criteria)) if campaign.mode == "absolute" else pd.DataFrame()
    if not rated.empty:
        try:
            ratings = validate_absolute(rated, scale=campaign.scale, criteria=tuple(campaign.criteria))
        except RatingsError:
            ratings = None
        if ratings is not None:
            agreement = agreement_summary(ratings)
            for row in rater_deviation(ratings).itertuples():
                if row.outlier:
                    flags[row.rater_id].append(f"disagrees with the others (robust z {row.robust_z:.1f})")
            for name in straight_liner_ids(ratings.table):
                flags[name].append("gives one answer to everything")
    rows = []
    for name, total in sorted(totals.items()):
        own = table[table["rater_id"] == name]
        own_gold = gold[gold["rater_id"] == name]
        accuracy = float(own_gold["correct"].mean()) if len(own_gold) else float("nan")
        if len(own_gold) and accuracy < GOLD_ACCURACY_FLOOR:
            flags[name].append(f"gold accuracy {accuracy:.0%}")
        rows.append(
            {
                "rater": name,
                "done": len(own),
                "total": int(total),
                "median_seconds": float(own["seconds"].median())
                if own["seconds"].notna().any()
                else float("nan"),
                "gold_items": len(own_gold),
                "gold_accuracy": accuracy,
                "flag": "; ".join(flags[name]),
            }
        )
    paths = session.scalars(select(VideoRow.path).where(VideoRow.campaign_id == campaign.id)).all()
    return CampaignStatus(
        pd.DataFrame(rows),
        agreement,
        [p for p in paths if not Path(p).is_file()],
        judgements=len(table),
        assignments=int(sum(totals.values())),
    )
