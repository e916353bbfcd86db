"""The set-level metrics' table as reports show it (report.md/html, comparison.md/html)."""

from __future__ import annotations

import html

import pandas as pd

from evalsuite.report import html_page


def _num(value: float) -> str:
    return "–" if pd.isna(value) else f"{value:.4g}"


def distribution_note(table: pd.DataFrame) -> str:
    references = ", ".join(f"`{r}`" for r in table["reference"].unique())
    return (
        f"Lower is better. Each system's whole set of videos against the reference set {references}: the value "
        "with a 95% bootstrap interval over the system's videos (the reference held fixed); KID with ± its "
        "standard deviation over subsets; the systems' order by value (the intervals say which differences are noise); videos and frames on both sides "
        "(generated / reference). distribution.csv has the numbers and the measured small-set bias."
    )


def _frames(row: pd.Series) -> str:
    """Frames on both sides, or the clip length for a metric that reads one clip per video."""
    from evalsuite.distribution import SET_METRICS

    metric = SET_METRICS.get(row["metric"])
    clip = metric.clip_frames if metric is not None else None
    return f"{clip} per video" if clip else f"{row['rows']} / {row['reference_rows']}"


def distribution_view(table: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for _, group in table.groupby("metric", sort=False):
        ranks = group["value"].rank(method="min")
        for (_, r), rank in zip(group.iterrows(), ranks, strict=True):
            value = _num(r["value"]) + (f" ± {_num(r['std'])}" if pd.notna(r["std"]) else "")
            interval = f" [{_num(r['ci_low'])}, {_num(r['ci_high'])}]" if pd.notna(r["ci_low"]) else ""
            rows.append(
                {
                    "metric": r["label"],
                    "system": r["system"],
                    "value [95% CI]": value + interval,
                    "rank by value": "–" if pd.isna(rank) else f"{int(rank)} of {len(group)}",
                    "videos": f"{r['videos']} / {r['reference_videos']}",
                    "frames": _frames(r),
                    "note": r["warning"] if isinstance(r["warning"], str) else "",
                }
            )
    return pd.DataFrame(rows)


def markdown_section(table: pd.DataFrame | None) -> list[str]:
    """The section's Markdown lines (none without set metrics), for report.md and comparison.md."""
    if table is None or table.empty:
        return []
    note, view = distribution_note(table), distribution_view(table).to_markdown(index=False)
    return ["", "## Distribution metrics", "", note, "", view]


def html_section(table: pd.DataFrame | None) -> list[str]:
    """The section's HTML parts (none without set metrics), for report.html and comparison.html."""
    if table is None or table.empty:
        return []
    return [
        "<h2>Distribution metrics</h2>",
        f"<p class='muted'>{html.escape(distribution_note(table))}</p>",
        html_page.table(distribution_view(table), align="left2 notes"),
    ]
