"""Text alignment, motion and visual quality as a vision-language model judges them (evalsuite/judge/),
over the OpenAI-compatible endpoint `judge.base_url` names. Unavailable, with that fix, until one is
named; an unreachable endpoint or a refused key makes only these metrics unavailable.

- `judge_questions`: the share of the prompt's yes/no questions (judge.questions) the judge answers yes,
  a question counting only when its parents are yes (DSG's score, evalsuite/judge/questions.py);
- `judge_text_alignment`, `judge_motion_quality`, `judge_visual_quality`: the rubric's 1-5 integer per
  criterion (evalsuite/judge/rubric.py), all three from one request per video.

Each video is shown as `judge.frames` frames spread evenly from its first to its last (optionally at
`judge.fps` first), the longer side shrunk to `judge.max_side`, as JPEG image parts, or with
`judge.video` as one MP4 video part. Values are cached
like every other metric's, keyed by the judge's model and settings (and the question file's sha256);
the judge's answers are cached per request besides, so a rerun sends nothing.
"""

from __future__ import annotations

from evalsuite.judge import asking
from evalsuite.judge.questions import by_type, score
from evalsuite.judge.rubric import RUBRIC_VERSION
from evalsuite.metrics.base import Metric, VideoInputs, register_metric

JUDGE = "vlm_judge"  # the pool's service names (evalsuite/metrics/features.py NetworkPool.services)
QUESTIONS = "judge_questions_file"


class _Judged(Metric):
    uses_prompt = True
    extra_networks = (JUDGE,)

    def setup(self, pool) -> None:
        self.judge = pool.get(JUDGE)

    def images(self, inputs: VideoInputs) -> list[dict]:
        return asking.shown(inputs.video.frames, inputs.video.fps, self.judge.settings)


@register_metric
class JudgeQuestions(_Judged):
    name = "judge_questions"
    version = f"1-{asking.QUESTIONS_VERSION}"
    criterion = "text_alignment"
    reference = "per-prompt yes/no questions with parents asked of a VLM (DSG, ICLR 2024; VBench-2.0)"
    extra_networks = (JUDGE, QUESTIONS)
    parts_label = "question type"

    def setup(self, pool) -> None:
        super().setup(pool)
        self.questions = pool.get(QUESTIONS).load()
        self._parts: dict[str, tuple[int, int]] | None = None

    def evaluate(self, inputs: VideoInputs) -> float:
        self._parts = None
        item = self.questions.for_prompt(inputs.prompt)
        answers = asking.ask_questions(self.judge, self.images(inputs), item)
        self._parts = by_type(item.questions, answers)
        return score(item.questions, answers)

    def parts(self) -> dict[str, tuple[int, int]] | None:
        """Per question type: (answered yes with every parent yes, questions)."""
        return self._parts


class _Rubric(_Judged):
    version = f"1-{RUBRIC_VERSION}"
    reference = "a VLM's 1-5 rubric score with a reason, strict JSON (VideoScore-style)"

    def evaluate(self, inputs: VideoInputs) -> float:
        if not inputs.prompt:
            raise ValueError("the rubric needs the video's prompt; the manifest row has none")
        reply = asking.ask_rubric(self.judge, self.images(inputs), inputs.prompt)
        return float(getattr(reply, self.criterion).score)


@register_metric
class JudgeTextAlignment(_Rubric):
    name = "judge_text_alignment"
    criterion = "text_alignment"


@register_metric
class JudgeMotionQuality(_Rubric):
    name = "judge_motion_quality"
    criterion = "motion_quality"


@register_metric
class JudgeVisualQuality(_Rubric):
    name = "judge_visual_quality"
    criterion = "visual_quality"
