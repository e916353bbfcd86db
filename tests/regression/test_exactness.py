"""The exactness layer: the committed golden file reproduces; deliberately broken model changes (RoPE
off, guidance ignored, the VAE scaling factor off) fail it with a message naming what moved; float
noise within tolerance passes; a missing or damaged golden file is a one-line error."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import torch

from evalsuite.config import compose
from evalsuite.pipeline.generate import build_pipeline
from evalsuite.regression import exactness
from evalsuite.regression.exactness import GoldenError, compare, generate_outputs, load_golden, save_golden

ROOT = Path(__file__).resolve().parents[2]
SMALL = ["model=hyvideo_tiny", "runtime.progress=false", "prompts.limit=3"]
NATIVE_BF16 = torch.ops.mkldnn._is_mkldnn_bf16_supported()


@pytest.fixture(scope="module")
def small():
    cfg = compose(SMALL)
    return cfg, generate_outputs(cfg)


@pytest.fixture(scope="module")
def small_by_dtype(small):
    """A golden run per dtype, written in that dtype (bf16 only where the CPU runs it natively)."""
    goldens = {"float32": small}

    def get(dtype: str):
        if dtype == "bfloat16" and not NATIVE_BF16:
            pytest.skip("this CPU has no native bf16 (it would run tens of times slower than fp32)")
        if dtype not in goldens:
            cfg = compose([*SMALL, f"runtime.dtype={dtype}"])
            goldens[dtype] = (cfg, generate_outputs(cfg))
        return goldens[dtype]

    return get


def broken(cfg, change: str):
    pipeline = build_pipeline(exactness.regression_model(cfg), cfg.runtime)
    if change == "rope off":  # every token at position 0: cos 1, sin 0
        pipeline.transformer.get_rotary_pos_embed = lambda grid, device="cpu": (
            torch.ones(int(np.prod(grid)), sum(pipeline.transformer.rope_dim_list)),
            torch.zeros(int(np.prod(grid)), sum(pipeline.transformer.rope_dim_list)),
        )
    elif change == "guidance ignored":  # the embedded guidance scale never reaches the model
        pipeline.transformer.guidance_in.register_forward_hook(
            lambda module, args, out: torch.zeros_like(out)
        )
    elif change == "vae scaling off":
        pipeline.vae.config = dataclasses.replace(
            pipeline.vae.config, scaling_factor=0.5
        )  # release: 0.476986
    return pipeline


def test_the_committed_golden_file_reproduces() -> None:
    cfg = compose(["model=hyvideo_tiny", "runtime.progress=false"])
    golden = load_golden(ROOT / cfg.regression.golden)
    comparison = compare(golden, generate_outputs(cfg), exactness.tolerance_for(cfg), "float32")
    assert comparison.passed, comparison.markdown()
    assert len(golden.prompt_ids) == 24 and golden.meta["model"]["preset"] == "tiny"


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_a_rerun_in_the_same_dtype_passes(small_by_dtype, dtype) -> None:
    cfg, golden = small_by_dtype(dtype)
    assert compare(golden, generate_outputs(cfg), exactness.tolerance_for(cfg), dtype).passed


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
@pytest.mark.parametrize(
    ("change", "moved", "unchanged"),
    [
        ("rope off", {"latents", "frames"}, set()),
        ("guidance ignored", {"latents", "frames"}, set()),
        ("vae scaling off", {"frames"}, {"latents"}),  # the sampler is untouched: only the decode moves
    ],
)
def test_a_broken_model_change_fails_and_names_what_moved(
    small_by_dtype, dtype, change, moved, unchanged
) -> None:
    cfg, golden = small_by_dtype(dtype)
    tolerance = exactness.tolerance_for(cfg)
    if (dtype, change) == ("bfloat16", "rope off"):
        moved = {"latents"}  # its frame change (at most 11 grey levels) is within bf16's decode drift
    current = generate_outputs(cfg, pipeline=broken(cfg, change))
    comparison = compare(golden, current, tolerance, dtype)
    assert not comparison.passed
    names = set(comparison.moved()["quantity"])
    assert moved <= names and not (unchanged & names), comparison.markdown()
    line = comparison.summary_line()
    assert line.startswith(f"exactness: FAILED, moved beyond the {dtype} tolerances: ")
    for quantity in moved:
        assert f"{quantity} (3/3 prompts, max |Δ| " in line


def test_a_golden_file_of_another_dtype_is_refused(small, tmp_path) -> None:
    cfg, outputs = small
    bf16 = compose([*SMALL, "runtime.dtype=bfloat16", f"regression.golden={tmp_path / 'g.npz'}"])
    path = exactness.golden_path(bf16)
    assert (
        path == tmp_path / "g.bfloat16.npz"
        and exactness.golden_path(cfg).name == "hyvideo-tiny__embedded.npz"
    )
    save_golden(path, outputs)  # an fp32 run saved under the bf16 name
    with pytest.raises(GoldenError, match=r"g\.bfloat16\.npz: written in float32, this run is bfloat16; .*"
                       r"`nox -s regression -- runtime\.dtype=bfloat16 --update-golden`"):  # fmt: skip
        exactness.check_golden_dtype(load_golden(path, "bfloat16"), "bfloat16", path)
    exactness.check_golden_dtype(load_golden(path), "float32", path)  # the same dtype: fine


def test_float_noise_within_tolerance_passes(small) -> None:
    cfg, golden = small
    noisy = dataclasses.replace(
        golden,
        latents={p: v + np.float32(5e-6) for p, v in golden.latents.items()},
        frames={p: v.copy() for p, v in golden.frames.items()},
    )
    first = golden.prompt_ids[0]
    noisy.frames[first][0, 0, 0, 0] ^= 1  # one pixel one grey level off
    assert compare(golden, noisy, exactness.tolerance_for(cfg), "float32").passed
    noisy.frames[first][0, :4, :4, :] ^= 1  # 48 pixels: above 0.1% of a 9×32×48×3 video
    comparison = compare(golden, noisy, exactness.tolerance_for(cfg), "float32")
    assert set(comparison.moved()["quantity"]) == {"frames"}


def test_golden_round_trip_and_errors(small, tmp_path) -> None:
    cfg, outputs = small
    path = tmp_path / "golden.npz"
    save_golden(path, outputs)
    again = load_golden(path)
    assert again.prompt_ids == outputs.prompt_ids and again.meta == outputs.meta
    assert compare(outputs, again, exactness.tolerance_for(cfg), "float32").passed
    with pytest.raises(GoldenError, match=r"no golden file; run `nox -s regression -- --update-golden`"):
        load_golden(tmp_path / "none.npz")
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(GoldenError, match=r"golden\.npz: unreadable golden file"):
        load_golden(path)


def test_prompt_set_changes_fail(small) -> None:
    cfg, golden = small
    fewer = dataclasses.replace(golden, prompt_ids=golden.prompt_ids[:2])
    comparison = compare(golden, fewer, exactness.tolerance_for(cfg), "float32")
    assert not comparison.passed and comparison.missing == golden.prompt_ids[2:]
    assert "prompt set changed (1 missing, 0 new)" in comparison.summary_line()
