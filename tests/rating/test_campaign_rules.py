"""What a paid crowd campaign relies on, tested in process (FastAPI's TestClient over the real app and
database): blinding of media, undetectable and unrepeated checks, strict answers, server-side order and
timing, crowd entry and exit codes, owner controls, the flag rule, side-by-side statistics and adaptive
pair drawing. The browser flows are in test_rating_app.py."""

from __future__ import annotations

import io
import json
import re
import sqlite3
import time
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("fastapi")
pytest.importorskip("sqlalchemy")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient

from evalsuite.rating.app import create_app
from evalsuite.rating.campaign import CampaignError, create_campaign
from evalsuite.rating.settings import CrowdSettings
from rating.helpers import CAMPAIGN_DEFAULTS, rows, shown_item

pytestmark = pytest.mark.slow
CRITERIA = ["text_alignment", "motion_quality", "visual_quality"]


def make(tmp_path: Path, run_dir: Path, **options):
    db = tmp_path / "c.sqlite"
    made = create_campaign(str(db), run_dir, **(CAMPAIGN_DEFAULTS | options))
    return db, made, TestClient(create_app(str(db)))


class Rating:
    """One rater's browser, reduced to what the server sees."""

    def __init__(self, client: TestClient, token: str):
        self.client, self.token = client, token
        self.tickets: dict[str, str] = {}

    def start(self) -> Rating:
        assert self.client.post(f"/rate/{self.token}/consent", follow_redirects=False).status_code == 303
        return self

    def page(self):
        return self.client.get(f"/rate/{self.token}")

    def key(self) -> str | None:
        """The answer key of the page shown now; its ticket is kept, as the page keeps it."""
        shown = shown_item(self.page().text, self.token)
        if shown is None:
            return None
        self.tickets[shown[0]] = shown[1]
        return shown[0]

    def media(self, text: str | None = None) -> list[str]:
        return re.findall(rf"/media/{re.escape(self.token)}/([\w-]+)", text or self.page().text)

    def post(self, key: str, body: dict):
        """POST `body` with the ticket the page of `key` carried (none if it was never shown)."""
        ticket = {"ticket": self.tickets[key]} if key in self.tickets else {}
        return self.client.post(f"/rate/{self.token}/{key}", json=ticket | body)

    def raw(self, key: str, body: dict):
        """`post` for bodies json.dumps writes as the server's reader takes them (NaN, Infinity)."""
        content = json.dumps({"ticket": self.tickets[key]} | body)
        return self.client.post(f"/rate/{self.token}/{key}", content=content)

    def answer(self, values: dict, seconds: float = 2.0, **extra):
        key = self.key()
        return self.post(key, {"values": values, "seconds": seconds} | extra)


def judgement_count(db: Path) -> int:
    return rows(db, "SELECT COUNT(*) FROM judgements")[0][0]


# --- blinding -------------------------------------------------------------------------------------------


def test_media_ids_and_headers_say_nothing_about_the_system(run_dir, tmp_path) -> None:
    db, made, client = make(tmp_path, run_dir, mode="gsb", raters=3, k=1, gold_share=0.2)
    keys = rows(db, "SELECT a.key, a.media_left, a.media_right, a.item_id, i.kind, i.video_a, i.video_b "
                    "FROM assignments a JOIN items i ON i.id = a.item_id")  # fmt: skip
    media = [k for row in keys for k in row[1:3] if k]
    every = [row[0] for row in keys] + media
    assert len(set(every)) == len(every)  # one fresh key per assignment and side, gold included
    assert all(re.fullmatch(r"[\w-]{22}", k) for k in every)  # 128 random bits: no id, order or name
    # the keys' order carries no system: sorted keys against the system shown on the left
    system_of = dict(rows(db, "SELECT id, system FROM videos"))
    gold = [row for row in keys if row[4] == "gold"]
    assert gold and all(row[1] != row[2] for row in gold)  # a gold pair of one video: two different URLs
    # Two systems' videos: byte-identical headers, the same length, and each still a valid MP4.
    for token in made.rater_tokens.values():  # a rater whose first item is a real pair
        rater = Rating(client, token).start()
        left, right = rater.media()
        kind, a_on_left, *shown = rows(db, f"SELECT i.kind, a.a_on_left, i.video_a, i.video_b FROM assignments a "
                                           f"JOIN items i ON i.id = a.item_id WHERE a.media_left = '{left}'")[0]  # fmt: skip
        if kind == "pair":
            shown = shown if a_on_left else shown[::-1]  # as shown: left, right
            break
    assert system_of[shown[0]] != system_of[shown[1]]
    first, second = (client.get(f"/media/{rater.token}/{k}") for k in (left, right))
    assert first.status_code == second.status_code == 200
    assert dict(first.headers) == dict(second.headers)
    assert "last-modified" not in first.headers and "etag" not in first.headers
    sizes = {Path(p).stat().st_size for (p,) in rows(db, "SELECT path FROM videos")}
    assert len(sizes) > 1 and len(first.content) == max(sizes) + 8
    import av

    for response, video in zip((first, second), shown, strict=True):
        path = rows(db, f"SELECT path FROM videos WHERE id = {video}")[0][0]
        with av.open(io.BytesIO(response.content)) as padded, av.open(path) as original:
            a = [f.to_ndarray(format="rgb24") for f in padded.decode(video=0)]
            b = [f.to_ndarray(format="rgb24") for f in original.decode(video=0)]
        assert len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    ranged = client.get(f"/media/{rater.token}/{left}", headers={"Range": "bytes=100-"})
    assert ranged.status_code == 206 and ranged.content == first.content[100:]
    assert (
        client.get(f"/media/{rater.token}/{left}", headers={"Range": "bytes=999999999-"}).status_code == 416
    )
    other = Rating(client, next(t for t in made.rater_tokens.values() if t != rater.token))
    assert client.get(f"/media/{other.token}/{left}").status_code == 403  # another rater's key


def test_gold_is_drawn_without_replacement_and_never_reuses_a_real_items_url(run_dir, tmp_path) -> None:
    db, _, _ = make(tmp_path, run_dir, raters=2, k=2, gold_share=0.3)
    per_rater = rows(db, "SELECT a.rater_id, i.video_a, COUNT(*) FROM assignments a JOIN items i ON i.id = a.item_id "
                         "WHERE i.kind = 'gold' GROUP BY a.rater_id, i.video_a")  # fmt: skip
    assert per_rater and all(n == 1 for *_, n in per_rater)  # no rater meets the same gold video twice
    assert sum(n for *_, n in per_rater) >= 2 * 5
    real_media = {
        m
        for (m,) in rows(
            db, "SELECT media_left FROM assignments a JOIN items i ON i.id = a.item_id WHERE i.kind = 'video'"
        )
    }
    gold_media = {
        m
        for (m,) in rows(
            db, "SELECT media_left FROM assignments a JOIN items i ON i.id = a.item_id WHERE i.kind = 'gold'"
        )
    }
    assert not real_media & gold_media


# --- strict answers, order, timing ----------------------------------------------------------------------

BAD_VALUES = {
    "binary": [True, 1, 1.0, "Pass", "", None, float("nan"), ["pass"]],
    "likert": [True, False, 1.0, 3.5, "3", -5, 0, 6, None, float("nan"), float("inf")],
    "gsb": [True, 1, "Left", "A", "", None, float("nan")],
}
GOOD = {"binary": "pass", "likert": 3, "gsb": "same"}
BAD_SECONDS = [-5, 0, float("inf"), float("-inf"), float("nan"), 1e308, "2", True, None]


@pytest.mark.parametrize("scale", ["binary", "likert", "gsb"])
def test_every_scale_refuses_what_is_not_its_answer_and_changes_nothing(run_dir, tmp_path, scale) -> None:
    mode, scale_name = ("gsb", "binary") if scale == "gsb" else ("absolute", scale)
    db, made, client = make(tmp_path, run_dir, mode=mode, scale=scale_name, gold_share=0.0)
    rater = Rating(client, next(iter(made.rater_tokens.values()))).start()
    key = rater.key()
    good = dict.fromkeys(CRITERIA, GOOD[scale])
    for bad in BAD_VALUES[scale]:
        # json.dumps writes NaN and Infinity, which the server's JSON reader accepts: refused by the schema
        response = rater.raw(key, {"values": good | {"motion_quality": bad}, "seconds": 2.0})
        assert response.status_code == 422, (bad, response.text)
        assert "motion_quality" in response.json()["error"]
    for bad in BAD_SECONDS:
        response = rater.raw(key, {"values": good, "seconds": bad})
        assert response.status_code == 422 and "seconds" in response.json()["error"], bad
    altered = rater.tickets[key][:-1] + ("0" if rater.tickets[key][-1] != "0" else "1")
    for ticket in (altered, "", "1.2.3", 5):  # the serving time is the server's, signed
        response = client.post(
            f"/rate/{rater.token}/{key}", json={"values": good, "seconds": 2.0, "ticket": ticket}
        )
        assert response.status_code == 422 and "ticket" in response.json()["error"], ticket
    for body in ({"values": {"text_alignment": GOOD[scale]}, "seconds": 2.0},  # half answered
                 {"values": good | {"extra": GOOD[scale]}, "seconds": 2.0},
                 {"values": good, "seconds": 2.0, "admin": True},
                 {"values": good, "seconds": 2.0, "cannot_judge": True}):  # fmt: skip
        assert rater.post(key, body).status_code == 422, body
    assert client.post(f"/rate/{rater.token}/{key}", content=b"not json").status_code == 400
    assert judgement_count(db) == 0
    assert rater.post(key, {"values": good, "seconds": 2.0}).status_code == 200
    assert judgement_count(db) == 1


def test_only_the_served_item_can_be_answered_and_not_too_early(run_dir, tmp_path) -> None:
    db, made, client = make(tmp_path, run_dir, gold_share=0.0, min_seconds=0.6)
    rater = Rating(client, next(iter(made.rater_tokens.values())))
    keys = [k for (k,) in rows(db, "SELECT key FROM assignments WHERE rater_id = 1 ORDER BY position")]
    good = {"values": dict.fromkeys(CRITERIA, "pass"), "seconds": 2.0}
    assert rater.post(keys[0], good).status_code == 409  # before consent nothing is served
    rater.start()
    assert rater.key() == keys[0]
    later = rater.post(keys[3], good)
    assert later.status_code == 409 and later.json()["next"] == f"/rate/{rater.token}"
    early = rater.post(keys[0], good)
    assert early.status_code == 422 and "too early" in early.json()["error"]
    assert judgement_count(db) == 0
    time.sleep(0.7)
    assert rater.post(keys[0], good).status_code == 200
    assert rater.post(keys[0], good).status_code == 409  # twice
    served, clock = rows(db, "SELECT served_seconds, seconds FROM judgements")[0]
    assert served >= 0.6 and clock == 2.0  # the server's clock beside the page's


def test_a_playthrough_needs_the_videos_duration(run_dir, tmp_path) -> None:
    db, made, client = make(tmp_path, run_dir, gold_share=0.0, require_playthrough=True)
    durations = [d for (d,) in rows(db, "SELECT seconds FROM videos")]
    assert all(abs(d - 17 / 24) < 1e-9 for d in durations)  # 17 frames at 24 fps, probed at creation
    rater = Rating(client, next(iter(made.rater_tokens.values()))).start()
    key = rater.key()
    body = {"values": dict.fromkeys(CRITERIA, "pass"), "seconds": 2.0}
    assert rater.post(key, body).status_code == 422
    time.sleep(0.75)
    assert rater.post(key, body).status_code == 200


def test_cannot_judge_and_comments_reach_the_audit_export_and_the_report_never_fails(
    run_dir, tmp_path
) -> None:
    from evalsuite.cli import eval_main

    db, made, client = make(tmp_path, run_dir, raters=3, k=3, gold_share=0.0)
    for r, token in enumerate(made.rater_tokens.values()):
        rater = Rating(client, token).start()
        n = 0
        while (key := rater.key()) is not None:
            if n == 1:
                body = {"values": {}, "seconds": 1.0, "cannot_judge": True, "comment": "the video is black"}
            else:
                values = {c: "pass" if (r + n + k) % 3 else "fail" for k, c in enumerate(CRITERIA)}
                body = {"values": values, "seconds": 1.0} | ({"comment": "blurry"} if n == 2 else {})
            assert rater.post(key, body).status_code == 200
            n += 1
    out = tmp_path / "out"
    assert eval_main(["rate", "report", "--db", str(db), "--name", "c", "--out", str(out)]) == 0
    audit = pd.read_csv(out / "judgements.csv")
    assert audit["cannot_judge"].sum() == 3 and set(audit["comment"].dropna()) == {
        "the video is black",
        "blurry",
    }
    absolute = pd.read_csv(out / "absolute.csv")
    assert len(absolute) == (18 * 3 - 3) * 3  # the three "cannot judge" items have no values


def test_an_old_database_is_refused_with_what_to_do(tmp_path) -> None:
    from evalsuite.rating.store import StoreError, open_store

    old = tmp_path / "old.sqlite"
    with sqlite3.connect(old) as con:
        con.execute("CREATE TABLE campaigns (id INTEGER PRIMARY KEY, name TEXT)")
    with pytest.raises(StoreError, match=r"schema 1.*export its judgements with the version"):
        open_store(str(old))


# --- crowd platforms ------------------------------------------------------------------------------------


def test_a_prolific_participant_enters_by_link_is_capped_and_leaves_with_the_code(run_dir, tmp_path) -> None:
    crowd = CrowdSettings(platform="prolific", completion_code="C0MPLETE", screenout_code="SCR33N")
    db, made, client = make(tmp_path, run_dir, raters=2, k=1, gold_share=0.0, crowd=crowd)
    assert made.rater_tokens == {} and made.entry_key
    entry = f"/join/{made.entry_key}"
    assert client.get(entry).status_code == 400  # no participant id
    assert client.get("/join/wrong?PROLIFIC_PID=p1").status_code == 404
    first = client.get(f"{entry}?PROLIFIC_PID=p1&STUDY_ID=s&SESSION_ID=x1", follow_redirects=False)
    assert first.status_code == 303
    token = first.headers["location"].rsplit("/", 1)[1]
    assert rows(db, "SELECT participant, entry FROM raters WHERE token_hash IS NOT NULL") == [
        ("p1", json.dumps({"PROLIFIC_PID": "p1", "STUDY_ID": "s", "SESSION_ID": "x1"}))
    ]
    again = client.get(f"{entry}?PROLIFIC_PID=p1&STUDY_ID=s&SESSION_ID=x2", follow_redirects=False)
    assert again.status_code == 303 and client.get(f"/rate/{token}").status_code == 401  # same slot, new link
    token = again.headers["location"].rsplit("/", 1)[1]
    assert client.get(f"{entry}?PROLIFIC_PID=p2", follow_redirects=False).status_code == 303
    full = client.get(f"{entry}?PROLIFIC_PID=p3")
    assert full.status_code == 410 and "full" in full.text  # capped at the campaign's 2 places
    rater = Rating(client, token).start()
    while (key := rater.key()) is not None:
        assert rater.post(key, {"values": dict.fromkeys(CRITERIA, "pass"), "seconds": 1.0}).status_code == 200
    end = rater.page().text
    assert "C0MPLETE" in end and "https://app.prolific.com/submissions/complete?cc=C0MPLETE" in end


def test_failed_attention_checks_screen_out_with_the_screenout_code(run_dir, tmp_path) -> None:
    crowd = CrowdSettings(platform="prolific", completion_code="DONE", screenout_code="OUT")
    db, made, client = make(tmp_path, run_dir, raters=1, k=1, gold_share=0.45, crowd=crowd, screen_out=True,
                            gold_min=3)  # fmt: skip
    token = (
        client.get(f"/join/{made.entry_key}?PROLIFIC_PID=lazy", follow_redirects=False)
        .headers["location"]
        .rsplit("/", 1)[1]
    )
    rater = Rating(client, token).start()
    answered = 0
    while (key := rater.key()) is not None:  # always "pass": every gold (a mismatched text) is missed
        assert rater.post(key, {"values": dict.fromkeys(CRITERIA, "pass"), "seconds": 1.0}).status_code == 200
        answered += 1
    gold_seen = rows(
        db, "SELECT COUNT(*) FROM judgements j JOIN items i ON i.id = j.item_id WHERE i.kind = 'gold'"
    )[0][0]
    assert gold_seen == 3  # ended at the third missed check, not at the first
    page = rater.page().text
    assert "OUT" in page and "cc=OUT" in page and "DONE" not in page
    assert rows(db, "SELECT screened_out, excluded IS NOT NULL, excluded_reason FROM raters")[0][:2] == (1, 1)
    assert "gold accuracy 0% over 3" in rows(db, "SELECT excluded_reason FROM raters")[0][0]


def test_mturk_preview_creates_no_rater(run_dir, tmp_path) -> None:
    crowd = CrowdSettings(platform="mturk", completion_code="X")
    db, made, client = make(tmp_path, run_dir, raters=2, k=1, crowd=crowd)
    preview = client.get(f"/join/{made.entry_key}?assignmentId=ASSIGNMENT_ID_NOT_AVAILABLE&hitId=h")
    assert preview.status_code == 200 and "Accept the task" in preview.text
    assert rows(db, "SELECT COUNT(*) FROM raters WHERE participant IS NOT NULL") == [(0,)]


# --- owner controls and statistics ----------------------------------------------------------------------


def test_the_flag_rule_needs_enough_gold_items() -> None:
    from evalsuite.rating.monitor import flagged_by_gold
    from evalsuite.rating.settings import CampaignSettings

    rule = CampaignSettings(gold_floor=0.7, gold_min=5)
    assert flagged_by_gold(pd.Series([False]), rule) is None  # one miss flags nobody
    assert flagged_by_gold(pd.Series([True, True, True, False, False]), rule)  # 60 % over 5
    assert flagged_by_gold(pd.Series([True] * 7 + [False] * 3), rule) is None  # 70 % is not under 70 %


def test_revoke_exclude_and_reopen(run_dir, tmp_path) -> None:
    from evalsuite.rating.export import export_campaign

    db, made, client = make(tmp_path, run_dir, raters=2, k=1, gold_share=0.0)
    admin = f"/admin/{made.admin_token}"
    tokens = list(made.rater_tokens.values())
    for token in tokens:
        rater = Rating(client, token).start()
        for _ in range(2):
            assert rater.answer(dict.fromkeys(CRITERIA, "pass")).status_code == 200
    revoked = client.post(f"{admin}/rater", data={"action": "revoke", "rater": "rater-002"})
    assert revoked.status_code == 200 and "revoked" in revoked.text
    assert client.get(f"/rate/{tokens[1]}").status_code == 403
    client.post(f"{admin}/rater", data={"action": "exclude", "rater": "rater-001", "reason": "careless"})
    assert client.get(f"/rate/{tokens[0]}").status_code == 403
    default = pd.read_csv(export_campaign(str(db), "c", tmp_path / "a").files["absolute"])
    assert set(default["rater_id"]) == {"rater-002"}  # excluded: left out; revoked only: kept
    everyone = pd.read_csv(
        export_campaign(str(db), "c", tmp_path / "b", include_excluded=True).files["absolute"]
    )
    assert set(everyone["rater_id"]) == {"rater-001", "rater-002"}
    page = client.get(admin).text
    assert "excluded" in page and "revoked" in page
    reopened = client.post(f"{admin}/rater", data={"action": "reopen", "rater": "rater-001"})
    new_token = re.search(r"/rate/([\w-]+) \(shown once\)", reopened.text).group(1)
    old_items = rows(db, "SELECT item_id, position FROM assignments WHERE rater_id = 1 ORDER BY position")
    new_items = rows(db, "SELECT item_id, position FROM assignments WHERE rater_id = 3 ORDER BY position")
    assert old_items == new_items  # the same list, at the same positions
    assert Rating(client, new_token).start().key() is not None
    twice = client.post(f"{admin}/rater", data={"action": "reopen", "rater": "rater-001"})
    assert "already re-opened" in twice.text
    csv = client.get(f"{admin}/export/judgements.csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")


def test_a_side_by_side_campaign_gets_agreement_position_bias_and_straight_lining(run_dir, tmp_path) -> None:
    from sqlalchemy import select

    from evalsuite.rating.monitor import campaign_status
    from evalsuite.rating.store import Campaign, open_store

    db, made, client = make(tmp_path, run_dir, mode="gsb", raters=3, k=3, gold_share=0.0)
    for r, token in enumerate(made.rater_tokens.values()):
        rater = Rating(client, token).start()
        n = 0
        while (key := rater.key()) is not None:
            clicked = "left" if r == 0 else ["left", "same", "right"][(n * (r + 1)) % 3]
            assert (
                rater.post(key, {"values": dict.fromkeys(CRITERIA, clicked), "seconds": 1.0}).status_code
                == 200
            )
            n += 1
    engine, sessions = open_store(str(db))
    with sessions() as session:
        status = campaign_status(session, session.scalar(select(Campaign)))
    engine.dispose()
    assert list(status.agreement["criterion"]) == CRITERIA and status.agreement["fleiss_kappa"].notna().all()
    flags = status.raters.set_index("rater")["flag"]
    assert "one answer to everything" in flags["rater-001"] and "prefers one side" in flags["rater-001"]
    assert "Left chosen in" in status.position_bias
    assert set(status.balance["assignments"]) == {18}  # 3 pairs x 6 prompts x 3 raters / 3 pairs
    assert "win rate" in made.power_note and "pass rates" not in made.power_note


def test_adaptive_pairs_go_to_the_least_settled_order_first(run_dir, tmp_path) -> None:
    from sqlalchemy import select

    from evalsuite.rating.monitor import campaign_status
    from evalsuite.rating.store import Campaign, open_store

    db, made, client = make(tmp_path, run_dir, mode="gsb", raters=6, k=6, gold_share=0.0, adaptive=True)
    strong = "synthetic-test-videos"
    video_system = dict(rows(db, "SELECT id, system FROM videos"))
    assert strong in video_system.values()
    for token in made.rater_tokens.values():
        rater = Rating(client, token).start()
        for _ in range(6):
            key = rater.key()
            if key is None:
                break
            a, b, left = rows(db, f"SELECT i.video_a, i.video_b, a.a_on_left FROM assignments a JOIN items i "
                                  f"ON i.id = a.item_id WHERE a.key = '{key}'")[0]  # fmt: skip
            shown_left = video_system[a] if left else video_system[b]
            shown_right = video_system[b] if left else video_system[a]
            # The strong system always wins; the other two are a coin toss the raters cannot settle.
            coin = ["left", "right"][zlib.crc32(key.encode()) % 2]
            clicked = "left" if shown_left == strong else "right" if shown_right == strong else coin
            assert (
                rater.post(key, {"values": dict.fromkeys(CRITERIA, clicked), "seconds": 1.0}).status_code
                == 200
            )
    engine, sessions = open_store(str(db))
    with sessions() as session:
        status = campaign_status(session, session.scalar(select(Campaign)))
    engine.dispose()
    print(status.balance.to_string())
    balance = status.balance.set_index("pair")["judgements"]
    weak = [p for p in balance.index if strong not in p]
    settled = [p for p in balance.index if strong in p]
    assert balance[weak[0]] > max(balance[p] for p in settled)  # the unsettled pair got the most draws
    assert (status.balance["per_prompt_max"] <= 6).all()


def test_create_refuses_bad_settings_in_one_line(run_dir, tmp_path) -> None:
    with pytest.raises(CampaignError, match="min_seconds"):
        make(tmp_path, run_dir, min_seconds=-1)
    with pytest.raises(CampaignError, match=r"adaptive.*gsb"):
        make(tmp_path, run_dir, adaptive=True)


def test_an_adaptive_list_that_runs_out_of_pairs_ends_after_its_checks(run_dir, tmp_path) -> None:
    systems = ["synthetic-test-videos", "synthetic-flicker-12"]
    db, made, client = make(tmp_path, run_dir, mode="gsb", systems=systems, raters=2, k=2, gold_share=0.25,
                            adaptive=True)  # fmt: skip
    with sqlite3.connect(db) as con:  # a longer list than the 6 pairs can fill, its checks at the end
        con.execute("UPDATE raters SET quota = quota + 3 WHERE id = 1")
        con.execute("UPDATE assignments SET position = position + 100 WHERE rater_id = 1")
    quota, golds = rows(
        db, "SELECT quota, (SELECT COUNT(*) FROM assignments WHERE rater_id = 1) FROM raters WHERE id = 1"
    )[0]
    rater = Rating(client, next(iter(made.rater_tokens.values()))).start()
    answered = 0
    while (key := rater.key()) is not None:
        assert rater.post(key, {"values": dict.fromkeys(CRITERIA, "same"), "seconds": 1.0}).status_code == 200
        answered += 1
    assert answered == 6 + golds  # every pair once, then the checks, then the end
    assert "All done" in rater.page().text
    assert rows(db, "SELECT quota FROM raters WHERE id = 1") == [(6 + golds,)] and quota > 6 + golds
