"""Stage 3b: set-level metrics of every system against the reference set (`distribution` config group).

The reference set is a folder of real videos (files or folders of frame images, found recursively), or
the videos folder of another run. Each system's set is its videos of this run (failed or missing
videos are left out and counted). The table goes to `distribution.csv` beside the scores; the report
and the comparison show it.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from evalsuite.config.schema import EvalConfig, ReferenceSetConfig
from evalsuite.data.atomic import write_csv_atomic
from evalsuite.data.manifest import STATUS_OK, Manifest
from evalsuite.data.video import CONTAINER_SUFFIXES, IMAGE_SUFFIXES
from evalsuite.distribution import SET_METRICS
from evalsuite.distribution import check_names as check_set_names
from evalsuite.distribution.score import SetOptions, SetScores, score_sets
from evalsuite.errors import ConfigError
from evalsuite.metrics.engine import MetricEngine, VideoJob
from evalsuite.pipeline.ingest import video_sha256

log = logging.getLogger(__name__)

DISTRIBUTION_NAME = "distribution.csv"


def reference_videos(folder: Path) -> list[Path]:
    """Video files and folders of frame images under `folder`, in sorted path order."""
    found = []
    for path in sorted(folder.rglob("*")):
        if any(part.startswith(".") for part in path.relative_to(folder).parts):
            continue
        if (path.is_file() and path.suffix.lower() in CONTAINER_SUFFIXES) or (
            path.is_dir() and any(p.suffix.lower() in IMAGE_SUFFIXES for p in path.iterdir())
        ):
            found.append(path)
    return found


def reference_jobs(reference: ReferenceSetConfig) -> tuple[str, list[VideoJob]]:
    """The reference set's name and one engine job per video."""
    folder = Path(reference.dir).expanduser()
    if not folder.is_dir():
        raise ConfigError(f"distribution.reference.dir={folder}: not a folder; give a folder of real videos")
    paths = reference_videos(folder)[: reference.limit]
    if len(paths) < 2:
        raise ConfigError(
            f"distribution.reference.dir={folder}: holds {len(paths)} video(s) ({', '.join(CONTAINER_SUFFIXES)} "
            "or folders of frames); a reference set needs at least 2"
        )
    jobs = [VideoJob(str(p), video_sha256(p), None, reference.frames_fps) for p in paths]
    return reference.name or folder.name, jobs


def system_jobs(cfg: EvalConfig, manifest: Manifest, rows: pd.DataFrame) -> dict[str, list[VideoJob]]:
    fps = {m.name: getattr(m, "frames_fps", 24.0) for m in cfg.systems}
    ok = rows[rows["status"] == STATUS_OK]
    return {
        m.name: [
            VideoJob(str(manifest.resolve(r["video_path"])), r["sha256"], None, fps[m.name])
            for r in ok[ok["model"] == m.name].to_dict("records")
        ]
        for m in cfg.systems
    }


def run_distribution(
    cfg: EvalConfig,
    manifest: Manifest,
    rows: pd.DataFrame,
    out_dir: Path,
    reference: tuple[str, list[VideoJob]] | None = None,
) -> SetScores:
    """Score every system of `rows` against the reference set (`reference_jobs`, listed now when not
    given); write distribution.csv into `out_dir`."""
    from evalsuite.metrics.cache import FeatureCache
    from evalsuite.pipeline.scoring import network_pool

    options = cfg.distribution
    name, reference = reference or reference_jobs(options.reference)
    pool = network_pool(cfg)
    cache = FeatureCache(cfg.runtime.cache_dir if cfg.metrics.cache else None)
    try:
        engine = MetricEngine(
            [],
            pool,
            cache,
            frame_batch=cfg.metrics.frame_batch,
            videos_per_batch=cfg.metrics.videos_per_batch,
        )
        scores = score_sets(
            engine,
            system_jobs(cfg, manifest, rows),
            reference,
            name,
            [SET_METRICS[n] for n in options.names],
            SetOptions(
                options.replicates,
                options.kid_subsets,
                options.kid_subset_size,
                options.seed,
                cfg.runtime.progress,
            ),
        )
    finally:
        cache.close()
    scores.random_networks = list(pool.random)
    scores.networks = dict(sorted(pool.used.items()))
    write_csv_atomic(out_dir / DISTRIBUTION_NAME, scores.table)
    log.info("set metrics against %s (%d videos): %s", name, len(reference), out_dir / DISTRIBUTION_NAME)
    return scores


def read_run_distributions(folders: list[Path]) -> tuple[pd.DataFrame | None, list[str]]:
    """The set metrics of finished runs, for `hyvideo-eval compare`: their distribution.csv tables in run
    order when every run has one against the same reference set; else None and a note saying why."""
    tables = {folder: folder / DISTRIBUTION_NAME for folder in folders}
    present = {folder: path for folder, path in tables.items() if path.is_file()}
    if not present:
        return None, []
    if len(present) < len(tables):
        missing = ", ".join(str(f) for f in tables if f not in present)
        return None, [f"Distribution metrics left out: {missing} has no {DISTRIBUTION_NAME}."]
    frames = [pd.read_csv(path) for path in present.values()]
    references = {digest for frame in frames for digest in frame["reference_sha256"].dropna().unique()}
    if len(references) > 1:
        return None, [
            "Distribution metrics left out: the runs scored against different reference sets "
            f"({', '.join(sorted(set(pd.concat(frames)['reference'])))})."
        ]
    return pd.concat(frames, ignore_index=True), []


__all__ = [
    "DISTRIBUTION_NAME",
    "check_set_names",
    "read_run_distributions",
    "reference_jobs",
    "run_distribution",
]
