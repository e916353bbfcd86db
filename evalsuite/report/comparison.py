"""Write a comparison of systems: the paper's table and every statistic behind it.

Files (in `out_dir`):
  comparison.md / comparison.tex / comparison.csv  the table in the paper's layout: one row per system
      (measured ones in the order given, then published ones marked "(published)"), human pass rates
      and ranking when ratings were given, then each metric's mean with its rank range, grouped by
      criterion, and VBench's quality score
  means.csv, pairs.csv, ranks.csv   per metric: means with intervals; every pair's paired difference,
      win rate and tests; rank ranges
  by_axis.csv, human_by_axis.csv   every metric (and human rate) per value of every prompt-set axis
  published.csv, correlations.csv, video_correlations.csv, human_rates.csv   when given
  comparison.html   one offline page with the figures (evalsuite/report/comparison_html.py)

The tables depend only on the comparison's inputs (scores, prompt set, options), never on where the
runs live, so the joint job and `hyvideo-eval compare` over the same runs write identical files.
"""

from __future__ import annotations

from pathlib import Path

from evalsuite.compare import Comparison
from evalsuite.data.atomic import write_csv_atomic, write_text_atomic
from evalsuite.human.judge_card import JUDGE_CARD_NOTE, card_view
from evalsuite.report import distribution
from evalsuite.report.comparison_views import (
    HUMAN_AXIS_NOTE,
    caption,
    correlations_view,
    csv_tables,
    facts,
    human_axis_view,
    means_view,
    pairs_view,
    paper_table,
)
from evalsuite.report.human import latex_table
from evalsuite.report.run_views import PARTS_NOTE, axis_note, axis_view, parts_views


def render_markdown(comparison: Comparison, title: str) -> str:
    lines = [f"> **{w}**" for w in comparison.warnings]
    lines += [""] if lines else []
    lines += [f"# {title}", "", "| | |", "| --- | --- |"]
    lines += [f"| {label} | {text} |" for label, text in facts(comparison)]
    lines += [
        "",
        "## Comparison table",
        "",
        caption(comparison),
        "",
        paper_table(comparison).to_markdown(index=False),
    ]
    lines += distribution.markdown_section(comparison.distribution)
    lines += ["", "## Scores by metric", "", means_view(comparison).to_markdown(index=False)]
    lines += ["", "## Paired differences", "", pairs_view(comparison).to_markdown(index=False)]
    if comparison.human is not None:
        lines += ["", "## Automatic metrics against people (model level)", ""]
        lines += [
            "Across the rated systems: Spearman and Kendall between a metric's mean and the human pass rate, "
            "with prompt-bootstrap 95% intervals. video_correlations.csv has the per-video correlations.",
            "",
            correlations_view(comparison).to_markdown(index=False),
        ]
    for heading, view in parts_views(comparison.data.parts, comparison.data.systems):
        lines += ["", f"## {heading}", "", PARTS_NOTE, "", view.to_markdown(index=False)]
    if comparison.human is not None and comparison.human.judge_card is not None:
        lines += [
            "",
            "## Judge card",
            "",
            JUDGE_CARD_NOTE,
            "",
            card_view(comparison.human.judge_card).to_markdown(index=False),
        ]
    if comparison.by_axis is not None and not comparison.by_axis.empty:
        lines += [
            "",
            "## Scores by prompt axis",
            "",
            axis_note(),
            "",
            axis_view(comparison.by_axis, "system", comparison.data.systems).to_markdown(index=False),
        ]
    if comparison.human is not None and comparison.human.by_axis is not None:
        lines += [
            "",
            "## Human pass rates by prompt axis",
            "",
            HUMAN_AXIS_NOTE,
            "",
            human_axis_view(comparison).to_markdown(index=False),
        ]
    if comparison.notes:
        lines += ["", "## Notes", "", *(f"- {n}" for n in comparison.notes)]
    return "\n".join(lines) + "\n"


def write_comparison(
    comparison: Comparison, out_dir: str | Path, title: str | None = None
) -> dict[str, Path]:
    """Write every file of the comparison into `out_dir`; return them by name."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    title = (
        title or f"Comparison of {len(comparison.data.systems)} systems on {comparison.data.prompt_set.name}"
    )
    files: dict[str, Path] = {}
    for name, table in {
        "comparison.csv": paper_table(comparison, formatted=False),
        **csv_tables(comparison),
    }.items():
        files[name] = write_csv_atomic(out / name, table)
    files["comparison.md"] = out / "comparison.md"
    write_text_atomic(files["comparison.md"], render_markdown(comparison, title))
    files["comparison.tex"] = out / "comparison.tex"
    write_text_atomic(
        files["comparison.tex"], latex_table(paper_table(comparison), caption(comparison), wide=True)
    )
    from evalsuite.report.comparison_html import render_comparison_html  # matplotlib: only here

    files["comparison.html"] = out / "comparison.html"
    write_text_atomic(files["comparison.html"], render_comparison_html(comparison, title))
    return files
