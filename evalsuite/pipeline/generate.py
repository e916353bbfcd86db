"""Stage 2 with HunyuanVideo: generate one video per prompt into the run folder and its manifest.

- Resumable: a prompt whose manifest row is `ok`, made with the same generation settings and prompt,
  and whose file still has the recorded sha256, is skipped. The manifest is saved (atomically) after
  every video and each mp4 is written to a temporary file and renamed, so an interrupted run loses at
  most the video in progress and leaves no partial file.
- Shardable: `model.shard=i/n` (or torchrun's RANK / WORLD_SIZE) makes prompts i, i+n, i+2n, ... of
  the prompt set and records them in `manifest.shard-i-of-n.parquet`, so processes never write the
  same file. Any unsharded run of the same run folder merges the shard manifests first, then makes
  whatever is still missing. Every video depends only on (weights, prompt, seed, settings), so the
  union of the shards is byte for byte the unsharded run.
- Seeds: `model.seed`, or with `seed_per_prompt` seed + crc32(prompt_id), stable whatever subset or
  shard of the prompt set is run.
"""

from __future__ import annotations

import logging
import os
import time
import zlib
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from evalsuite.config.loader import config_hash
from evalsuite.config.schema import EvalConfig, HYVideoModelConfig, RuntimeConfig, parse_shard
from evalsuite.data.manifest import STATUS_FAILED, STATUS_OK, Manifest, ManifestRow, row_for_prompt
from evalsuite.data.prompt_sets import PromptSet, sha256_file
from evalsuite.data.video import write_video
from evalsuite.errors import ConfigError, SuiteError

log = logging.getLogger(__name__)

# Settings that change no pixel: leaving them out of the hash lets shards and resumed runs match.
NOT_IN_HASH = ("shard", "offload", "source_hint", "name")
VIDEOS_DIR = "videos"


def shard_of(model: HYVideoModelConfig) -> tuple[int, int]:
    """(index, count) of this process: model.shard, else torchrun's RANK/WORLD_SIZE, else (0, 1)."""
    if model.shard is not None:
        return parse_shard(model.shard)
    world = int(os.environ.get("WORLD_SIZE", "1"))
    return (int(os.environ.get("RANK", "0")), world) if world > 1 else (0, 1)


def shard_manifest_path(manifest_path: Path, index: int, count: int) -> Path:
    return manifest_path.with_name(f"{manifest_path.stem}.shard-{index}-of-{count}{manifest_path.suffix}")


def prompt_seed(model: HYVideoModelConfig, prompt_id: str) -> int:
    if not model.seed_per_prompt:
        return model.seed
    return (model.seed + zlib.crc32(prompt_id.encode())) % 2**31


def generation_hash(cfg: EvalConfig) -> str:
    """Hash of everything that decides a video's pixels: the model settings, device and dtype."""
    model = {k: v for k, v in cfg.resolved["model"].items() if k not in NOT_IN_HASH}
    return config_hash({"model": model, "device": cfg.runtime.device, "dtype": cfg.runtime.dtype})


def resolve_device(runtime: RuntimeConfig) -> str:
    """runtime.device as torch names it: `auto` becomes cuda or cpu, and under torchrun cuda:LOCAL_RANK."""
    import torch

    device = runtime.device
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and "LOCAL_RANK" in os.environ:  # torchrun: one GPU per process
        device = f"cuda:{os.environ['LOCAL_RANK']}"
    return device


def build_rewriter(model: HYVideoModelConfig, cache_dir: str):
    from hyvideo.rewrite import OpenAIChatBackend, PromptRewriter, TransformersChatBackend

    spec = model.rewrite
    if spec.mode == "none":
        return None
    if spec.backend == "openai":
        backend = OpenAIChatBackend(spec.url, spec.api_model, spec.api_key_env)
    else:
        backend = TransformersChatBackend(spec.path, spec.gguf_file, spec.max_new_tokens)
    return PromptRewriter(backend, spec.mode, Path(cache_dir).expanduser() / "rewrites.json")


def sampling_config(model: HYVideoModelConfig):
    from hyvideo.pipeline import SamplingConfig
    from hyvideo.text_encoder import NEGATIVE_PROMPT

    return SamplingConfig(
        height=model.height,
        width=model.width,
        num_frames=model.num_frames,
        num_inference_steps=model.steps,
        flow_shift=model.flow_shift,
        embedded_guidance_scale=model.embedded_guidance_scale,
        guidance_scale=model.guidance_scale,
        negative_prompt=model.negative_prompt if model.negative_prompt is not None else NEGATIVE_PROMPT,
        fps=model.fps,
        allow_any_size=model.allow_any_size,
    )


def build_pipeline(model: HYVideoModelConfig, runtime: RuntimeConfig):
    """The pipeline the config names; hyvideo's loading errors become one-line suite errors."""
    from hyvideo.factory import from_release, tiny_random
    from hyvideo.precision import PrecisionError
    from hyvideo.text_encoder import TextEncoderError
    from hyvideo.weights import CheckpointError

    dtype = runtime.dtype  # hyvideo.precision.resolve_dtype reads float32 / bfloat16 / float16 as they are
    device = resolve_device(runtime)
    rewriter = build_rewriter(model, runtime.cache_dir)
    try:
        if model.weights == "random":
            return tiny_random(model.weights_seed, dtype=dtype, device=device, rewriter=rewriter)
        return from_release(
            model.weights,
            preset=model.preset,
            variant=model.variant,
            dtype=dtype,
            device=device,
            offload=model.offload,
            rewriter=rewriter,
        )
    except (CheckpointError, TextEncoderError, PrecisionError) as err:
        raise ConfigError(f"model.weights: {err}") from None


def _finished(manifest: Manifest, model_name: str, gen_hash: str) -> dict[str, pd.Series]:
    """prompt_id -> its ok row made with these settings, whose video is still there unchanged."""
    table = manifest.table
    rows = table[
        (table["model"] == model_name) & (table["status"] == STATUS_OK) & (table["config_hash"] == gen_hash)
    ]
    done = {}
    for _, row in rows.iterrows():
        path = manifest.resolve(row["video_path"])
        if path is not None and path.is_file() and sha256_file(path) == row["sha256"]:
            done[row["prompt_id"]] = row
    return done


def merge_shards(manifest: Manifest) -> int:
    """Fold every shard manifest beside `manifest` into it; returns the number of rows merged."""
    merged = 0
    for path in sorted(manifest.path.parent.glob(f"{manifest.path.stem}.shard-*-of-*{manifest.path.suffix}")):
        shard = Manifest.load(path)
        ok = shard.rows(STATUS_OK)
        if not ok.empty:
            rows = []
            for record in ok.to_dict("records"):
                fields = {
                    k: (None if pd.isna(v) else v)
                    for k, v in record.items()
                    if k in ManifestRow.__dataclass_fields__
                }
                fields["video_path"] = str(shard.resolve(fields["video_path"]).absolute())
                rows.append(ManifestRow(**fields))
            manifest.upsert(rows)
            merged += len(rows)
    if merged:
        manifest.save()
    return merged


def generate_videos(
    cfg: EvalConfig,
    prompt_set: PromptSet,
    manifest: Manifest,
    *,
    run_id: str,
    code_version: str,
    progress: bool = True,
    videos_dir: str = VIDEOS_DIR,
) -> Manifest:
    """Make the missing videos of this process's shard into `videos_dir` (relative to the run folder);
    returns the manifest it wrote (the shard's own manifest when sharded, else the run's)."""
    from hyvideo.pipeline import VideoSizeError

    model: HYVideoModelConfig = cfg.model
    sampling = sampling_config(model)
    try:
        sampling.check()
    except VideoSizeError as err:
        raise ConfigError(f"model.height/width/num_frames: {err}") from None
    index, count = shard_of(model)
    if count > 1:
        manifest = Manifest.load_or_new(shard_manifest_path(manifest.path, index, count))
    elif merged := merge_shards(manifest):
        log.info("merged %d finished videos from shard manifests", merged)

    gen_hash = generation_hash(cfg)
    done = _finished(manifest, model.name, gen_hash)
    prompts = prompt_set.table.iloc[index::count]
    todo = [
        p
        for p in prompts.itertuples(index=False)
        if not (p.prompt_id in done and done[p.prompt_id]["prompt"] == p.prompt)
    ]
    log.info(
        "%s: %d of %d prompts%s already made, %d to generate",
        model.name, len(prompts) - len(todo), len(prompts), f" (shard {index}/{count})" if count > 1 else "", len(todo),
    )  # fmt: skip
    if not todo:
        return manifest

    pipeline = build_pipeline(model, cfg.runtime)
    videos = manifest.path.parent / videos_dir
    bar = tqdm(todo, desc=f"generate {model.name}", unit="video", disable=not progress)
    for prompt in bar:
        seed = prompt_seed(model, prompt.prompt_id)
        row = row_for_prompt(
            prompt,
            run_id=run_id,
            model=model.name,
            seed=seed,
            config_hash=gen_hash,
            code_version=code_version,
        )
        start = time.perf_counter()
        # One video per (model, prompt) in a run folder: a row from older settings (another seed) goes.
        table = manifest.table
        manifest.table = table[~((table["model"] == model.name) & (table["prompt_id"] == prompt.prompt_id))]
        try:
            out = pipeline(
                prompt.prompt,
                seed,
                sampling,
                on_step=lambda i, n: bar.set_postfix_str(f"step {i}/{n}", refresh=False),
            )
            path = write_video(videos / f"{prompt.prompt_id}.mp4", out.frames, sampling.fps)
        except (SuiteError, RuntimeError, ValueError) as err:  # this video fails; the run goes on
            reason = f"{type(err).__name__}: {err}".splitlines()[0]
            log.warning("%s: generation failed (%s)", prompt.prompt_id, reason)
            manifest.upsert([row(status=STATUS_FAILED, error=reason)])
            manifest.save()
            continue
        frames, height, width, _ = out.frames.shape
        rewrite = out.rewrite
        manifest.upsert(
            [
                row(
                    video_path=str(path),
                    sha256=sha256_file(path),
                    frames=frames,
                    fps=float(sampling.fps),
                    width=width,
                    height=height,
                    generate_seconds=time.perf_counter() - start,
                    prompt_used=out.prompt if out.prompt != prompt.prompt else None,
                    rewrite_status=rewrite.status if rewrite is not None else None,
                )
            ]
        )
        manifest.save()
    return manifest
