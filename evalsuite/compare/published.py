"""Published per-metric numbers of systems the user cannot run (a VBench leaderboard row, a paper's
table): shown beside the measured systems, marked "(published)", and never entering a test or a rank
range (there are no per-prompt values to pair).

File (CSV): one row per (system, metric) with columns

    system, metric, value, aggregation[, source]

`value` is on the metric's own scale as this suite reports it (VBench's "96.23%" is 0.9623);
`aggregation` says how the source averaged videos: `vbench` (VBench's code: subject and background
consistency weighted by frame pairs) or `per_video` (every video equally, this suite's default); it is
printed beside every published row, because a consistency figure aggregated one way is not comparable
with one aggregated the other way. `metric` is a registered metric or `vbench_quality_score`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from evalsuite.compare.data import ComparisonError
from evalsuite.compare.statistics import AGGREGATIONS, QUALITY_SCORE

PUBLISHED_COLUMNS = ["system", "metric", "value", "aggregation", "source"]


def load_published(
    path: str | Path, known_metrics: set[str], measured: list[str], keep: list[str] | None = None
) -> pd.DataFrame:
    """The published rows to show (columns PUBLISHED_COLUMNS), checked; `keep` picks systems of the file."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise ComparisonError(f"{path}: published table not found (compare.published names a CSV)")
    try:
        table = pd.read_csv(path, dtype={"system": str, "metric": str, "aggregation": str, "source": str})
    except Exception as err:
        raise ComparisonError(
            f"{path}: cannot read the published table ({type(err).__name__}: {err})"
        ) from None
    missing = [c for c in PUBLISHED_COLUMNS[:4] if c not in table.columns]
    if missing:
        raise ComparisonError(
            f"{path}: missing column(s) {missing}; a published table has system, metric, value, aggregation[, source]"
        )
    if "source" not in table.columns:
        table["source"] = ""
    table["source"] = table["source"].fillna("")
    known = known_metrics | {QUALITY_SCORE}
    unknown = sorted(set(table["metric"]) - known)
    if unknown:
        raise ComparisonError(
            f"{path}: unknown metric(s) {unknown}; use registered names (`hyvideo-eval metrics`) or {QUALITY_SCORE}"
        )
    bad_aggregation = sorted(set(table["aggregation"].fillna("(empty)")) - set(AGGREGATIONS))
    if bad_aggregation:
        raise ComparisonError(
            f"{path}: aggregation {bad_aggregation} is not one of {', '.join(AGGREGATIONS)}: say how the source averaged videos"
        )
    values = pd.to_numeric(table["value"], errors="coerce")
    if not np.isfinite(values).all():
        first = table.loc[~np.isfinite(values)].index[0]
        raise ComparisonError(
            f"{path}: line {first + 2}: value {table.loc[first, 'value']!r} is not a finite number"
        )
    table["value"] = values.astype(float)
    dupes = table.duplicated(["system", "metric"])
    if dupes.any():
        first = table[dupes].iloc[0]
        raise ComparisonError(f"{path}: ({first['system']}, {first['metric']}) appears twice; keep one value")
    if keep is not None:
        absent = [s for s in keep if s not in set(table["system"])]
        if absent:
            raise ComparisonError(
                f"{path}: unknown system(s) {absent}; the file has {sorted(set(table['system']))}"
            )
        table = table[table["system"].isin(keep)]
    clash = sorted(set(table["system"]) & set(measured))
    if clash:
        raise ComparisonError(
            f"{path}: {clash} are measured in this comparison too; rename the published row(s) (e.g. '{clash[0]} (paper)')"
        )
    return table[PUBLISHED_COLUMNS].reset_index(drop=True)
