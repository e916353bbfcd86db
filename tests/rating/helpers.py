"""What both rating test modules read and set up the same way."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

# A campaign without the timing rule or a practice round (the tests that need them set them).
CAMPAIGN_DEFAULTS = {"name": "c", "raters": 4, "k": 2, "seed": 0, "min_seconds": 0,
                     "require_playthrough": False, "practice": 0}  # fmt: skip


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as con:
        return con.execute(sql).fetchall()


def shown_item(page_html: str, token: str) -> tuple[str, str] | None:
    """(answer key, ticket) of the item a rating page shows, as its script posts them; None on any other
    page."""
    found = re.search(rf'"post": "/rate/{re.escape(token)}/([\w-]+)".*?"ticket": "([\w.]+)"', page_html)
    return (found.group(1), found.group(2)) if found else None
