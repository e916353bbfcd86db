"""What a rater may send: one strict schema per scale (pydantic strict mode, extra keys refused).

* absolute, binary: each criterion exactly "pass" or "fail";
* absolute, Likert: each criterion a JSON integer 1-5 (`true`, `1.0` and `"3"` are refused: in Python
  `True in {1, ..., 5}` holds, and one such stored value used to break the campaign's report);
* side by side: each criterion exactly "left", "same" or "right", as clicked.
`seconds` (the page's own clock) is a finite number within (0, MAX_SECONDS]; NaN, ±Infinity, negative
numbers, strings and booleans are refused. "Cannot judge" sends no values and may carry a comment.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError, create_model

MAX_SECONDS = 4 * 3600.0  # longer than any item takes: a larger value is a broken clock
MAX_COMMENT = 2000

Seconds = Annotated[float, Field(gt=0, le=MAX_SECONDS, allow_inf_nan=False, strict=True)]
ANSWERS = {
    "binary": Literal["pass", "fail"],
    "likert": Annotated[StrictInt, Field(ge=1, le=5)],
    "gsb": Literal["left", "same", "right"],
}


class Submission(BaseModel):
    """One judgement as POSTed; `values` is checked by the campaign's own model (`answer_model`)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    values: dict = Field(default_factory=dict)
    seconds: Seconds
    cannot_judge: StrictBool = False
    comment: Annotated[str, Field(max_length=MAX_COMMENT)] | None = None
    ticket: Annotated[str, Field(max_length=100)]  # the page's signed serving time (flow.ticket)


def answer_kind(mode: str, scale: str) -> str:
    return "gsb" if mode == "gsb" else scale


def answer_model(criteria: list[str], kind: str) -> type[BaseModel]:
    """A model with one required field per criterion, each of the scale's strict type."""
    fields = {criterion: (ANSWERS[kind], ...) for criterion in criteria}
    return create_model(f"Answers_{kind}", __config__=ConfigDict(extra="forbid", strict=True), **fields)


def _reason(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "body"
    return f"{where}: {first['msg']}"


def parse_submission(body: object, criteria: list[str], kind: str) -> tuple[Submission | None, str | None]:
    """(the submission, None) or (None, why it is refused)."""
    try:
        submission = Submission.model_validate(body)
    except ValidationError as error:
        return None, _reason(error)
    if submission.cannot_judge:
        if submission.values:
            return None, "values: a 'cannot judge' answer carries no values"
        return submission, None
    missing = [c for c in criteria if c not in submission.values]
    if missing:
        return None, f"values: still to answer: {', '.join(missing)}"
    try:
        answer_model(criteria, kind).model_validate(submission.values)
    except ValidationError as error:
        return None, f"values.{_reason(error)}"
    return submission, None
