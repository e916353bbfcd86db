"""Write a human-evaluation report folder: the paper's comparison table and an offline HTML page.

Files (in `out_dir`):
  comparison.md / comparison.tex / comparison.csv  the table in the paper's layout (Model, Open Source,
      Duration, Text Alignment, Motion Quality, Visual Quality, Overall, Ranking), measured models first,
      then published-only models marked "(published)"
  rates.csv, pairs.csv, ranking.csv, gsb.csv, elo.csv, win_probability.csv, agreement.csv, raters.csv,
  published_check.csv, categories.csv, correlations.csv, by_axis.csv   every statistic behind the page
  report.html  one self-contained page (figures inlined as PNG), readable offline
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from evalsuite.breakdown import MIN_CELL, rate_view
from evalsuite.data.atomic import write_csv_atomic, write_text_atomic
from evalsuite.human.absolute import OVERALL
from evalsuite.human.analysis import CampaignAnalysis
from evalsuite.report import figures, html_page

HEADERS = {
    "text_alignment": "Text Alignment",
    "motion_quality": "Motion Quality",
    "visual_quality": "Visual Quality",
    OVERALL: "Overall",
}


def _header(criterion: str) -> str:
    return HEADERS.get(criterion, criterion.replace("_", " ").title())


def _percent(value: float) -> str:
    return "" if pd.isna(value) else f"{value * 100:.1f}%"


def _yes_no(value) -> str:
    if pd.isna(value):
        return ""
    return "✔" if str(value).strip().lower() in ("true", "1", "yes") else "✘"


def _metadata(meta: pd.Series) -> dict[str, str]:
    """The paper's descriptive columns, from the published table's row of a model (blank when absent)."""
    duration = meta.get("duration_s")
    return {
        "Open Source": _yes_no(meta.get("open_source")),
        "Duration": f"{duration:g}s" if pd.notna(duration) else "",
    }


def paper_table(analysis: CampaignAnalysis) -> pd.DataFrame:
    """The comparison table in the paper's layout, as strings ready to print."""
    criteria = [*analysis.ratings.criteria, OVERALL]
    rates = analysis.absolute.rates.set_index(["model", "criterion"])["rate"]
    published = analysis.published if analysis.published is not None else pd.DataFrame()
    rows = []
    for rank in analysis.absolute.ranking.itertuples(index=False):
        meta = published.loc[rank.model] if rank.model in published.index else pd.Series()
        row = {"Model": rank.model, **_metadata(meta)}
        row |= {_header(c): _percent(rates[(rank.model, c)]) for c in criteria}
        rows.append(row | {"Ranking": rank.rank})
    for model, meta in published.drop(analysis.absolute.ranking["model"], errors="ignore").iterrows():
        row = {"Model": f"{model} (published)", **_metadata(meta)}
        row |= {_header(c): _percent(meta.get(c)) for c in criteria}
        ranking = meta.get("ranking")
        rows.append(row | {"Ranking": f"{ranking:g} (published)" if pd.notna(ranking) else ""})
    table = pd.DataFrame(rows)
    if published.empty:  # nothing to fill the metadata columns from
        table = table.drop(columns=["Open Source", "Duration"])
    return table


def latex_table(table: pd.DataFrame, caption: str, wide: bool = False) -> str:
    """A booktabs table of strings; `wide` scales it to the text width (needs graphicx)."""
    escaped = table.map(lambda v: str(v).replace("%", r"\%").replace("_", r"\_").replace("&", r"\&"))
    escaped = escaped.replace({"✔": r"\checkmark", "✘": r"$\times$"})
    columns = [str(c).replace("%", r"\%").replace("_", r"\_").replace("&", r"\&") for c in escaped.columns]
    columns = [c.replace("↑", r"$\uparrow$").replace("↓", r"$\downarrow$") for c in columns]
    header = " & ".join(columns) + r" \\"
    tabular = [
        r"\begin{tabular}{l" + "c" * (len(table.columns) - 1) + "}", r"\toprule", header, r"\midrule",
        *(" & ".join(row) + r" \\" for row in escaped.to_numpy().tolist()),
        r"\bottomrule", r"\end{tabular}",
    ]  # fmt: skip
    if wide:
        tabular = [r"\resizebox{\textwidth}{!}{%", *tabular, "}"]
    needs = r"\usepackage{booktabs}, \usepackage{amssymb} (for \checkmark)" + (
        ", \\usepackage{graphicx}" if wide else ""
    )
    lines = [
        f"% needs {needs}",
        r"\begin{table}[t]", r"\centering", rf"\caption{{{caption}}}", *tabular, r"\end{table}", "",
    ]  # fmt: skip
    return "\n".join(lines)


def _caption(analysis: CampaignAnalysis) -> str:
    table = analysis.ratings.table
    kind = "SYNTHETIC (simulated) ratings" if analysis.synthetic else "human ratings"
    return (
        f"{kind}: {table['prompt_id'].nunique():,} prompts, {table['rater_id'].nunique()} raters, "
        f"{len(table):,} judgements. Share of videos judged good (majority of raters); ranking on "
        f"{analysis.primary.replace('_', ' ')} with ties where Holm-corrected paired tests do not separate models."
    )


def write_human_report(
    analysis: CampaignAnalysis, out_dir: str | Path, title: str = "Human evaluation"
) -> dict[str, Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    table = paper_table(analysis)
    caption = _caption(analysis)
    files = {"comparison.csv": out / "comparison.csv"}
    write_csv_atomic(files["comparison.csv"], table)
    files["comparison.md"] = out / "comparison.md"
    write_text_atomic(files["comparison.md"], f"{caption}\n\n{table.to_markdown(index=False)}\n")
    files["comparison.tex"] = out / "comparison.tex"
    write_text_atomic(files["comparison.tex"], latex_table(table, caption))
    for name, frame in _tables(analysis).items():
        files[name] = out / name
        write_csv_atomic(files[name], frame)
    files["report.html"] = out / "report.html"
    write_text_atomic(files["report.html"], render_html(analysis, table, caption, title))
    return files


def _tables(analysis: CampaignAnalysis) -> dict[str, pd.DataFrame]:
    tables = {
        "rates.csv": analysis.absolute.rates,
        "pairs.csv": analysis.absolute.pairs,
        "ranking.csv": analysis.absolute.ranking,
        "agreement.csv": analysis.agreement,
        "raters.csv": analysis.raters,
    }
    if analysis.pairwise is not None:
        criterion = next(iter(analysis.pairwise.win_probability))
        tables |= {
            "gsb.csv": analysis.pairwise.gsb,
            "elo.csv": analysis.pairwise.ratings,
            "win_probability.csv": analysis.pairwise.win_probability[criterion]
            .rename_axis("model")
            .reset_index(),
        }
    optional = {
        "published_check.csv": analysis.published_check,
        "categories.csv": analysis.categories.reset_index() if analysis.categories is not None else None,
        "correlations.csv": analysis.correlations,
        "by_axis.csv": analysis.axis_rates,
    }
    return tables | {k: v for k, v in optional.items() if v is not None}


def _pairwise_section(analysis: CampaignAnalysis, order: list[str]) -> list[str]:
    criterion = next(iter(analysis.pairwise.win_probability))
    win = analysis.pairwise.win_probability[criterion].reindex(index=order, columns=order)
    elo = analysis.pairwise.ratings.sort_values(["criterion", "elo"], ascending=[True, False])
    baseline = analysis.pairwise.fits[criterion].baseline
    return [
        "<h2>Pairwise model</h2>",
        f"<p class='muted'>Bradley-Terry with ties (Davidson), source: {html.escape(analysis.pairwise_source)}. "
        "Elo = 400/ln10·θ + 1000 with the baseline at 1000; cell = P(row beats column) + ½ P(tie).</p>",
        html_page.img(figures.heatmap(win, f"win probability ({criterion.replace('_', ' ')})", fmt="{:.2f}", cmap="RdBu",
                             centre=0.5, xlabel="column model", ylabel="row model"), "win probability"),
        html_page.table(elo, f"Elo with prompt-bootstrap 95% intervals (baseline {baseline} fixed at 1000)"),
        html_page.table(analysis.pairwise.gsb, "GSB counts: G = A better, S = same, B = B better"),
    ]  # fmt: skip


def render_html(analysis: CampaignAnalysis, table: pd.DataFrame, caption: str, title: str) -> str:
    absolute, primary = analysis.absolute, analysis.primary
    criteria = [*analysis.ratings.criteria, OVERALL]
    order = list(absolute.ranking["model"])
    published = (
        analysis.published[[c for c in criteria if c in analysis.published.columns]]
        if analysis.published is not None
        else None
    )
    parts = [f"<h1>{html.escape(title)}</h1>"]
    if analysis.synthetic:
        parts.append('<div class="banner"><b>Synthetic ratings.</b> These judgements were generated by the '
                     "campaign simulator: they test the statistics and measure no model.</div>")  # fmt: skip
    parts += [html_page.banner(w) for w in analysis.warnings]
    parts += [f"<h2>Comparison table</h2><p class='muted'>{html.escape(caption)}</p>", html_page.table(table)]
    parts += [f'<div class="note">{html.escape(n)}</div>' for n in analysis.notes]
    parts += [
        "<h2>Pass rates</h2>",
        html_page.img(figures.criterion_bars(absolute.rates, criteria, order, published), "pass rates"),
    ]
    parts += ["<h2>Ranking with ties</h2>", html_page.img(figures.rank_plot(absolute.ranking, primary), "rank plot"),
              html_page.table(absolute.ranking)]  # fmt: skip
    if analysis.categories is not None and not analysis.categories.empty:
        matrix = analysis.categories.reindex(order)
        parts += ["<h2>By prompt category</h2>",
                  html_page.img(figures.heatmap(matrix, f"{primary.replace('_', ' ')} pass rate by prompt category"), "categories")]  # fmt: skip
    if analysis.pairwise is not None:  # two rated models or more
        parts += _pairwise_section(analysis, order)
        pairs = absolute.pairs[absolute.pairs["criterion"] == primary].drop(columns="criterion")
        parts += ["<h2>Paired tests</h2>",
                  html_page.table(pairs, f"{primary}: McNemar and paired bootstrap, Holm within the criterion (pairs.csv has every criterion)")]  # fmt: skip
    parts += ["<h2>Rater agreement</h2>", html_page.table(analysis.agreement),
              html_page.table(analysis.raters.head(10), "Raters by deviation from the leave-one-out consensus (top 10; raters.csv has all)")]  # fmt: skip
    if analysis.published_check is not None and not analysis.published_check.empty:
        parts += [
            "<h2>Published figures inside the measured intervals?</h2>",
            html_page.table(analysis.published_check),
        ]
    if analysis.axis_rates is not None and not analysis.axis_rates.empty:
        view = rate_view(analysis.axis_rates)
        parts += [
            "<h2>Pass rates by prompt axis</h2>",
            f"<p class='muted'>Share of videos judged good per value of every axis of the prompt set, Wilson 95% "
            f"interval, n videos; cells with fewer than {MIN_CELL} videos are marked too few to read (by_axis.csv).</p>",
            html_page.table(view, align="wrap left3"),
        ]
    if analysis.correlations is not None and not analysis.correlations.empty:
        parts += ["<h2>Automatic metrics vs humans</h2>", html_page.table(analysis.correlations)]
    return html_page.page(title, parts)
