"""Stage 3: score every video of the manifest with every configured metric.

The work is done by `evalsuite.metrics.engine.MetricEngine` (decode once, network features once per
view, batched across videos, everything cached by content). This stage turns manifest rows into engine
jobs and the results into a tidy table, one row per (video, metric), saved atomically as Parquet and
CSV every few videos, so an interrupted run loses at most that much work and the rerun takes the rest
from the cache. A `runner` (e.g. evalsuite/scale/ray_runner.py) may compute the engine's work elsewhere
and return videos in any order; the table is always in manifest order. A video that fails to decode, or a metric that fails or returns a non-finite value,
becomes a `failed` row with the reason. A metric whose network weights are missing produces no rows:
it is listed as unavailable (with the command that fixes it) in `ScoreRun.unavailable` and the report.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pandas as pd
from tqdm import tqdm

from evalsuite.data.atomic import atomic_path, write_csv_atomic
from evalsuite.data.manifest import STATUS_FAILED, STATUS_OK, Manifest
from evalsuite.metrics import METRICS, Metric
from evalsuite.metrics.cache import FeatureCache
from evalsuite.metrics.engine import MetricEngine, MetricResult, VideoJob
from evalsuite.metrics.features import NetworkPool

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
PARTS_COLUMNS = ["model", "prompt_id", "metric", "part", "count", "of"]


@dataclass
class ScoreRun:
    table: pd.DataFrame
    unavailable: dict[str, str] = field(default_factory=dict)  # metric -> why, with the fix
    random_networks: list[str] = field(default_factory=list)  # networks that ran with random weights
    networks: dict[str, str] = field(default_factory=dict)  # network -> sha256 of the file it ran with
    # per (video, metric) with Metric.parts: what its value counted, by part (PARTS_COLUMNS)
    parts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PARTS_COLUMNS))


class Runner(Protocol):
    """Computes an engine's work somewhere else: yields (job index, results in the engine's metric
    order) once for every job, in any order."""

    def run(self, engine: MetricEngine, jobs: list[VideoJob]) -> Iterator[tuple[int, list[MetricResult]]]: ...


def build_metrics(names: list[str]) -> list[Metric]:
    return [METRICS[name]() for name in names]


def save_scores(table: pd.DataFrame, parquet_path: Path) -> None:
    with atomic_path(parquet_path) as tmp:
        table.to_parquet(tmp, index=False)
    write_csv_atomic(parquet_path.with_suffix(".csv"), table)


def score_videos(
    manifest: Manifest,
    metrics: list[Metric],
    scores_path: Path,
    *,
    pool: NetworkPool,
    cache: FeatureCache,
    frames_fps: dict[str, float] | None = None,
    frame_batch: int = 32,
    videos_per_batch: int = 4,
    workers: int = 0,
    progress: bool = True,
    runner: Runner | None = None,
    job_filter=None,
    one_network_at_a_time: bool = False,
) -> ScoreRun:
    """Score every row of `manifest` and save the table at `scores_path`. `frames_fps`: per model
    (system) name, the frame rate given to its folders of frame images (the engine's 24 otherwise).
    `job_filter(jobs) -> positions` scores only those videos (an eval shard's part of the run)."""
    fps_of = frames_fps or {}
    engine = MetricEngine(
        metrics,
        pool,
        cache,
        frame_batch=frame_batch,
        videos_per_batch=videos_per_batch,
        workers=workers,
        # A driver that hands the work to a runner keeps no network loaded after checking the files.
        one_network_at_a_time=one_network_at_a_time or runner is not None,
    )
    rows = manifest.table.to_dict("records")
    ok_rows = [r for r in rows if r["status"] == STATUS_OK]
    # Text alignment is judged against the prompt the user wrote, not a rewrite of it.
    jobs = [
        VideoJob(str(manifest.resolve(r["video_path"])), r["sha256"], r.get("prompt"), fps_of.get(r["model"]))
        for r in ok_rows
    ]
    if job_filter is not None:
        keep = job_filter(jobs)
        ok_rows, jobs = [ok_rows[i] for i in keep], [jobs[i] for i in keep]
    out: list[dict] = []
    for row in rows:  # videos that were never made: one failed row per metric, with the reason
        if row["status"] != STATUS_OK and job_filter is None:
            for metric in engine.metrics:
                out.append(
                    _row(
                        row,
                        metric.name,
                        metric.version,
                        None,
                        row["status"],
                        row.get("error") or "no video",
                        None,
                    )
                )
    finished: dict[int, list[dict]] = {}
    parts: list[dict] = []

    def table_so_far() -> pd.DataFrame:
        done = [row for i in sorted(finished) for row in finished[i]]
        return pd.DataFrame(out + done, columns=SCORE_COLUMNS)

    results = runner.run(engine, jobs) if runner is not None else enumerate(engine.run(jobs))
    bar = tqdm(total=len(jobs), desc="score", unit="video", disable=not progress)
    for index, video_results in results:
        row = ok_rows[index]
        finished[index] = [
            _row(
                row,
                r.metric,
                r.version,
                r.value if r.ok else None,
                STATUS_OK if r.ok else STATUS_FAILED,
                r.error,
                r.seconds,
            )
            for r in video_results
        ]
        parts += [
            {
                "model": row["model"],
                "prompt_id": row["prompt_id"],
                "metric": r.metric,
                "part": part,
                "count": c,
                "of": n,
            }
            for r in video_results
            if r.ok and r.parts
            for part, (c, n) in sorted(r.parts.items())
        ]
        bar.update()
        if len(finished) % CHECKPOINT_EVERY == 0:
            save_scores(table_so_far(), scores_path)
    bar.close()
    if len(finished) != len(jobs):
        raise RuntimeError(f"scoring returned {len(finished)} of {len(jobs)} videos")
    table = table_so_far()
    table = table.astype({"value": float})
    save_scores(table, scores_path)
    log.info(
        "feature cache %s: %d hit(s), %d computed%s",
        cache.path,
        cache.hits,
        cache.misses,
        f", {cache.recovered} damaged entr(y/ies) recomputed" if cache.recovered else "",
    )
    parts_table = pd.DataFrame(parts, columns=PARTS_COLUMNS).sort_values(PARTS_COLUMNS[:4], ignore_index=True)
    parts_path = scores_path.with_name(
        f"{scores_path.stem}_parts.csv"
    )  # scores_parts.csv; a shard's beside its own
    if len(parts_table):  # the breakdown the report shows (judge questions by type)
        write_csv_atomic(parts_path, parts_table)
    else:
        parts_path.unlink(missing_ok=True)  # none of a previous run's parts survive
    return ScoreRun(
        table, dict(engine.unavailable), list(pool.random), dict(sorted(pool.used.items())), parts_table
    )


def _row(row: dict, metric: str, version: str, value, status: str, error, seconds) -> dict:
    return {
        **{k: row.get(k) for k in ("run_id", "model", "prompt_id", "category", "sha256")},
        "metric": metric,
        "metric_version": version,
        "value": value,
        "status": status,
        "error": error,
        "seconds": seconds,
    }
