"""One denoising step (transformer forward + Euler update) at the mid-size config, against diffusers'
HunyuanVideoPipeline on the same weights, prompt embeddings and noise: time ratio (goal <= 1.0) and
achieved GFLOP/s as a share of the fp32 matmul peak measured in the same run.

`nox -s bench -- -k generation -s` prints a line per case. Under `nox -s tests` each case runs once
and only checks that both pipelines take the same step.
"""

from __future__ import annotations

import copy
import dataclasses

import pytest
import torch
from generation.peers import diffusers_pipeline
from tolerance import assert_fp32_agree
from transformer.peers import MID, build_pair

from hyvideo.pipeline import HunyuanVideoPipeline, SamplingConfig
from hyvideo.text_encoder import tiny_text_encoders
from hyvideo.vae import PRESETS as VAE_PRESETS
from hyvideo.vae import AutoencoderKLCausal3D

from .machine import describe_versus_peer, paired_median_seconds, peak_matmul_gflops, versus_peer
from .test_bench_transformer import forward_flops

# Latents 16 x 9 x 32 x 32 (a 33 x 256 x 256 video): 2,304 image tokens, the transformer's mid config.
STEP = SamplingConfig(height=256, width=256, num_frames=33, num_inference_steps=1, allow_any_size=True)
CASES = {"embedded-guidance": 1.0, "true-cfg": 5.0}
PROMPT = "A red fox trots across a snowy meadow at dawn, its breath steaming in the cold air."


@pytest.fixture(scope="module")
def pipelines():
    transformer, _ = build_pair(MID)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        vae = AutoencoderKLCausal3D(VAE_PRESETS["tiny"]).eval()
    encoders = tiny_text_encoders(1, llm_dim=MID.text_states_dim, clip_dim=MID.text_states_dim_2)
    ours = HunyuanVideoPipeline(transformer, vae, encoders)
    return ours, diffusers_pipeline(ours)


@pytest.mark.parametrize("case", list(CASES))
def test_bench_denoising_step_vs_diffusers(benchmark, pipelines, case: str) -> None:
    ours, theirs = pipelines
    config = dataclasses.replace(STEP, guidance_scale=CASES[case])
    text = ours.encode_prompt([PROMPT])
    negative = ours.encode_prompt([config.negative_prompt]) if config.guidance_scale > 1 else None
    noise = ours.initial_noise(config, seed=0)

    def our_step():
        return ours.sample(text, config, noise, negative)

    def their_step():
        extra = {}
        if negative is not None:
            extra = {
                "negative_prompt_embeds": negative.states,
                "negative_pooled_prompt_embeds": negative.pooled,
                "negative_prompt_attention_mask": negative.mask,
                "true_cfg_scale": config.guidance_scale,
            }
        with torch.inference_mode():
            return theirs(
                prompt_embeds=text.states,
                pooled_prompt_embeds=text.pooled,
                prompt_attention_mask=text.mask,
                height=config.height,
                width=config.width,
                num_frames=config.num_frames,
                num_inference_steps=1,
                guidance_scale=config.embedded_guidance_scale,
                latents=noise.clone(),
                output_type="latent",
                **extra,
            ).frames

    theirs.set_progress_bar_config(disable=True)
    result = benchmark.pedantic(our_step, rounds=5, warmup_rounds=1)
    # the same step in float64 measures our fp32 rounding error on this CPU, which sets the bound
    wide = dataclasses.replace(
        ours, transformer=copy.deepcopy(ours.transformer), vae=copy.deepcopy(ours.vae),
        text_encoders=copy.deepcopy(ours.text_encoders), dtype=torch.float64,
    )  # fmt: skip
    exact = wide.sample(text.to("cpu", torch.float64), config, noise.double(),
                        None if negative is None else negative.to("cpu", torch.float64))  # fmt: skip
    assert_fp32_agree(result, their_step(), exact)
    if benchmark.disabled:
        return
    peak = peak_matmul_gflops()
    seconds = paired_median_seconds({"ours": our_step, "diffusers": their_step}, 5)
    rows = [text] if negative is None else [negative, text]  # what the transformer sees in one step
    batch = {
        "x": noise.expand(len(rows), -1, -1, -1, -1),
        "t": torch.full((len(rows),), 1000.0),
        "text_states": torch.cat([r.states for r in rows]),
        "text_mask": torch.cat([r.mask for r in rows]),
        "text_states_2": torch.cat([r.pooled for r in rows]),
        "guidance": torch.full((len(rows),), 6000.0),
    }
    info = versus_peer(seconds, forward_flops(ours.transformer, batch, MID) / 1e9, peak)
    benchmark.extra_info.update(info)
    print(f"\n{case}: {describe_versus_peer(info)}")
