"""What a campaign's owner can do to raters from the admin page (or `hyvideo-eval rate` commands):

* revoke: the rater's link stops working; their judgements stay in.
* exclude: the link stops working and their judgements are marked, kept in the database and in
  judgements.csv, and left out of the exports and the admin page's statistics by default.
* reopen: an excluded rater's list goes to a new rater (a new invitation link, or an open slot of a crowd
  campaign): the same items at the same positions with fresh keys and sides (an adaptive list: its checks,
  with its pairs drawn anew), so every item still reaches its raters.
* screen out (automatic, with the campaign's `screen_out`): exclude with the flag rule's reason.
Every action is one transaction; the caller commits.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from evalsuite.errors import SuiteError
from evalsuite.rating.campaign import new_assignment
from evalsuite.rating.flow import now
from evalsuite.rating.settings import settings_of
from evalsuite.rating.store import Assignment, Campaign, Item, Rater, hash_token, new_token


class OwnerError(SuiteError):
    """An owner's action that cannot be done as asked."""


def rater_named(session: Session, campaign: Campaign, name: str) -> Rater:
    rater = session.scalar(select(Rater).where(Rater.campaign_id == campaign.id, Rater.name == name))
    if rater is None:
        raise OwnerError(f"campaign {campaign.name}: no rater {name!r}")
    return rater


def revoke(session: Session, campaign: Campaign, name: str) -> Rater:
    rater = rater_named(session, campaign, name)
    rater.revoked = rater.revoked or now()
    return rater


def exclude(
    session: Session, campaign: Campaign, name: str, reason: str, *, screened_out: bool = False
) -> Rater:
    rater = rater_named(session, campaign, name)
    rater.revoked = rater.revoked or now()
    rater.excluded = rater.excluded or now()
    rater.excluded_reason = (reason or "excluded by the owner")[:400]
    rater.screened_out = rater.screened_out or screened_out
    return rater


def reopen(session: Session, campaign: Campaign, name: str) -> tuple[Rater, str | None]:
    """A new rater with the excluded rater's list; their token (None for a crowd campaign's slot)."""
    old = rater_named(session, campaign, name)
    if old.excluded is None:
        raise OwnerError(f"rater {name} is not excluded: exclude them first, so no item is rated twice over")
    if session.scalar(select(Rater.id).where(Rater.campaign_id == campaign.id, Rater.replaces == name)):
        raise OwnerError(f"rater {name}'s list was already re-opened")
    settings = settings_of(campaign)
    count = session.scalar(select(func.count(Rater.id)).where(Rater.campaign_id == campaign.id))
    token = None if settings.crowd else new_token()
    new = Rater(
        campaign_id=campaign.id, name=f"rater-{count + 1:03d}", quota=old.quota, replaces=name,
        token_hash=hash_token(token) if token else None,
    )  # fmt: skip
    session.add(new)
    session.flush()
    rng = np.random.default_rng([settings.seed, new.id])
    kept = (
        select(Assignment, Item)
        .join(Item, Item.id == Assignment.item_id)
        .where(Assignment.rater_id == old.id)
    )
    if settings.adaptive:
        kept = kept.where(Item.kind != "pair")
    for assignment, item in session.execute(kept).all():
        session.add(new_assignment(new, item, assignment.position, rng))
    return new, token


def set_instructions(campaign: Campaign, text: str) -> None:
    settings = settings_of(campaign).model_copy(update={"instructions": text.strip()[:20000]})
    campaign.settings = settings.model_dump(mode="json")
