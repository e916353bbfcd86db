"""HunyuanVideo, re-implemented with the official checkpoint's parameter names.

The model package knows nothing of the evaluation suite (it never imports `evalsuite`):

- `transformer/`: the diffusion transformer (`HYVideoDiffusionTransformer`, presets, weight loading);
- `vae/`: the causal 3D VAE (`AutoencoderKLCausal3D`, tiled);
- `text_encoder/`: the MLLM (Llama) and CLIP-L text encoders, and tiny random twins for tests;
- `scheduler.py`: the release's shifted flow-matching Euler sampler;
- `pipeline.py`: `HunyuanVideoPipeline`, prompt -> uint8 video; `factory.py` builds it from `ckpts/`
  (`from_release`) or tiny with seeded random weights (`tiny_random`);
- `rewrite/`: prompt rewrite (Normal and Master modes) through a local chat model or an endpoint.
"""

from hyvideo.pipeline import GenerationOutput, HunyuanVideoPipeline, SamplingConfig, VideoSizeError
from hyvideo.scheduler import FlowMatchEulerScheduler
from hyvideo.transformer import (
    CheckpointError,
    HYVideoDiffusionTransformer,
    TransformerConfig,
    get_nd_rotary_pos_embed,
    load_transformer,
)
from hyvideo.vae import AutoencoderKLCausal3D, VAEConfig, load_vae

__all__ = [
    "AutoencoderKLCausal3D",
    "CheckpointError",
    "FlowMatchEulerScheduler",
    "GenerationOutput",
    "HYVideoDiffusionTransformer",
    "HunyuanVideoPipeline",
    "SamplingConfig",
    "TransformerConfig",
    "VAEConfig",
    "VideoSizeError",
    "get_nd_rotary_pos_embed",
    "load_transformer",
    "load_vae",
]
