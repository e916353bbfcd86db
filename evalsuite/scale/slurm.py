"""`hyvideo-eval slurm [OVERRIDE ...]`: the eval job as Slurm job arrays, submitted through submitit.

1. a generation array of `runtime.slurm.generation_shards` tasks (only when a system is HunyuanVideo):
   task i makes prompts i, i+n, ... of every HunyuanVideo system into `manifest.shard-i-of-n.parquet`;
2. on this (login) node: the shard manifests are merged and folders of videos ingested; a video that
   no shard made stops the job here with one line (rerun the command: finished videos are kept);
3. an eval array of `runtime.slurm.eval_shards` tasks: task i scores its chunks of the run's videos
   (evalsuite/scale/shards.py) into its own score part and cache part;
4. on this node: the ordinary eval of the run folder, which imports the cache parts, finds every value
   there and writes the tables and the report, the same as the single-process run.

This command waits for each array (run it inside tmux or screen on the login node); one bar shows the
videos done across the cluster, read from the shards' own files. `runtime.slurm.executor=local` runs
the same arrays as processes on this machine (what the tests use). The folders (`runtime.output_dir`,
`runtime.slurm.folder`, the video folders) must be on a file system every node sees.
"""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from evalsuite.config.schema import EvalConfig
from evalsuite.errors import ConfigError, SuiteError
from evalsuite.pipeline.generate import shard_manifest_path
from evalsuite.scale.shards import require_cache, run_eval_shard

log = logging.getLogger(__name__)

INSTALL_HINT = "pip install 'hyvideo-eval[slurm]'"
POLL_SECONDS = 5.0  # how often the waiting driver reads the shards' files for its bar


def import_submitit():
    try:
        import submitit
    except ImportError as err:
        raise ConfigError(f"`hyvideo-eval slurm` needs submitit ({err}); fix: {INSTALL_HINT}") from err
    return submitit


def make_executor(cfg: EvalConfig, name: str):
    submitit = import_submitit()
    slurm = cfg.runtime.slurm
    folder = Path(slurm.folder).expanduser() / name
    executor = submitit.AutoExecutor(folder=folder, cluster="local" if slurm.executor == "local" else "slurm")
    extra = dict(slurm.additional)
    if slurm.account:
        extra["account"] = slurm.account
    params = {
        "name": f"hyvideo-eval-{name}",
        "timeout_min": slurm.timeout_min,
        "cpus_per_task": slurm.cpus_per_task,
        "gpus_per_node": slurm.gpus_per_task,
        "mem_gb": slurm.mem_gb,
        "tasks_per_node": 1,
        "slurm_array_parallelism": slurm.array_parallelism,
        "slurm_additional_parameters": extra,
    }
    if slurm.partition:
        params["slurm_partition"] = slurm.partition
    executor.update_parameters(**params)
    return executor


def generation_task(cfg: EvalConfig, index: int, count: int) -> int:
    """One array task of step 1; returns the number of videos its shard manifest holds."""
    from evalsuite.pipeline.run import run_generation
    from evalsuite.pipeline.scoring import run_paths

    run_generation(cfg, shard=(index, count))
    path = shard_manifest_path(run_paths(cfg).manifest, index, count)
    return len(pd.read_parquet(path)) if path.is_file() else 0


def eval_task(cfg: EvalConfig, index: int, count: int) -> int:
    """One array task of step 3; returns the number of (video, metric) rows it scored."""
    shard_cfg = replace(cfg, runtime=replace(cfg.runtime, eval_shard=f"{index}/{count}", progress=False))
    return len(run_eval_shard(shard_cfg).table)


def _wait(jobs: list, what: str, total: int, done_so_far, progress: bool) -> list:
    """Wait for an array; one bar of videos done (read from the shards' files); every task's result.
    A failed task stops the command with its own first error line, naming its log file."""
    bar = tqdm(total=total, desc=what, unit="video", disable=not progress)
    while not all(job.done() for job in jobs):
        bar.n = min(total, done_so_far())
        bar.refresh()
        time.sleep(POLL_SECONDS)
    bar.n = min(total, done_so_far())
    bar.close()
    results = []
    for i, job in enumerate(jobs):
        try:
            results.append(job.result())
        except Exception as err:  # submitit re-raises the task's error with its traceback
            lines = [line for line in str(err).splitlines() if line.strip()]
            reason = next(
                (line for line in reversed(lines) if "Error" in line), lines[-1] if lines else repr(err)
            )
            raise SuiteError(
                f"{what} task {i} (job {job.job_id}) failed: {reason.strip()[:200]}; log: {job.paths.stderr}; "
                "rerun the same command to retry (finished work is kept)"
            ) from err
    return results


def _videos_in(paths: list[Path]) -> int:
    """Distinct (system, prompt) pairs in the shards' manifests or score parts written so far."""
    total = 0
    for path in paths:
        with contextlib.suppress(OSError, ValueError):  # absent, or being replaced: read at the next poll
            total += len(pd.read_parquet(path, columns=["model", "prompt_id"]).drop_duplicates())
    return total


def run_slurm(cfg: EvalConfig):
    """Steps 1-4; returns the EvalResult of the final, merging run."""
    from evalsuite.metrics import check_names
    from evalsuite.pipeline.prompts import load_prompts
    from evalsuite.pipeline.run import run_eval, run_generation
    from evalsuite.pipeline.scoring import current_rows, run_paths

    check_names(cfg.metrics.names)
    require_cache(cfg)
    slurm = cfg.runtime.slurm
    paths = run_paths(cfg)
    paths.output_dir.mkdir(parents=True, exist_ok=True)
    prompt_set = load_prompts(cfg.prompts)
    n_prompts = len(prompt_set.table)
    makers = [m for m in cfg.systems if m.kind == "hyvideo"]
    if makers:
        n = slurm.generation_shards
        executor = make_executor(cfg, "generate")
        jobs = executor.map_array(generation_task, [cfg] * n, list(range(n)), [n] * n)
        log.info("submitted generation array %s (%d task(s))", jobs[0].job_id.split("_")[0], n)
        parts = [shard_manifest_path(paths.manifest, i, n) for i in range(n)]
        _wait(jobs, "generate", n_prompts * len(makers), lambda: _videos_in(parts), cfg.runtime.progress)
    _, manifest, _ = run_generation(cfg, make_missing=False)
    current = current_rows(cfg, manifest, prompt_set)
    made = current.loc[current["status"] == "ok", "model"].value_counts()
    missing = [
        f"{m.name}: {n_prompts - made.get(m.name, 0)}" for m in makers if made.get(m.name, 0) < n_prompts
    ]
    if missing:
        raise SuiteError(
            f"videos not made by the generation array ({', '.join(missing)}; the shard manifests name the "
            "errors): rerun the same command to retry them"
        )
    n = slurm.eval_shards
    executor = make_executor(cfg, "score")
    jobs = executor.map_array(eval_task, [cfg] * n, list(range(n)), [n] * n)
    log.info("submitted eval array %s (%d task(s))", jobs[0].job_id.split("_")[0], n)
    parts = [shard_manifest_path(paths.scores, i, n) for i in range(n)]
    _wait(jobs, "score", len(current), lambda: _videos_in(parts), cfg.runtime.progress)
    return run_eval(cfg)
