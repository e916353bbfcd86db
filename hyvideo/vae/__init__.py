"""HunyuanVideo's causal 3D VAE ("884-16c-hy"), tiled encode/decode, and its weight loading."""

from hyvideo.vae.checkpoint import load_vae, read_vae_state_dict
from hyvideo.vae.model import PRESETS, AutoencoderKLCausal3D, DiagonalGaussianDistribution, VAEConfig
from hyvideo.vae.tiling import TilingConfig

__all__ = [
    "PRESETS",
    "AutoencoderKLCausal3D",
    "DiagonalGaussianDistribution",
    "TilingConfig",
    "VAEConfig",
    "load_vae",
    "read_vae_state_dict",
]
