"""What the judge is shown and asked for one video: its frames, then the per-prompt questions (round by
round, a question only when its parents said yes) or the rubric."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from evalsuite.data.views import resample_indices, resize_frames, uniform_indices
from evalsuite.judge.client import JudgeClient, ask_parsed, image_parts, video_part
from evalsuite.judge.questions import (
    PromptQuestions,
    QuestionSet,
    levels,
    load_questions,
    parse_yes_no,
)
from evalsuite.judge.rubric import RETRY, SYSTEM, RubricReply, parse_rubric

QUESTION_SYSTEM = (
    "You see frames sampled evenly from one generated video, in order. Answer the question about the "
    "video with one word: yes or no."
)
YES_NO_RETRY = "Answer with one word only: yes or no."
QUESTIONS_VERSION = hashlib.sha256((QUESTION_SYSTEM + YES_NO_RETRY).encode()).hexdigest()[:12]


def judge_frames(
    frames: np.ndarray, fps: float, count: int, max_side: int, sample_fps: float | None = None
) -> np.ndarray:
    """The frames a judge sees: at `sample_fps` when given (else every frame), then at most `count`
    spread evenly from the first to the last, the longer side shrunk to `max_side` (antialiased)."""
    if sample_fps:
        frames = frames[resample_indices(len(frames), fps, sample_fps)]
    frames = frames[uniform_indices(len(frames), count)]
    height, width = frames.shape[1:3]
    if max(height, width) > max_side:
        scale = max_side / max(height, width)
        frames = resize_frames(
            frames, (round(scale * height), round(scale * width)), "bilinear", antialias=True
        )
    return frames


def shown(frames: np.ndarray, fps: float, settings) -> list[dict]:
    """A decoded video (T×H×W×3 frames at `fps`) as the judge is shown it under `settings`
    (JudgeSettings): its judge frames as image parts, or with `settings.video` as one video part whose
    frame rate keeps the clip's duration."""
    picked = judge_frames(frames, fps, settings.frames, settings.max_side, settings.fps)
    if settings.video:
        return [video_part(picked, len(picked) * fps / len(frames))]
    return image_parts(picked, settings.jpeg_quality)


def ask_yes_no(client: JudgeClient, images: list[dict], question: str) -> bool:
    messages = [
        {"role": "system", "content": QUESTION_SYSTEM},
        {"role": "user", "content": [*images, {"type": "text", "text": question}]},
    ]
    return ask_parsed(
        client, messages, _yes_no, lambda _: YES_NO_RETRY, f"no yes/no to {question!r}", max_reply_tokens=8
    )


def _yes_no(text: str) -> bool:
    if (answer := parse_yes_no(text)) is None:
        raise ValueError("neither yes nor no")
    return answer


def ask_questions(client: JudgeClient, images: list[dict], item: PromptQuestions) -> dict[str, bool]:
    """Each question's answer; a question whose parents are not all yes is not asked (answer False).
    The questions of a round go out together, up to the client's concurrency."""
    answers: dict[str, bool] = {}
    with ThreadPoolExecutor(max(1, client.settings.concurrency)) as pool:
        for round_ in levels(item.questions):
            asked = [q for q in round_ if all(answers[p] for p in q.parents)]
            for q in round_:
                answers[q.id] = False
            for q, answer in zip(
                asked, pool.map(lambda q: ask_yes_no(client, images, q.text), asked), strict=True
            ):
                answers[q.id] = answer
    return answers


def ask_rubric(client: JudgeClient, images: list[dict], prompt: str) -> RubricReply:
    messages = [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": [*images, {"type": "text", "text": f"Prompt: {prompt}"}]},
    ]
    return ask_parsed(
        client, messages, parse_rubric, lambda why: RETRY.format(why=why), "rubric reply did not parse"
    )


@dataclass
class QuestionSource:
    """The run's question file as a pool service: its sha256 keys every cached question score."""

    path: str | None

    def __post_init__(self) -> None:
        self._set: QuestionSet | None = None

    @property
    def identity(self) -> str:
        return self.load().sha256 if self.path else "none"

    def unavailable(self) -> str | None:
        if not self.path:
            return "no question file: set judge.questions (write one with `hyvideo-eval judge questions`)"
        if not Path(self.path).is_file():
            return f"{self.path}: question file not found; write it with `hyvideo-eval judge questions` or fix judge.questions"
        return None

    def load(self) -> QuestionSet:
        if self._set is None:
            self._set = load_questions(self.path)
        return self._set
