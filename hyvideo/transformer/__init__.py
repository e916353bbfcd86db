"""HunyuanVideo's diffusion transformer (MMDiT), its 3D RoPE, presets, weight loading and diffusers keys."""

from hyvideo.transformer.checkpoint import CheckpointError, load_transformer, read_state_dict
from hyvideo.transformer.diffusers_keys import diffusers_to_official, official_to_diffusers
from hyvideo.transformer.model import PRESETS, HYVideoDiffusionTransformer, TransformerConfig, preset
from hyvideo.transformer.rope import get_nd_rotary_pos_embed

__all__ = [
    "PRESETS",
    "CheckpointError",
    "HYVideoDiffusionTransformer",
    "TransformerConfig",
    "diffusers_to_official",
    "get_nd_rotary_pos_embed",
    "load_transformer",
    "official_to_diffusers",
    "preset",
    "read_state_dict",
]
