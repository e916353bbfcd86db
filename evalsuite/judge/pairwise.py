"""The judge as one more pairwise rater: two systems' videos of one prompt, asked in both orders.

Each order is one question, "which video is better on <criterion>: 1, 2 or same?", with video 1's frames
first. The two orders are combined from A's side as a position-debiased verdict: good when A wins in
both orders, bad when B does, same otherwise (a tie in either order, or a verdict that follows the
position). The rows are the human layer's pairwise format (PAIRWISE_COLUMNS, rater_id
"judge:<model>"), so Bradley-Terry, rank ranges and the comparison take the judge as they take a person.

Position bias is reported beside them: of the single-order verdicts that pick a video, the share that
pick the one shown first, with its exact binomial test against 1/2, and the share of pairs whose two
orders agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd
from scipy.stats import binomtest

from evalsuite.judge.client import JudgeClient, ask_parsed
from evalsuite.judge.rubric import CRITERIA

SYSTEM = (
    "You compare two videos generated from the same prompt. You see frames sampled evenly from video 1, in "
    "order, then frames sampled evenly from video 2. Judge only the criterion named. Answer with one word: "
    "1 if video 1 is better, 2 if video 2 is better, same if neither is."
)
RETRY = "Answer with one word only: 1, 2 or same."
_ANSWER = re.compile(r"^[\s*_\"'`(]*(?:video\s*)?(1|2|same|one|two|first|second)\b", re.IGNORECASE)
_WORDS = {"1": 1, "one": 1, "first": 1, "2": 2, "two": 2, "second": 2, "same": 0}


def parse_choice(text: str) -> int | None:
    """1 or 2 (the video picked) or 0 (same); None when the reply is none of them."""
    match = _ANSWER.match(text or "")
    return _WORDS[match.group(1).lower()] if match else None


def ask_order(client: JudgeClient, first: list[dict], second: list[dict], prompt: str, criterion: str) -> int:
    """The judge's choice with `first` shown as video 1: 1, 2 or 0 (same)."""
    text = f"Prompt: {prompt}\nCriterion: {criterion.replace('_', ' ')}: {CRITERIA[criterion]}."
    messages = [
        {"role": "system", "content": SYSTEM},
        {
            "role": "user",
            "content": [{"type": "text", "text": "Video 1:"}, *first, {"type": "text", "text": "Video 2:"}, *second,
                        {"type": "text", "text": text}],
        },
    ]  # fmt: skip
    return ask_parsed(client, messages, _choice, lambda _: RETRY, "no 1/2/same", max_reply_tokens=8)


def _choice(text: str) -> int:
    if (choice := parse_choice(text)) is None:
        raise ValueError("none of 1, 2, same")
    return choice


def combine(a_first: int, b_first: int) -> str:
    """A's verdict from the two orders: A shown first gave `a_first`, B shown first gave `b_first`."""
    a_wins = (a_first == 1) + (b_first == 2)
    b_wins = (a_first == 2) + (b_first == 1)
    if a_wins == 2:
        return "good"
    if b_wins == 2:
        return "bad"
    return "same"


@dataclass(frozen=True)
class PositionBias:
    decided: int  # single-order verdicts that picked a video
    first_picked: int  # of those, the video shown first
    pairs: int
    consistent: int  # pairs whose two orders name the same winner (or both say same)

    @property
    def share_first(self) -> float:
        return self.first_picked / self.decided if self.decided else float("nan")

    @property
    def p_value(self) -> float:
        return binomtest(self.first_picked, self.decided, 0.5).pvalue if self.decided else float("nan")

    def line(self) -> str:
        return (
            f"position bias: the first video shown wins {self.first_picked} of {self.decided} decided verdicts "
            f"({100 * self.share_first:.0f}%, binomial p = {self.p_value:.3g}); both orders agree on "
            f"{self.consistent} of {self.pairs} pairs"
        )


def pairwise_rows(asked: list[dict], model: str) -> tuple[pd.DataFrame, PositionBias]:
    """`asked`: one dict per (prompt_id, model_a, model_b, criterion) with the two orders' choices
    `a_first` and `b_first`; returns the pairwise table and the position bias."""
    rows, decided, first, consistent = [], 0, 0, 0
    for item in asked:
        verdict = combine(item["a_first"], item["b_first"])
        rows.append(
            {k: item[k] for k in ("prompt_id", "model_a", "model_b", "criterion")}
            | {"rater_id": f"judge:{model}", "verdict": verdict}
        )
        for choice in (item["a_first"], item["b_first"]):
            decided += choice != 0
            first += choice == 1
        flipped = {1: 2, 2: 1, 0: 0}[item["b_first"]]
        consistent += item["a_first"] == flipped
    table = pd.DataFrame(
        rows, columns=["prompt_id", "model_a", "model_b", "rater_id", "criterion", "verdict"]
    )
    return table, PositionBias(decided, first, len(asked), consistent)
