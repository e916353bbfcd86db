"""The scoring stage with a run's settings, and what the stages around it share: where a run's files
are, which manifest rows it scores, its network pool and metric profile, and the backends that may
run its scoring elsewhere.

Backends are handed down from above: a layer over the pipeline (evalsuite/scale/backends.py: Ray)
registers a factory under the `runtime.backend` name it serves, and the pipeline never imports it. A
run that names a backend nobody registered stops with one line saying what to import.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from evalsuite.config.schema import EvalConfig
from evalsuite.data.atomic import write_text_atomic
from evalsuite.data.manifest import Manifest
from evalsuite.data.prompt_sets import PromptSet
from evalsuite.errors import ConfigError
from evalsuite.metrics.cache import CACHE_NAME, FeatureCache
from evalsuite.pipeline.generate import resolve_device
from evalsuite.pipeline.score import Runner, ScoreRun, build_metrics, score_videos

log = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.parquet"
SCORES_NAME = "scores.parquet"
CACHE_PARTS = "cache-parts"  # eval shards' caches inside a run folder (evalsuite/scale/shards.py)

#: Scoring backends other than "local", by `runtime.backend` name: each builds a Runner for a run.
BACKENDS: dict[str, Callable[[EvalConfig], Runner]] = {}


def register_backend(name: str, factory: Callable[[EvalConfig], Runner]) -> None:
    """Make `runtime.backend=name` score through `factory(cfg)` (called by the layer that serves it)."""
    BACKENDS[name] = factory


def scoring_backend(cfg: EvalConfig) -> Runner | None:
    """The run's backend: None for this process, else the registered factory's Runner."""
    name = cfg.runtime.backend
    if name == "local":
        return None
    if name not in BACKENDS:
        raise ConfigError(
            f"runtime.backend={name}: no such scoring backend is registered in this process; "
            "call evalsuite.scale.backends.register() first (the hyvideo-eval commands do)"
        )
    return BACKENDS[name](cfg)


@dataclass
class RunPaths:
    output_dir: Path
    manifest: Path
    scores: Path


def run_paths(cfg: EvalConfig) -> RunPaths:
    out = Path(cfg.runtime.output_dir).expanduser()
    return RunPaths(out, out / MANIFEST_NAME, out / SCORES_NAME)


def current_rows(cfg: EvalConfig, manifest: Manifest, prompt_set: PromptSet) -> pd.DataFrame:
    """The manifest rows this run scores, its systems × its prompts, in a canonical order (systems as
    configured, prompts as in the prompt set), whatever order shards, resumes and retries wrote them in:
    scoring batches follow this order, so every way of making the videos gives the same values."""
    table = manifest.table
    system_rank = {m.name: i for i, m in enumerate(cfg.systems)}
    prompt_rank = {p: i for i, p in enumerate(prompt_set.table["prompt_id"])}
    rows = table[table["model"].isin(system_rank) & table["prompt_id"].isin(prompt_rank)]
    rank = rows["model"].map(system_rank) * len(prompt_rank) + rows["prompt_id"].map(prompt_rank)
    return rows.iloc[rank.to_numpy().argsort(kind="stable")]


def run_scoring(
    cfg: EvalConfig, manifest: Manifest, scores_path: Path, *, cache_dir: str | None = None, job_filter=None
) -> ScoreRun:
    """Stage 3 with the run's weights registry, device, feature cache and backend (this process, or the
    one `runtime.backend` names: `scoring_backend`). An unsharded run first folds in the cache parts of
    eval shards."""
    profile = metrics_profile(cfg)
    pool = network_pool(cfg, autocast=profile.autocast)
    cache = FeatureCache((cache_dir or cfg.runtime.cache_dir) if cfg.metrics.cache else None)
    runner = scoring_backend(cfg)
    if job_filter is None and (merged := merge_cache_parts(cache, scores_path.parent)):
        log.info("merged %d cache entries from eval shards", merged)
    try:
        return score_videos(
            manifest,
            build_metrics(profile.names),
            scores_path,
            pool=pool,
            cache=cache,
            frames_fps={m.name: getattr(m, "frames_fps", 24.0) for m in cfg.systems},
            frame_batch=cfg.metrics.frame_batch,
            videos_per_batch=cfg.metrics.videos_per_batch,
            workers=cfg.runtime.workers,
            progress=cfg.runtime.progress,
            runner=runner,
            job_filter=job_filter,
            one_network_at_a_time=cfg.metrics.one_network_at_a_time,
        )
    finally:
        cache.close()


def metrics_profile(cfg: EvalConfig):
    """The run's per-video metrics under `metrics.profile` on this machine (evalsuite/metrics/fast.py)."""
    from evalsuite.metrics.fast import resolve_profile

    return resolve_profile(cfg.metrics.names, cfg.metrics.profile, resolve_device(cfg.runtime))


def network_pool(cfg: EvalConfig, autocast=None):
    """The run's networks: its weights registry, device and `weights.allow_random` (and the fast
    profile's autocast dtype, for per-video metrics); pins the torch thread count when `runtime.threads`
    asks."""
    from evalsuite.metrics.features import NetworkPool
    from evalsuite.weights import WeightsRegistry

    if cfg.runtime.threads:
        import torch

        torch.set_num_threads(cfg.runtime.threads)
    return NetworkPool(
        WeightsRegistry(cfg.weights),
        device=resolve_device(cfg.runtime),
        allow_random=cfg.weights.allow_random,
        autocast=autocast,
        services=judge_services(cfg),
    )


def judge_settings(cfg: EvalConfig):
    """The run's `judge.*` as the client's settings (evalsuite/judge/client.py)."""
    from dataclasses import fields

    from evalsuite.judge.client import JudgeSettings

    given = {f.name for f in fields(type(cfg.judge))}
    return JudgeSettings(
        **{f.name: getattr(cfg.judge, f.name) for f in fields(JudgeSettings) if f.name in given}
    )


def judge_services(cfg: EvalConfig) -> dict:
    """The VLM judge's endpoint and question file as the pool's services (evalsuite/metrics/judge.py);
    its answers cached beside the feature cache. Nothing is opened or sent until a judge metric runs."""
    from evalsuite.judge.asking import QuestionSource
    from evalsuite.judge.client import JudgeClient
    from evalsuite.judge.questions import question_file

    answers = Path(cfg.runtime.cache_dir).expanduser() / "judge_answers.sqlite"
    questions = question_file(cfg.judge.questions, cfg.prompts.path)
    return {
        "vlm_judge": JudgeClient(judge_settings(cfg), answers),
        "judge_questions_file": QuestionSource(str(questions) if questions else None),
    }


def network_warnings(*random_lists: list[str]) -> list[str]:
    names = list(dict.fromkeys(n for names in random_lists for n in names))
    if not names:
        return []
    return [
        f"Metric networks {', '.join(names)} ran with RANDOM weights (weights.allow_random): "
        "their metric values check the pipeline and measure nothing."
    ]


def _signature(part: Path) -> list[int]:
    """What changes when a shard writes to its part: the file, and its WAL while it holds pages (a
    reader's open leaves an empty WAL behind, which changes nothing)."""
    files = [part, part.with_name(part.name + "-wal")]
    return [
        n for f in files if f.exists() and f.stat().st_size for n in (f.stat().st_size, f.stat().st_mtime_ns)
    ]


def merge_cache_parts(cache: FeatureCache, run_folder: Path) -> int:
    """Import every eval shard's cache part in `run_folder` into `cache`; returns the entries copied.
    A part already imported into this cache and unchanged since (`merged.json` beside the parts) is
    not read again: at a campaign's size the parts hold gigabytes and every rerun merges."""
    folder = run_folder / CACHE_PARTS
    parts = sorted(folder.glob(f"shard-*/{CACHE_NAME}"))
    if parts and cache.path is None:
        raise ConfigError(
            f"{folder} holds eval shard results but metrics.cache=false: set metrics.cache=true to merge them"
        )
    record = folder / "merged.json"
    merged = json.loads(record.read_text()) if record.is_file() else {}
    copied = 0
    for part in parts:
        key, signature = str(part.relative_to(folder)), [str(cache.path), *_signature(part)]
        if merged.get(key) == signature:
            continue
        try:
            copied += cache.import_from(part)
        except sqlite3.DatabaseError as err:
            raise ConfigError(
                f"{part}: not a readable cache part ({err}); delete it and rerun that shard "
                f"(`hyvideo-eval score-shard runtime.eval_shard={part.parent.name.removeprefix('shard-').replace('-of-', '/')} ...`)"
            ) from None
        merged[key] = signature
        write_text_atomic(record, json.dumps(merged, indent=1))
    return copied
