"""What every rendering of a comparison reads: the paper's table, its caption, the identity card and
the formatted tables that comparison.md, comparison.tex and comparison.html all show. No rendering here
(comparison.py writes the files; comparison_html.py draws the page)."""

from __future__ import annotations

import pandas as pd

from evalsuite.breakdown import compact, rate_view
from evalsuite.compare import QUALITY_SCORE, Comparison
from evalsuite.human.absolute import OVERALL
from evalsuite.report.human import HEADERS
from evalsuite.report.run_views import networks_text

AGGREGATION_TEXT = {
    "per_video": "per video (every video weighs the same)",
    "vbench": "VBench's (subject and background consistency weighted by frame pairs)",
}


def _fmt(value: float) -> str:
    return "–" if pd.isna(value) else f"{value:.4f}"


def metric_header(comparison: Comparison, metric: str) -> str:
    if metric == QUALITY_SCORE:
        return f"{QUALITY_SCORE} ↑"
    return f"{metric} {'↑' if comparison.info[metric].higher_is_better else '↓'}"


def system_order(comparison: Comparison) -> list[str]:
    return list(comparison.data.systems)


def paper_table(comparison: Comparison, formatted: bool = True) -> pd.DataFrame:
    """One row per system: source, human columns (when rated), metric means with rank ranges.
    `formatted`: strings for people ("0.9523 (1-2)", "41.3%"); else numbers with rank columns (CSV)."""
    stats = comparison.statistics
    means = stats.means.set_index(["system", "metric"])
    ranks = stats.ranks.set_index(["system", "metric"])["rank"]
    human = comparison.human
    rows = []
    for system in system_order(comparison):
        row: dict = {"system": system, "source": "measured"}
        if human is not None:
            rates = human.absolute.rates.set_index(["model", "criterion"])["rate"]
            human_rank = human.absolute.ranking.set_index("model")["rank"]
            for criterion in human.criteria:
                value = rates.get((system, criterion), float("nan"))
                row[f"human {HEADERS.get(criterion, criterion)}"] = (
                    ("" if pd.isna(value) else f"{value * 100:.1f}%") if formatted else value
                )
            row["human ranking"] = human_rank.get(system, "")
        n_ok = means.loc[system, "n_ok"] if system in means.index.get_level_values(0) else pd.Series()
        row["prompts scored"] = f"{int(n_ok.min())} of {comparison.data.prompt_set.n_prompts}"
        for metric in comparison.metrics:
            mean = means.loc[(system, metric), "mean"]
            rank = ranks.get((system, metric), "")
            if formatted:
                row[metric_header(comparison, metric)] = f"{compact(mean)} ({rank})"
            else:
                row[metric] = mean
                row[f"{metric} rank"] = rank
        rows.append(row)
    if comparison.published is not None:
        for system, group in comparison.published.groupby("system", sort=False):
            aggregation = group["aggregation"].iloc[0] if group["aggregation"].nunique() == 1 else "mixed"
            row = {"system": f"{system} (published)", "source": f"published, {aggregation} aggregation"}
            if human is not None:
                row |= {f"human {HEADERS.get(c, c)}": "" for c in human.criteria} | {"human ranking": ""}
            row["prompts scored"] = ""
            values = group.set_index("metric")["value"]
            for metric in comparison.metrics:
                value = values.get(metric, float("nan"))
                if formatted:
                    row[metric_header(comparison, metric)] = "" if pd.isna(value) else compact(value)
                else:
                    row[metric] = value
                    row[f"{metric} rank"] = ""
            rows.append(row)
    return pd.DataFrame(rows)


def caption(comparison: Comparison) -> str:
    data = comparison.data
    text = (
        f"{len(data.systems)} systems on {data.prompt_set.name} ({data.prompt_set.n_prompts:,} prompts). "
        f"Each cell: mean over prompts ({AGGREGATION_TEXT[comparison.aggregation]}) and, in brackets, the "
        "rank range the data allow: systems whose mean paired difference the two-sided paired t-test (Holm "
        f"within the metric, p ≤ {comparison.alpha:g}) does not separate share ranks. ↑/↓: higher/lower is better."
    )
    if comparison.human is not None:
        text += f" Human columns: share of videos judged good (majority of raters); ranking on {OVERALL}."
    if comparison.published is not None and not comparison.published.empty:
        text += " Published rows are the sources' own numbers: not tested, not ranked."
    return text


def facts(comparison: Comparison) -> list[tuple[str, str]]:
    """The comparison's identity card, (label, text) rows; the same for the joint job and `compare`."""
    data, stats = comparison.data, comparison.statistics
    prompt_set = data.prompt_set
    return [
        ("systems", ", ".join(data.systems)),
        (
            "prompt set",
            f"{prompt_set.name}: {prompt_set.n_prompts} prompts, file sha256 "
            f"{(prompt_set.file_sha256 or '–')[:16]}…, selection sha256 {prompt_set.prompts_sha256[:16]}…",
        ),
        ("metrics", ", ".join(comparison.metrics)),
        ("aggregation", AGGREGATION_TEXT[comparison.aggregation]),
        (
            "statistics",
            f"prompt-bootstrap 95% intervals ({comparison.n_resamples:,} resamples shared by every system, "
            f"metric); pairs: mean paired difference with its t-interval and the paired t-test, Holm within each "
            f"metric, a pair differs when p (Holm) ≤ {comparison.alpha:g}",
        ),
        *([("VBench quality score", stats.quality_label)] if stats.quality_label else []),
        *([("networks", networks_text(data.networks, code=lambda t: t))] if data.networks else []),
    ]


def pairs_view(comparison: Comparison) -> pd.DataFrame:
    pairs = comparison.statistics.pairs
    return pd.DataFrame(
        {
            "metric": pairs["metric"],
            "A": pairs["system_a"],
            "B": pairs["system_b"],
            "n paired": pairs["n_paired"],
            "A − B [95% CI]": [
                f"{d:+.4f} [{lo:+.4f}, {hi:+.4f}]" if pd.notna(d) else "–"
                for d, lo, hi in zip(
                    pairs["diff"], pairs["diff_ci95_low"], pairs["diff_ci95_high"], strict=True
                )
            ],
            "A better on": pairs["a_win_rate"].map(lambda v: "–" if pd.isna(v) else f"{v:.0%}"),
            "p": pairs["p"].map(lambda v: "–" if pd.isna(v) else f"{v:.3g}"),
            "p (Holm)": pairs["p_holm"].map(lambda v: "–" if pd.isna(v) else f"{v:.3g}"),
            "differ": pairs["significant"].map({True: "yes", False: "no"}),
        }
    )


def means_view(comparison: Comparison) -> pd.DataFrame:
    means = comparison.statistics.means
    ranks = comparison.statistics.ranks.set_index(["metric", "system"])["rank"]
    return pd.DataFrame(
        {
            "metric": means["metric"],
            "system": means["system"],
            "mean [95% CI]": [
                f"{_fmt(m)} [{_fmt(lo)}, {_fmt(hi)}]"
                for m, lo, hi in zip(means["mean"], means["ci95_low"], means["ci95_high"], strict=True)
            ],
            "rank": [ranks.get(k, "") for k in zip(means["metric"], means["system"], strict=True)],
            "n ok": means["n_ok"],
            "n failed": means["n_failed"],
            "n missing": means["n_missing"],
        }
    )


def correlations_view(comparison: Comparison) -> pd.DataFrame:
    table = comparison.human.correlations

    def cell(point, low, high):
        return "–" if pd.isna(point) else f"{point:+.2f} [{low:+.2f}, {high:+.2f}]"

    return pd.DataFrame(
        {
            "metric": table["metric"],
            "criterion": table["criterion"],
            "systems": table["n_systems"],
            "Spearman ρ [95% CI]": [
                cell(*v) for v in table[["spearman", "spearman_ci95_low", "spearman_ci95_high"]].to_numpy()
            ],
            "Kendall τ-b [95% CI]": [
                cell(*v) for v in table[["kendall", "kendall_ci95_low", "kendall_ci95_high"]].to_numpy()
            ],
        }
    )


HUMAN_AXIS_NOTE = (
    "Share of videos judged good per value of every axis of the prompt set, Wilson 95% interval, n videos; "
    "human_by_axis.csv has the numbers."
)


def human_axis_view(comparison: Comparison) -> pd.DataFrame:
    return rate_view(comparison.human.by_axis, comparison.data.systems)


def csv_tables(comparison: Comparison) -> dict[str, pd.DataFrame]:
    stats = comparison.statistics
    tables = {"means.csv": stats.means, "pairs.csv": stats.pairs, "ranks.csv": stats.ranks}
    if comparison.by_axis is not None:
        tables["by_axis.csv"] = comparison.by_axis
    if comparison.human is not None and comparison.human.by_axis is not None:
        tables["human_by_axis.csv"] = comparison.human.by_axis
    if comparison.published is not None:
        tables["published.csv"] = comparison.published
    if comparison.distribution is not None and not comparison.distribution.empty:
        tables["distribution.csv"] = comparison.distribution
    if comparison.human is not None:
        tables["human_rates.csv"] = comparison.human.absolute.rates
        tables["correlations.csv"] = comparison.human.correlations
        tables["video_correlations.csv"] = comparison.human.video_correlations
    return tables
