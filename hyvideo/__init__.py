"""HunyuanVideo, re-implemented with the official checkpoint's parameter names.

The model package knows nothing of the evaluation suite (it never imports `evalsuite`). So far: the
diffusion transformer (`HYVideoDiffusionTransformer`, presets, weight loading, the 3D RoPE builder) and
the causal 3D VAE (`AutoencoderKLCausal3D`, tiled). The text encoders and the sampler arrive with their
own issue; until then the suite evaluates videos made by any system through the `videos_dir` model.
"""

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
    "HYVideoDiffusionTransformer",
    "TransformerConfig",
    "VAEConfig",
    "get_nd_rotary_pos_embed",
    "load_transformer",
    "load_vae",
]
