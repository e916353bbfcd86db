"""The run's report as one self-contained HTML page (report.html): what report.md says, plus a figure of
every metric's mean and 95% interval over all prompts and per prompt category.

The page opens with the same warnings as report.md (random weights, synthetic videos, random metric
networks), so a screenshot of it cannot be mistaken for a measurement.
"""

from __future__ import annotations

import html

import pandas as pd

from evalsuite.human.judge_card import JUDGE_CARD_NOTE, card_view
from evalsuite.metrics import METRICS
from evalsuite.report import distribution, fast_check, figures, html_page
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


def _metric_rows(names: list[str]) -> pd.DataFrame:
    rows = []
    for name in names:
        metric = METRICS[name]
        rows.append(
            {
                "metric": name,
                "version": metric.version,
                "criterion": metric.criterion.replace("_", " "),
                "better": "higher" if metric.higher_is_better else "lower",
                "definition": metric.reference,
            }
        )
    return pd.DataFrame(rows)


def render_run_html(inputs: ReportInputs, report: ReportTables) -> str:
    title = report_title(inputs)
    parts = [html_page.banner(w) for w in inputs.warnings]
    parts.append(f"<h1>{html.escape(title)}</h1>")
    facts = pd.DataFrame(run_facts(inputs, code=lambda text: text), columns=["", " "])
    parts.append(html_page.table(facts, align="left2"))
    parts.append("<h2>Scores by model</h2>")
    if report.by_model.empty:
        parts.append("<p>No metric was computed in this run.</p>")
    else:
        parts.append(
            html_page.table(
                score_table(report.by_model, ["model", "metric"]),
                "Mean over prompts with a percentile-bootstrap 95% interval; failed or missing videos "
                "are counted, not averaged in.",
                align="left2",
            )
        )
        higher = {name: METRICS[name].higher_is_better for name in report.by_model["metric"].unique()}
        parts.append(
            html_page.img(
                figures.metric_panels(report.by_model, report.by_category, higher), "metric means by category"
            )
        )
        parts.append(
            "<p class='muted'>Each panel: the mean over all prompts (top row) and per prompt category, "
            "whiskers the bootstrap 95% interval; by_category.csv has the numbers.</p>"
        )
    parts += fast_check.html_section(inputs.fast_check)
    if not report.by_axis.empty:
        parts += [
            "<h2>Scores by prompt axis</h2>",
            f"<p class='muted'>{html.escape(axis_note())}</p>",
            "<details><summary>Every metric by every axis value</summary>",
            html_page.table(axis_view(report.by_axis, "model"), align="wrap left3"),
            "</details>",
        ]
    if not report.normalised.empty:
        parts += [
            "<h2>VBench-normalised scores</h2>",
            f"<div class='note'>{html.escape(normalised_note(report.normalised, inputs.fast_profile))}</div>",
            html_page.table(normalised_view(report.normalised), align="left3"),
        ]
    parts += distribution.html_section(inputs.distribution)
    for heading, view in parts_views(inputs.parts):
        parts += [
            f"<h2>{html.escape(heading)}</h2>",
            f"<div class='note'>{html.escape(PARTS_NOTE)}</div>",
            html_page.table(view),
        ]
    if inputs.judge_card is not None:
        parts += [
            "<h2>Judge card</h2>",
            f"<div class='note'>{html.escape(JUDGE_CARD_NOTE)}</div>",
            html_page.table(card_view(inputs.judge_card), align="left2"),
        ]
    if inputs.unavailable:
        items = "".join(
            f"<li><code>{html.escape(name)}</code>: {html.escape(why)}</li>"
            for name, why in sorted(inputs.unavailable.items())
        )
        parts += [
            "<h2>Unavailable metrics</h2>",
            "<p>Not computed in this run, each with its reason and fix. "
            "<code>hyvideo-eval weights status</code> lists every network and where it was looked for.</p>",
            f"<ul class='plain'>{items}</ul>",
        ]
    parts.append("<h2>Failures</h2>")
    if report.failures.empty:
        parts.append("<p>None: every video was scored by every metric.</p>")
    else:
        more = len(report.failures) - MAX_FAILURES_SHOWN
        parts.append(html_page.table(report.failures.head(MAX_FAILURES_SHOWN), align="text"))
        if more > 0:
            parts.append(f"<p class='muted'>… and {more} more in failures.csv.</p>")
    if not inputs.scores.empty:
        parts += [
            "<h2>Metrics</h2>",
            html_page.table(_metric_rows(sorted(inputs.scores["metric"].unique())), align="text"),
        ]
    return html_page.page(title, parts)
