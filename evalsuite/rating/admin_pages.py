"""The campaign owner's page and actions (routes under /admin/{admin_token}).

GET  /admin/{t}                         progress, the raters with their checks and flags, agreement,
                                        position bias and pair balance (side by side), the power note
POST /admin/{t}/rater                   form: action revoke | exclude | reopen, rater, reason
POST /admin/{t}/instructions            form: text (what raters read before they start)
GET  /admin/{t}/export/{file}.csv       absolute|pairwise|judgements; ?include_excluded=1 keeps excluded raters
Each action answers with a 303 back to the page and a one-line note of what it did.
"""

from __future__ import annotations

import html
from urllib.parse import quote

import pandas as pd
from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from evalsuite.errors import SuiteError
from evalsuite.rating import owner
from evalsuite.rating.media import NO_STORE
from evalsuite.rating.pages import page
from evalsuite.rating.responses import html_response, redirect
from evalsuite.rating.settings import settings_of
from evalsuite.rating.store import Campaign, hash_token


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, na_rep="–", border=0, float_format=lambda x: f"{x:.3g}", escape=True)


def _rater_actions(token: str, name: str, status: str) -> str:
    action = f"/admin/{quote(token)}/rater"
    buttons = []
    if status in ("active", "open slot"):
        buttons.append(("revoke", "Revoke link"))
    if status not in ("excluded", "screened out"):
        buttons.append(("exclude", "Exclude"))
    else:
        buttons.append(("reopen", "Re-open list"))
    return "".join(
        f"<form method='post' action='{action}' style='display:inline'><input type='hidden' name='rater' value='{html.escape(name)}'>"
        f"<input type='hidden' name='action' value='{a}'><button type='submit' name='go' data-action='{a}'>{label}</button></form>"
        for a, label in buttons
    )  # fmt: skip


def admin_page(token: str, campaign: Campaign, status, note: str = "") -> str:
    settings = settings_of(campaign)
    raters = status.raters.copy()
    body = [
        f"<h1>Campaign {html.escape(campaign.name)}</h1>",
        f"<p class='note' id='note'>{html.escape(note)}</p>" if note else "",
        f"<p>{'side-by-side' if campaign.mode == 'gsb' else 'absolute'} mode"
        f"{'' if campaign.mode == 'gsb' else f' ({html.escape(campaign.scale)})'}"
        f"{', pairs drawn adaptively' if settings.adaptive else ''}, criteria "
        f"{html.escape(', '.join(campaign.criteria))}; {campaign.raters_per_item} raters per item; "
        f"{status.judgements} of {status.assignments} judgements committed.</p>",
        f"<p class='muted'>{html.escape(settings.power)}</p>",
        f"<p class='muted'>Flag rule: gold accuracy under {settings.gold_floor:.0%} over at least {settings.gold_min} "
        f"gold items{' (screened out on the spot)' if settings.screen_out else ''}; one answer to everything; "
        "a preference for one side; disagreement with the others.</p>",
    ]
    if settings.crowd:
        body.append(f"<p class='muted'>Crowd campaign on {html.escape(settings.crowd.platform)}: participants enter "
                    "by the entry link printed when the campaign was made.</p>")  # fmt: skip
    files = ["pairwise" if campaign.mode == "gsb" else "absolute", "judgements"]
    links = " · ".join(f"<a href='/admin/{quote(token)}/export/{f}.csv'>{f}.csv</a>" for f in files)
    body.append(
        f"<p>Export: {links} (excluded raters left out; <a href='/admin/{quote(token)}/export/{files[0]}.csv?include_excluded=1'>with them</a>)</p>"
    )
    if status.missing_videos:
        listed = "".join(f"<li>{html.escape(p)}</li>" for p in status.missing_videos[:20])
        body.append(
            f"<h2>Videos that moved</h2><p class='flag'>{len(status.missing_videos)} video file(s) are gone:</p><ul>{listed}</ul>"
        )
    body.append("<h2>Agreement</h2>")
    body.append(
        _table(status.agreement)
        if not status.agreement.empty
        else "<p class='muted'>Not yet: items need two judgements.</p>"
    )
    if status.position_bias:
        body.append(f"<h2>Position bias</h2><p id='position-bias'>{html.escape(status.position_bias)}</p>")
    if not status.balance.empty:
        body.append("<h2>Balance of pairs</h2>" + _table(status.balance))
    body.append("<h2>Raters</h2>")
    if not raters.empty:
        raters["gold_accuracy"] = raters["gold_accuracy"].map(lambda x: "–" if pd.isna(x) else f"{x:.0%}")
        if "left_share" in raters:
            raters["left_share"] = raters["left_share"].map(lambda x: "–" if pd.isna(x) else f"{x:.0%}")
        actions = [_rater_actions(token, r.rater, r.status) for r in raters.itertuples()]
        table = _table(raters.assign(actions="@@"))
        for cell in actions:
            table = table.replace("<td>@@</td>", f"<td>{cell}</td>", 1)
        body.append(table)
    body.append(
        f"<h2>Instructions</h2><form method='post' action='/admin/{quote(token)}/instructions'>"
        f"<textarea name='text' rows='6' placeholder='What raters read before they start (blank lines separate paragraphs; "
        f"empty: the criteria definitions only)'>{html.escape(settings.instructions)}</textarea>"
        "<p><button type='submit'>Save instructions</button></p></form>"
    )  # fmt: skip
    return page(f"Admin: {campaign.name}", "".join(body)).replace("<main>", "<main class='wide'>", 1)


def router(sessions) -> APIRouter:
    from evalsuite.rating.export import campaign_files
    from evalsuite.rating.monitor import campaign_status
    from evalsuite.rating.pages import message_page

    routes = APIRouter()

    def campaign_of(session, token: str) -> Campaign | None:
        return session.scalar(select(Campaign).where(Campaign.admin_token_hash == hash_token(token)))

    def refused() -> HTMLResponse:
        return html_response(message_page("Not allowed", "This admin link is not valid."), 403)

    def back(token: str, note: str) -> RedirectResponse:
        return redirect(f"/admin/{quote(token)}?note={quote(note)}")

    @routes.get("/admin/{token}", response_class=HTMLResponse)
    def admin(token: str, note: str = "") -> Response:
        with sessions() as session:
            campaign = campaign_of(session, token)
            if campaign is None:
                return refused()
            return html_response(admin_page(token, campaign, campaign_status(session, campaign), note[:300]))

    @routes.post("/admin/{token}/rater")
    def rater_action(
        token: str, action: str = Form(...), rater: str = Form(...), reason: str = Form("")
    ) -> Response:
        with sessions() as session:
            campaign = campaign_of(session, token)
            if campaign is None:
                return refused()
            try:
                if action == "revoke":
                    owner.revoke(session, campaign, rater)
                    note = f"{rater}'s link is revoked; their judgements stay in."
                elif action == "exclude":
                    owner.exclude(session, campaign, rater, reason or "excluded by the owner")
                    note = f"{rater} is excluded: link revoked, judgements kept and left out of exports."
                elif action == "reopen":
                    new, new_token = owner.reopen(session, campaign, rater)
                    where = (
                        f"new link /rate/{new_token} (shown once)"
                        if new_token
                        else "an open slot for the next participant"
                    )
                    note = f"{rater}'s list re-opened as {new.name}: {where}."
                else:
                    return html_response(
                        message_page("Unknown action", f"No action {action!r}: revoke, exclude or reopen."),
                        422,
                    )
                session.commit()
            except SuiteError as err:
                session.rollback()
                note = f"Not done: {err}"
        return back(token, note)

    @routes.post("/admin/{token}/instructions")
    def instructions(token: str, text: str = Form("")) -> Response:
        with sessions() as session:
            campaign = campaign_of(session, token)
            if campaign is None:
                return refused()
            owner.set_instructions(campaign, text)
            session.commit()
        return back(token, "Instructions saved; raters who have not started yet will read them.")

    @routes.get("/admin/{token}/export/{stem}.csv")
    def export(token: str, stem: str, include_excluded: int = 0) -> Response:
        with sessions() as session:
            campaign = campaign_of(session, token)
            if campaign is None:
                return refused()
            tables = campaign_files(session, campaign, bool(include_excluded))
        if stem not in tables:
            return html_response(
                message_page("No such file", f"This campaign exports {', '.join(tables)}."), 404
            )
        headers = NO_STORE | {"Content-Disposition": f"attachment; filename={stem}.csv"}
        return Response(tables[stem].to_csv(index=False), media_type="text/csv", headers=headers)

    return routes
