"""The human stage: ratings files named by `human.*` -> campaign analysis -> report folder.

Run alone (`hyvideo-eval human human=ratings human.ratings=...`) or as the last stage of the eval job,
which then adds the run's own automatic scores and prompt categories to the analysis.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from evalsuite.breakdown import rate_breakdown
from evalsuite.config.schema import HumanConfig
from evalsuite.human.analysis import CampaignAnalysis, analyse_campaign
from evalsuite.pipeline.inputs import HumanInputs, read_human
from evalsuite.report.human import write_human_report

log = logging.getLogger(__name__)


def run_human(
    cfg: HumanConfig,
    *,
    scores: pd.DataFrame | None = None,
    categories: pd.Series | None = None,
    title: str | None = None,
    run_warnings: list[str] | None = None,
    prompt_axes: tuple[pd.DataFrame, tuple[str, ...]] | None = None,
    inputs: HumanInputs | None = None,
) -> tuple[CampaignAnalysis, dict[str, Path]]:
    """Aggregate the configured campaign and write its report folder; returns the analysis and files.
    `run_warnings` (e.g. "the videos come from random weights") head the report's warnings;
    `prompt_axes` (the prompt table and its axis columns) adds pass rates per axis value; `inputs`: the
    files `cfg` names, when the caller read and checked them before its own work (`read_human`)."""
    inputs = inputs or read_human(cfg)
    ratings, pairwise, published = inputs.ratings, inputs.pairwise, inputs.published
    tables = [t for t in [scores, *inputs.scores] if t is not None]
    log.info(
        "human ratings %s: %d judgements, %d models", cfg.ratings, len(ratings.table), len(ratings.models)
    )
    analysis = analyse_campaign(
        ratings, pairwise=pairwise, published=published,
        scores=pd.concat(tables, ignore_index=True) if tables else None, categories=categories,
        primary=cfg.primary, test=cfg.test, alpha=cfg.alpha, n_resamples=cfg.n_resamples,
        baseline=cfg.elo_baseline, seed=cfg.seed,
    )  # fmt: skip
    analysis.warnings[:0] = run_warnings or []
    if prompt_axes is not None and prompt_axes[1]:
        analysis.axis_rates = rate_breakdown(analysis.absolute.videos, prompt_axes[0], tuple(prompt_axes[1]))
    files = write_human_report(analysis, Path(cfg.output_dir).expanduser(), title=title or "Human evaluation")
    return analysis, files
