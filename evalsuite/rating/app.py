"""The rating server (FastAPI): one page per item for raters, an admin page, the videos behind them.

Routes (tokens come from `hyvideo-eval rate create`; only their sha256 is stored):
  GET  /rate/{token}                 the rater's first unrated item (a reload resumes there), or "done"
  POST /rate/{token}/{assignment}    commit one judgement (JSON); 409 when that item is already rated
  GET  /media/{token}/{video}        a video file, only if one of the rater's items shows it
  GET  /admin/{admin_token}          progress, time per item, gold accuracy, agreement, flagged raters
An unknown rater token gets 401 and an unknown admin token 403, each with a readable page. A video whose
file moved is named on the admin page and on the rater's page instead of a broken player.
"""

from __future__ import annotations

import json
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from evalsuite.rating import pages
from evalsuite.rating.store import (
    Assignment,
    Campaign,
    Item,
    Judgement,
    Rater,
    VideoRow,
    hash_token,
    open_store,
)

GSB_SIDES = ("left", "same", "right")


def valid_values(campaign: Campaign, values: object) -> str | None:
    """None when `values` judges every criterion of the campaign with an allowed answer, else why not."""
    if not isinstance(values, dict) or set(values) != set(campaign.criteria):
        return f"judge exactly these criteria: {', '.join(campaign.criteria)}"
    if campaign.mode == "gsb":
        allowed = set(GSB_SIDES)
    elif campaign.scale == "likert":
        allowed = {1, 2, 3, 4, 5}
    else:
        allowed = {"pass", "fail"}
    bad = [c for c, v in values.items() if v not in allowed]
    return f"{bad[0]}: answer one of {sorted(map(str, allowed))}" if bad else None


def create_app(db_url: str) -> FastAPI:
    engine, sessions = open_store(db_url)
    app = FastAPI(title="hyvideo-eval rating", docs_url=None, redoc_url=None)
    app.state.engine = engine

    def rater_of(session, token: str) -> tuple[Rater, Campaign] | None:
        rater = session.scalar(select(Rater).where(Rater.token_hash == hash_token(token)))
        return (rater, session.get(Campaign, rater.campaign_id)) if rater else None

    def refused(status: int, message: str) -> HTMLResponse:
        return HTMLResponse(pages.message_page("Not allowed", message), status_code=status)

    @app.get("/", response_class=HTMLResponse)
    def home() -> str:
        return pages.message_page("Rating", "Open the invitation link you were sent to start rating.")

    @app.get("/rate/{token}", response_class=HTMLResponse)
    def rate_page(token: str) -> Response:
        with sessions() as session:
            found = rater_of(session, token)
            if found is None:
                return refused(401, "This rating link is not valid. Check it against the one you were sent.")
            rater, campaign = found
            total = session.query(Assignment).filter_by(rater_id=rater.id).count()
            done = session.query(Judgement).filter_by(rater_id=rater.id).count()
            rated = select(Judgement.assignment_id).where(Judgement.rater_id == rater.id)
            nxt = session.scalar(
                select(Assignment)
                .where(Assignment.rater_id == rater.id, Assignment.id.not_in(rated))
                .order_by(Assignment.position)
                .limit(1)
            )
            if nxt is None:
                return HTMLResponse(pages.done_page(total))
            item = session.get(Item, nxt.item_id)
            shown = [session.get(VideoRow, item.video_a)]
            if item.video_b is not None:
                shown.append(session.get(VideoRow, item.video_b))
                if not nxt.a_on_left:
                    shown.reverse()
            missing = [Path(v.path) for v in shown if not Path(v.path).is_file()]
            if missing:  # the file's name only: its folder may name the system, which raters must not see
                message = (
                    f"This item's video ({missing[0].name}) moved or was deleted. Tell the campaign's organiser; "
                    "the admin page lists it."
                )
                return HTMLResponse(pages.message_page("Video unavailable", message), status_code=410)
            return HTMLResponse(
                pages.rating_page(
                    token=token,
                    assignment=nxt.id,
                    campaign=campaign,
                    prompt=item.prompt,
                    videos=[f"/media/{token}/{v.id}" for v in shown],
                    done=done,
                    total=total,
                )
            )

    @app.post("/rate/{token}/{assignment_id}")
    async def submit(token: str, assignment_id: int, request: Request) -> Response:
        try:
            body = json.loads(await request.body())
        except ValueError:
            return JSONResponse({"error": 'the body must be JSON: {"values": {...}, "seconds": s}'}, 400)
        with sessions() as session:
            found = rater_of(session, token)
            if found is None:
                return JSONResponse({"error": "this rating link is not valid"}, 401)
            rater, campaign = found
            assignment = session.get(Assignment, assignment_id)
            if assignment is None or assignment.rater_id != rater.id:
                return JSONResponse({"error": "this item is not one of yours"}, 403)
            values = body.get("values") if isinstance(body, dict) else None
            problem = valid_values(campaign, values)
            if problem:
                return JSONResponse({"error": problem}, 422)
            seconds = body.get("seconds")
            session.add(
                Judgement(
                    assignment_id=assignment.id,
                    rater_id=rater.id,
                    item_id=assignment.item_id,
                    values=values,
                    seconds=float(seconds) if isinstance(seconds, int | float) else None,
                )
            )
            try:
                session.commit()  # committed before the next item is served
            except IntegrityError:
                session.rollback()
                return JSONResponse({"error": "already rated", "next": f"/rate/{token}"}, 409)
        return JSONResponse({"ok": True, "next": f"/rate/{token}"})

    @app.get("/media/{token}/{video_id}")
    def media(token: str, video_id: int) -> Response:
        with sessions() as session:
            found = rater_of(session, token)
            if found is None:
                return refused(401, "This rating link is not valid.")
            rater, _ = found
            mine = session.scalar(
                select(Assignment.id)
                .join(Item, Item.id == Assignment.item_id)
                .where(Assignment.rater_id == rater.id)
                .where((Item.video_a == video_id) | (Item.video_b == video_id))
                .limit(1)
            )
            video = session.get(VideoRow, video_id)
            if mine is None or video is None:
                return refused(403, "This video is not one of your items.")
            if not Path(video.path).is_file():
                return refused(410, f"The video file {Path(video.path).name} moved or was deleted.")
            return FileResponse(video.path, media_type="video/mp4")

    @app.get("/admin/{token}", response_class=HTMLResponse)
    def admin(token: str) -> Response:
        from evalsuite.rating.monitor import campaign_status

        with sessions() as session:
            campaign = session.scalar(select(Campaign).where(Campaign.admin_token_hash == hash_token(token)))
            if campaign is None:
                return refused(403, "This admin link is not valid.")
            return HTMLResponse(pages.admin_page(campaign, campaign_status(session, campaign)))

    return app
