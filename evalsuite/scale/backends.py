"""The scoring backends this layer serves, handed down to the pipeline (`runtime.backend`).

The pipeline keeps a registry of backend factories (evalsuite/pipeline/scoring.py) and imports no
cluster code; `register()` puts this layer's there. The hyvideo-eval commands call it before any run,
so `runtime=ray` works from the command line; code that calls `run_eval` itself calls it once too.
Registering imports neither Ray nor torch: Ray is imported when a run starts its runner.
"""

from __future__ import annotations

from evalsuite.config.schema import EvalConfig


def ray_runner_for_run(cfg: EvalConfig):
    """A RayRunner whose workers build the run's network pool (weights, device, fast profile's dtype, the
    VLM judge's endpoint and question file)."""
    from evalsuite.judge.questions import question_file
    from evalsuite.metrics.precision import dtype_name
    from evalsuite.pipeline.generate import resolve_device
    from evalsuite.pipeline.scoring import judge_settings, metrics_profile
    from evalsuite.scale.ray_runner import ray_runner_from_config
    from evalsuite.scale.units import PoolSpec

    profile = metrics_profile(cfg)
    dtype = dtype_name(profile.autocast) if profile.autocast else None
    questions = question_file(cfg.judge.questions, cfg.prompts.path)
    spec = PoolSpec(
        cfg.weights, resolve_device(cfg.runtime), cfg.weights.allow_random, autocast=dtype,
        judge=judge_settings(cfg), questions=str(questions) if questions else None,
    )  # fmt: skip
    return ray_runner_from_config(cfg.runtime.ray, spec)


def register() -> None:
    from evalsuite.pipeline.scoring import register_backend

    register_backend("ray", ray_runner_for_run)
