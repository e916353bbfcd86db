"""The fast profile against exact, measured on the run's own videos (evalsuite/pipeline/fast_check.py), as
report.md and report.html show it."""

from __future__ import annotations

import html

import pandas as pd

from evalsuite.metrics.fast import MAX_ABS_DIFF, MIN_SPEARMAN
from evalsuite.report import html_page


def fast_check_note(table: pd.DataFrame) -> str:
    within = int(table["within_targets"].sum())
    return (
        f"This run used the fast profile. {table['videos'].max()} of its videos (prompts spread over the prompt "
        "set, every system's video of each) were also scored exactly. Per metric on those videos: the largest "
        "|fast − exact|, the same over the spread (std) of the exact values, Spearman's ρ of the per-video "
        "values, and whether the systems' order by mean is the same. "
        f"Targets: |fast − exact| ≤ {MAX_ABS_DIFF:g}, ρ ≥ {MIN_SPEARMAN:g}, order unchanged; "
        f"{within} of {len(table)} metrics are within them. "
        "A small sample: it says what the fast profile did to these videos, not a bound for the rest. "
        "fast_check.csv has the numbers; the exact scores are in fast_check/."
    )


def _num(value: float, spec: str) -> str:
    return "–" if pd.isna(value) else format(value, spec)


def fast_check_view(table: pd.DataFrame) -> pd.DataFrame:
    order = {True: "same", False: "CHANGED", None: "– (one system)"}
    return pd.DataFrame(
        {
            "metric (fast)": [
                f"{e} ({f})" if e != f else e
                for e, f in zip(table["metric"], table["fast_metric"], strict=True)
            ],
            "videos": table["videos"],
            "max |fast − exact|": table["max_abs_diff"].map(lambda v: _num(v, ".2g")),
            "÷ spread": table["relative_to_spread"].map(lambda v: _num(v, ".2g")),
            "Spearman ρ": table["spearman"].map(lambda v: _num(v, ".3f")),
            "systems' order": table["order_unchanged"].map(lambda v: order[None if pd.isna(v) else bool(v)]),
            "within targets": table["within_targets"].map(lambda v: "yes" if v else "NO"),
        }
    )


def markdown_section(table: pd.DataFrame | None) -> list[str]:
    """The section's Markdown lines (none unless the run was a checked fast run)."""
    if table is None or table.empty:
        return []
    view = fast_check_view(table).to_markdown(index=False)
    return ["", "## Fast profile against exact", "", fast_check_note(table), "", view]


def html_section(table: pd.DataFrame | None) -> list[str]:
    if table is None or table.empty:
        return []
    return [
        "<h2>Fast profile against exact</h2>",
        f"<p class='muted'>{html.escape(fast_check_note(table))}</p>",
        html_page.table(fast_check_view(table), align=""),
    ]
