"""A campaign's settings (stored as JSON beside it, validated on every read) and the criteria's texts.

Timing: an answer counts only after `min_seconds` on the item and, with `require_playthrough`, the
item's longest video's duration, both measured by the server from when it served the page the answer
comes from (a reload starts the clock again; the page also keeps its controls locked until the video
played through once). Flag rule: a rater is flagged
when their gold accuracy is under `gold_floor` over at least `gold_min` gold items; with `screen_out`
such a rater is ended on the spot with the platform's screen-out code and their judgements are excluded.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

CRITERIA_TEXT = {
    "text_alignment": (
        "Does the video show what the text says?",
        "Everything the text asks for is there: the subjects, their number, colours, actions and where "
        "things are. Example: for “a red car turns left in the rain”, a red car turning left in the "
        "rain is right; a blue car, a car going straight or no rain is wrong.",
    ),
    "motion_quality": (
        "Is the motion natural and smooth?",
        "Things move as they would in the real world: no jitter, no sudden jumps, limbs and objects keep "
        "their shape while moving. Example: a walking person whose legs melt or swap is wrong; a still "
        "scene where nothing should move is fine.",
    ),
    "visual_quality": (
        "Does it look good (sharp, clean, no artefacts)?",
        "Sharp, well exposed frames without blur, noise, blocky patches, flicker or distorted faces and "
        "hands. Judge the picture, not whether it matches the text.",
    ),
}

PLATFORM_PARAMETERS = {
    "prolific": ("PROLIFIC_PID", "STUDY_ID", "SESSION_ID"),
    "mturk": ("workerId", "assignmentId", "hitId", "turkSubmitTo"),
    "link": ("participant",),
}
PARTICIPANT_PARAMETER = {"prolific": "PROLIFIC_PID", "mturk": "workerId", "link": "participant"}
MTURK_PREVIEW = "ASSIGNMENT_ID_NOT_AVAILABLE"


def question(criterion: str) -> str:
    return CRITERIA_TEXT.get(criterion, (criterion.replace("_", " ").capitalize() + "?", ""))[0]


class CrowdSettings(BaseModel):
    """Where participants come from and where they go at the end."""

    model_config = ConfigDict(extra="forbid")
    platform: Literal["prolific", "mturk", "link"]
    completion_code: str = Field(min_length=1, max_length=100)
    screenout_code: str | None = Field(default=None, max_length=100)

    def completion_url(self, code: str) -> str | None:
        """Where a participant goes with `code` (MTurk posts a form instead: see pages.done_page)."""
        if self.platform == "prolific":
            return f"https://app.prolific.com/submissions/complete?cc={code}"
        return None


class CampaignSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seed: int = 0
    gold_share: float = 0.1
    power: str = ""
    left_out: int = 0
    instructions: str = ""  # the owner's text; empty: the criteria's definitions and examples
    min_seconds: float = Field(default=3.0, ge=0)
    require_playthrough: bool = True
    practice: int = Field(default=2, ge=0)
    gold_floor: float = Field(default=0.7, ge=0, le=1)
    gold_min: int = Field(default=5, ge=1)
    screen_out: bool = False
    adaptive: bool = False
    crowd: CrowdSettings | None = None
    largest_file: int = Field(default=0, ge=0)  # bytes: every video is served padded to this (media.py)


def settings_of(campaign) -> CampaignSettings:
    return CampaignSettings.model_validate(campaign.settings or {})
