"""The whole sampler against diffusers' HunyuanVideoPipeline on tiny components, the schedule, determinism,
sizes and module placement."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from diffusers import FlowMatchEulerDiscreteScheduler

from generation.peers import diffusers_latents, diffusers_pipeline
from hyvideo.factory import from_release, tiny_random
from hyvideo.pipeline import SamplingConfig, VideoSizeError
from hyvideo.scheduler import FlowMatchEulerScheduler
from hyvideo.weights import CheckpointError

SMALL = SamplingConfig(height=32, width=48, num_frames=9, num_inference_steps=6, allow_any_size=True)
TOLERANCE = 1e-4


@pytest.fixture(scope="module")
def tiny():
    return tiny_random(seed=3)


@pytest.fixture(scope="module")
def theirs(tiny):
    return diffusers_pipeline(tiny)


def our_latents(pipe, prompt: str, seed: int, config: SamplingConfig) -> torch.Tensor:
    text = pipe.encode_prompt([prompt])
    negative = pipe.encode_prompt([config.negative_prompt]) if config.guidance_scale > 1 else None
    return pipe.sample(text, config, pipe.initial_noise(config, seed), negative)


@pytest.mark.parametrize("steps", [1, 6])
@pytest.mark.parametrize("shift", [1.0, 7.0])
def test_schedule_equals_diffusers(steps: int, shift: float) -> None:
    ours = FlowMatchEulerScheduler(steps, shift)
    theirs = FlowMatchEulerDiscreteScheduler(shift=shift)
    theirs.set_timesteps(sigmas=np.linspace(1.0, 0.0, steps + 1)[:-1])
    torch.testing.assert_close(ours.sigmas, theirs.sigmas, rtol=0, atol=1e-6)
    torch.testing.assert_close(ours.timesteps, theirs.timesteps, rtol=1e-6, atol=0)  # one float32 ulp
    assert ours.sigmas[0] == 1 and ours.sigmas[-1] == 0


def test_shift_spends_steps_at_high_noise() -> None:
    sigmas = FlowMatchEulerScheduler(10, 7.0).sigmas
    assert bool((sigmas[:-1] > sigmas[1:]).all())
    assert float(sigmas[5]) == pytest.approx(7 * 0.5 / (1 + 6 * 0.5))  # the SD3 shift at the midpoint


@pytest.mark.parametrize(
    ("prompt", "config"),
    [
        ("a red fox runs through fresh snow", SMALL),
        ("two koi fish circle in a pond", SMALL.__class__(**{**SMALL.__dict__, "num_frames": 1})),
        ("a paper boat on a rainy street", SMALL.__class__(**{**SMALL.__dict__, "flow_shift": 1.0})),
        ("a lighthouse at night", SMALL.__class__(**{**SMALL.__dict__, "guidance_scale": 4.0})),
    ],
    ids=["embedded-guidance", "single-frame", "no-shift", "true-cfg"],
)
def test_final_latents_equal_diffusers_pipeline(tiny, theirs, prompt: str, config: SamplingConfig) -> None:
    ours = our_latents(tiny, prompt, seed=11, config=config)
    negative = config.negative_prompt if config.guidance_scale > 1 else None
    reference = diffusers_latents(theirs, tiny, prompt, seed=11, config=config, negative=negative)
    assert ours.shape == reference.shape == (1, *config.latent_shape)
    assert float(ours.std()) > 0.1  # latents of order 1: the bound below is not met trivially
    assert float((ours - reference).abs().max()) <= TOLERANCE


def test_same_seed_same_video_other_seed_other_video(tiny) -> None:
    first = tiny("a cat on a mat", seed=5, config=SMALL)
    again = tiny("a cat on a mat", seed=5, config=SMALL)
    other = tiny("a cat on a mat", seed=6, config=SMALL)
    assert first.frames.dtype == np.uint8 and first.frames.shape == (9, 32, 48, 3)
    assert np.array_equal(first.frames, again.frames)
    assert not np.array_equal(first.frames, other.frames)


def test_decoded_frames_follow_the_release_conversion(tiny) -> None:
    latents = torch.randn(1, *SMALL.latent_shape, generator=torch.Generator().manual_seed(0))
    with torch.inference_mode():  # the VAE's inference kernels, as in the pipeline
        video = tiny.vae.decode(latents / tiny.vae.config.scaling_factor)
    expected = ((video / 2 + 0.5).clamp(0, 1) * 255).to(torch.uint8)[0].permute(1, 2, 3, 0).numpy()
    assert np.array_equal(tiny.decode(latents), expected)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"num_frames": 10, "allow_any_size": True}, r"4k\+1 frames; use 9 or 13"),
        ({"height": 40, "allow_any_size": True}, "multiples of 16"),
        ({"height": 512, "width": 512}, "not one of the release's buckets"),
    ],
)
def test_invalid_sizes_name_the_valid_ones(changes: dict, message: str) -> None:
    with pytest.raises(VideoSizeError, match=message):
        SamplingConfig(**changes).check()


@pytest.mark.parametrize("size", [(720, 1280), (544, 960), (960, 960), (832, 624)])
def test_release_buckets_are_accepted(size) -> None:
    SamplingConfig(height=size[0], width=size[1], num_frames=129).check()


def test_offload_moves_each_module_only_while_it_runs(tiny, monkeypatch) -> None:
    """With offload, every stage moves its own modules to the device and back to the CPU afterwards."""
    moves: list[tuple[str, str]] = []
    names = {id(m): n for n, m in [("llm", tiny.text_encoders.llm.model), ("clip", tiny.text_encoders.clip.model),
                                    ("transformer", tiny.transformer), ("vae", tiny.vae)]}  # fmt: skip
    original = torch.nn.Module.to

    def spy(self, *args, **kwargs):
        if id(self) in names:
            moves.append((names[id(self)], str(args[0])))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(torch.nn.Module, "to", spy)
    monkeypatch.setattr(tiny, "offload", True)
    tiny("a cat", seed=0, config=SMALL)
    assert moves == [
        ("llm", "cpu"), ("clip", "cpu"), ("llm", "cpu"), ("clip", "cpu"),  # encode: to device, back
        ("transformer", "cpu"), ("transformer", "cpu"),
        ("vae", "cpu"), ("vae", "cpu"),
    ]  # fmt: skip


def test_missing_weights_name_the_file_and_the_fix(tmp_path) -> None:
    with pytest.raises(
        CheckpointError,
        match=r"mp_rank_00_model_states.pt: the transformer weights are missing; .*huggingface-cli download",
    ):
        from_release(tmp_path / "ckpts")


def test_empty_prompt_is_refused(tiny) -> None:
    with pytest.raises(ValueError, match="prompt is empty"):
        tiny("  ", seed=0, config=SMALL)
