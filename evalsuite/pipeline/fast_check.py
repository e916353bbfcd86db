"""The fast profile measured on the run itself (`metrics.fast_check`).

A fast run (`metrics.profile=fast`, evalsuite/metrics/fast.py) also scores a sample of its own videos in
the exact profile: `metrics.fast_check` prompts spread evenly over the prompt set, every system's video
of each. The exact values are cached like any exact run's, so videos an exact run already scored cost
nothing. The report then says, per metric, on those videos:

- the largest |fast − exact|, and the same over the spread (standard deviation) of the exact values;
- Spearman's ρ between the fast and the exact per-video values;
- whether the systems' order by mean over the sample is the same (with two or more systems);
- whether that is within the fast profile's targets (|fast − exact| ≤ 2e-3, ρ ≥ 0.99, same order).

The sample is small next to a campaign, so the table bounds what the fast profile did to these
videos, on this machine and these weights; it is not a guarantee for the rest.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from evalsuite.config.schema import EvalConfig
from evalsuite.data.atomic import write_csv_atomic
from evalsuite.data.manifest import STATUS_OK, Manifest
from evalsuite.metrics import METRICS
from evalsuite.metrics.fast import FAST_TWINS, MAX_ABS_DIFF, MIN_SPEARMAN
from evalsuite.pipeline.scoring import run_scoring

FOLDER = "fast_check"


def sample_rows(rows: pd.DataFrame, prompts: int) -> pd.DataFrame:
    """Every system's rows for `prompts` prompts spread evenly over the run's prompts (in run order)."""
    ids = rows["prompt_id"].unique()
    if len(ids) > prompts:
        ids = ids[np.unique(np.linspace(0, len(ids) - 1, prompts).round().astype(int))]
    return rows[rows["prompt_id"].isin(ids)]


def fast_against_exact(fast: pd.DataFrame, exact: pd.DataFrame) -> pd.DataFrame:
    """Per exact metric of `exact` and its fast counterpart in `fast` (score tables: model, prompt_id,
    metric, value, status), over the videos both scored: the measures listed in the module docstring."""
    rows = []
    for name in exact["metric"].unique():
        fast_name = FAST_TWINS.get(name, name)
        joined = _values(exact, name).merge(
            _values(fast, fast_name), on=["model", "prompt_id"], suffixes=("_exact", "_fast")
        )
        if joined.empty:
            continue
        a, b = joined["value_exact"].to_numpy(), joined["value_fast"].to_numpy()
        diff = float(np.max(np.abs(b - a)))
        spread = float(np.std(a))
        constant = np.ptp(a) == 0 or np.ptp(b) == 0  # ρ is undefined; equal values say it all
        rho = float(spearmanr(a, b).statistic) if not constant else (1.0 if np.array_equal(a, b) else np.nan)
        means = joined.groupby("model", sort=False)[["value_exact", "value_fast"]].mean()
        ascending = not METRICS[name].higher_is_better
        same_order = None
        if len(means) > 1:
            ranks = means.rank(method="min", ascending=ascending)
            same_order = bool((ranks["value_exact"] == ranks["value_fast"]).all())
        rows.append(
            {
                "metric": name,
                "fast_metric": fast_name,
                "videos": len(joined),
                "systems": len(means),
                "max_abs_diff": diff,
                "relative_to_spread": diff / spread if spread > 0 else np.nan,
                "spearman": rho,
                "order_unchanged": same_order,
                "within_targets": diff <= MAX_ABS_DIFF and rho >= MIN_SPEARMAN and same_order is not False,
            }
        )
    return pd.DataFrame(rows)


def _values(scores: pd.DataFrame, metric: str) -> pd.DataFrame:
    ok = scores[(scores["metric"] == metric) & (scores["status"] == STATUS_OK)]
    return ok[["model", "prompt_id", "value"]]


def run_fast_check(
    cfg: EvalConfig, manifest: Manifest, fast_scores: pd.DataFrame, output_dir: Path
) -> pd.DataFrame:
    """Score a sample of the run's `manifest` rows in the exact profile (into
    <output_dir>/fast_check/exact_scores.parquet) and return, and write as fast_check.csv, the table
    against the fast scores."""

    sample = sample_rows(manifest.table, cfg.metrics.fast_check).reset_index(drop=True)
    # the run's manifest path, so the rows' video paths resolve as they do for the run (never saved)
    sample_manifest = Manifest(manifest.path, sample)
    exact_cfg = replace(cfg, metrics=replace(cfg.metrics, profile="exact"))
    (output_dir / FOLDER).mkdir(parents=True, exist_ok=True)
    exact = run_scoring(exact_cfg, sample_manifest, output_dir / FOLDER / "exact_scores.parquet")
    table = fast_against_exact(fast_scores, exact.table)
    write_csv_atomic(output_dir / "fast_check.csv", table)
    return table
