"""Scores and human pass rates broken down by the axes of a prompt set (subject, motion, camera, ...).

Every report uses these: the run report and the comparison for automatic metrics, the human report for
pass rates. For each model (system), metric or criterion, axis and axis value:

* metrics: the mean over the prompts with that value and an `ok` score, with a percentile-bootstrap
  95% interval. The resamples are drawn once as multinomial weights over the whole prompt set and
  shared by every cell, model and metric (a cell's mean on a resample is its weighted mean, so cells
  keep their paired structure); the same inputs and seed give the same table;
* human rates: the share of videos judged good (majority verdict) with a Wilson 95% interval
  (statsmodels), as in the human layer's main table.

A cell with fewer than MIN_CELL prompts is still shown but marked `readable = False` ("too few to
read"): its interval is wide and its mean moves with one prompt. No torch here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

MIN_CELL = 10
CONFIDENCE = 0.95


def axis_columns(prompts: pd.DataFrame, axes: tuple[str, ...]) -> pd.DataFrame:
    """prompt_id and the axis columns, missing values as "(none)"."""
    table = prompts[["prompt_id", *axes]].copy()
    for axis in axes:
        table[axis] = table[axis].astype("string").fillna("(none)").replace("", "(none)").astype(str)
    return table.drop_duplicates("prompt_id")


def score_breakdown(
    scores: pd.DataFrame,
    prompts: pd.DataFrame,
    axes: tuple[str, ...],
    *,
    model_column: str = "model",
    n_resamples: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """Per model, metric, axis and value: n, mean, ci95_low, ci95_high, readable (see the docstring)."""
    columns = [model_column, "metric", "axis", "value", "n", "mean", "ci95_low", "ci95_high", "readable"]
    if not axes or scores.empty:
        return pd.DataFrame(columns=columns)
    tags = axis_columns(prompts, axes).set_index("prompt_id")
    prompt_ids = pd.Index(sorted(set(scores["prompt_id"]) & set(tags.index)))
    tags = tags.reindex(prompt_ids)
    cells = [(axis, value) for axis in axes for value in sorted(tags[axis].unique())]
    member = np.stack([(tags[axis] == value).to_numpy() for axis, value in cells], axis=1).astype(float)
    rng = np.random.default_rng(seed)
    weights = rng.multinomial(
        len(prompt_ids), np.full(len(prompt_ids), 1 / len(prompt_ids)), size=n_resamples
    )
    weights = weights.astype(float)
    ok = scores[(scores["status"] == "ok") & scores["prompt_id"].isin(prompt_ids)]
    rows = []
    for (model, metric), group in ok.groupby([model_column, "metric"], sort=True):
        values = group.set_index("prompt_id")["value"].reindex(prompt_ids).to_numpy(dtype=float)
        valid = ~np.isnan(values)
        in_cell = member * valid[:, None]
        filled = np.where(valid, values, 0.0)[:, None] * in_cell
        n = in_cell.sum(0)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = filled.sum(0) / n
            boot = (weights @ filled) / (weights @ in_cell)
        tail = (1 - CONFIDENCE) / 2 * 100
        low = np.nanpercentile(boot, tail, axis=0) if n_resamples else np.full(len(cells), np.nan)
        high = np.nanpercentile(boot, 100 - tail, axis=0) if n_resamples else np.full(len(cells), np.nan)
        for k, (axis, value) in enumerate(cells):
            if n[k] == 0:
                continue
            rows.append(
                {model_column: model, "metric": metric, "axis": axis, "value": value, "n": int(n[k]), "mean": mean[k],
                 "ci95_low": low[k], "ci95_high": high[k], "readable": bool(n[k] >= MIN_CELL)}
            )  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def rate_breakdown(videos: pd.DataFrame, prompts: pd.DataFrame, axes: tuple[str, ...]) -> pd.DataFrame:
    """Human pass rates per model, criterion, axis and value from video verdicts (columns prompt_id,
    model, criterion, passed): n videos, rate, Wilson 95% interval, readable."""
    columns = ["model", "criterion", "axis", "value", "n", "rate", "wilson_low", "wilson_high", "readable"]
    if not axes:
        return pd.DataFrame(columns=columns)
    tagged = videos.merge(axis_columns(prompts, axes), on="prompt_id", how="inner")
    rows = []
    for axis in axes:
        grouped = tagged.groupby(["model", "criterion", axis], sort=True)["passed"].agg(["sum", "count"])
        for (model, criterion, value), (k, n) in grouped.iterrows():
            low, high = proportion_confint(int(k), int(n), alpha=1 - CONFIDENCE, method="wilson")
            rows.append(
                {"model": model, "criterion": criterion, "axis": axis, "value": value, "n": int(n), "rate": k / n,
                 "wilson_low": low, "wilson_high": high, "readable": bool(n >= MIN_CELL)}
            )  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def compact(value: float) -> str:
    """4 significant digits, thousands separated from 1,000 up: short enough for a column per system."""
    if pd.isna(value):
        return "–"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def breakdown_view(
    table: pd.DataFrame, key: str, column: str, estimate: str, low: str, high: str, fmt, order=None
) -> pd.DataFrame:
    """A wide table for people: rows (`key`, axis, value), one column per `column` value (in `order`
    when given), cells "mean [low, high] n=…", with "too few to read" where the cell is small."""
    if table.empty:
        return pd.DataFrame()

    def cell(row) -> str:
        text = f"{fmt(row[estimate])} [{fmt(row[low])}, {fmt(row[high])}] n={row['n']}"
        return text if row["readable"] else f"{text}, too few to read"

    shown = table.assign(cell=table.apply(cell, axis=1))
    wide = shown.pivot_table(
        index=[key, "axis", "value"], columns=column, values="cell", aggfunc="first", sort=False
    )
    if order is not None:
        wide = wide.reindex(columns=[c for c in order if c in wide.columns])
    return wide.reset_index().rename_axis(columns=None).fillna("–")


def rate_view(rates: pd.DataFrame, order=None) -> pd.DataFrame:
    """`breakdown_view` of `rate_breakdown`'s table: pass rates as percentages, a column per model."""
    return breakdown_view(
        rates, "criterion", "model", "rate", "wilson_low", "wilson_high", lambda v: f"{v:.1%}", order
    )
