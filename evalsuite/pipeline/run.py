"""The eval job end to end: prompts -> videos + manifest -> scores -> report.

Everything a run writes goes into its output folder (`runtime.output_dir`, by default
`reports/<run_id>/`): the resolved config, the manifest, the scores and the report. Rerunning the same
run id resumes: finished videos and scores are reused.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
from omegaconf import OmegaConf

from evalsuite.compare.data import ComparisonData, PromptSetIdentity, write_run_identity
from evalsuite.config.loader import config_hash
from evalsuite.config.schema import EvalConfig
from evalsuite.data.atomic import write_text_atomic
from evalsuite.data.manifest import Manifest
from evalsuite.data.prompt_sets import PromptSet
from evalsuite.errors import ConfigError
from evalsuite.pipeline.generate import generate_videos, merge_shards, shard_of
from evalsuite.pipeline.ingest import ingest_videos_dir
from evalsuite.pipeline.inputs import check_inputs
from evalsuite.pipeline.prompts import load_prompts
from evalsuite.pipeline.score import ScoreRun
from evalsuite.pipeline.scoring import (
    RunPaths,
    current_rows,
    metrics_profile,
    network_warnings,
    run_paths,
    run_scoring,
)
from evalsuite.report.run_report import write_report
from evalsuite.report.run_views import ReportInputs
from evalsuite.version import code_version

log = logging.getLogger(__name__)


@dataclass
class EvalResult:
    paths: RunPaths
    prompt_set: PromptSet
    manifest: Manifest
    scores: pd.DataFrame
    report_files: dict[str, Path]
    score_run: ScoreRun | None = None


def run_warnings(cfg: EvalConfig) -> list[str]:
    """What a reader must know before trusting the numbers; printed first in every report."""
    notes = []
    for model in cfg.systems:
        who = "this run" if len(cfg.systems) == 1 else f"system `{model.name}`"
        if model.kind == "hyvideo" and model.weights == "random":
            notes.append(
                f"The videos of {who} come from HunyuanVideo's `{model.preset}` preset with RANDOM weights "
                f"(seed {model.weights_seed}, model `{model.name}`): the numbers check the pipeline and measure no model."
            )
        if model.kind == "videos_dir" and model.synthesize:
            flicker = (
                f", flickering by ±{model.synthetic_flicker:g} grey levels" if model.synthetic_flicker else ""
            )
            notes.append(
                f"The videos of {who} are synthetic test patterns made by the suite (model `{model.name}`{flicker}), "
                "not model output: the numbers check the pipeline and measure no model."
            )
    return notes + metrics_profile(cfg).notes


def system_config(cfg: EvalConfig, index: int) -> EvalConfig:
    """The run's config as it would be had `model` been the index-th system."""
    resolved = {**cfg.resolved, "model": cfg.system_resolved[index]}
    return replace(cfg, model=cfg.systems[index], resolved=resolved)


def run_generation(
    cfg: EvalConfig, *, make_missing: bool = True, shard: tuple[int, int] | None = None
) -> tuple[PromptSet, Manifest, RunPaths]:
    """Stages 1-2: load the prompt set, then make or ingest one video per prompt and system into the
    manifest (one row per system × prompt). `make_missing=False` only merges what generation shards
    made (a cluster's driver must not generate on its own node); `shard=(i, n)` makes shard i of every
    HunyuanVideo system into its shard manifest and leaves folders of videos to the unsharded run."""
    prompt_set = load_prompts(cfg.prompts)  # a bad prompt file stops the run before its folder is made
    paths = run_paths(cfg)
    paths.output_dir.mkdir(parents=True, exist_ok=True)
    write_text_atomic(paths.output_dir / "config.yaml", OmegaConf.to_yaml(OmegaConf.create(cfg.resolved)))
    log.info("%s", prompt_set.summary())
    manifest = Manifest.load_or_new(paths.manifest)
    for index, model in enumerate(cfg.systems):
        system = system_config(cfg, index)
        if shard is not None:
            if model.kind != "hyvideo":
                continue
            system = replace(system, model=replace(model, shard=f"{shard[0]}/{shard[1]}"))
        if model.kind == "hyvideo" and not make_missing:
            merge_shards(manifest)
        elif model.kind == "hyvideo":
            made = generate_videos(
                system,
                prompt_set,
                manifest,
                run_id=cfg.run_id,
                code_version=code_version(),
                progress=cfg.runtime.progress,
                videos_dir=f"videos/{model.name}" if cfg.is_comparison else "videos",
            )
            manifest = manifest if shard is not None else made  # a shard wrote its own manifest
        else:
            manifest = ingest_videos_dir(
                model,
                prompt_set,
                manifest,
                run_id=cfg.run_id,
                config_hash=config_hash(system.resolved["model"]),
                code_version=code_version(),
                progress=cfg.runtime.progress,
            )
    return prompt_set, manifest, paths


def run_eval(cfg: EvalConfig) -> EvalResult:
    """The whole job; returns the tables and the report files written."""
    from evalsuite.metrics import check_names

    check_names(cfg.metrics.names)  # before any video is made
    if any(m.kind == "hyvideo" and shard_of(m)[1] > 1 for m in cfg.systems):
        raise ConfigError(
            "a sharded run only generates: run `hyvideo-generate ... model.shard=i/n` per process, "
            "then the eval once without model.shard (it merges the shards)"
        )
    names = [m.name for m in cfg.systems]  # distinct: the config loader checks
    if cfg.runtime.eval_shard is not None:
        raise ConfigError(
            "runtime.eval_shard scores one part of a run: run it with `hyvideo-eval score-shard`, "
            "then the eval once without runtime.eval_shard (it merges the parts)"
        )
    side_files = check_inputs(cfg)  # a bad ratings, published or reference file stops here, before any work
    prompt_set, manifest, paths = run_generation(cfg)
    current = current_rows(cfg, manifest, prompt_set)
    scored_manifest = Manifest(paths.manifest, current.reset_index(drop=True))
    score_run = run_scoring(cfg, scored_manifest, paths.scores)
    scores = score_run.table
    fast_check = None
    if cfg.metrics.profile == "fast" and cfg.metrics.fast_check:
        from evalsuite.pipeline.fast_check import run_fast_check

        fast_check = run_fast_check(cfg, scored_manifest, scores, paths.output_dir)
    sets = None
    if cfg.distribution.names:
        from evalsuite.pipeline.distribution import run_distribution

        sets = run_distribution(cfg, scored_manifest, current, paths.output_dir, side_files.reference)
    identity = PromptSetIdentity.of(prompt_set)
    card = None
    if side_files.human is not None:  # the VLM judge against the run's own raters, when it judged
        from evalsuite.human.judge_card import judge_card

        card = judge_card(
            scores, side_files.human.ratings, resamples=cfg.human.n_resamples, seed=cfg.human.seed
        )
    inputs = ReportInputs(
        run_id=cfg.run_id,
        title=cfg.report.title,
        prompt_set=prompt_set,
        manifest=current,
        scores=scores,
        code_version=code_version(),
        config_hash=config_hash(cfg.resolved),
        warnings=run_warnings(cfg)
        + network_warnings(score_run.random_networks, sets.random_networks if sets else [])
        + (sets.warnings if sets else []),
        unavailable=score_run.unavailable | (sets.unavailable if sets else {}),
        distribution=sets.table if sets else None,
        fast_profile=cfg.metrics.profile == "fast",
        fast_check=fast_check,
        networks=score_run.networks | (sets.networks if sets else {}),
        parts=score_run.parts,
        judge_card=card if card is not None and len(card) else None,
    )
    write_run_identity(
        paths.output_dir,
        identity,
        names,
        scores,
        inputs.warnings,
        prompt_set,
        inputs.networks,
        code_version(),
    )
    files = write_report(inputs, paths.output_dir, cfg.report.formats, cfg.report.vbench_normalised)
    if cfg.is_comparison:
        from evalsuite.pipeline.compare import run_comparison

        data = ComparisonData.of(
            scores,
            current,
            names,
            identity,
            warnings=inputs.warnings,
            prompt_set=prompt_set,
            networks=inputs.networks,
            parts=score_run.parts,
        )
        comparison_files = run_comparison(
            cfg, data, paths.output_dir / "comparison", side_files, inputs.distribution
        )
        files |= {f"comparison/{name}": path for name, path in comparison_files.items()}
    if cfg.human.ratings is not None:
        from evalsuite.pipeline.human import run_human

        categories = prompt_set.table.set_index("prompt_id")["category"]
        _, human_files = run_human(
            cfg.human,
            scores=scores,
            categories=categories,
            prompt_axes=(prompt_set.table, prompt_set.axes),
            title=cfg.report.title,
            run_warnings=inputs.warnings,
            inputs=side_files.human,
        )
        files |= {f"human/{name}": path for name, path in human_files.items()}
    return EvalResult(paths, prompt_set, manifest, scores, files, score_run)
