"""diffusers' HunyuanVideoPipeline assembled from the very modules of our tiny pipeline (the transformer's
weights converted to diffusers' names, the VAE's copied), for the end-to-end equivalence tests."""

from __future__ import annotations

import torch
from diffusers import FlowMatchEulerDiscreteScheduler, HunyuanVideoPipeline
from transformer.peers import diffusers_model
from vae.test_vae import diffusers_vae

from hyvideo.pipeline import HunyuanVideoPipeline as OurPipeline
from hyvideo.transformer.diffusers_keys import official_to_diffusers


def diffusers_pipeline(ours: OurPipeline, flow_shift: float = 7.0) -> HunyuanVideoPipeline:
    transformer = diffusers_model(ours.transformer.config).eval()
    transformer.load_state_dict(official_to_diffusers(ours.transformer.state_dict()), strict=True)
    vae = diffusers_vae(ours.vae.config).eval()
    vae.load_state_dict(ours.vae.state_dict(), strict=True)
    vae.use_tiling = False
    return HunyuanVideoPipeline(
        text_encoder=ours.text_encoders.llm.model,
        tokenizer=ours.text_encoders.llm.tokenizer,
        transformer=transformer,
        vae=vae,
        scheduler=FlowMatchEulerDiscreteScheduler(shift=flow_shift),
        text_encoder_2=ours.text_encoders.clip.model,
        tokenizer_2=ours.text_encoders.clip.tokenizer,
    )


def diffusers_latents(
    pipe: HunyuanVideoPipeline, ours: OurPipeline, prompt: str, seed: int, config, negative=None
):
    """diffusers' final latents for the same prompt, seed and schedule (output_type="latent")."""
    llm = ours.text_encoders.llm
    pipe.scheduler = FlowMatchEulerDiscreteScheduler(shift=config.flow_shift)
    return pipe(
        prompt=prompt,
        negative_prompt=negative,
        height=config.height,
        width=config.width,
        num_frames=config.num_frames,
        num_inference_steps=config.num_inference_steps,
        true_cfg_scale=config.guidance_scale,
        guidance_scale=config.embedded_guidance_scale,
        generator=torch.Generator().manual_seed(seed),
        output_type="latent",
        prompt_template={"template": llm.template, "crop_start": llm.crop_start},
        max_sequence_length=llm.text_len,
    ).frames
