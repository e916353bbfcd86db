from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from evalsuite.human.ratings import RatingsError, load_absolute, validate_absolute


def _table(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["prompt_id", "model", "rater_id", "criterion", "value"])


GOOD = [
    ("p1", "A", "r1", "text_alignment", "pass"),
    ("p1", "A", "r2", "text_alignment", "fail"),
    ("p1", "B", "r1", "text_alignment", 1),
]


def test_binary_values_in_many_spellings() -> None:
    table = _table(
        [
            ("p", "A", f"r{i}", "text_alignment", v)
            for i, v in enumerate(["pass", "FAIL", 1, 0, "yes", "no", True, "good", "1.0"])
        ]
    )
    assert validate_absolute(table).table["passed"].tolist() == [1, 0, 1, 0, 1, 0, 1, 1, 1]


def test_likert_threshold() -> None:
    table = _table([("p", "A", f"r{i}", "visual_quality", v) for i, v in enumerate([1, 3, 4, 5])])
    assert validate_absolute(table, scale="likert", pass_threshold=4).table["passed"].tolist() == [0, 0, 1, 1]
    with pytest.raises(RatingsError, match="not Likert integers 1-5 \\(lines 3\\)"):
        validate_absolute(
            _table([("p", "A", "r1", "visual_quality", 3), ("p", "A", "r2", "visual_quality", 7)]),
            scale="likert",
        )


@pytest.mark.parametrize(
    ("rows", "options", "message"),
    [
        (
            [*GOOD, ("p2", "A", "r1", "text_alignment", None)],
            {},
            r"1 rating value\(s\) are empty/NaN \(lines 5\)",
        ),
        (
            [*GOOD, ("p2", "A", "r1", "text_alignment", "maybe")],
            {},
            r"not pass/fail \(e.g. \['maybe'\], lines 5\)",
        ),
        (
            [*GOOD, ("p2", "Z", "r1", "text_alignment", "pass")],
            {"models": ("A", "B")},
            r"unknown model\(s\) \['Z'\]; known: \['A', 'B'\]",
        ),
        ([*GOOD, ("p2", "A", "r1", "sharpness", "pass")], {}, r"unknown criteria \['sharpness'\]"),
        (
            [*GOOD, ("p1", "A", "r1", "text_alignment", "fail")],
            {},
            r"2 rows repeat a \(prompt, model, rater, criterion\).*lines 2, 5",
        ),
        ([*GOOD, ("p2", None, "r1", "text_alignment", "pass")], {}, r"1 row\(s\) have no model \(lines 5\)"),
    ],
    ids=["nan", "unparseable", "unknown-model", "unknown-criterion", "duplicate", "blank-model"],
)
def test_bad_tables_raise_one_line(rows, options, message) -> None:
    with pytest.raises(RatingsError, match=message) as info:
        validate_absolute(_table(rows), source="ratings.csv", **options)
    assert str(info.value).startswith("ratings.csv: ") and "\n" not in str(info.value)


def test_missing_columns_and_files(tmp_path: Path) -> None:
    with pytest.raises(RatingsError, match=r"missing column\(s\) \['rater_id'\]"):
        validate_absolute(pd.DataFrame({"prompt_id": [], "model": [], "criterion": [], "value": []}))
    with pytest.raises(RatingsError, match="ratings file not found"):
        load_absolute(tmp_path / "nope.csv")


def test_straight_liner_is_flagged_not_dropped(tmp_path: Path) -> None:
    rows = [(f"p{i}", "A", "lazy", "text_alignment", "pass") for i in range(25)]
    rows += [(f"p{i}", "A", "careful", "text_alignment", "pass" if i % 3 else "fail") for i in range(25)]
    path = tmp_path / "ratings.csv"
    _table(rows).to_csv(path, index=False)
    ratings = load_absolute(path)
    assert len(ratings.table) == 50
    assert ratings.warnings == [
        "rater lazy gave the same answer to all 25 of their ratings (inattentive or a broken form?)"
    ]


def test_human_statistics_import_no_torch() -> None:
    modules = (
        "evalsuite.human.analysis, evalsuite.human.simulate, evalsuite.human.power, evalsuite.human.tools"
    )
    code = f"import sys, {modules}; print('torch' in sys.modules, 'torchvision' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert out.split() == ["False", "False"]
