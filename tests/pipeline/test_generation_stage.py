"""The HunyuanVideo generation stage: the embedded default, resume after a crash, shards, torchrun,
settings changes, prompt rewrite with fallbacks, and one-line errors."""

from __future__ import annotations

import hashlib
from pathlib import Path

import av
import pandas as pd
import pytest
from generation.test_rewrite import ChatServer

from evalsuite.config import compose
from evalsuite.data.manifest import Manifest
from evalsuite.errors import ConfigError
from evalsuite.pipeline.generate import shard_of
from evalsuite.pipeline.run import run_eval, run_generation
from hyvideo.pipeline import HunyuanVideoPipeline

FAST = ["runtime.progress=false", "model.height=32", "model.width=48", "model.num_frames=9", "model.steps=3"]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Prompts the pipeline was called with, in order."""
    seen: list[str] = []
    original = HunyuanVideoPipeline.__call__

    def counting(self, prompt, *args, **kwargs):
        seen.append(prompt)
        return original(self, prompt, *args, **kwargs)

    monkeypatch.setattr(HunyuanVideoPipeline, "__call__", counting)
    return seen


def videos_of(out: Path) -> dict[str, str]:
    return {p.name: sha(p) for p in sorted((out / "videos").iterdir())}


def test_default_run_generates_with_the_tiny_random_model(run_dir: Path) -> None:
    result = run_eval(compose(["runtime.progress=false", "prompts.limit=6"]))
    out = run_dir / "reports" / "hyvideo-tiny-random__embedded"
    manifest = Manifest.load(out / "manifest.parquet").table
    assert len(manifest) == 6 and (manifest["status"] == "ok").all()
    assert (
        (manifest["frames"] == 17).all()
        and (manifest["width"] == 96).all()
        and (manifest["height"] == 64).all()
    )
    assert (manifest["fps"] == 24.0).all() and manifest["seed"].nunique() == 6  # a seed per prompt
    assert sorted(p.name for p in (out / "videos").iterdir()) == sorted(
        f"{i}.mp4" for i in manifest["prompt_id"]
    )
    report = (out / "report.md").read_text()
    assert report.startswith(
        "> **The videos of this run come from HunyuanVideo's `tiny` preset with RANDOM weights"
    )
    assert (result.scores["status"] == "ok").all()


def test_resume_after_a_crash_makes_each_video_once(run_dir: Path, calls, monkeypatch) -> None:
    cfg = compose([*FAST, "prompts.limit=5"])
    original = HunyuanVideoPipeline.__call__

    def crashing(self, prompt, *args, **kwargs):
        if len(calls) == 2:  # two videos are made; the 3rd is interrupted while it is being made
            raise KeyboardInterrupt
        return original(self, prompt, *args, **kwargs)

    monkeypatch.setattr(HunyuanVideoPipeline, "__call__", crashing)
    with pytest.raises(KeyboardInterrupt):
        run_generation(cfg)
    out = Path(cfg.runtime.output_dir)
    first = videos_of(out)
    assert len(first) == 2 and len(Manifest.load(out / "manifest.parquet").table) == 2
    mtimes = {name: (out / "videos" / name).stat().st_mtime_ns for name in first}

    monkeypatch.setattr(HunyuanVideoPipeline, "__call__", original)
    calls.clear()
    _, manifest, _ = run_generation(cfg)
    second = videos_of(out)
    assert len(second) == 5 and len(manifest.table) == 5 and manifest.table["prompt_id"].is_unique
    assert {name: second[name] for name in first} == first  # finished videos untouched ...
    assert {name: (out / "videos" / name).stat().st_mtime_ns for name in first} == mtimes  # ... not rewritten
    assert len(calls) == 3
    calls.clear()
    run_generation(cfg)  # everything is finished: nothing is generated again
    assert calls == []


def test_a_crash_while_writing_a_video_leaves_no_partial_file(run_dir: Path, monkeypatch) -> None:
    cfg = compose([*FAST, "prompts.limit=2"])
    original = av.VideoFrame.from_ndarray
    frames_written = []

    def interrupted(*args, **kwargs):
        frames_written.append(1)
        if len(frames_written) == 9 + 4:  # the 2nd video, mid-way through its frames
            raise KeyboardInterrupt
        return original(*args, **kwargs)

    monkeypatch.setattr(av.VideoFrame, "from_ndarray", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_generation(cfg)
    out = Path(cfg.runtime.output_dir)
    assert [p.name for p in (out / "videos").iterdir()] == [
        f"{Manifest.load(out / 'manifest.parquet').table['prompt_id'][0]}.mp4"
    ]


def test_union_of_shards_equals_the_unsharded_run_byte_for_byte(run_dir: Path, calls) -> None:
    prompts = [*FAST, "prompts.limit=5"]
    for index in range(2):
        run_generation(compose([*prompts, f"model.shard={index}/2", "run_id=sharded"]))
    sharded = Path(compose([*prompts, "run_id=sharded"]).runtime.output_dir)
    assert sorted(p.name for p in sharded.glob("manifest.shard-*")) == [
        "manifest.shard-0-of-2.parquet",
        "manifest.shard-1-of-2.parquet",
    ]
    assert len(calls) == 5
    run_generation(compose([*prompts, "run_id=whole"]))
    whole = Path(compose([*prompts, "run_id=whole"]).runtime.output_dir)
    assert videos_of(sharded) == videos_of(whole) and len(videos_of(whole)) == 5

    calls.clear()  # an unsharded run of the sharded folder merges the shards and makes nothing
    _, manifest, _ = run_generation(compose([*prompts, "run_id=sharded"]))
    assert calls == [] and len(manifest.table) == 5
    columns = ["prompt_id", "seed", "sha256", "config_hash", "frames"]
    merged = manifest.table[columns].sort_values("prompt_id").reset_index(drop=True)
    reference = (
        Manifest.load(whole / "manifest.parquet")
        .table[columns]
        .sort_values("prompt_id")
        .reset_index(drop=True)
    )
    pd.testing.assert_frame_equal(merged, reference)


def test_torchrun_environment_picks_the_shard(monkeypatch) -> None:
    cfg = compose()
    assert shard_of(cfg.model) == (0, 1)
    monkeypatch.setenv("WORLD_SIZE", "4")
    monkeypatch.setenv("RANK", "3")
    assert shard_of(cfg.model) == (3, 4)
    assert shard_of(compose(["model.shard=1/2"]).model) == (1, 2)  # explicit beats the environment


def test_a_sharded_eval_is_refused(run_dir: Path) -> None:
    with pytest.raises(ConfigError, match="a sharded run only generates"):
        run_eval(compose([*FAST, "model.shard=0/2"]))


def test_changed_settings_regenerate_and_replace_old_rows(run_dir: Path, calls) -> None:
    run_generation(compose([*FAST, "prompts.limit=2"]))
    _, manifest, _ = run_generation(compose([*FAST, "prompts.limit=2", "model.seed=7"]))
    assert len(calls) == 4 and len(manifest.table) == 2  # new seeds: made again, old rows gone
    calls.clear()
    run_generation(compose([*FAST, "prompts.limit=2", "model.seed=7", "model.steps=2"]))
    assert len(calls) == 2


def test_rewrite_in_the_generation_stage_counts_fallbacks(run_dir: Path) -> None:
    server = ChatServer()
    # The endpoint fails on prompts about the sea: those fall back to the original prompt.
    server.reply = lambda messages: (
        None if "ocean" in messages[-1]["content"].lower() else "A rewritten prompt."
    )
    try:
        overrides = [*FAST, "prompts.limit=6", "model.rewrite.mode=master", "model.rewrite.backend=openai",
                     f"model.rewrite.url={server.url}", "model.rewrite.api_model=m"]  # fmt: skip
        result = run_eval(compose(overrides))
    finally:
        server.close()
    manifest = result.manifest.table.set_index("prompt_id")
    fallback = manifest["rewrite_status"] == "fallback"
    ocean = manifest["prompt"].str.lower().str.contains("ocean")
    assert (fallback == ocean).all() and fallback.sum() >= 1 and (~fallback).sum() >= 1
    assert (manifest.loc[~fallback, "prompt_used"] == "A rewritten prompt.").all()
    assert manifest.loc[fallback, "prompt_used"].isna().all()
    report = (result.paths.output_dir / "report.md").read_text()
    assert (
        f"| prompt rewrite | {(~fallback).sum()} rewritten, {fallback.sum()} fell back to the original prompt"
        in report
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            ["model.num_frames=10"],
            r"model.height/width/num_frames: num_frames=10: the causal VAE makes 4k\+1 frames",
        ),
        (
            ["model=hyvideo", "model.weights=/no/ckpts", "model.height=544", "model.width=960"],
            r"model.weights: /no/ckpts/.*the transformer weights are missing; .*huggingface-cli download",
        ),
        (["runtime.dtype=bfloat16"], r"bfloat16 has no native support on this CPU"),
    ],
)
def test_generation_errors_are_one_line(run_dir: Path, overrides: list[str], message: str) -> None:
    import torch

    if "bfloat16" in overrides[0] and torch.ops.mkldnn._is_mkldnn_bf16_supported():
        pytest.skip("this CPU runs bf16 natively")
    with pytest.raises(ConfigError, match=message) as info:
        run_generation(compose([*FAST, "prompts.limit=1", *overrides]))
    assert "\n" not in str(info.value)


def test_a_failing_video_is_recorded_and_retried_on_the_next_run(run_dir: Path, calls, monkeypatch) -> None:
    cfg = compose([*FAST, "prompts.limit=3"])
    original = HunyuanVideoPipeline.__call__

    def flaky(self, prompt, *args, **kwargs):
        if len(calls) == 1:
            calls.append(prompt)
            raise RuntimeError("CUDA out of memory. Tried to allocate 20.00 GiB")
        return original(self, prompt, *args, **kwargs)

    monkeypatch.setattr(HunyuanVideoPipeline, "__call__", flaky)
    _, manifest, _ = run_generation(cfg)
    table = manifest.table.set_index("prompt_id")
    failed = table[table["status"] == "failed"]
    assert len(failed) == 1 and (table["status"] == "ok").sum() == 2
    assert failed["error"].iloc[0] == "RuntimeError: CUDA out of memory. Tried to allocate 20.00 GiB"
    assert failed["video_path"].isna().all()
    monkeypatch.setattr(HunyuanVideoPipeline, "__call__", original)
    _, manifest, _ = run_generation(cfg)
    assert (manifest.table["status"] == "ok").all() and len(manifest.table) == 3
