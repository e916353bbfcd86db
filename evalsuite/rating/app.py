"""The rating server (FastAPI): instructions, practice and one page per item for raters, an admin page,
the videos behind them.

Routes (tokens come from `hyvideo-eval rate create`; only their sha256 is stored):
  GET  /rate/{token}                 what the rater does next (flow.py): instructions and consent, the
                                     practice round, the next item (a reload resumes there), the end
  POST /rate/{token}/consent         the rater agreed; POST /rate/{token}/start: practice finished
  POST /rate/{token}/{key}           one judgement (JSON, answers.py), for the item the server showed:
                                     422 for a bad answer or one given too early, 409 for another item
                                     or one rated already; a refusal changes nothing
  GET  /media/{token}/{key}          a video under its opaque per-assignment key (media.py: equal headers
                                     and lengths whatever the system)
  GET  /join/{entry}?PROLIFIC_PID=.. a crowd participant's entry: claims a rater slot, then /rate
  GET  /admin/{admin_token}          progress, checks, agreement, balance; forms to revoke, exclude and
                                     re-open raters and edit the instructions; CSV exports
An unknown rater token gets 401 and an unknown admin token 403, each with a readable page. A video whose
file moved is named on the admin page and on the rater's page instead of a broken player.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from evalsuite.rating import admin_pages, flow, media, owner, pages
from evalsuite.rating.answers import answer_kind, parse_submission
from evalsuite.rating.monitor import checks, flagged_by_gold
from evalsuite.rating.responses import html_response, redirect, reply
from evalsuite.rating.settings import MTURK_PREVIEW, PARTICIPANT_PARAMETER, PLATFORM_PARAMETERS, settings_of
from evalsuite.rating.store import (
    Assignment,
    Campaign,
    Item,
    Judgement,
    Rater,
    hash_token,
    open_store,
    ticket_secret,
)

PARTICIPANT_ID = re.compile(r"[A-Za-z0-9_.-]{1,100}")


def create_app(db_url: str) -> FastAPI:
    engine, sessions = open_store(db_url)
    with sessions() as session:
        secret = ticket_secret(session)  # made once per database, never changed
    app = FastAPI(title="hyvideo-eval rating", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.engine = engine

    def refused(status: int, message: str) -> HTMLResponse:
        return html_response(pages.message_page("Not allowed", message), status)

    @app.get("/", response_class=HTMLResponse)
    def home() -> Response:
        return html_response(
            pages.message_page("Rating", "Open the invitation link you were sent to start rating.")
        )

    @app.get("/rate/{token}", response_class=HTMLResponse)
    def rate_page(token: str) -> Response:
        with sessions() as session:
            found = flow.rater_by_token(session, token)
            if found is None:
                return refused(401, "This rating link is not valid. Check it against the one you were sent.")
            rater, campaign = found
            settings = settings_of(campaign)
            step = flow.next_step(session, rater, campaign, settings)
            done, total = flow.progress(session, rater)
            if step.kind == "instructions":
                return html_response(pages.instructions_page(token, campaign, settings, total))
            if step.kind == "practice_done":
                score = checks(_judged(session, campaign, rater), "practice")["correct"]
                return html_response(pages.practice_done_page(token, int(score.sum()), len(score)))
            if step.kind == "screened_out":
                return html_response(pages.end_page(rater, settings, screened_out=True))
            if step.kind == "ended":
                return refused(403, "This rating link is no longer active. Thank you for your time.")
            if step.kind == "done":
                session.commit()  # an adaptive list that ran out of pairs keeps its shortened quota
                return html_response(pages.end_page(rater, settings, screened_out=False, total=total))
            response = item_page(session, token, rater, campaign, settings, step.assignment, done, total)
            session.commit()  # an adaptive draw, or a list's first page recording it has no practice round
            return response

    def item_page(session, token, rater, campaign, settings, assignment, done, total) -> HTMLResponse:
        """The rating page of one (practice or real) item, or a 410 naming a video file that moved."""
        shown = flow.shown_videos(session, assignment)
        missing = [Path(v.path) for _, v in shown if not Path(v.path).is_file()]
        if missing:  # the file's name only: its folder may name the system, which raters must not see
            message = (
                f"This item's video ({missing[0].name}) moved or was deleted. Tell the campaign's organiser; "
                "the admin page lists it."
            )
            return html_response(pages.message_page("Video unavailable", message), 410)
        practice = assignment.position < 0
        if practice:  # practice positions run -n .. -1
            total = session.scalar(
                select(func.count(Assignment.id)).where(
                    Assignment.rater_id == rater.id, Assignment.position < 0
                )
            )
            done = assignment.position + total
        return html_response(
            pages.rating_page(
                token=token,
                key=assignment.key,
                campaign=campaign,
                prompt=session.get(Item, assignment.item_id).prompt,
                videos=[f"/media/{token}/{key}" for key, _ in shown],
                done=done,
                total=total,
                practice=practice,
                seconds_left=_time_left(session, rater, total - done),
                required=flow.required_seconds(session, assignment, settings),
                ticket=flow.ticket(secret, assignment.key, time.time()),
            )
        )

    @app.post("/rate/{token}/consent")
    def consent(token: str) -> Response:
        return _mark(token, "consented")

    @app.post("/rate/{token}/start")
    def start(token: str) -> Response:
        return _mark(token, "practice_done")

    def _mark(token: str, field: str) -> Response:
        with sessions() as session:
            found = flow.rater_by_token(session, token)
            if found is None:
                return refused(401, "This rating link is not valid.")
            rater, _ = found
            if getattr(rater, field) is None:
                setattr(rater, field, flow.now())
                session.commit()
        return redirect(f"/rate/{token}")

    @app.post("/rate/{token}/{key}")
    async def submit(token: str, key: str, request: Request) -> Response:
        try:
            body = json.loads(await request.body())
        except ValueError:
            return reply({"error": 'the body must be JSON: {"values": {...}, "seconds": s}'}, 400)
        # The database work off the event loop, so other raters' pages are served meanwhile.
        return await run_in_threadpool(judge, token, key, body)

    def judge(token: str, key: str, body: object) -> Response:
        with sessions() as session:
            found = flow.rater_by_token(session, token)
            if found is None:
                return reply({"error": "this rating link is not valid"}, 401)
            rater, campaign = found
            settings = settings_of(campaign)
            go_on = {"next": f"/rate/{token}"}
            assignment = session.scalar(select(Assignment).where(Assignment.key == key))
            if assignment is None or assignment.rater_id != rater.id:
                return reply({"error": "this item is not one of yours"}, 403)
            if session.scalar(select(Judgement.id).where(Judgement.assignment_id == assignment.id)):
                return reply({"error": "already rated"} | go_on, 409)
            if rater.revoked or rater.excluded:
                return reply({"error": "this rating link is no longer active"} | go_on, 403)
            if not flow.is_due(session, rater, assignment):
                return reply({"error": "answer the item you were shown: reload the page"} | go_on, 409)
            submission, problem = parse_submission(
                body, list(campaign.criteria), answer_kind(campaign.mode, campaign.scale)
            )
            if problem:
                return reply({"error": problem}, 422)
            served = flow.served_at(secret, assignment.key, submission.ticket)
            if served is None:
                return reply({"error": "ticket: missing or altered; reload the page"} | go_on, 422)
            elapsed = time.time() - served
            required = flow.required_seconds(session, assignment, settings)
            if elapsed < required:
                return reply(
                    {"error": f"too early: watch the video through ({required:.0f} s) before answering"}, 422
                )
            session.add(Judgement(
                assignment_id=assignment.id, rater_id=rater.id, item_id=assignment.item_id,
                values=submission.values, seconds=submission.seconds, served_seconds=elapsed,
                cannot_judge=submission.cannot_judge, comment=submission.comment or None,
            ))  # fmt: skip
            item = session.get(Item, assignment.item_id)
            answer = {"ok": True} | go_on
            if item.kind == "practice":
                answer["feedback"] = pages.practice_feedback(campaign, item, assignment, submission)
            elif item.kind == "gold" and settings.screen_out:
                session.flush()
                reason = flagged_by_gold(
                    checks(_judged(session, campaign, rater), "gold")["correct"], settings
                )
                if reason:
                    owner.exclude(session, campaign, rater.name, f"screened out: {reason}", screened_out=True)
            try:
                session.commit()  # committed before the next item is served
            except IntegrityError:
                session.rollback()
                return reply({"error": "already rated"} | go_on, 409)
        return reply(answer)

    @app.get("/media/{token}/{key}")
    def video(token: str, key: str, request: Request) -> Response:
        with sessions() as session:
            found = flow.rater_by_token(session, token)
            if found is None:
                return refused(401, "This rating link is not valid.")
            rater, campaign = found
            if rater.revoked or rater.excluded:
                return refused(403, "This rating link is no longer active.")
            assignment = session.scalar(
                select(Assignment).where((Assignment.media_left == key) | (Assignment.media_right == key))
            )
            if assignment is None or assignment.rater_id != rater.id:
                return refused(403, "This video is not one of your items.")
            path = Path(dict(flow.shown_videos(session, assignment))[key].path)
            total = media.padded_length(settings_of(campaign).largest_file)
        if not path.is_file():
            return refused(410, f"The video file {path.name} moved or was deleted.")
        if path.stat().st_size + media.FREE_BOX_HEADER > total:
            return refused(410, f"The video file {path.name} changed since the campaign was made.")
        try:
            wanted = media.byte_range(request.headers.get("range"), total)
        except ValueError:
            return Response(status_code=416, headers=media.HEADERS | {"Content-Range": f"bytes */{total}"})
        start, end = wanted or (0, total - 1)
        headers = media.HEADERS | {"Content-Length": str(end - start + 1)}
        if wanted:
            headers["Content-Range"] = f"bytes {start}-{end}/{total}"
        body = media.padded_bytes(path, total, start, end)
        return StreamingResponse(
            body, status_code=206 if wanted else 200, media_type=media.MEDIA_TYPE, headers=headers
        )

    @app.get("/join/{entry}", response_class=HTMLResponse)
    def join(entry: str, request: Request) -> Response:
        with sessions() as session:
            campaign = session.scalar(select(Campaign).where(Campaign.entry_key_hash == hash_token(entry)))
            if campaign is None:
                return refused(
                    404, "This study link is not valid. Check it against the one the platform shows."
                )
            crowd = settings_of(campaign).crowd
            params = request.query_params
            if crowd.platform == "mturk" and params.get("assignmentId") == MTURK_PREVIEW:
                return html_response(pages.preview_page(campaign))
            wanted = PARTICIPANT_PARAMETER[crowd.platform]
            participant = params.get(wanted, "")
            if not PARTICIPANT_ID.fullmatch(participant):
                return refused(
                    400, f"This study link needs your participant id ({wanted}); open it from the platform."
                )
            entry_params = {k: params[k] for k in PLATFORM_PARAMETERS[crowd.platform] if k in params}
            try:
                claimed = flow.claim_slot(session, campaign, participant, entry_params)
                session.commit()
            except IntegrityError:  # the same participant entering twice at once on two servers
                session.rollback()
                claimed = flow.claim_slot(session, campaign, participant, entry_params)
                session.commit()
            if claimed is None:
                return html_response(pages.message_page("Study full", "All places in this study are taken. Please return "
                                                "the study on the platform; thank you for your interest."), 410)  # fmt: skip
            return redirect(f"/rate/{claimed[1]}")

    app.include_router(admin_pages.router(sessions))
    return app


def _judged(session, campaign: Campaign, rater: Rater):
    from evalsuite.rating.export import judgements

    return judgements(session, campaign, rater.id)


def _time_left(session, rater: Rater, remaining: int) -> float | None:
    """The rater's median seconds per item so far times the items left (None before the first)."""
    seconds = sorted(
        s for s in session.scalars(select(Judgement.seconds).where(Judgement.rater_id == rater.id)) if s
    )
    return seconds[len(seconds) // 2] * remaining if seconds else None
