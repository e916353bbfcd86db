"""A comparison of systems as one self-contained HTML page (comparison.html): the paper's table, a panel
per metric of each system's mean and interval, the rank ranges, the paired win rates and, with ratings,
how the metrics agree with people. Warnings (systems with missing videos) come first."""

from __future__ import annotations

import html

import pandas as pd

from evalsuite.compare import Comparison
from evalsuite.human.judge_card import JUDGE_CARD_NOTE, card_view
from evalsuite.report import comparison_figures as figures
from evalsuite.report import distribution, html_page
from evalsuite.report.comparison_views import (
    HUMAN_AXIS_NOTE,
    caption,
    correlations_view,
    facts,
    human_axis_view,
    means_view,
    metric_header,
    pairs_view,
    paper_table,
)
from evalsuite.report.run_views import PARTS_NOTE, axis_note, axis_view, parts_views


def _transposed(table: pd.DataFrame) -> pd.DataFrame:
    """The paper table with one column per system: readable at any number of metrics."""
    rows = table.set_index("system")
    return pd.DataFrame({"": list(rows.columns), **{system: list(rows.loc[system]) for system in rows.index}})


def render_comparison_html(comparison: Comparison, title: str) -> str:
    stats, systems, metrics = comparison.statistics, comparison.data.systems, comparison.metrics
    headers = {m: metric_header(comparison, m) for m in metrics}
    parts = [html_page.banner(w) for w in comparison.warnings]
    parts.append(f"<h1>{html.escape(title)}</h1>")
    parts.append(html_page.table(pd.DataFrame(facts(comparison), columns=["", " "]), align="text"))
    parts += [
        "<h2>Comparison table</h2>",
        f"<p class='muted'>{html.escape(caption(comparison))} Shown with systems as columns; "
        "comparison.md, .tex and .csv have the paper's layout (systems as rows).</p>",
        html_page.table(_transposed(paper_table(comparison)), align="wrap"),
    ]
    parts += [f'<div class="note">{html.escape(n)}</div>' for n in comparison.notes]
    parts += distribution.html_section(comparison.distribution)
    parts += [
        "<h2>Means and intervals</h2>",
        html_page.img(
            figures.mean_panels(stats.means, comparison.published, systems, metrics, headers),
            "means per metric",
        ),
        "<p class='muted'>Dot: mean over prompts; whisker: prompt-bootstrap 95% interval; hollow diamond: a "
        "published number (no interval, not tested).</p>",
        "<h2>Rank ranges</h2>",
        html_page.img(figures.rank_grid(stats.ranks, systems, metrics, headers), "rank ranges"),
    ]
    if comparison.human is not None:
        human = comparison.human
        parts += [
            "<h2>Automatic metrics against people</h2>",
            "<p class='muted'>Model level, across the rated systems, with prompt-bootstrap 95% intervals; "
            "video_correlations.csv has the per-video correlations.</p>",
            html_page.img(
                figures.correlation_heatmap(human.correlations, metrics, human.criteria), "correlations"
            ),
            html_page.table(correlations_view(comparison), align="left2"),
        ]
        if human.judge_card is not None:
            parts += [
                "<h2>Judge card</h2>",
                f"<div class='note'>{html.escape(JUDGE_CARD_NOTE)}</div>",
                html_page.table(card_view(human.judge_card), align="left2"),
            ]
    for heading, view in parts_views(comparison.data.parts, comparison.data.systems):
        parts += [
            f"<h2>{html.escape(heading)}</h2>",
            f"<div class='note'>{html.escape(PARTS_NOTE)}</div>",
            html_page.table(view),
        ]
    parts += [
        "<h2>Paired comparisons</h2>",
        "<p class='muted'>Per metric: % of prompts on which the row system beats the column system (ties "
        "count half; columns numbered as the rows); * where the paired t-test on their mean difference "
        "separates them after Holm.</p>",
        html_page.img(figures.win_rate_grid(stats.pairs, systems, metrics, headers), "win rates"),
        "<details><summary>Every pair: paired differences and tests (pairs.csv)</summary>",
        html_page.table(pairs_view(comparison), align="left3"),
        "</details>",
    ]
    if comparison.by_axis is not None and not comparison.by_axis.empty:
        parts += [
            "<h2>Scores by prompt axis</h2>",
            f"<p class='muted'>{html.escape(axis_note())}</p>",
            "<details><summary>Every metric by every axis value</summary>",
            html_page.table(
                axis_view(comparison.by_axis, "system", comparison.data.systems), align="wrap left3"
            ),
            "</details>",
        ]
    if comparison.human is not None and comparison.human.by_axis is not None:
        parts += [
            "<h2>Human pass rates by prompt axis</h2>",
            f"<p class='muted'>{html.escape(HUMAN_AXIS_NOTE)}</p>",
            "<details><summary>Every criterion by every axis value</summary>",
            html_page.table(human_axis_view(comparison), align="wrap left3"),
            "</details>",
        ]
    parts += [
        "<h2>Scores by metric</h2>",
        "<details><summary>Means, intervals, rank ranges and counts (means.csv, ranks.csv)</summary>",
        html_page.table(means_view(comparison), align="left2"),
        "</details>",
    ]
    return html_page.page(title, parts)
