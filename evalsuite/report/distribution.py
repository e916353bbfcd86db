"""The set-level metrics' table as reports show it (report.md/html, comparison.md/html)."""

from __future__ import annotations

import pandas as pd


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
                    "frames": f"{r['rows']} / {r['reference_rows']}"
                    if r["metric"] in ("fid", "kid")
                    else "16 per video",
                    "note": r["warning"] if isinstance(r["warning"], str) else "",
                }
            )
    return pd.DataFrame(rows)
