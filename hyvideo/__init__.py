"""HunyuanVideo, re-implemented with the official checkpoint's parameter names.

The model package knows nothing of the evaluation suite (it never imports `evalsuite`). Here so far:
the diffusion transformer (`HYVideoDiffusionTransformer`, its presets and weight loading) and the 3D
RoPE builder. The causal 3D VAE, the text encoders and the sampler arrive with their own issues; until
then the suite evaluates videos made by any system through the `videos_dir` model.
"""

from hyvideo.transformer import (
    PRESETS,
    CheckpointError,
    HYVideoDiffusionTransformer,
    TransformerConfig,
    get_nd_rotary_pos_embed,
    load_transformer,
)

__all__ = [
    "PRESETS",
    "CheckpointError",
    "HYVideoDiffusionTransformer",
    "TransformerConfig",
    "get_nd_rotary_pos_embed",
    "load_transformer",
]
