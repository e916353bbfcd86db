"""The VLM judge against a real HTTP server on 127.0.0.1 that speaks the chat-completions wire format with
scripted answers (a server, not a patched client): success, malformed JSON, a refusal, 429 with
Retry-After, a timeout, a burst of 500s, the concurrency limit, the budget, a rerun that sends nothing,
and the API key in no file a run writes."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from chat_server import ScriptedServer, completion

from evalsuite.judge.client import (
    JudgeBudgetSpent,
    JudgeClient,
    JudgeError,
    JudgeRefusal,
    JudgeSettings,
    retry_after,
)

pytest.importorskip("httpx")


@pytest.fixture
def serve():
    servers = []

    def start(script):
        servers.append(ScriptedServer(script))
        return servers[-1]

    yield start
    for s in servers:
        s.close()


def ok(content="yes"):
    return lambda n, body: (200, {}, completion(content), 0)


def client_for(server, tmp_path=None, waits=None, **settings) -> JudgeClient:
    settings = {"base_url": server.url, "model": "judge-model", "backoff": 1.0, **settings}
    cache = tmp_path / "answers.sqlite" if tmp_path else None
    return JudgeClient(
        JudgeSettings(**settings), cache, sleep=(waits.append if waits is not None else lambda s: None)
    )


MESSAGES = [{"role": "user", "content": "Is there a dog?"}]


def test_a_request_is_sent_at_temperature_zero_with_the_seed_and_answered(serve) -> None:
    server = serve(ok("Yes."))
    client = client_for(server, seed=7)
    reply = client.chat(MESSAGES)
    assert reply.content == "Yes." and reply.tokens == 10 and not reply.cached
    body = server.bodies[0]
    assert body["temperature"] == 0 and body["seed"] == 7 and body["model"] == "judge-model"
    assert client.unavailable() is None


def test_malformed_json_is_retried_then_reported(serve) -> None:
    server = serve(lambda n, body: (200, {}, b"{not json", 0) if n == 0 else (200, {}, completion("no"), 0))
    waits: list[float] = []
    assert client_for(server, waits=waits).chat(MESSAGES).content == "no"
    assert len(server.bodies) == 2 and waits == [1.0]
    broken = serve(lambda n, body: (200, {}, b"<html>oops</html>", 0))
    with pytest.raises(JudgeError, match=r"failed 3 times .*not a chat completion"):
        client_for(broken, retries=2).chat(MESSAGES)
    assert len(broken.bodies) == 3


def test_a_refusal_is_not_retried_and_not_an_answer(serve) -> None:
    server = serve(lambda n, body: (200, {}, completion(None, refusal="I can't help with that."), 0))
    with pytest.raises(JudgeRefusal, match="declined: I can't help"):
        client_for(server).chat(MESSAGES)
    assert len(server.bodies) == 1


def test_429_waits_for_retry_after(serve) -> None:
    server = serve(
        lambda n, body: (
            (429, {"Retry-After": "3"}, {"error": "slow down"}, 0)
            if n < 2
            else (200, {}, completion("yes"), 0)
        )
    )
    waits: list[float] = []
    assert client_for(server, waits=waits).chat(MESSAGES).content == "yes"
    assert waits == [3.0, 3.0] and len(server.bodies) == 3
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0 and retry_after(None) is None


def test_a_timeout_is_retried(serve) -> None:
    server = serve(
        lambda n, body: (200, {}, completion("late"), 1.0) if n == 0 else (200, {}, completion("yes"), 0)
    )
    assert client_for(server, timeout=0.3).chat(MESSAGES).content == "yes"
    assert len(server.bodies) == 2


def test_a_burst_of_500s_backs_off_then_gives_up_with_one_line(serve) -> None:
    server = serve(
        lambda n, body: (500, {}, {"error": "boom"}, 0) if n < 3 else (200, {}, completion("yes"), 0)
    )
    waits: list[float] = []
    assert client_for(server, waits=waits).chat(MESSAGES).content == "yes"
    assert waits == [1.0, 2.0, 4.0]
    down = serve(lambda n, body: (503, {}, {"error": "down"}, 0))
    with pytest.raises(JudgeError) as err:
        client_for(down, retries=1).chat(MESSAGES)
    assert "failed 2 times (last: 503" in str(err.value) and "\n" not in str(err.value)


def test_the_concurrency_limit_holds(serve) -> None:
    server = serve(lambda n, body: (200, {}, completion("yes"), 0.15))
    client = client_for(server, concurrency=2)
    threads = [
        threading.Thread(target=client.chat, args=([{"role": "user", "content": f"q{i}"}],)) for i in range(6)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(server.bodies) == 6 and server.most_in_flight == 2


def test_the_budget_stops_cleanly_and_cached_answers_still_serve(serve, tmp_path: Path) -> None:
    server = serve(ok("yes"))
    client = client_for(server, tmp_path, max_requests=2)
    for i in range(2):
        client.chat([{"role": "user", "content": f"q{i}"}])
    with pytest.raises(JudgeBudgetSpent, match=r"2 requests .*raise it and rerun"):
        client.chat([{"role": "user", "content": "q2"}])
    assert len(server.bodies) == 2
    assert client.chat([{"role": "user", "content": "q0"}]).cached  # from the cache, no request
    tokens = client_for(server, tmp_path / "t", max_tokens=15)
    tokens.chat([{"role": "user", "content": "a"}])
    tokens.chat([{"role": "user", "content": "b"}])  # 10 tokens spent < 15: sent
    with pytest.raises(JudgeBudgetSpent, match="20 tokens"):
        tokens.chat([{"role": "user", "content": "c"}])


def test_unreachable_endpoint_and_refused_key_are_one_line_reasons(serve) -> None:
    closed = JudgeClient(JudgeSettings(base_url="http://127.0.0.1:9/v1", model="m", timeout=2))
    assert "unreachable" in closed.unavailable() and "judge.base_url" in closed.unavailable()
    assert "judge.base_url and judge.model" in JudgeClient(JudgeSettings()).unavailable()

    server = serve(lambda n, body: (401, {}, {"error": "bad key"}, 0))
    with pytest.raises(JudgeError, match="refused the API key \\(401\\)"):
        client_for(server).chat(MESSAGES)
    assert len(server.bodies) == 1  # not retried


# ---- through a whole run ---------------------------------------------------------------------------
def scripted_judge(n, body):
    """Yes/no questions: 'dog' questions yes, 'cat' questions no; the rubric: valid JSON (once malformed
    first, so the rubric's retry shows)."""
    messages = body["messages"]
    system = messages[0]["content"]
    if "JSON object" in system:
        if len(messages) == 2 and n == 0:
            return 200, {}, completion("Sure! Here are my scores."), 0
        scores = {
            k: {"score": 4, "reason": "Fine."} for k in ("text_alignment", "motion_quality", "visual_quality")
        }
        scores["motion_quality"]["score"] = 2
        return 200, {}, completion(json.dumps(scores)), 0
    question = messages[1]["content"][-1]["text"]
    return 200, {}, completion("Yes" if "dog" in question else "No."), 0


def write_questions_for(prompts: pd.DataFrame, path: Path) -> Path:
    from evalsuite.judge.questions import PromptQuestions, Question, save_questions

    items = [
        PromptQuestions(
            prompt_id=str(r.prompt_id),
            prompt=str(r.prompt),
            questions=(
                Question(id="q1", type="entity", text="Is there a dog?"),
                Question(id="q2", type="action", text="Is the dog running?", parents=("q1",)),
                Question(id="q3", type="entity", text="Is there a cat?"),
                Question(id="q4", type="attribute", text="Is the cat black?", parents=("q3",)),
            ),
        )
        for r in prompts.itertuples()
    ]
    return save_questions(path, items, "embedded", "test")


JUDGED = "metrics.names=[temporal_flickering,judge_questions,judge_text_alignment,judge_motion_quality]"


def test_a_run_judges_every_video_and_a_rerun_sends_nothing_and_the_key_is_in_no_file(
    serve, run_dir: Path, tmp_path: Path, monkeypatch
) -> None:
    from evalsuite.config import compose
    from evalsuite.pipeline.run import run_eval

    secret = "sk-test-7f3a9c0e5b1d"
    monkeypatch.setenv("JUDGE_TEST_KEY", secret)
    server = serve(scripted_judge)
    base = ["model=synthetic_videos", "runtime.progress=false", "prompts.limit=3", JUDGED]
    prompts = pd.read_csv(run_eval(compose(base)).paths.output_dir / "prompts.csv")  # judge off: unavailable
    questions = write_questions_for(prompts, tmp_path / "embedded.questions.json")
    judged = [*base, f"judge.base_url={server.url}", "judge.model=judge-model", "judge.api_key_env=JUDGE_TEST_KEY",
              f"judge.questions={questions}", "judge.frames=4", "judge.max_side=64", "run_id=judged"]  # fmt: skip
    result = run_eval(compose(judged))
    scores = pd.read_parquet(result.paths.output_dir / "scores.parquet")
    values = scores.pivot_table(index="prompt_id", columns="metric", values="value")
    assert (scores["status"] == "ok").all(), scores[scores["status"] != "ok"][["metric", "error"]]
    assert (values["judge_questions"] == 0.5).all()  # dog and running yes; cat no, so black not asked
    assert (values["judge_text_alignment"] == 4).all() and (values["judge_motion_quality"] == 2).all()
    questions_asked = [b for b in server.bodies if "JSON object" not in b["messages"][0]["content"]]
    assert not any("black" in b["messages"][1]["content"][-1]["text"] for b in questions_asked)
    assert len(questions_asked) == 3 * 3  # dog, running, cat per video
    images = [p for p in questions_asked[0]["messages"][1]["content"] if p["type"] == "image_url"]
    assert len(images) == 4 and images[0]["image_url"]["url"].startswith("data:image/jpeg;base64,")
    assert set(server.auth) == {f"Bearer {secret}"}

    sent = len(server.bodies)
    # A fresh cache holding only the judge's answers: every value is computed again, nothing is sent.
    fresh = tmp_path / "fresh-cache"
    fresh.mkdir()
    shutil.copy(run_dir.parent / "cache" / "judge_answers.sqlite", fresh / "judge_answers.sqlite")
    monkeypatch.setenv("HYVIDEO_EVAL_CACHE", str(fresh))
    again = pd.read_parquet(run_eval(compose(judged)).paths.output_dir / "scores.parquet")
    assert len(server.bodies) == sent  # every answer came from the cache
    pd.testing.assert_frame_equal(
        again.drop(columns="seconds").reset_index(drop=True),
        scores.drop(columns="seconds").reset_index(drop=True),
    )
    # the breakdown by question type: in the run's parts table and its report, also from the value cache
    out = result.paths.output_dir
    parts = pd.read_csv(out / "scores_parts.csv")
    assert len(parts) == 3 * 3 and set(parts["part"]) == {"entity", "action", "attribute"}
    report = (out / "report.md").read_text()
    assert "## judge_questions by question type" in report
    assert (
        "0.500 (3/6)" in report and "1.000 (3/3)" in report and "0.000 (0/3)" in report
    )  # entity, action, attribute
    cached = run_eval(compose(judged))  # every value from the value cache: the parts too
    pd.testing.assert_frame_equal(pd.read_csv(cached.paths.output_dir / "scores_parts.csv"), parts)

    written = [p for root in (run_dir, tmp_path) for p in root.rglob("*") if p.is_file()]
    assert written and not [p for p in written if secret.encode() in p.read_bytes()]

    # the judge card against raters who pass every video but the first prompt's
    from evalsuite.pipeline.judge import judge_main

    videos = scores[["prompt_id", "model"]].drop_duplicates()
    first = sorted(videos["prompt_id"])[0]
    ratings = pd.DataFrame(
        [{"prompt_id": v.prompt_id, "model": v.model, "rater_id": f"r{r}", "criterion": "text_alignment",
          "value": "fail" if v.prompt_id == first else "pass"} for v in videos.itertuples() for r in range(3)]
    )  # fmt: skip
    ratings.to_csv(tmp_path / "ratings.csv", index=False)
    run = result.paths.output_dir
    assert (
        judge_main(["card", str(run), "--ratings", str(tmp_path / "ratings.csv"), "--resamples", "50"]) == 0
    )
    card = pd.read_csv(run / "judge_card.csv").set_index("metric")
    assert set(card.index) == {"judge_text_alignment", "judge_questions"}  # the criteria rated
    assert card.loc["judge_text_alignment", "accuracy"] == pytest.approx(2 / 3)  # the judge passed all three
    assert card.loc["judge_text_alignment", "ceiling_accuracy"] == 1.0


def test_an_unreachable_judge_leaves_the_other_metrics_complete(run_dir: Path, tmp_path: Path) -> None:
    from evalsuite.config import compose
    from evalsuite.pipeline.run import run_eval

    result = run_eval(
        compose(
            [
                "model=synthetic_videos",
                "runtime.progress=false",
                "prompts.limit=2",
                JUDGED,
                "judge.base_url=http://127.0.0.1:9/v1",
                "judge.model=m",
                "judge.timeout=2",
            ]
        )
    )
    scores = pd.read_parquet(result.paths.output_dir / "scores.parquet")
    assert set(scores["metric"]) == {"temporal_flickering"} and (scores["status"] == "ok").all()
    report = (result.paths.output_dir / "report.md").read_text()
    assert "127.0.0.1:9/v1 is unreachable" in report


def first_frame(content: list[dict], label: str) -> tuple[int, str]:
    """The first image after the text part `label`, as (size, data URL): a stand-in for 'quality' that is
    fixed per video, so a judge ranking by it is consistent across orders."""
    at = next(i for i, p in enumerate(content) if p.get("type") == "text" and p["text"] == label)
    url = content[at + 1]["image_url"]["url"]
    return len(url), url


def test_pairwise_judging_in_both_orders_feeds_the_human_layer(serve, run_dir: Path, tmp_path: Path) -> None:
    """Three systems' videos, every pair on every prompt in both orders: a consistent judge's verdicts load
    as human pairwise ratings and fit Bradley-Terry (Davidson); a judge that always picks the first video
    gives only 'same' and its position bias is reported."""
    from evalsuite.config import compose
    from evalsuite.human.pairwise import aggregate_pairwise
    from evalsuite.human.ratings import load_pairwise
    from evalsuite.pipeline.judge import judge_main
    from evalsuite.pipeline.run import run_eval

    run = run_eval(
        compose(
            [
                "compare=synthetic_flicker",
                "runtime.progress=false",
                "metrics.names=[temporal_flickering]",
                "prompts.limit=3",
            ]
        )
    ).paths.output_dir

    def consistent(n, body):
        content = body["messages"][1]["content"]
        one, two = first_frame(content, "Video 1:"), first_frame(content, "Video 2:")
        return 200, {}, completion("same" if one == two else "1" if one > two else "2"), 0

    server = serve(consistent)
    settings = [
        f"judge.base_url={server.url}",
        "judge.model=judge-model",
        "judge.frames=2",
        "judge.max_side=64",
    ]
    out = tmp_path / "pairwise.csv"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert (
            judge_main(
                [
                    "pairwise",
                    str(run),
                    "--criteria",
                    "text_alignment",
                    "motion_quality",
                    "--out",
                    str(out),
                    *settings,
                ]
            )
            == 0
        )
    table = pd.read_csv(out)
    assert len(table) == 3 * 3 * 2 and set(table["rater_id"]) == {
        "judge:judge-model"
    }  # 3 pairs, 3 prompts, 2 criteria
    assert len(server.bodies) == 2 * len(table)  # both orders
    assert "both orders agree on 18 of 18 pairs" in printed.getvalue()  # a consistent judge
    # blind: no request names a system (its name, its folder) or which side is which beyond "Video 1/2"
    sent = json.dumps(server.bodies)
    assert not [name for name in set(table["model_a"]) | set(table["model_b"]) if name in sent]
    assert "synthetic_flicker" not in sent and "mp4" not in sent.replace("data:video/mp4", "")
    assert (table["verdict"] != "same").sum() >= 12  # 'same' only where the first frames are equal
    ratings = load_pairwise(out, criteria=("text_alignment", "motion_quality"))
    assert len(ratings.table) == len(table)
    fitted = aggregate_pairwise(ratings, n_resamples=20)  # the human layer's GSB counts and Davidson fit
    assert set(fitted.gsb["criterion"]) == {"text_alignment", "motion_quality"}

    biased = serve(lambda n, body: (200, {}, completion("1"), 0))
    settings[:2] = [f"judge.base_url={biased.url}", "judge.model=biased-judge"]  # another model: not cached
    out2 = tmp_path / "biased.csv"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        judge_main(["pairwise", str(run), "--out", str(out2), *settings])
    assert set(pd.read_csv(out2)["verdict"]) == {"same"}
    assert "the first video shown wins 18 of 18 decided verdicts (100%" in printed.getvalue()
    assert "both orders agree on 0 of 9 pairs" in printed.getvalue()


def test_a_comparison_with_ratings_shows_the_judge_card_and_the_questions_by_type(
    serve, run_dir: Path, tmp_path: Path
) -> None:
    """Three systems judged, with human ratings of the same videos: the comparison's Markdown and HTML
    carry the judge card (the judge against the raters' majority and the ceiling) and judge_questions by
    question type, in the joint job and from the run folder (`hyvideo-eval compare`)."""
    from evalsuite.config import compose
    from evalsuite.pipeline.compare import compare_main
    from evalsuite.pipeline.run import run_eval

    server = serve(scripted_judge)
    base = ["compare=synthetic_flicker", "runtime.progress=false", "prompts.limit=4",
            "metrics.names=[temporal_flickering,judge_text_alignment]", f"judge.base_url={server.url}",
            "judge.model=judge-model", "judge.frames=2", "judge.max_side=64"]  # fmt: skip
    first = run_eval(compose(base)).paths.output_dir
    manifest = pd.read_parquet(first / "manifest.parquet")
    rng = np.random.default_rng(3)
    ratings = pd.DataFrame(
        [{"prompt_id": r.prompt_id, "model": r.model, "rater_id": f"r{k}", "criterion": "text_alignment",
          "value": "pass" if rng.random() < 0.7 else "fail"} for r in manifest.itertuples() for k in range(3)]
    )  # fmt: skip
    ratings.to_csv(tmp_path / "ratings.csv", index=False)
    questions = write_questions_for(pd.read_csv(first / "prompts.csv"), tmp_path / "q.json")
    judged = [
        *base,
        "metrics.names=[temporal_flickering,judge_text_alignment,judge_questions]",
        f"judge.questions={questions}",
    ]
    out = run_eval(
        compose(
            [
                *judged,
                "human=ratings",
                f"human.ratings={tmp_path / 'ratings.csv'}",
                "human.criteria=[text_alignment]",
            ]
        )
    )
    folders = [out.paths.output_dir / "comparison", tmp_path / "from_folder"]
    assert (
        compare_main(
            [str(out.paths.output_dir), "--ratings", str(tmp_path / "ratings.csv"), "--out", str(folders[1])]
        )
        == 0
    )
    for comparison in folders:
        markdown = (comparison / "comparison.md").read_text()
        card = markdown.split("## Judge card")[1]
        assert "judge_text_alignment" in card and "judge_questions" in card and "raters' κ (ceiling)" in card
        by_type = markdown.split("## judge_questions by question type")[1]
        table = by_type.split("## Judge card")[0]
        assert table.count("0.500 (4/8)") == 3  # entity (dog yes, cat no), for each of the three systems
        rows = [line.split("|")[1].strip() for line in table.splitlines() if line.startswith("| synthetic")]
        assert rows == [
            "synthetic-test-videos",
            "synthetic-flicker-4",
            "synthetic-flicker-12",
        ]  # the systems' order
        page = (comparison / "comparison.html").read_text()
        assert "Judge card" in page and "judge_questions by question type" in page


def test_a_question_file_that_misses_prompts_stops_the_run_before_any_work(
    serve, run_dir: Path, tmp_path: Path
) -> None:
    from evalsuite.config import compose
    from evalsuite.errors import SuiteError
    from evalsuite.judge.questions import PromptQuestions, Question, save_questions
    from evalsuite.pipeline.run import run_eval

    server = serve(scripted_judge)
    one = PromptQuestions(
        prompt_id="x",
        prompt="Not a prompt of the set.",
        questions=(Question(id="q1", type="entity", text="Is there a dog?"),),
    )
    path = save_questions(tmp_path / "other.questions.json", [one], "other", "test")
    with pytest.raises(
        SuiteError, match=r"no questions for 3 of the run's 3 prompts .*hyvideo-eval judge questions"
    ):
        run_eval(compose(["model=synthetic_videos", "runtime.progress=false", "prompts.limit=3", JUDGED,
                          f"judge.base_url={server.url}", "judge.model=m", f"judge.questions={path}"]))  # fmt: skip
    assert not (run_dir / "reports").exists() and server.bodies == []  # nothing made, nothing sent


def test_unparseable_rubrics_and_a_spent_budget_fail_rows_with_the_reason_and_a_rerun_continues(
    serve, run_dir: Path, tmp_path: Path
) -> None:
    from evalsuite.config import compose
    from evalsuite.pipeline.run import run_eval

    chatty = serve(lambda n, body: (200, {}, completion("I would give it a four."), 0))
    base = ["model=synthetic_videos", "runtime.progress=false", "prompts.limit=3",
            "metrics.names=[temporal_flickering,judge_text_alignment,judge_visual_quality]",
            "judge.model=judge-model", "judge.frames=2", "judge.max_side=64"]  # fmt: skip
    scores = pd.read_parquet(
        run_eval(compose([*base, f"judge.base_url={chatty.url}"])).paths.output_dir / "scores.parquet"
    )
    judged = scores[scores["metric"].str.startswith("judge_")]
    assert (judged["status"] == "failed").all() and len(judged) == 6
    assert (
        judged["error"]
        .str.contains("rubric reply did not parse twice .*I would give it a four", regex=True)
        .all()
    )
    assert (scores[scores["metric"] == "temporal_flickering"]["status"] == "ok").all()
    assert len(chatty.bodies) == 3 * 2  # each video asked twice (the retry), once for both metrics

    server = serve(scripted_judge)
    settings = [f"judge.base_url={server.url}", "judge.model=other-model"]
    spent = run_eval(compose([*base, *settings, "judge.max_requests=3"]))
    scores = pd.read_parquet(spent.paths.output_dir / "scores.parquet")
    judged = scores[scores["metric"].str.startswith("judge_")]
    # two videos judged (the first reply malformed and asked again: 2 requests, the second 1), the third over budget
    assert (judged["status"] == "ok").sum() == 2 * 2 and len(server.bodies) == 3
    assert judged[judged["status"] == "failed"]["error"].str.contains("judge budget spent: 3 requests").all()
    again = run_eval(compose([*base, *settings]))  # no budget: only the missing videos are asked
    scores = pd.read_parquet(again.paths.output_dir / "scores.parquet")
    assert (scores["status"] == "ok").all() and len(server.bodies) == 3 + 1


def test_with_judge_video_the_frames_go_as_one_mp4_video_part(serve, run_dir: Path, tmp_path: Path) -> None:
    """judge.video: one `video_url` part, an MP4 of the sampled frames at the rate that keeps the clip's
    duration, which PyAV decodes back to those frames' count and size."""
    import base64

    import av

    from evalsuite.config import compose
    from evalsuite.pipeline.run import run_eval

    server = serve(scripted_judge)
    run_eval(
        compose(
            [
                "model=synthetic_videos",
                "runtime.progress=false",
                "prompts.limit=1",
                "metrics.names=[judge_text_alignment]",
                f"judge.base_url={server.url}",
                "judge.model=m",
                "judge.frames=5",
                "judge.max_side=64",
                "judge.video=true",
            ]
        )
    )
    parts = server.bodies[-1]["messages"][1]["content"]
    (video,) = [p for p in parts if p["type"] == "video_url"]
    assert not [p for p in parts if p["type"] == "image_url"]
    clip = tmp_path / "sent.mp4"
    clip.write_bytes(base64.b64decode(video["video_url"]["url"].removeprefix("data:video/mp4;base64,")))
    with av.open(str(clip)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    assert len(frames) == 5 and max(frames[0].shape[:2]) == 64


def test_a_run_with_ratings_shows_the_judge_card_in_its_report(serve, run_dir: Path, tmp_path: Path) -> None:
    from evalsuite.config import compose
    from evalsuite.pipeline.run import run_eval

    server = serve(scripted_judge)
    base = ["model=synthetic_videos", "runtime.progress=false", "prompts.limit=4",
            "metrics.names=[temporal_flickering,judge_text_alignment]", f"judge.base_url={server.url}",
            "judge.model=m", "judge.frames=2", "judge.max_side=64"]  # fmt: skip
    first = run_eval(compose(base)).paths.output_dir
    videos = pd.read_parquet(first / "manifest.parquet")
    ratings = pd.DataFrame(
        [{"prompt_id": v.prompt_id, "model": v.model, "rater_id": f"r{k}", "criterion": "text_alignment",
          "value": "pass" if (i + k) % 3 else "fail"} for i, v in enumerate(videos.itertuples()) for k in range(3)]
    )  # fmt: skip
    ratings.to_csv(tmp_path / "ratings.csv", index=False)
    out = run_eval(
        compose(
            [
                *base,
                "human=ratings",
                f"human.ratings={tmp_path / 'ratings.csv'}",
                "human.criteria=[text_alignment]",
            ]
        )
    )
    report = (out.paths.output_dir / "report.md").read_text()
    assert "## Judge card" in report and "judge_text_alignment" in report.split("## Judge card")[1]
    assert "Judge card" in (out.paths.output_dir / "report.html").read_text()


def test_runs_judged_by_different_judges_are_refused_in_one_line() -> None:
    from evalsuite.compare.data import ComparisonError, same_networks

    a = (Path("reports/a"), {"networks": {"vlm_judge": "m@111111111111", "raft_large": "f" * 64}})
    b = (Path("reports/b"), {"networks": {"vlm_judge": "m@222222222222", "raft_large": "f" * 64}})
    with pytest.raises(
        ComparisonError, match=r"vlm_judge: the runs were judged differently .*judge.model"
    ) as err:
        same_networks([a, b])
    assert "\n" not in str(err.value) and "weight files" not in str(err.value)
    assert same_networks([a, a]) == {"raft_large": "f" * 64, "vlm_judge": "m@111111111111"}
