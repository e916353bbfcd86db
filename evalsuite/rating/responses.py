"""The rating server's responses, all with one cache policy (`media.NO_STORE`): a rater's and an owner's
pages, JSON replies and redirects are never stored by a browser or a proxy."""

from __future__ import annotations

from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from evalsuite.rating.media import NO_STORE


def html_response(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers=NO_STORE)


def reply(content: dict, status: int = 200) -> JSONResponse:
    return JSONResponse(content, status_code=status, headers=NO_STORE)


def redirect(url: str) -> RedirectResponse:
    """303: after a form's POST, the browser GETs `url`."""
    return RedirectResponse(url, status_code=303, headers=NO_STORE)
