"""Matplotlib figures of the human-evaluation report, each returned as PNG bytes (Agg backend, no display).

Colours are fixed per model (sorted order) so one model has one colour in every figure.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display on servers and CI
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

DPI = 110


def to_png(fig: plt.Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def model_colours(models: list[str]) -> dict[str, tuple]:
    palette = plt.get_cmap("tab10")
    return {m: palette(k % 10) for k, m in enumerate(sorted(models))}


def criterion_bars(
    rates: pd.DataFrame, criteria: list[str], order: list[str], published: pd.DataFrame | None
) -> bytes:
    """Grouped bars: pass rate per criterion and model, Wilson 95% whiskers, published figures as ◆."""
    colours = model_colours(order)
    fig, ax = plt.subplots(figsize=(max(7.0, 1.6 * len(criteria) * len(order) / 3), 4.2))
    width = 0.8 / len(order)
    for k, model in enumerate(order):
        part = rates[rates["model"] == model].set_index("criterion").reindex(criteria)
        x = np.arange(len(criteria)) + (k - (len(order) - 1) / 2) * width
        # At a rate of 0 or 1 statsmodels' Wilson bound can miss the rate by a rounding error (< 1e-15),
        # which matplotlib refuses as a negative whisker.
        err = (
            np.clip(
                np.vstack([part["rate"] - part["wilson_low"], part["wilson_high"] - part["rate"]]), 0, None
            )
            * 100
        )
        ax.bar(x, part["rate"] * 100, width, yerr=err, capsize=2, color=colours[model], label=model,
               error_kw={"elinewidth": 0.9})  # fmt: skip
        if published is not None and model in published.index:
            shown = [c for c in criteria if c in published.columns]
            xs = [x[criteria.index(c)] for c in shown]
            ax.scatter(xs, published.loc[model, shown].astype(float) * 100, marker="D", s=14, color="black",
                       zorder=3, label="published" if k == 0 else None)  # fmt: skip
    ax.set_xticks(np.arange(len(criteria)), [c.replace("_", " ") for c in criteria])
    ax.set_ylabel("videos judged good (%)")
    ax.set_ylim(0, 105)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(
        ncol=min(4, len(order) + 1), fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.1), frameon=False
    )
    ax.set_title("Pass rate per criterion (whiskers: Wilson 95%)")
    return to_png(fig)


def rank_plot(ranking: pd.DataFrame, primary: str) -> bytes:
    """Each model's rank range (bar) and its rank by point estimate (dot)."""
    colours = model_colours(list(ranking["model"]))
    n = len(ranking)
    fig, ax = plt.subplots(figsize=(6.5, 0.45 * n + 1.3))
    for pos, row in enumerate(ranking.itertuples(index=False)):
        y = n - 1 - pos
        ax.plot([row.rank_low, row.rank_high], [y, y], lw=8, color=colours[row.model], alpha=0.35,
                solid_capstyle="round")  # fmt: skip
        ax.plot(pos + 1, y, "o", color=colours[row.model])
        rate = getattr(row, f"{primary}_rate")
        ax.text(n + 0.6, y, f"rank {row.rank}   {rate:.1%}", va="center", fontsize=9)
    ax.set_yticks(range(n), list(ranking["model"])[::-1])
    ax.set_xticks(range(1, n + 1))
    ax.set_xlim(0.5, n + 2.8)
    ax.set_xlabel(f"rank on {primary.replace('_', ' ')} (dot: point estimate; bar: ranks the data allow)")
    ax.grid(axis="x", alpha=0.3)
    return to_png(fig)


def heatmap(matrix: pd.DataFrame, title: str, *, fmt: str = "{:.0%}", cmap: str = "viridis",
            centre: float | None = None, xlabel: str = "", ylabel: str = "") -> bytes:  # fmt: skip
    """An annotated heatmap (rows × columns of `matrix`), its colour scale spanning the data (symmetric
    about `centre` when one is given, for diverging maps such as win probabilities around ½)."""
    values = matrix.to_numpy(dtype=float)
    low, high = np.nanmin(values), np.nanmax(values)
    if centre is not None:
        spread = max(high - centre, centre - low, 1e-6)
        low, high = centre - spread, centre + spread
    rows, cols = matrix.shape
    fig, ax = plt.subplots(figsize=(max(5.0, 0.95 * cols + 2.5), 0.5 * rows + 1.6))
    image = ax.imshow(values, cmap=cmap, vmin=low, vmax=high if high > low else low + 1e-6, aspect="auto")
    for (r, c), value in np.ndenumerate(values):
        if not np.isnan(value):
            red, green, blue, _ = image.cmap(image.norm(value))
            luminance = 0.299 * red + 0.587 * green + 0.114 * blue  # pick the readable text colour
            ax.text(c, r, fmt.format(value), ha="center", va="center", fontsize=8,
                    color="black" if luminance > 0.5 else "white")  # fmt: skip
    ax.set_xticks(range(cols), [str(c) for c in matrix.columns], rotation=30, ha="right")
    ax.set_yticks(range(rows), [str(r) for r in matrix.index])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    fig.colorbar(image, ax=ax, fraction=0.04)
    return to_png(fig)


def metric_panels(
    by_model: pd.DataFrame, by_category: pd.DataFrame, higher_is_better: dict[str, bool]
) -> bytes:
    """One panel per metric: its mean over all prompts (top row) and per prompt category, with the
    bootstrap 95% interval as a whisker, a colour per model. Metrics have their own scales, so each
    panel has its own x axis."""
    metrics = sorted(by_model["metric"].unique())
    models = sorted(by_model["model"].unique())
    colours = model_colours(models)
    categories = sorted(by_category["category"].unique()) if not by_category.empty else []
    rows_per_panel = ["all prompts", *categories]
    ncols = min(3, len(metrics))
    nrows = -(-len(metrics) // ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(4.3 * ncols, (0.28 * len(rows_per_panel) + 1.1) * nrows), squeeze=False
    )
    offsets = (np.arange(len(models)) - (len(models) - 1) / 2) * (0.6 / max(1, len(models)))
    for ax, metric in zip(axes.flat, metrics, strict=False):
        for k, model in enumerate(models):
            overall = by_model[(by_model["metric"] == metric) & (by_model["model"] == model)]
            part = by_category[(by_category["metric"] == metric) & (by_category["model"] == model)]
            table = pd.concat([overall.assign(category="all prompts"), part]).set_index("category")
            table = table.reindex(rows_per_panel)
            y = np.arange(len(rows_per_panel))[::-1] - offsets[k]  # first model on top, as in the legend
            err = np.vstack([table["mean"] - table["ci95_low"], table["ci95_high"] - table["mean"]])
            ax.errorbar(table["mean"], y, xerr=np.nan_to_num(err), fmt="o", ms=4, capsize=2, lw=1,
                        color=colours[model], label=model)  # fmt: skip
        ax.set_yticks(np.arange(len(rows_per_panel))[::-1], rows_per_panel, fontsize=8)
        ax.axhline(len(rows_per_panel) - 1.5, color="#bbb", lw=0.8)  # all prompts | categories
        arrow = "↑" if higher_is_better.get(metric, True) else "↓"
        ax.set_title(f"{metric} ({arrow} better)", fontsize=9)
        ax.tick_params(axis="x", labelsize=8)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5))  # long labels of small values otherwise overlap
        ax.grid(axis="x", alpha=0.3)
    for ax in axes.flat[len(metrics) :]:
        ax.set_visible(False)
    if len(models) > 1:
        axes.flat[0].legend(fontsize=7, loc="best")
    fig.tight_layout()
    return to_png(fig)
