"""Eval shards: a run's scoring split over processes that share nothing but a file system (Slurm array
tasks, or any `hyvideo-eval score-shard runtime.eval_shard=i/n` started by hand).

Shard i of n scores the engine's chunks i, i+n, i+2n, ... of the run's videos (whole chunks, so each
network batch is the one the single process runs, and the values are bit for bit the same). It writes
`scores.shard-i-of-n.parquet` (its part of the table) and its own cache file under
`cache-parts/shard-i-of-n/` in the run folder: SQLite must not be shared between nodes over a network
file system, so no two shards write one file. The unsharded run of the same folder imports every
cache part into the run's cache, finds every value there, and writes the tables and the report the
single process would have written. A shard that is rerun resumes from its own cache part.
"""

from __future__ import annotations

import logging

from evalsuite.config.schema import EvalConfig, parse_shard
from evalsuite.data.manifest import Manifest
from evalsuite.errors import ConfigError
from evalsuite.pipeline.generate import shard_manifest_path
from evalsuite.pipeline.scoring import CACHE_PARTS, current_rows, run_paths, run_scoring

log = logging.getLogger(__name__)


def shard_positions(n_jobs: int, videos_per_batch: int, index: int, count: int) -> list[int]:
    """Positions of the jobs in chunks index, index+count, ... of `videos_per_batch` jobs each."""
    starts = range(index * videos_per_batch, n_jobs, count * videos_per_batch)
    return [i for start in starts for i in range(start, min(start + videos_per_batch, n_jobs))]


def shard_name(index: int, count: int) -> str:
    return f"shard-{index}-of-{count}"


def require_cache(cfg: EvalConfig) -> None:
    if not cfg.metrics.cache:
        raise ConfigError("eval shards hand their values over through cache parts: set metrics.cache=true")


def run_eval_shard(cfg: EvalConfig):
    """Score this process's part of a run whose videos are all made (`hyvideo-eval score-shard`)."""
    from evalsuite.metrics import check_names
    from evalsuite.pipeline.prompts import load_prompts

    if cfg.runtime.eval_shard is None:
        raise ConfigError("score-shard needs runtime.eval_shard=i/n")
    require_cache(cfg)
    check_names(cfg.metrics.names)
    index, count = parse_shard(cfg.runtime.eval_shard, "runtime.eval_shard")
    paths = run_paths(cfg)
    if not paths.manifest.is_file():
        raise ConfigError(
            f"{paths.manifest} does not exist: make the videos first (`hyvideo-generate` or "
            "`hyvideo-eval slurm`), then score the shards"
        )
    prompt_set = load_prompts(cfg.prompts)
    current = current_rows(cfg, Manifest.load(paths.manifest), prompt_set).reset_index(drop=True)
    name = shard_name(index, count)
    size = cfg.metrics.videos_per_batch
    log.info("eval %s: chunks %d, %d+%d, ... of %d videos", name, index, index, count, len(current))
    return run_scoring(
        cfg,
        Manifest(paths.manifest, current),
        shard_manifest_path(paths.scores, index, count),  # the manifest shards' naming
        cache_dir=str(paths.output_dir / CACHE_PARTS / name),
        job_filter=lambda jobs: shard_positions(len(jobs), size, index, count),
    )
