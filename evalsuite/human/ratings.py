"""Human ratings: load and validate long-format tables of absolute and pairwise judgements.

Absolute: one row per (prompt_id, model, rater_id, criterion) with a `value`: pass/fail (also 1/0,
true/false, yes/no, good/bad) or, with `scale="likert"`, an integer 1-5 that passes at `pass_threshold`
or above.
Pairwise: one row per (prompt_id, model_a, model_b, rater_id, criterion) with a `verdict` from A's side:
good/same/bad (also g/s/b, win/tie/loss, a/tie/b).

Validation never drops a row silently. Errors (raise `RatingsError`, naming the file and the fix):
missing columns, NaN or unparseable values, Likert values out of range, unknown models or criteria
(when the caller names the known ones), duplicated (prompt, model, rater, criterion) rows.
Warnings (returned, and shown in the report): raters who give one answer to everything.

This module imports no torch and no networks: human statistics run in a second on a laptop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from evalsuite.errors import SuiteError

ABSOLUTE_COLUMNS = ["prompt_id", "model", "rater_id", "criterion", "value"]
DEFAULT_CRITERIA = ("text_alignment", "motion_quality", "visual_quality")
PASS_WORDS = {
    "pass": 1,
    "fail": 0,
    "1": 1,
    "0": 0,
    "true": 1,
    "false": 0,
    "yes": 1,
    "no": 0,
    "good": 1,
    "bad": 0,
}
STRAIGHT_LINER_MIN_RATINGS = 20


class RatingsError(SuiteError):
    """A ratings table that cannot be used as it is."""


@dataclass
class Ratings:
    """Validated absolute ratings: the columns of ABSOLUTE_COLUMNS plus `passed` (0/1)."""

    table: pd.DataFrame
    criteria: tuple[str, ...]
    models: tuple[str, ...]
    source: str = "<table>"
    warnings: list[str] = field(default_factory=list)
    scale: str = "binary"


def read_table(path: str | Path) -> pd.DataFrame:
    path = Path(path)
    if not path.is_file():
        raise RatingsError(f"{path}: ratings file not found")
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    if path.suffix == ".csv":
        ids = ("prompt_id", "rater_id", "model", "model_a", "model_b", "criterion")
        return pd.read_csv(path, dtype=dict.fromkeys(ids, str))
    raise RatingsError(f"{path}: ratings files are .csv or .parquet")


def _row_numbers(mask: pd.Series, limit: int = 5) -> str:
    # +2: one for the header line, one for 1-based numbering, so the numbers match a spreadsheet's.
    return ", ".join(str(i + 2) for i in np.flatnonzero(mask.to_numpy())[:limit])


def validate_absolute(
    table: pd.DataFrame,
    *,
    source: str = "<table>",
    scale: str = "binary",
    pass_threshold: int = 4,
    criteria: tuple[str, ...] | None = DEFAULT_CRITERIA,
    models: tuple[str, ...] | None = None,
) -> Ratings:
    """Check a raw absolute-ratings table and derive the 0/1 `passed` column."""
    missing = [c for c in ABSOLUTE_COLUMNS if c not in table.columns]
    if missing:
        raise RatingsError(f"{source}: missing column(s) {missing}; absolute ratings need {ABSOLUTE_COLUMNS}")
    table = _clean_ids(table, ("prompt_id", "model", "rater_id", "criterion"), "value", source)
    table["passed"] = _passed(table["value"], scale, pass_threshold, source)
    ordered = _check_known(table, criteria, models, ("model",), source)
    _reject_duplicates(
        table, ["prompt_id", "model", "rater_id", "criterion"], "(prompt, model, rater, criterion)", source
    )
    return Ratings(
        table=table,
        criteria=ordered,
        models=tuple(sorted(table["model"].unique())),
        source=source,
        warnings=straight_liners(table),
        scale=scale,
    )


def _clean_ids(table: pd.DataFrame, ids: tuple[str, ...], value: str, source: str) -> pd.DataFrame:
    """A copy with stripped string ids; blank ids and empty/NaN values are errors."""
    table = table.reset_index(drop=True).copy()
    for column in ids:
        blank = table[column].isna() | (table[column].astype(str).str.strip() == "")
        if blank.any():
            raise RatingsError(
                f"{source}: {int(blank.sum())} row(s) have no {column} (lines {_row_numbers(blank)})"
            )
        table[column] = table[column].astype(str).str.strip()
    nan = table[value].isna()
    if nan.any():
        raise RatingsError(
            f"{source}: {int(nan.sum())} rating {value}(s) are empty/NaN (lines {_row_numbers(nan)}): fill or delete them"
        )
    return table


def _check_known(
    table: pd.DataFrame,
    criteria: tuple[str, ...] | None,
    models: tuple[str, ...] | None,
    model_columns: tuple[str, ...],
    source: str,
) -> tuple[str, ...]:
    """Reject unknown criteria and models; return the criteria present, in the configured order."""
    if criteria is not None:
        unknown = sorted(set(table["criterion"]) - set(criteria))
        if unknown:
            raise RatingsError(f"{source}: unknown criteria {unknown}; configured: {list(criteria)}")
    if models is not None:
        named = set().union(*(set(table[c]) for c in model_columns))
        unknown = sorted(named - set(models))
        if unknown:
            raise RatingsError(
                f"{source}: unknown model(s) {unknown}; known: {list(models)} (check the spelling)"
            )
    present = set(table["criterion"])
    return tuple(c for c in criteria if c in present) if criteria is not None else tuple(sorted(present))


def _reject_duplicates(table: pd.DataFrame, key: list[str], described: str, source: str) -> None:
    dup = table.duplicated(key, keep=False)
    if dup.any():
        first = table.loc[dup, key].iloc[0].to_dict()
        raise RatingsError(
            f"{source}: {int(dup.sum())} rows repeat a {described}, e.g. {first} "
            f"(lines {_row_numbers(dup)}): keep one judgement per rater"
        )


def _passed(values: pd.Series, scale: str, threshold: int, source: str) -> pd.Series:
    if scale == "binary":
        words = values.astype(str).str.strip().str.lower().replace({"1.0": "1", "0.0": "0"})
        mapped = words.map(PASS_WORDS)
        bad = mapped.isna()
        if bad.any():
            examples = sorted(set(values[bad].astype(str)))[:3]
            raise RatingsError(
                f"{source}: {int(bad.sum())} value(s) are not pass/fail (e.g. {examples}, lines {_row_numbers(bad)}); "
                "for 1-5 scores set scale=likert"
            )
        return mapped.astype(np.int8)
    if scale == "likert":
        numbers = pd.to_numeric(values, errors="coerce")
        bad = numbers.isna() | (numbers % 1 != 0) | (numbers < 1) | (numbers > 5)
        if bad.any():
            raise RatingsError(
                f"{source}: {int(bad.sum())} value(s) are not Likert integers 1-5 (lines {_row_numbers(bad)})"
            )
        return (numbers >= threshold).astype(np.int8)
    raise RatingsError(f"scale={scale!r} is not valid; choose binary or likert")


def _straight_lined(table: pd.DataFrame, min_ratings: int) -> pd.DataFrame:
    per_rater = table.groupby("rater_id")["value"].agg(["count", "nunique"])
    return per_rater[(per_rater["count"] >= min_ratings) & (per_rater["nunique"] == 1)]


def straight_liner_ids(table: pd.DataFrame, min_ratings: int = STRAIGHT_LINER_MIN_RATINGS) -> list[str]:
    """Raters with at least `min_ratings` judgements who gave the same answer to every one of them."""
    return [str(rater) for rater in _straight_lined(table, min_ratings).index]


def straight_liners(table: pd.DataFrame, min_ratings: int = STRAIGHT_LINER_MIN_RATINGS) -> list[str]:
    """`straight_liner_ids` as warning lines."""
    return [
        f"rater {rater} gave the same answer to all {int(row['count'])} of their ratings (inattentive or a broken form?)"
        for rater, row in _straight_lined(table, min_ratings).iterrows()
    ]


def load_absolute(path: str | Path, **options) -> Ratings:
    return validate_absolute(read_table(path), source=str(path), **options)


PAIRWISE_COLUMNS = ["prompt_id", "model_a", "model_b", "rater_id", "criterion", "verdict"]
VERDICT_WORDS = {
    "good": 1, "g": 1, "win": 1, "a": 1, "better": 1,
    "same": 0, "s": 0, "tie": 0, "equal": 0,
    "bad": -1, "b": -1, "loss": -1, "worse": -1,
}  # fmt: skip


@dataclass
class PairwiseRatings:
    """Validated pairwise judgements, each pair stored once with model_a < model_b (verdicts flipped to
    match): the columns of PAIRWISE_COLUMNS plus `score` (+1 A better, 0 same, -1 B better)."""

    table: pd.DataFrame
    criteria: tuple[str, ...]
    models: tuple[str, ...]
    source: str = "<table>"
    warnings: list[str] = field(default_factory=list)


def validate_pairwise(
    table: pd.DataFrame,
    *,
    source: str = "<table>",
    criteria: tuple[str, ...] | None = DEFAULT_CRITERIA,
    models: tuple[str, ...] | None = None,
) -> PairwiseRatings:
    """Check a raw pairwise (GSB) table, derive `score` and orient every pair alphabetically."""
    missing = [c for c in PAIRWISE_COLUMNS if c not in table.columns]
    if missing:
        raise RatingsError(f"{source}: missing column(s) {missing}; pairwise ratings need {PAIRWISE_COLUMNS}")
    table = _clean_ids(table, ("prompt_id", "model_a", "model_b", "rater_id", "criterion"), "verdict", source)
    score = table["verdict"].astype(str).str.strip().str.lower().map(VERDICT_WORDS)
    bad = score.isna()
    if bad.any():
        examples = sorted(set(table.loc[bad, "verdict"].astype(str)))[:3]
        raise RatingsError(
            f"{source}: {int(bad.sum())} verdict(s) are not good/same/bad (e.g. {examples}, lines {_row_numbers(bad)})"
        )
    self_pairs = table["model_a"] == table["model_b"]
    if self_pairs.any():
        raise RatingsError(
            f"{source}: {int(self_pairs.sum())} row(s) compare a model with itself (lines {_row_numbers(self_pairs)})"
        )
    ordered = _check_known(table, criteria, models, ("model_a", "model_b"), source)
    flip = table["model_a"] > table["model_b"]
    table.loc[flip, ["model_a", "model_b"]] = table.loc[flip, ["model_b", "model_a"]].to_numpy()
    table["score"] = np.where(flip, -score, score).astype(np.int8)
    key = ["prompt_id", "model_a", "model_b", "rater_id", "criterion"]
    _reject_duplicates(table, key, "(prompt, model pair, rater, criterion) in either order", source)
    return PairwiseRatings(
        table=table,
        criteria=ordered,
        models=tuple(sorted(set(table["model_a"]) | set(table["model_b"]))),
        source=source,
        warnings=straight_liners(table.assign(value=table["score"])),
    )


def load_pairwise(path: str | Path, **options) -> PairwiseRatings:
    return validate_pairwise(read_table(path), source=str(path), **options)
