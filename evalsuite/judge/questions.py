"""Atomic yes/no questions per prompt, each with its parents: the Davidsonian Scene Graph way (DSG, Cho et
al., ICLR 2024), as TIFA and VBench-2.0 ask them of generated images and videos.

A prompt's questions cover what it asks for: entities, their attributes, counts, actions, spatial
relations, the order of events, camera motion, style, visible text. A question whose parent is not
answered yes is not asked and counts as no ("is the dog jumping?" means nothing without a dog).

    score = #{questions answered yes, every ancestor yes} / #{questions}

A question set is one JSON file beside its prompt set, readable and editable, identified by its sha256
(part of every cached answer's key, so an edited question is asked again):

    {"format": "hyvideo-eval questions", "version": 1, "prompt_set": "...", "written_by": "...",
     "prompts": [{"prompt_id": "...", "prompt": "...",
                  "questions": [{"id": "q1", "type": "entity", "text": "Is there a dog?", "parents": []},
                                ...]}]}
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from evalsuite.errors import SuiteError

FORMAT = "hyvideo-eval questions"
QUESTION_TYPES = (
    "entity",
    "attribute",
    "count",
    "action",
    "spatial",
    "order",
    "camera",
    "style",
    "text",
    "scene",
)
QuestionType = Literal[
    "entity", "attribute", "count", "action", "spatial", "order", "camera", "style", "text", "scene"
]


class QuestionFileError(SuiteError):
    """A question file that cannot be used, with where and why."""


class Question(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    id: str
    type: QuestionType
    text: str
    # strict=False on the tuples alone: they take JSON's lists (their items are still checked strictly)
    parents: Annotated[tuple[str, ...], Field(strict=False)] = ()

    @field_validator("text")
    @classmethod
    def _a_question(cls, text: str) -> str:
        text = " ".join(text.split())
        if not text.endswith("?") or len(text) < 5:
            raise ValueError(f"not a question: {text!r}")
        return text


class PromptQuestions(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    prompt_id: str
    prompt: str
    questions: Annotated[tuple[Question, ...], Field(strict=False)]

    @field_validator("questions")
    @classmethod
    def _parents_come_first(cls, questions: tuple[Question, ...]) -> tuple[Question, ...]:
        if not questions:
            raise ValueError("no questions")
        seen: set[str] = set()
        for q in questions:
            if q.id in seen:
                raise ValueError(f"question id {q.id!r} appears twice")
            unknown = [p for p in q.parents if p not in seen]
            if unknown:
                raise ValueError(f"{q.id}: parent(s) {unknown} must be questions listed before it")
            seen.add(q.id)
        return questions


@dataclass(frozen=True)
class QuestionSet:
    """The questions of a prompt set, by prompt text; `sha256` identifies the file's content."""

    prompts: dict[str, PromptQuestions]
    sha256: str
    path: Path | None = None

    def for_prompt(self, prompt: str | None) -> PromptQuestions:
        found = self.prompts.get(" ".join((prompt or "").split()))
        if found is None:
            where = self.path or "the question set"
            raise QuestionFileError(
                f"{where}: no questions for the prompt {str(prompt)[:60]!r}; write them (hyvideo-eval judge questions)"
            )
        return found


def question_file(questions: str | None, prompts_path: str) -> Path | None:
    """A run's question file: `judge.questions` when set, else the one beside the prompt file
    (<prompts>.questions.json, as the structured suite ships it) when there is one, else None."""
    if questions:
        return Path(questions).expanduser()
    beside = Path(prompts_path).expanduser().with_suffix(".questions.json")
    return beside if beside.is_file() else None


def load_questions(path: str | Path) -> QuestionSet:
    """Read and check a question file (every error names the file and the entry)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise QuestionFileError(
            f"{path}: cannot be read ({err.strerror}); write it with `hyvideo-eval judge questions` or fix judge.questions"
        ) from None
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise QuestionFileError(f"{path}: not JSON ({err})") from None
    if (
        not isinstance(data, dict)
        or data.get("format") != FORMAT
        or not isinstance(data.get("prompts"), list)
    ):
        raise QuestionFileError(
            f"{path}: not a question file (expected {{'format': '{FORMAT}', 'prompts': [...]}})"
        )
    prompts: dict[str, PromptQuestions] = {}
    for index, entry in enumerate(data["prompts"]):
        try:
            item = PromptQuestions.model_validate(entry)
        except ValidationError as err:
            first = err.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise QuestionFileError(f"{path}: prompts[{index}].{where}: {first['msg']}") from None
        prompts[" ".join(item.prompt.split())] = item
    return QuestionSet(prompts, hashlib.sha256(raw).hexdigest(), path)


def save_questions(path: str | Path, items: list[PromptQuestions], prompt_set: str, written_by: str) -> Path:
    """Write a question file (atomically)."""
    from evalsuite.data.atomic import atomic_path

    path = Path(path)
    header = {"format": FORMAT, "version": 1, "prompt_set": prompt_set, "written_by": written_by}
    # One prompt per line: readable, editable and diffable without the size of an indented file.
    lines = [
        json.dumps(item.model_dump(mode="json", exclude_defaults=True), ensure_ascii=False) for item in items
    ]
    text = json.dumps(header, ensure_ascii=False)[:-1] + ', "prompts": [\n' + ",\n".join(lines) + "\n]}\n"
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")
    return path


# ---- asking and scoring ----------------------------------------------------------------------------
def levels(questions: tuple[Question, ...]) -> list[list[Question]]:
    """The questions in rounds: the roots, then those whose parents are all in earlier rounds."""
    depth: dict[str, int] = {}
    for q in questions:
        depth[q.id] = 1 + max((depth[p] for p in q.parents), default=-1)
    rounds: list[list[Question]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for q in questions:
        rounds[depth[q.id]].append(q)
    return rounds


def score(questions: tuple[Question, ...], answers: dict[str, bool]) -> float:
    """The share of questions answered yes whose ancestors are all yes; a question not asked (a parent
    said no) counts as no."""
    valid: dict[str, bool] = {}
    for q in questions:
        valid[q.id] = answers.get(q.id, False) and all(valid[p] for p in q.parents)
    return sum(valid.values()) / len(questions)


def by_type(questions: tuple[Question, ...], answers: dict[str, bool]) -> dict[str, tuple[int, int]]:
    """Per question type: (yes with every ancestor yes, questions)."""
    valid: dict[str, bool] = {}
    out: dict[str, list[int]] = {}
    for q in questions:
        valid[q.id] = answers.get(q.id, False) and all(valid[p] for p in q.parents)
        counts = out.setdefault(q.type, [0, 0])
        counts[0] += valid[q.id]
        counts[1] += 1
    return {k: (v[0], v[1]) for k, v in out.items()}


_YES_NO = re.compile(r"^[\s*_\"'`(\[]*(yes|no)\b[\s.!,*_\"'`)\]]*", re.IGNORECASE)


def parse_yes_no(text: str) -> bool | None:
    """A reply's yes or no: it must open with the word (markdown and punctuation around it allowed) and
    not go on to say the other; None otherwise."""
    match = _YES_NO.match(text or "")
    if not match:
        return None
    said = match.group(1).lower() == "yes"
    rest = text[match.end() :].lower()
    if re.search(r"\b(yes|no)\b", rest) and re.search(r"\b(but|however|although|partly)\b", rest):
        return None  # "Yes, but no ..." is not an answer
    return said


# ---- writing questions with a language model -------------------------------------------------------
WRITER_SYSTEM = (
    "You break a video prompt into atomic yes/no questions a viewer can check in the video. "
    "Cover every entity, attribute, count, action, spatial relation, order of events, camera motion, "
    "style and visible text the prompt asks for, one fact per question. "
    "Write one question per line as: id | type | parents | question\n"
    "id: q1, q2, ...; type: one of " + ", ".join(QUESTION_TYPES) + "; parents: the ids of the questions "
    "that must be yes for this one to make sense (comma separated), or - ; question: ends with '?'."
)
WRITER_EXAMPLE_PROMPT = "A red fox jumps over a log, then the camera pans left."
WRITER_EXAMPLE_ANSWER = (
    "q1 | entity | - | Is there a fox?\n"
    "q2 | attribute | q1 | Is the fox red?\n"
    "q3 | entity | - | Is there a log?\n"
    "q4 | action | q1,q3 | Does the fox jump over the log?\n"
    "q5 | camera | - | Does the camera pan left?"
)
WRITER_VERSION = hashlib.sha256((WRITER_SYSTEM + WRITER_EXAMPLE_ANSWER).encode()).hexdigest()[:12]


def writer_messages(prompt: str) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": WRITER_SYSTEM},
        {"role": "user", "content": f"Prompt: {WRITER_EXAMPLE_PROMPT}"},
        {"role": "assistant", "content": WRITER_EXAMPLE_ANSWER},
        {"role": "user", "content": f"Prompt: {prompt}"},
    ]


_LINE = re.compile(r"^\s*(?:[-*]\s*)?(q\d+)\s*\|\s*([a-z]+)\s*\|\s*([^|]*?)\s*\|\s*(.+?)\s*$", re.IGNORECASE)


def parse_written(prompt_id: str, prompt: str, reply: str) -> PromptQuestions:
    """The questions in a writer's reply, checked; a reply with none, an unknown type, a parent that is
    not an earlier question or a line that is not a question is refused with the reason
    (QuestionFileError)."""
    found = []
    for line in reply.splitlines():
        if not line.strip():
            continue
        match = _LINE.match(line)
        if not match:
            continue  # chatter around the list
        qid, kind, parents, text = match.groups()
        parents = () if parents.strip() in ("", "-", "none") else tuple(p.strip() for p in parents.split(","))
        found.append({"id": qid.lower(), "type": kind.lower(), "text": text, "parents": parents})
    if not found:
        raise QuestionFileError(
            f"prompt {prompt_id}: the writer's reply holds no 'id | type | parents | question' line: {reply[:80]!r}"
        )
    try:
        return PromptQuestions.model_validate({"prompt_id": prompt_id, "prompt": prompt, "questions": found})
    except ValidationError as err:
        first = err.errors()[0]
        raise QuestionFileError(
            f"prompt {prompt_id}: {'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
        ) from None


def write_questions(backend, prompts: list[tuple[str, str]]) -> tuple[list[PromptQuestions], dict[str, str]]:
    """Questions for each (prompt_id, prompt) from `backend.complete(messages)` (a local model or an
    endpoint); returns the questions written and, per prompt refused, the reason."""
    written, refused = [], {}
    for prompt_id, prompt in prompts:
        try:
            written.append(parse_written(prompt_id, prompt, backend.complete(writer_messages(prompt))))
        except QuestionFileError as err:
            refused[prompt_id] = str(err)
        except Exception as err:  # a backend's own failure: reported per prompt, the rest still written
            refused[prompt_id] = f"prompt {prompt_id}: the writer failed ({type(err).__name__}: {err})"
    return written, refused
