"""HunyuanVideoPipeline: prompt -> (rewrite) -> text encoders -> flow-matching sampler -> VAE -> uint8 video.

    prompt --rewrite (optional)--> LLM states + mask, CLIP pooled vector
    noise (1, 16, (T-1)/4 + 1, H/8, W/8), from a CPU generator seeded per video (device-independent)
    N Euler steps of the transformer's velocity (embedded guidance x 1000 for the distilled model;
    true classifier-free guidance with a negative prompt when guidance_scale > 1, batched [neg, pos])
    latents / 0.476986 --VAE decode (tiled)--> video in [-1, 1] -> uint8 (T, H, W, 3)

The steps follow the release's sampler (`hyvideo/diffusion/pipelines/pipeline_hunyuan_video.py`); the
final latents equal diffusers' HunyuanVideoPipeline on the same weights and seed (tested to 1e-4).
Pixels are converted as the release saves them: clamp((x + 1) / 2, 0, 1) * 255, truncated to uint8.

Sizes: the release's 540p and 720p buckets (`SIZE_BUCKETS`) and 4k+1 frames; anything else is a
`VideoSizeError` naming the valid choices, unless `allow_any_size` (multiples of 16) is set for a model
trained at other sizes, such as the tiny preset.

Memory: `offload=True` keeps every module on the CPU and moves each to the device only while it runs
(text encoders, then the transformer, then the VAE): peak GPU memory is the largest module plus its
activations instead of all of them (for HunyuanVideo, ~26 GB for the transformer alone in bf16 instead
of ~45 GB with the 8B LLM resident).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from hyvideo.rewrite import PromptRewriter, RewriteResult
from hyvideo.scheduler import FlowMatchEulerScheduler
from hyvideo.text_encoder import NEGATIVE_PROMPT, EncodedPrompt, TextEncoders
from hyvideo.transformer import HYVideoDiffusionTransformer
from hyvideo.vae import AutoencoderKLCausal3D

log = logging.getLogger(__name__)

# (height, width) of the release's resolution buckets, for 129 frames and below.
SIZE_BUCKETS: dict[str, tuple[tuple[int, int], ...]] = {
    "540p": ((544, 960), (960, 544), (624, 832), (832, 624), (720, 720)),
    "720p": ((720, 1280), (1280, 720), (1104, 832), (832, 1104), (960, 960)),
}
SPATIAL_MULTIPLE = 16  # VAE 8x times the transformer's 2x2 patch


class VideoSizeError(ValueError):
    """A video size or frame count the model cannot make; the message names the valid ones."""


@dataclass(frozen=True)
class SamplingConfig:
    """How one video is sampled. The defaults are the release's for the t2v-720p model."""

    height: int = 720
    width: int = 1280
    num_frames: int = 129
    num_inference_steps: int = 50
    flow_shift: float = 7.0
    embedded_guidance_scale: float | None = 6.0  # the guidance-distilled model's conditioning
    guidance_scale: float = 1.0  # true classifier-free guidance when > 1 (uses negative_prompt)
    negative_prompt: str = NEGATIVE_PROMPT
    fps: int = 24
    allow_any_size: bool = False

    def check(self) -> None:
        if self.num_frames < 1 or (self.num_frames - 1) % 4:
            lower = max(1, (self.num_frames - 1) // 4 * 4 + 1)
            raise VideoSizeError(
                f"num_frames={self.num_frames}: the causal VAE makes 4k+1 frames; use {lower} or {lower + 4}"
            )
        size = (self.height, self.width)
        if self.allow_any_size:
            if (
                self.height % SPATIAL_MULTIPLE
                or self.width % SPATIAL_MULTIPLE
                or min(size) < SPATIAL_MULTIPLE
            ):
                raise VideoSizeError(
                    f"video size {self.height}x{self.width}: height and width must be positive multiples of {SPATIAL_MULTIPLE}"
                )
        elif not any(size in sizes for sizes in SIZE_BUCKETS.values()):
            listed = "; ".join(
                f"{name}: {', '.join(f'{h}x{w}' for h, w in sizes)}" for name, sizes in SIZE_BUCKETS.items()
            )
            raise VideoSizeError(
                f"video size {self.height}x{self.width} (HxW) is not one of the release's buckets ({listed}); "
                "pick one, or set allow_any_size for a model trained at other sizes"
            )

    @property
    def latent_shape(self) -> tuple[int, int, int, int]:
        return (16, (self.num_frames - 1) // 4 + 1, self.height // 8, self.width // 8)


@dataclass
class GenerationOutput:
    frames: np.ndarray  # (T, H, W, 3) uint8
    latents: torch.Tensor  # (1, 16, t, h, w) float32, the sampler's final (scaled) latents
    prompt: str  # the prompt the model was given (after any rewrite)
    rewrite: RewriteResult | None = None


@dataclass
class HunyuanVideoPipeline:
    transformer: HYVideoDiffusionTransformer
    vae: AutoencoderKLCausal3D
    text_encoders: TextEncoders
    device: torch.device | str = "cpu"
    dtype: torch.dtype = torch.float32
    offload: bool = False
    rewriter: PromptRewriter | None = None
    _placed: bool = field(default=False, init=False, repr=False)

    def __post_init__(self):
        self.device = torch.device(self.device)
        latent = self.vae.config.latent_channels
        if self.transformer.config.in_channels != latent:
            raise ValueError(
                f"transformer takes {self.transformer.config.in_channels} latent channels, the VAE makes {latent}"
            )

    # ---- placement ----
    def _modules(self) -> list[nn.Module]:
        return [*self.text_encoders.modules(), self.transformer, self.vae]

    @contextlib.contextmanager
    def _on_device(self, *modules: nn.Module) -> Iterator[None]:
        """Without offload, everything moves to the device once; with it, only `modules`, only now."""
        if not self.offload:
            if not self._placed:
                for module in self._modules():
                    module.to(self.device, self.dtype)
                self._placed = True
            yield
            return
        for module in modules:
            module.to(self.device, self.dtype)
        try:
            yield
        finally:
            for module in modules:
                module.to("cpu")

    # ---- stages ----
    def encode_prompt(self, prompts: list[str]) -> EncodedPrompt:
        with self._on_device(*self.text_encoders.modules()):
            return self.text_encoders.encode(prompts).to(self.device, self.dtype)

    def initial_noise(self, config: SamplingConfig, seed: int) -> torch.Tensor:
        generator = torch.Generator("cpu").manual_seed(seed)
        noise = torch.randn((1, *config.latent_shape), generator=generator, dtype=torch.float32)
        return noise.to(self.device)

    @torch.inference_mode()
    def sample(
        self,
        text: EncodedPrompt,
        config: SamplingConfig,
        latents: torch.Tensor,
        negative: EncodedPrompt | None = None,
        on_step: Callable[[int, int], None] | None = None,
    ) -> torch.Tensor:
        """Denoise `latents` (float32) over the schedule; returns the final latents (float32)."""
        scheduler = FlowMatchEulerScheduler(config.num_inference_steps, config.flow_shift)
        cfg = negative is not None
        if cfg:  # the release batches [negative, positive] into one call
            states = torch.cat((negative.states, text.states))
            mask = torch.cat((negative.mask, text.mask))
            pooled = torch.cat((negative.pooled, text.pooled))
        else:
            states, mask, pooled = text.states, text.mask, text.pooled
        batch = states.shape[0]
        guidance = None
        if config.embedded_guidance_scale is not None:
            guidance = torch.full((batch,), config.embedded_guidance_scale * 1000.0, device=self.device)
            guidance = guidance.to(self.dtype)
        with self._on_device(self.transformer):
            for index, t in enumerate(scheduler.timesteps.tolist()):
                model_input = latents.to(self.dtype).expand(batch, -1, -1, -1, -1)
                timestep = torch.full((batch,), t, device=self.device, dtype=self.dtype)
                velocity = self.transformer(
                    model_input, timestep, states, mask, pooled, guidance=guidance, return_dict=False
                )
                if cfg:
                    uncond, cond = velocity.chunk(2)
                    velocity = uncond + config.guidance_scale * (cond - uncond)
                latents = scheduler.step(velocity, index, latents)
                if on_step is not None:
                    on_step(index + 1, config.num_inference_steps)
        return latents

    @torch.inference_mode()
    def decode(self, latents: torch.Tensor) -> np.ndarray:
        """Scaled latents (1, 16, t, h, w) -> uint8 frames (T, H, W, 3), as the release saves them."""
        with self._on_device(self.vae):
            video = self.vae.decode_latents(latents.to(self.device, self.vae.dtype))
        video = ((video.float() / 2 + 0.5).clamp(0, 1) * 255).to(torch.uint8)
        return video[0].permute(1, 2, 3, 0).cpu().numpy()

    def __call__(
        self,
        prompt: str,
        seed: int,
        config: SamplingConfig | None = None,
        on_step: Callable[[int, int], None] | None = None,
    ) -> GenerationOutput:
        config = config or SamplingConfig()
        config.check()
        if not prompt or not prompt.strip():
            raise ValueError("the prompt is empty")
        rewrite = self.rewriter.rewrite(prompt) if self.rewriter is not None else None
        used = rewrite.prompt if rewrite is not None else prompt
        text = self.encode_prompt([used])
        negative = self.encode_prompt([config.negative_prompt]) if config.guidance_scale > 1 else None
        latents = self.sample(text, config, self.initial_noise(config, seed), negative, on_step)
        return GenerationOutput(self.decode(latents), latents.cpu(), used, rewrite)
