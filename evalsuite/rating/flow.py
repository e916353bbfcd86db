"""A rater's way through a campaign, decided by the server: instructions and consent, the practice round,
the items in the stored order (an adaptive campaign draws each real pair when it is due), then the end
with the platform's completion code, or the screen-out code when the attention checks failed.

Every function takes an open session; the caller commits.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from evalsuite.rating.settings import CampaignSettings
from evalsuite.rating.store import (
    Assignment,
    Campaign,
    Item,
    Judgement,
    Rater,
    VideoRow,
    hash_token,
    new_token,
)


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Step:
    """What the rater sees next: one of "instructions", "practice", "practice_done", "item", "done",
    "screened_out", "ended" (revoked or excluded), with the assignment to show for practice and item."""

    kind: str
    assignment: Assignment | None = None


def rater_by_token(session: Session, token: str) -> tuple[Rater, Campaign] | None:
    rater = session.scalar(select(Rater).where(Rater.token_hash == hash_token(token)))
    return (rater, session.get(Campaign, rater.campaign_id)) if rater else None


def _unrated(rater: Rater):
    rated = select(Judgement.assignment_id).where(Judgement.rater_id == rater.id)
    return select(Assignment).where(Assignment.rater_id == rater.id, Assignment.id.not_in(rated))


def progress(session: Session, rater: Rater) -> tuple[int, int]:
    """(real items answered, real items in the list)."""
    done = session.scalar(
        select(func.count(Judgement.id))
        .join(Assignment, Assignment.id == Judgement.assignment_id)
        .where(Judgement.rater_id == rater.id, Assignment.position >= 0)
    )
    return int(done or 0), rater.quota


def next_step(session: Session, rater: Rater, campaign: Campaign, settings: CampaignSettings) -> Step:
    if rater.screened_out:
        return Step("screened_out")
    if rater.revoked or rater.excluded:
        return Step("ended")
    if rater.consented is None:
        return Step("instructions")
    if rater.practice_done is None:
        practice = session.scalar(
            _unrated(rater).where(Assignment.position < 0).order_by(Assignment.position).limit(1)
        )
        if practice:
            return Step("practice", practice)
        had_practice = session.scalar(
            select(Assignment.id).where(Assignment.rater_id == rater.id, Assignment.position < 0).limit(1)
        )
        if had_practice:
            return Step("practice_done")
        rater.practice_done = now()  # no practice round: never ask again (committed with the page)
    for _ in range(5):  # an adaptive slot another server process filled at the same moment: read again
        nxt = session.scalar(
            _unrated(rater).where(Assignment.position >= 0).order_by(Assignment.position).limit(1)
        )
        if settings.adaptive:
            hole = _first_hole(session, rater, nxt.position if nxt else rater.quota)
            if hole is not None:
                try:
                    with session.begin_nested():
                        drawn = _draw_adaptive(session, rater, campaign, settings, hole)
                except IntegrityError:
                    continue
                if drawn is None:  # every pair is covered: the list ends with what it holds
                    _close_up(session, rater, hole)
                    continue
                return Step("item", drawn)
        return Step("item", nxt) if nxt else Step("done")
    return Step("done")


def ticket(secret: bytes, key: str, served: float) -> str:
    """What the page sends back with its answer: when the server served the item, signed, so the time
    on an item is the server's own measure without a database write per page (a write per page halved
    the campaign's throughput: SQLite commits one writer at a time)."""
    stamp = f"{served:.3f}"
    return f"{stamp}.{hmac.new(secret, f'{key}.{stamp}'.encode(), hashlib.sha256).hexdigest()[:32]}"


def served_at(secret: bytes, key: str, sent: object) -> float | None:
    """The serving time a ticket carries, or None when it is missing or was not made for this item."""
    if not isinstance(sent, str) or sent.count(".") != 2:
        return None
    stamp = sent.rsplit(".", 1)[0]
    try:
        served = float(stamp)
    except ValueError:
        return None
    return served if hmac.compare_digest(ticket(secret, key, served), sent) else None


def is_due(session: Session, rater: Rater, assignment: Assignment) -> bool:
    """Whether `assignment` is what the rater may answer now: of the current phase (practice before the
    practice round is closed, real items after) with no unanswered one before it. (An adaptive list's
    undrawn positions are not assignments yet; what follows them was never shown, so has no ticket.)"""
    if rater.consented is None:
        return False
    practice = assignment.position < 0
    if practice != (rater.practice_done is None):
        return False
    same_phase = Assignment.position < 0 if practice else Assignment.position >= 0
    earlier = session.scalar(
        _unrated(rater).where(same_phase, Assignment.position < assignment.position).limit(1)
    )
    return earlier is None


def _close_up(session: Session, rater: Rater, hole: int) -> None:
    """Move the list's later items (its checks) down to fill the positions from `hole` on, and end the
    list after them: no pair is left to draw."""
    later = session.scalars(
        select(Assignment)
        .where(Assignment.rater_id == rater.id, Assignment.position > hole)
        .order_by(Assignment.position)
    ).all()
    for offset, assignment in enumerate(later):  # each goes to a lower, free position: one at a time
        assignment.position = hole + offset
        session.flush()
    rater.quota = hole + len(later)
    session.flush()


def _first_hole(session: Session, rater: Rater, below: int) -> int | None:
    """The lowest position under `below` with no assignment yet (an adaptive list's undrawn pair)."""
    taken = set(
        session.scalars(
            select(Assignment.position).where(Assignment.rater_id == rater.id, Assignment.position >= 0)
        )
    )
    return next((p for p in range(min(below, rater.quota)) if p not in taken), None)


def _draw_adaptive(
    session: Session, rater: Rater, campaign: Campaign, settings: CampaignSettings, position: int
):
    from evalsuite.rating.adaptive import draw_pair  # numpy and scipy only when a campaign is adaptive

    return draw_pair(session, rater, campaign, settings, position)


def shown_videos(session: Session, assignment: Assignment) -> list[tuple[str, VideoRow]]:
    """(media key, video) in the order shown: left then right for a pair."""
    item = session.get(Item, assignment.item_id)
    first = session.get(VideoRow, item.video_a)
    if item.video_b is None:
        return [(assignment.media_left, first)]
    second = session.get(VideoRow, item.video_b)
    pair = [first, second] if assignment.a_on_left else [second, first]
    return list(zip([assignment.media_left, assignment.media_right], pair, strict=True))


def required_seconds(session: Session, assignment: Assignment, settings: CampaignSettings) -> float:
    """The least time between serving the item and its answer (the module docstring of settings.py)."""
    if not settings.require_playthrough:
        return settings.min_seconds
    longest = session.scalar(
        select(func.max(VideoRow.seconds))
        .join(Item, (VideoRow.id == Item.video_a) | (VideoRow.id == Item.video_b))
        .where(Item.id == assignment.item_id)
    )
    return max(settings.min_seconds, longest or 0.0)


def claim_slot(
    session: Session, campaign: Campaign, participant: str, entry: dict
) -> tuple[Rater, str] | None:
    """The rater for a platform participant, with a fresh token: their own slot again if they came
    before (the old link stops working), else the first unclaimed slot; None when all are taken."""
    token = new_token()
    mine = session.scalar(
        select(Rater).where(Rater.campaign_id == campaign.id, Rater.participant == participant)
    )
    if mine is not None:
        mine.token_hash = hash_token(token)
        return mine, token
    for _ in range(5):
        free = session.scalar(
            select(Rater.id)
            .where(Rater.campaign_id == campaign.id, Rater.participant.is_(None), Rater.excluded.is_(None))
            .order_by(Rater.id)
            .limit(1)
        )
        if free is None:
            return None
        claimed = session.execute(  # only if still free: two servers may race for one slot
            update(Rater)
            .where(Rater.id == free, Rater.participant.is_(None))
            .values(participant=participant, entry=entry, token_hash=hash_token(token))
        )
        if claimed.rowcount == 1:
            return session.get(Rater, free), token
    return None
