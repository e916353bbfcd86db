"""The rating app end to end: campaign design, a real browser (Debian's chromium driven by Playwright),
the export into the human layer, robustness (bad tokens, moved videos, a killed server, two server
processes on one SQLite file) and a load test of 60 concurrent raters."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("fastapi")
pytest.importorskip("sqlalchemy")
httpx = pytest.importorskip("httpx")

from evalsuite.config import compose  # noqa: E402
from evalsuite.rating.campaign import create_campaign  # noqa: E402
from rating.helpers import CAMPAIGN_DEFAULTS, rows, shown_item  # noqa: E402

pytestmark = pytest.mark.slow
CHROMIUM = Path("/usr/bin/chromium")
CRITERIA = ["text_alignment", "motion_quality", "visual_quality"]
LOAD_SECONDS = float(os.environ.get("HYVIDEO_EVAL_LOAD_SECONDS", "60"))


@pytest.fixture(scope="module")
def big_run_dir(tmp_path_factory) -> Path:
    """Three systems' (synthetic) videos over 100 prompts of the structured suite: the videos and the
    manifest only (a campaign needs nothing else)."""
    from evalsuite.pipeline.run import run_generation

    base = tmp_path_factory.mktemp("rating_big_run")
    cfg = compose(
        ["compare=synthetic_flicker", "prompts=structured", "prompts.limit=100", "metrics.names=[sharpness]",
         f"runtime.output_dir={base / 'run'}", "runtime.progress=false", f"runtime.cache_dir={base / 'cache'}"]
    )  # fmt: skip
    return run_generation(cfg)[2].output_dir


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`hyvideo-eval rate serve` in its own process."""

    def __init__(self, db: Path | str):
        self.db, self.port = db, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "evalsuite.cli", "rate", "serve", "--db", str(db), "--port", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if httpx.get(self.url + "/", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the rating server did not start: {self.process.stderr.read().decode()[-2000:]}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(10)


@contextlib.contextmanager
def browser_on(db: Path):
    """A rating server on `db` and a page of Debian's chromium driven by Playwright (no browser download)."""
    playwright = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed")
    server = Server(db)
    try:
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
            yield server, browser.new_page()
            browser.close()
    finally:
        server.stop()


def campaign(db: Path | str, run_dir: Path, **options):
    """A campaign without the timing rule or a practice round (tests that need them set them)."""
    return create_campaign(str(db), run_dir, **(CAMPAIGN_DEFAULTS | options))


TICKETS: dict[str, str] = {}  # answer key -> the signed serving time its page carried


def next_assignment(page_html: str, token: str) -> str | None:
    """The answer key of the item a rating page shows (None on any other page); its ticket is kept for
    `answer_body`, as the page keeps it for its own POST."""
    shown = shown_item(page_html, token)
    if shown is None:
        return None
    TICKETS[shown[0]] = shown[1]
    return shown[0]


def answer_body(key: str, values: dict, seconds: float = 1.0) -> dict:
    return {"values": values, "seconds": seconds, "ticket": TICKETS[key]}


def consent(base_url: str, tokens) -> None:
    """Agree to the instructions for each token, as the consent form does."""
    for token in tokens:
        assert httpx.post(f"{base_url}/rate/{token}/consent").status_code == 303


def test_every_item_is_seen_by_k_raters_balanced_blinded_and_tokens_are_hashed(run_dir, tmp_path) -> None:
    db = tmp_path / "c.sqlite"
    made = campaign(db, run_dir, raters=5, k=3, gold_share=0.1)
    per_item = rows(db, "SELECT i.id, COUNT(DISTINCT a.rater_id), COUNT(*) FROM items i JOIN assignments a "
                    "ON a.item_id = i.id WHERE i.kind = 'video' GROUP BY i.id")  # fmt: skip
    assert len(per_item) == made.items == 18 and all(n == k == 3 for _, n, k in per_item)
    loads = [n for (n,) in rows(db, "SELECT COUNT(*) FROM assignments a JOIN items i ON i.id = a.item_id "
                                    "WHERE i.kind = 'video' GROUP BY a.rater_id")]  # fmt: skip
    assert max(loads) - min(loads) <= 1
    per_system = pd.DataFrame(
        rows(db, "SELECT a.rater_id, v.system FROM assignments a JOIN items i ON i.id = a.item_id "
                 "JOIN videos v ON v.id = i.video_a WHERE i.kind = 'video'"), columns=["rater", "system"]
    ).value_counts().unstack()  # fmt: skip
    assert (per_system.max(axis=1) - per_system.min(axis=1)).max() <= 2
    gold = rows(db, "SELECT gold FROM items WHERE kind = 'gold'")
    assert made.gold >= 5 and all(json.loads(g) == {"text_alignment": "fail"} for (g,) in gold)
    stored = db.read_bytes() + (
        db.with_suffix(".sqlite-wal").read_bytes() if db.with_suffix(".sqlite-wal").exists() else b""
    )
    assert not any(token.encode() in stored for token in [made.admin_token, *made.rater_tokens.values()])
    assert "60 % and 50 %" in made.power_note


def test_a_rater_rates_by_keyboard_reloads_resumes_and_a_wrong_token_is_refused(run_dir, tmp_path) -> None:
    db = tmp_path / "c.sqlite"
    made = campaign(db, run_dir)
    token = next(iter(made.rater_tokens.values()))
    with browser_on(db) as (server, page):
        page.goto(f"{server.url}/rate/{token}")
        page.check("#agree")
        page.click("#start")
        total = int(re.search(r"of (\d+)", page.inner_text("#progress")).group(1))
        systems = {"synthetic-test-videos", "synthetic-flicker-4", "synthetic-flicker-12"}
        assert not any(s in page.content() for s in systems)  # blinded
        for n in range(3):
            assert page.inner_text("#progress").startswith(f"Item {n + 1} of {total}")
            page.wait_for_function("!document.querySelector('.opt').disabled")  # played through
            for key in ("p", "f", "p"):
                page.keyboard.press(key)
            assert page.is_enabled("#submit")
            with page.expect_navigation():
                page.keyboard.press("Enter")
        page.reload()
        assert page.inner_text("#progress").startswith(f"Item 4 of {total}")  # resumed at the first unrated
        page.wait_for_function("!document.querySelector('.opt').disabled")
        page.keyboard.press("p")
        page.keyboard.press("Backspace")
        page.keyboard.press("f")
        assert not page.is_enabled("#submit")  # two of three answered: nothing is sent
        response = page.goto(f"{server.url}/rate/not-a-token")
        assert response.status == 401 and "not valid" in page.inner_text("body")
    values = [json.loads(v) for (v,) in rows(db, "SELECT `values` FROM judgements ORDER BY id")]
    assert values == [{"text_alignment": "pass", "motion_quality": "fail", "visual_quality": "pass"}] * 3


def test_a_side_by_side_item_records_the_side_that_was_shown(run_dir, tmp_path) -> None:
    from evalsuite.rating.export import export_campaign

    db = tmp_path / "c.sqlite"
    made = campaign(db, run_dir, mode="gsb", raters=2, k=1, gold_share=0.0)
    token = next(iter(made.rater_tokens.values()))
    with browser_on(db) as (server, page):
        page.goto(f"{server.url}/rate/{token}")
        page.check("#agree")
        page.click("#start")
        for _ in range(8):
            assert page.locator("video").count() == 2
            page.wait_for_function("!document.querySelector('.opt').disabled")
            for key in ("ArrowLeft", "ArrowLeft", "ArrowLeft"):  # "left is better", whatever is there
                page.keyboard.press(key)
            with page.expect_navigation():
                page.keyboard.press("Enter")
    shown = rows(db, "SELECT a.a_on_left FROM judgements j JOIN assignments a ON a.id = j.assignment_id")
    assert len(shown) == 8 and {s for (s,) in shown} == {0, 1}  # sides were drawn, both occurred
    table = pd.read_csv(export_campaign(str(db), "c", tmp_path / "out").files["pairwise"])
    assert set(table["clicked"]) == {"left"}
    assert (table["verdict"] == table["a_side"].map({"left": "good", "right": "bad"})).all()


def answers(rater: int, key: str) -> dict:
    """A deterministic 'click' per rater and item (its answer key), varied enough for every statistic."""
    item = zlib.crc32(key.encode())
    return {c: "pass" if (rater * 7 + item * 3 + k) % 5 < 3 else "fail"
            for k, c in enumerate(("text_alignment", "motion_quality", "visual_quality"))}  # fmt: skip


def test_the_export_feeds_the_human_report_and_its_rates_match_the_clicks(run_dir, tmp_path) -> None:
    from evalsuite.cli import eval_main

    db = tmp_path / "c.sqlite"
    made = campaign(db, run_dir, raters=3, k=3, gold_share=0.0)
    server = Server(db)
    clicks = []
    try:
        consent(server.url, made.rater_tokens.values())
        with httpx.Client(base_url=server.url, timeout=30) as client:
            for r, token in enumerate(made.rater_tokens.values()):
                while (assignment := next_assignment(client.get(f"/rate/{token}").text, token)) is not None:
                    values = answers(r, assignment)
                    body = answer_body(assignment, values, 2.0)
                    assert client.post(f"/rate/{token}/{assignment}", json=body).status_code == 200
                    clicks.append((r, assignment, values))
    finally:
        server.stop()
    assert eval_main(["rate", "report", "--db", str(db), "--name", "c", "--out", str(tmp_path / "out")]) == 0
    rates = pd.read_csv(tmp_path / "out" / "human" / "rates.csv")
    # The same rates from the click log: per video, a strict majority of its 3 raters passes it.
    item_video = dict(rows(db, "SELECT a.key, v.system || '|' || v.prompt_id FROM assignments a "
                               "JOIN items i ON i.id = a.item_id JOIN videos v ON v.id = i.video_a"))  # fmt: skip
    log = pd.DataFrame(
        [(item_video[a].split("|")[0], item_video[a], c, v == "pass") for _, a, vals in clicks for c, v in vals.items()],
        columns=["model", "video", "criterion", "passed"],
    )  # fmt: skip
    majority = log.groupby(["model", "video", "criterion"])["passed"].mean().gt(0.5)
    overall = majority.groupby(["model", "video"]).all()  # "overall": every criterion passes
    expected = pd.concat(
        [majority.groupby(["model", "criterion"]).mean(),
         overall.groupby("model").mean().to_frame().assign(criterion="overall").set_index("criterion", append=True).iloc[:, 0]]
    )  # fmt: skip
    got = rates.set_index(["model", "criterion"])["rate"]
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index().astype(float), check_names=False)


def test_bad_tokens_moved_videos_and_a_killed_server(run_dir, tmp_path) -> None:
    db = tmp_path / "c.sqlite"
    made = campaign(db, run_dir)
    token = next(iter(made.rater_tokens.values()))
    server = Server(db)
    committed = 0
    try:
        assert httpx.get(f"{server.url}/rate/bad").status_code == 401
        assert httpx.get(f"{server.url}/admin/bad").status_code == 403
        assert "not valid" in httpx.get(f"{server.url}/admin/bad").text
        assert httpx.post(f"{server.url}/rate/{token}/1", content=b"{}").status_code == 403
        consent(server.url, [token])
        for _ in range(3):
            assignment = next_assignment(httpx.get(f"{server.url}/rate/{token}").text, token)
            body = answer_body(assignment, answers(0, assignment), 1.5)
            assert httpx.post(f"{server.url}/rate/{token}/{assignment}", json=body).status_code == 200
            committed += 1
        again = httpx.post(f"{server.url}/rate/{token}/{assignment}", json=body)
        assert again.status_code == 409  # an item cannot be rated twice
        bad = httpx.post(
            f"{server.url}/rate/{token}/{assignment}", json={"values": {"text_alignment": "maybe"}}
        )
        assert bad.status_code in (409, 422)
    finally:
        server.stop(signal.SIGKILL)  # no shutdown, no flush
    assert rows(db, "SELECT COUNT(*) FROM judgements") == [(committed,)]
    # A moved video: the rater is told which, the admin page lists it.
    next_video = rows(db, "SELECT v.path FROM assignments a JOIN items i ON i.id = a.item_id JOIN videos v "
                          "ON v.id = i.video_a WHERE a.position = 3 AND a.rater_id = 1")[0][0]  # fmt: skip
    moved = Path(next_video).with_suffix(".moved")
    Path(next_video).rename(moved)
    server = Server(db)
    try:
        page = httpx.get(f"{server.url}/rate/{token}")
        assert page.status_code == 410 and Path(next_video).name in page.text
        assert Path(next_video).name in httpx.get(f"{server.url}/admin/{made.admin_token}").text
    finally:
        server.stop()
        moved.rename(next_video)


async def simulated_rater(
    client, token: str, rater: int, stop_at: float, latencies: list, ok: list, replays: list
):
    """Rate until the list is done or time is up; every 10th item, send the same judgement again."""
    n = 0
    while time.monotonic() < stop_at:
        page = await client.get(f"/rate/{token}")
        assignment = next_assignment(page.text, token)
        if assignment is None:
            return
        body = answer_body(assignment, answers(rater, assignment), 0.1)
        start = time.perf_counter()
        response = await client.post(f"/rate/{token}/{assignment}", json=body)
        latencies.append(time.perf_counter() - start)
        if response.status_code == 200:
            ok.append((token, assignment))
        n += 1
        if n % 10 == 0:
            replays.append((await client.post(f"/rate/{token}/{assignment}", json=body)).status_code)


def test_60_concurrent_raters_on_two_server_processes_lose_and_duplicate_nothing(
    big_run_dir, tmp_path
) -> None:
    """For LOAD_SECONDS (60 in CI) or until every list is done: 300 items and 33 gold items per rater,
    more than 60 raters can finish in a minute on 2 cores, so the load lasts the whole minute."""
    db = tmp_path / "c.sqlite"
    made = campaign(db, big_run_dir, raters=60, k=60, gold_share=0.1)
    servers = [Server(db), Server(db)]  # one SQLite file, two processes
    latencies: list[float] = []
    ok: list[tuple[str, int]] = []
    replays: list[int] = []

    async def campaign_day() -> None:
        clients = [httpx.AsyncClient(base_url=s.url, timeout=60) for s in servers]
        stop_at = time.monotonic() + LOAD_SECONDS
        tokens = list(made.rater_tokens.values())
        await asyncio.gather(
            *(
                simulated_rater(clients[i % 2], t, i, stop_at, latencies, ok, replays)
                for i, t in enumerate(tokens)
            )
        )
        for client in clients:
            await client.aclose()

    start = time.monotonic()
    consent(servers[0].url, made.rater_tokens.values())
    try:
        asyncio.run(campaign_day())
    finally:
        for server in servers:
            server.stop()
    elapsed = time.monotonic() - start
    stored = rows(db, "SELECT COUNT(*), COUNT(DISTINCT rater_id || '-' || item_id) FROM judgements")[0]
    assert stored == (len(ok), len(ok))  # every confirmed judgement stored, none twice
    assert set(replays) == {409}
    median, p99 = statistics.median(latencies), statistics.quantiles(latencies, n=100)[98]
    summary = {"raters": 60, "judgements": len(ok), "seconds": round(elapsed, 1),
               "median_ms": round(1000 * median, 1), "p99_ms": round(1000 * p99, 1), "replays_refused": len(replays)}  # fmt: skip
    print("\nload:", json.dumps(summary))
    (Path(os.environ.get("HYVIDEO_EVAL_LOAD_REPORT", tmp_path / "load.json"))).write_text(json.dumps(summary))
    assert len(ok) > 0


def test_the_default_install_does_not_need_the_app() -> None:
    code = "import sys, evalsuite.cli, evalsuite.pipeline.run; assert 'fastapi' not in sys.modules and 'sqlalchemy' not in sys.modules"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


@pytest.fixture
def postgres_url():
    """A throwaway PostgreSQL cluster (Debian's server binaries), or skip where there is none."""
    import pwd
    import shutil
    import tempfile

    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if not (initdb and pg_ctl):
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) on this machine")
    pytest.importorskip("psycopg")
    # Outside pytest's private (0700) temp folders: initdb refuses root, so as root it runs as nobody.
    folder = Path(tempfile.mkdtemp(prefix="hyvideo-eval-pg-"))
    as_user = ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []
    if as_user:
        nobody = pwd.getpwnam("nobody")
        os.chown(folder, nobody.pw_uid, nobody.pw_gid)
    data, port = folder / "data", free_port()
    try:
        subprocess.run(
            [*as_user, initdb, "-D", str(data), "-A", "trust", "-U", "postgres"],
            check=True,
            capture_output=True,
        )
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1"
        subprocess.run([*as_user, pg_ctl, "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start"],
                       check=True, capture_output=True)  # fmt: skip
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_user, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def test_postgresql_by_url(run_dir, postgres_url, tmp_path) -> None:
    from evalsuite.rating.export import export_campaign

    made = campaign(postgres_url, run_dir)
    token = next(iter(made.rater_tokens.values()))
    server = Server(postgres_url)
    try:
        consent(server.url, [token])
        for _ in range(4):
            assignment = next_assignment(httpx.get(f"{server.url}/rate/{token}").text, token)
            body = answer_body(assignment, answers(0, assignment))
            assert httpx.post(f"{server.url}/rate/{token}/{assignment}", json=body).status_code == 200
        assert httpx.post(f"{server.url}/rate/{token}/{assignment}", json=body).status_code == 409
        assert "4 of" in httpx.get(f"{server.url}/admin/{made.admin_token}").text
    finally:
        server.stop(signal.SIGKILL)
    exported = export_campaign(postgres_url, "c", tmp_path / "out")
    table = pd.read_csv(exported.files["absolute"])
    assert len(table) % 3 == 0 and 0 < len(table) <= 4 * 3  # gold judgements are not exported


def screenshot(page, name: str, tmp_path: Path) -> Path:
    """Full-page PNG into $HYVIDEO_EVAL_SCREENSHOTS (to look at, or for the docs) or the test's folder."""
    folder = Path(os.environ.get("HYVIDEO_EVAL_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    return folder / f"{name}.png"


def unlocked(page) -> bool:
    return page.evaluate("!document.querySelector('.opt').disabled")


def test_a_crowd_participant_from_entry_to_completion_code_and_an_excluded_rater_in_chromium(
    run_dir, tmp_path
) -> None:
    """Prolific's entry link -> instructions and consent -> practice with feedback -> rating with the
    answers locked until the videos played through -> the completion code; then the owner excludes the
    rater on the admin page and the export leaves their judgements out."""
    from evalsuite.rating.settings import CrowdSettings

    db = tmp_path / "c.sqlite"
    crowd = CrowdSettings(platform="prolific", completion_code="CODE2024", screenout_code="NOPE")
    systems = ["synthetic-test-videos", "synthetic-flicker-12"]
    made = campaign(db, run_dir, mode="gsb", systems=systems, raters=2, k=2, gold_share=0.15, crowd=crowd,
                    practice=2, min_seconds=1.0, require_playthrough=True)  # fmt: skip
    with browser_on(db) as (server, page):
        page.set_viewport_size({"width": 1200, "height": 900})
        page.goto(f"{server.url}/join/{made.entry_key}?PROLIFIC_PID=5f0c0ffee&STUDY_ID=s1&SESSION_ID=x1")
        assert page.title() == "Instructions" and "What to judge" in page.inner_text("body")
        screenshot(page, "rating-instructions", tmp_path)
        page.click("#start")
        assert page.title() == "Instructions"  # consent is required: the checkbox was not ticked
        page.check("#agree")
        page.click("#start")
        for n in range(2):  # practice
            assert page.inner_text("#progress") == f"Practice {n + 1} of 2"
            assert not unlocked(page)  # locked until the videos played through
            page.keyboard.press("s")
            assert page.evaluate("document.querySelectorAll('.opt.on').length") == 0
            page.wait_for_function("!document.querySelector('.opt').disabled", timeout=20_000)
            for key in ("s", "s", "s"):
                page.keyboard.press(key)
            page.keyboard.press("Enter")
            page.wait_for_selector(".feedback")
            assert re.match(r"(Right|Not quite)\.", page.inner_text("#feedback"))
            with page.expect_navigation():
                page.keyboard.press("Enter")
        assert page.title() == "Practice finished"
        page.click("#begin")
        rated = 0
        while page.title() == "Rate":
            assert page.inner_text("#progress").startswith(f"Item {rated + 1} of ")
            assert not unlocked(page)
            page.keyboard.press("Control+f")  # the browser's find, not "fail" or an answer
            page.wait_for_function("!document.querySelector('.opt').disabled", timeout=20_000)
            if rated == 0:
                page.keyboard.press("a")
                page.keyboard.press("Enter")  # two criteria still missing: said, nothing sent
                assert page.inner_text("#status").startswith("Still to answer")
                page.fill("#comment", "left looks sharper")
                screenshot(page, "rating-item", tmp_path)
                page.keyboard.press("Escape")
                page.locator("#comment").blur()
            for key in ("a", "s", "d"):
                page.keyboard.press(key)
            with page.expect_navigation():
                page.keyboard.press("Enter")
            rated += 1
        assert page.inner_text("#code") == "CODE2024"
        assert (
            page.get_attribute("#back", "href") == "https://app.prolific.com/submissions/complete?cc=CODE2024"
        )
        # A second participant's judgements by API (for agreement), then the owner's page.
        other = httpx.get(f"{server.url}/join/{made.entry_key}?PROLIFIC_PID=second", follow_redirects=False)
        token = other.headers["location"].rsplit("/", 1)[1]
        consent(server.url, [token])
        with httpx.Client(base_url=server.url, timeout=30) as client:
            for _ in range(2):  # the practice round
                key = next_assignment(client.get(f"/rate/{token}").text, token)
                time.sleep(1.05)
                client.post(
                    f"/rate/{token}/{key}", json=answer_body(key, dict.fromkeys(CRITERIA, "same"), 1.1)
                )
            client.post(f"/rate/{token}/start")
            while (key := next_assignment(client.get(f"/rate/{token}").text, token)) is not None:
                time.sleep(1.05)
                answer = answer_body(key, dict.fromkeys(CRITERIA, "left"), 1.1)
                assert client.post(f"/rate/{token}/{key}", json=answer).status_code == 200
        page.goto(f"{server.url}/admin/{made.admin_token}")
        assert "Position bias" in page.inner_text("body") and "Agreement" in page.inner_text("body")
        screenshot(page, "rating-admin-gsb", tmp_path)
        first = rows(db, "SELECT name FROM raters WHERE participant = '5f0c0ffee'")[0][0]
        page.locator(f"tr:has-text('{first}') button[data-action='exclude']").click()
        assert "is excluded" in page.inner_text("#note")
        exported = httpx.get(f"{server.url}/admin/{made.admin_token}/export/pairwise.csv").text
        everyone = httpx.get(
            f"{server.url}/admin/{made.admin_token}/export/pairwise.csv?include_excluded=1"
        ).text
    kept = pd.read_csv(io.StringIO(exported))
    assert first not in set(kept["rater_id"]) and len(kept) > 0
    assert first in set(pd.read_csv(io.StringIO(everyone))["rater_id"])
    comments = rows(db, "SELECT comment FROM judgements WHERE comment IS NOT NULL")
    assert comments == [("left looks sharper",)]
