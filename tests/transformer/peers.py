"""Our transformer and diffusers' HunyuanVideoTransformer3DModel built from one config and one set of
random weights (diffusers' weights converted into the release's names), plus matching random inputs."""

from __future__ import annotations

import torch

from hyvideo.transformer import PRESETS, HYVideoDiffusionTransformer, TransformerConfig
from hyvideo.transformer.diffusers_keys import diffusers_to_official

TINY = PRESETS["tiny"]  # hidden 64 = 4 heads x 16, RoPE split 4 + 6 + 6, 2 + 2 blocks
# The mid-size config of the issue: hidden 256, 2 + 2 blocks.
MID = TINY.replace(hidden_size=256, rope_dim_list=(16, 24, 24), text_states_dim=256, text_states_dim_2=64)


def diffusers_model(cfg: TransformerConfig):
    from diffusers import HunyuanVideoTransformer3DModel

    return HunyuanVideoTransformer3DModel(
        in_channels=cfg.in_channels,
        out_channels=cfg.out_channels,
        num_attention_heads=cfg.heads_num,
        attention_head_dim=cfg.head_dim,
        num_layers=cfg.mm_double_blocks_depth,
        num_single_layers=cfg.mm_single_blocks_depth,
        num_refiner_layers=cfg.refiner_depth,
        mlp_ratio=cfg.mlp_width_ratio,
        patch_size=cfg.patch_size[1],
        patch_size_t=cfg.patch_size[0],
        guidance_embeds=cfg.guidance_embed,
        text_embed_dim=cfg.text_states_dim,
        pooled_projection_dim=cfg.text_states_dim_2,
        rope_theta=cfg.rope_theta,
        rope_axes_dim=cfg.rope_dim_list,
    )


def build_pair(cfg: TransformerConfig, seed: int = 0, scale: float = 0.1):
    """(ours, diffusers') in eval mode with identical random weights. Every parameter is drawn at
    `scale` (norm weights around 1) so that no branch is zero-initialised away from the comparison."""
    torch.manual_seed(seed)
    theirs = diffusers_model(cfg).eval()
    generator = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for name, param in theirs.named_parameters():
            noise = torch.randn(param.shape, generator=generator) * scale
            is_norm_gain = param.ndim == 1 and "norm" in name and ".linear." not in name
            param.copy_(noise + 1 if is_norm_gain else noise)
    ours = HYVideoDiffusionTransformer.from_config(cfg).eval()
    ours.load_state_dict(diffusers_to_official(theirs.state_dict()), strict=True)
    return ours, theirs


def inputs(cfg: TransformerConfig, latent=(3, 8, 8), text_len=7, valid=(7, 4), seed: int = 2):
    """Latents, timesteps, text states, a left-aligned text mask with `valid` tokens per row, the pooled
    vector and the guidance (x 1000); the batch size is len(valid)."""
    g = torch.Generator().manual_seed(seed)
    batch = len(valid)
    mask = torch.zeros(batch, text_len, dtype=torch.long)
    for row, n in enumerate(valid):
        mask[row, :n] = 1
    return {
        "x": torch.randn(batch, cfg.in_channels, *latent, generator=g),
        "t": torch.linspace(300.0, 900.0, batch),
        "text_states": torch.randn(batch, text_len, cfg.text_states_dim, generator=g),
        "text_mask": mask,
        "text_states_2": torch.randn(batch, cfg.text_states_dim_2, generator=g),
        "guidance": torch.full((batch,), 6000.0) if cfg.guidance_embed else None,
    }


def run_ours(model, batch) -> torch.Tensor:
    return model(**batch)["x"]


def run_diffusers(model, batch) -> torch.Tensor:
    return model(
        hidden_states=batch["x"],
        timestep=batch["t"],
        encoder_hidden_states=batch["text_states"],
        encoder_attention_mask=batch["text_mask"],
        pooled_projections=batch["text_states_2"],
        guidance=batch["guidance"],
    ).sample
