"""Figures of a comparison of systems, each returned as PNG bytes (see evalsuite/report/figures.py for
the shared style): a panel per metric of each system's mean and interval, a grid of rank ranges and a
grid of paired win rates. One colour per system in every figure, systems in the order given."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalsuite.report.figures import model_colours, plt, to_png

PANEL_COLUMNS = 3


def _grid(n_panels: int, width: float, height: float):
    ncols = min(PANEL_COLUMNS, n_panels)
    nrows = -(-n_panels // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), squeeze=False)
    for ax in axes.flat[n_panels:]:
        ax.set_visible(False)
    return fig, axes


def mean_panels(
    means: pd.DataFrame,
    published: pd.DataFrame | None,
    systems: list[str],
    metrics: list[str],
    headers: dict[str, str],
) -> bytes:
    """One panel per metric: each system's mean (dot) with its 95% interval (whisker); published
    numbers as hollow diamonds below the measured systems."""
    colours = model_colours(systems)
    extra = [] if published is None else list(dict.fromkeys(published["system"]))
    labels = systems + [f"{s} (published)" for s in extra]
    fig, axes = _grid(len(metrics), 4.6, 0.34 * len(labels) + 1.0)
    y = np.arange(len(labels))[::-1]
    for ax, metric in zip(axes.flat, metrics, strict=False):
        part = means[means["metric"] == metric].set_index("system").reindex(systems)
        for k, system in enumerate(systems):
            row = part.loc[system]
            err = [[row["mean"] - row["ci95_low"]], [row["ci95_high"] - row["mean"]]]
            ax.errorbar(row["mean"], y[k], xerr=np.nan_to_num(err), fmt="o", ms=5, capsize=3, lw=1.2,
                        color=colours[system])  # fmt: skip
        if extra:
            values = published[published["metric"] == metric].set_index("system")["value"]
            for k, system in enumerate(extra, start=len(systems)):
                if system in values.index:
                    ax.plot(values[system], y[k], "D", mfc="none", mec="black", ms=5)
        ax.set_yticks(y, labels, fontsize=8)
        ax.set_ylim(-0.6, len(labels) - 0.4)
        ax.set_title(headers[metric], fontsize=9)
        ax.tick_params(axis="x", labelsize=7)
        ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return to_png(fig)


def rank_grid(ranks: pd.DataFrame, systems: list[str], metrics: list[str], headers: dict[str, str]) -> bytes:
    """Systems × metrics: the rank range in each cell, shaded by its midpoint (dark = best)."""
    table = ranks.assign(mid=(ranks["rank_low"] + ranks["rank_high"]) / 2)
    mid = table.pivot(index="system", columns="metric", values="mid").reindex(index=systems, columns=metrics)
    text = table.pivot(index="system", columns="metric", values="rank").reindex(
        index=systems, columns=metrics
    )
    n = len(systems)
    fig, ax = plt.subplots(figsize=(max(6.0, 0.62 * len(metrics) + 2.6), 0.42 * n + 2.4))
    image = ax.imshow(mid.to_numpy(dtype=float), cmap="Blues_r", vmin=1, vmax=n + 0.8, aspect="auto")
    for (r, c), label in np.ndenumerate(text.to_numpy(dtype=object)):
        if isinstance(label, str):
            value = mid.iat[r, c]
            colour = "white" if value < 1 + 0.45 * n else "black"
            ax.text(c, r, label, ha="center", va="center", fontsize=8, color=colour)
    ax.set_xticks(range(len(metrics)), [headers[m] for m in metrics], rotation=40, ha="right", fontsize=8)
    ax.set_yticks(range(n), systems, fontsize=8)
    ax.set_title("Rank range per metric (1 = best; a range = systems the data cannot separate)", fontsize=9)
    fig.colorbar(image, ax=ax, fraction=0.03, label="midpoint of the rank range")
    return to_png(fig)


def win_rate_grid(
    pairs: pd.DataFrame, systems: list[str], metrics: list[str], headers: dict[str, str]
) -> bytes:
    """Per metric, systems × systems: the share of prompts on which the row system beats the column
    system (ties count half), * where the paired test separates them (Holm)."""
    n = len(systems)
    fig, axes = _grid(len(metrics), 0.42 * n + 2.2, 0.36 * n + 1.3)
    image = None
    for ax, metric in zip(axes.flat, metrics, strict=False):
        matrix = np.full((n, n), np.nan)
        marks = np.zeros((n, n), dtype=bool)
        for row in pairs[pairs["metric"] == metric].itertuples(index=False):
            i, j = systems.index(row.system_a), systems.index(row.system_b)
            matrix[i, j], matrix[j, i] = row.a_win_rate, 1 - row.a_win_rate
            marks[i, j] = marks[j, i] = bool(row.significant)
        image = ax.imshow(matrix, cmap="RdBu", vmin=0, vmax=1)
        for (r, c), value in np.ndenumerate(matrix):
            if not np.isnan(value):
                colour = "white" if abs(value - 0.5) > 0.3 else "black"
                label = f"{value * 100:.0f}{'*' if marks[r, c] else ''}"
                ax.text(c, r, label, ha="center", va="center", fontsize=6.5, color=colour)
        ax.set_xticks(range(n), range(1, n + 1), fontsize=7)
        ax.set_yticks(range(n), [f"{k + 1} {s}"[:22] for k, s in enumerate(systems)], fontsize=7)
        ax.set_title(headers[metric], fontsize=8)
    fig.tight_layout()
    if image is not None:
        fig.colorbar(image, ax=axes.ravel().tolist(), fraction=0.02, pad=0.01)
    return to_png(fig)


def correlation_heatmap(correlations: pd.DataFrame, metrics: list[str], criteria: list[str]) -> bytes:
    """Metrics × criteria: Kendall's τ-b between system means and human pass rates."""
    matrix = correlations.pivot(index="metric", columns="criterion", values="kendall").reindex(
        index=metrics, columns=criteria
    )
    fig, ax = plt.subplots(figsize=(1.1 * len(criteria) + 3.6, 0.34 * len(metrics) + 1.5))
    image = ax.imshow(matrix.to_numpy(dtype=float), cmap="RdBu", vmin=-1, vmax=1, aspect="auto")
    for (r, c), value in np.ndenumerate(matrix.to_numpy(dtype=float)):
        if not np.isnan(value):
            ax.text(c, r, f"{value:+.2f}", ha="center", va="center", fontsize=8,
                    color="white" if abs(value) > 0.6 else "black")  # fmt: skip
    ax.set_xticks(
        range(len(criteria)), [c.replace("_", " ") for c in criteria], rotation=20, ha="right", fontsize=8
    )
    ax.set_yticks(range(len(metrics)), metrics, fontsize=8)
    ax.set_title("Kendall τ-b: system means vs human pass rates", fontsize=9)
    fig.colorbar(image, ax=ax, fraction=0.04)
    return to_png(fig)
