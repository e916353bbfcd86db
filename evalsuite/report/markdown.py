"""The run's report in Markdown (report.md): what its numbers are worth first (a run over synthetic
test videos or over videos from random weights measures no model, and the report says so before
anything else), then the tables of run_views.py.
"""

from __future__ import annotations

import pandas as pd

from evalsuite.human.judge_card import JUDGE_CARD_NOTE, card_view
from evalsuite.metrics import METRICS
from evalsuite.report import distribution, fast_check
from evalsuite.report.run_views import (
    MAX_FAILURES_SHOWN,
    PARTS_NOTE,
    ReportInputs,
    ReportTables,
    axis_note,
    axis_view,
    normalised_note,
    normalised_view,
    parts_views,
    report_title,
    run_facts,
    score_table,
)


def _markdown_table(table: pd.DataFrame) -> str:
    return table.to_markdown(index=False) if not table.empty else "_(none)_"


def _normalised_section(normalised: pd.DataFrame, fast_profile: bool) -> list[str]:
    if normalised.empty:
        return []
    view = normalised_view(normalised)
    view["metric"] = view["metric"].map(lambda m: m if m == "–" else f"`{m}`")
    note = normalised_note(normalised, fast_profile)
    return ["", "## VBench-normalised scores", "", note, "", _markdown_table(view)]


def _axis_section(by_axis: pd.DataFrame, column: str) -> list[str]:
    if by_axis.empty:
        return []
    return ["", "## Scores by prompt axis", "", axis_note(), "", _markdown_table(axis_view(by_axis, column))]


def _parts_section(parts) -> list[str]:
    lines = []
    for heading, view in parts_views(parts):
        lines += ["", f"## {heading}", "", PARTS_NOTE, "", _markdown_table(view)]
    return lines


def _judge_card_section(card) -> list[str]:
    if card is None:
        return []
    return ["", "## Judge card", "", JUDGE_CARD_NOTE, "", _markdown_table(card_view(card))]


def render_markdown(inputs: ReportInputs, report: ReportTables) -> str:
    """report.md: warnings first, then the identity card and every table."""
    failures = report.failures
    lines = [f"> **{w}**" for w in inputs.warnings]
    if lines:
        lines.append("")
    lines += [
        f"# {report_title(inputs)}",
        "",
        "| | |",
        "| --- | --- |",
        *(f"| {label} | {text} |" for label, text in run_facts(inputs)),
        "",
        "## Scores by model",
        "",
        "Mean over prompts with a percentile-bootstrap 95% interval; failed or missing videos are counted, not averaged in.",
        "",
        _markdown_table(score_table(report.by_model, ["model", "metric"])),
        *fast_check.markdown_section(inputs.fast_check),
        "",
        "## Scores by category",
        "",
        _markdown_table(score_table(report.by_category, ["model", "metric", "category"])),
        *_axis_section(report.by_axis, "model"),
        *_normalised_section(report.normalised, inputs.fast_profile),
        *distribution.markdown_section(inputs.distribution),
        *_parts_section(inputs.parts),
        *_judge_card_section(inputs.judge_card),
        "",
        "## Metrics",
        "",
    ]
    for name in sorted(inputs.scores["metric"].unique()) if not inputs.scores.empty else []:
        metric = METRICS[name]
        lines.append(
            f"- `{name}` v{metric.version} ({'higher' if metric.higher_is_better else 'lower'} is better; {metric.criterion}): {metric.reference}"
        )
    if inputs.unavailable:
        lines += [
            "",
            "## Unavailable metrics",
            "",
            "Not computed in this run, each with its reason and fix:",
            "",
        ]
        lines += [f"- `{name}`: {why}" for name, why in sorted(inputs.unavailable.items())]
        lines += ["", "`hyvideo-eval weights status` lists every network and where it was looked for."]
    lines += ["", "## Failures", ""]
    if failures.empty:
        lines.append("None: every video was scored by every metric.")
    else:
        lines.append(_markdown_table(failures.head(MAX_FAILURES_SHOWN)))
        if len(failures) > MAX_FAILURES_SHOWN:
            lines.append(f"\n… and {len(failures) - MAX_FAILURES_SHOWN} more in failures.csv.")
    lines.append("")
    return "\n".join(lines)
