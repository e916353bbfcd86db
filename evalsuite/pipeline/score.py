"""Stage 3: score every video of the manifest with every configured metric.

Each video is decoded once; each metric gets the frames of its declared view. The result is a tidy
table, one row per (video, metric), saved atomically as Parquet and CSV every few videos, so an
interrupted run loses at most that much work. On a rerun, rows whose (video sha256, metric, metric
version) already scored `ok` are reused instead of recomputed. A video that fails to decode, or a
metric that fails or returns a non-finite value, becomes a `failed` row with the reason.
"""

from __future__ import annotations

import logging
import math
import time
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from evalsuite.data.atomic import atomic_path
from evalsuite.data.manifest import STATUS_FAILED, STATUS_OK, Manifest
from evalsuite.data.video import read_video
from evalsuite.data.views import apply_view
from evalsuite.errors import SuiteError
from evalsuite.metrics import METRICS, Metric

log = logging.getLogger(__name__)

SCORE_COLUMNS = [
    "run_id",
    "model",
    "prompt_id",
    "category",
    "sha256",
    "metric",
    "metric_version",
    "value",
    "status",
    "error",
    "seconds",
]
CHECKPOINT_EVERY = 25


def build_metrics(names: list[str]) -> list[Metric]:
    return [METRICS[name]() for name in names]


def save_scores(table: pd.DataFrame, parquet_path: Path) -> None:
    with atomic_path(parquet_path) as tmp:
        table.to_parquet(tmp, index=False)
    with atomic_path(parquet_path.with_suffix(".csv")) as tmp:
        table.to_csv(tmp, index=False)


def _previous_scores(path: Path) -> dict[tuple[str, str, str], dict]:
    if not path.is_file():
        return {}
    try:
        old = pd.read_parquet(path)
    except Exception as err:  # a damaged file only costs a recomputation
        log.warning("%s: unreadable (%s); recomputing all scores", path, type(err).__name__)
        return {}
    ok = old[old["status"] == STATUS_OK]
    return {(r["sha256"], r["metric"], str(r["metric_version"])): r for r in ok.to_dict("records")}


def score_videos(
    manifest: Manifest,
    metrics: list[Metric],
    scores_path: Path,
    *,
    frames_fps: float = 24.0,
    progress: bool = True,
) -> pd.DataFrame:
    """Score every row of `manifest` and save the table at `scores_path`."""
    rows_in = manifest.table
    previous = _previous_scores(scores_path)
    out: list[dict] = []
    reused = 0
    bar = tqdm(rows_in.to_dict("records"), desc="score", unit="video", disable=not progress)
    for index, row in enumerate(bar):
        base = {k: row.get(k) for k in ("run_id", "model", "prompt_id", "category", "sha256")}
        todo = []
        for metric in metrics:
            cached = previous.get((row.get("sha256"), metric.name, metric.version))
            if row["status"] == STATUS_OK and cached is not None:
                out.append(
                    {
                        **base,
                        **{
                            k: cached[k]
                            for k in ("metric", "metric_version", "value", "status", "error", "seconds")
                        },
                    }
                )
                reused += 1
            else:
                todo.append(metric)
        if todo:
            out.extend(_score_one(row, base, todo, manifest, frames_fps))
        if (index + 1) % CHECKPOINT_EVERY == 0:
            save_scores(pd.DataFrame(out, columns=SCORE_COLUMNS), scores_path)
    table = pd.DataFrame(out, columns=SCORE_COLUMNS)
    save_scores(table, scores_path)
    if reused:
        log.info("reused %d score(s) from %s (same video hash and metric version)", reused, scores_path)
    return table


def _score_one(
    row: dict, base: dict, metrics: list[Metric], manifest: Manifest, frames_fps: float
) -> list[dict]:
    def failed(metric: Metric, error: str, status: str = STATUS_FAILED) -> dict:
        return {
            **base,
            "metric": metric.name,
            "metric_version": metric.version,
            "value": math.nan,
            "status": status,
            "error": error,
            "seconds": None,
        }

    if row["status"] != STATUS_OK:
        return [failed(m, row.get("error") or "no video", row["status"]) for m in metrics]
    try:
        video = read_video(manifest.resolve(row["video_path"]), frames_fps=frames_fps)
    except SuiteError as err:
        return [failed(m, str(err)) for m in metrics]
    results = []
    for metric in metrics:
        start = time.perf_counter()
        try:
            value = float(metric.score(apply_view(video, metric.view)))
        except (ValueError, SuiteError) as err:
            results.append(failed(metric, f"{metric.name}: {err}"))
            continue
        if not math.isfinite(value):
            results.append(failed(metric, f"{metric.name} returned {value}"))
            continue
        results.append(
            {
                **base,
                "metric": metric.name,
                "metric_version": metric.version,
                "value": value,
                "status": STATUS_OK,
                "error": None,
                "seconds": time.perf_counter() - start,
            }
        )
    return results
