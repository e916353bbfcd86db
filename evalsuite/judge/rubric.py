"""Rubric scores (VideoScore-style): per criterion of the paper's table, an integer 1-5 and a one-sentence
reason, in one strict JSON object per video. A reply that does not parse is asked once more with what
was wrong; if that fails too the video's judge scores fail with the reply quoted: they are counted and
listed with the other failures, never dropped or turned into a score."""

from __future__ import annotations

import hashlib
import json
import re

from pydantic import BaseModel, ConfigDict, Field, ValidationError

CRITERIA = {
    "text_alignment": "how completely and faithfully the video shows what the prompt asks for: every entity, "
    "attribute, count, action, relation, camera motion and style",
    "motion_quality": "how natural, smooth and physically plausible the motion is: no jitter, flicker, "
    "morphing limbs or objects that appear and vanish; a static video where the prompt asks for motion scores low",
    "visual_quality": "how sharp, clean and well composed each frame is: no blur, noise, distorted faces or "
    "hands, artefacts or text garble",
}
SCALE = "1 = very poor, 2 = poor, 3 = acceptable, 4 = good, 5 = excellent"

SYSTEM = (
    "You are a strict, consistent judge of generated videos. You see frames sampled evenly from one video, "
    "in order, and the prompt it was generated from. Score each criterion on the integer scale "
    f"{SCALE}, with one sentence saying why. Criteria: "
    + "; ".join(f"{name}: {text}" for name, text in CRITERIA.items())
    + ". Reply with one JSON object only, no other text: "
    + json.dumps({name: {"score": 3, "reason": "..."} for name in CRITERIA})
)
RUBRIC_VERSION = hashlib.sha256(SYSTEM.encode()).hexdigest()[:12]
RETRY = "Your reply was not the JSON object asked for ({why}). Reply again with that JSON object only."


class Criterion(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    score: int = Field(ge=1, le=5)
    reason: str = Field(min_length=1, max_length=400)


class RubricReply(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    text_alignment: Criterion
    motion_quality: Criterion
    visual_quality: Criterion


_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)


def parse_rubric(text: str) -> RubricReply:
    """The reply as scores; ValueError with what is wrong (booleans, floats, strings, 0 or 6 are refused)."""
    body = _FENCE.sub(r"\1", text or "").strip()
    try:
        data = json.loads(body)
    except json.JSONDecodeError as err:
        raise ValueError(f"not JSON: {err.msg}") from None
    try:
        return RubricReply.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        raise ValueError(f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from None
