"""VideoMAE v2 (Wang et al., CVPR 2023) ViT-g/14, the feature network of content-debiased FVD (Ge et al.,
"On the Content Bias in Fréchet Video Distance", CVPR 2024), as cd-fvd builds it: the video transformer
of VideoMAE v2's fine-tuning code, self-supervised on UnlabeledHybrid and fine-tuned on SSv2
(`vit_g_hybrid_pt_1200e_ssv2_ft.pth`, {"module": state dict} or {"model": ...}).

Layout (module names follow that file, so it loads strictly): 2×14×14 tubelets embedded by a Conv3d,
fixed sinusoidal position codes (not in the file), 40 pre-norm blocks whose qkv projection has a query and
a value bias but no key bias, LayerNorm eps 1e-6, and the mean of the tokens through `fc_norm`: cd-fvd's
`forward_features`, 1408-d. The SSv2 head (174 classes) is loaded and never run. Clips must have the
16 frames the position codes were made for (cd-fvd's interpolation for other lengths is not carried).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class VideoMAEConfig:
    embed_dim: int = 1408
    depth: int = 40
    num_heads: int = 16
    mlp_hidden: int = 6144  # int(1408 * 48 / 11)
    patch: int = 14
    tubelet: int = 2
    frames: int = 16
    image_size: int = 224
    num_classes: int = 174


def sinusoid_table(positions: int, dim: int) -> torch.Tensor:
    """The transformer's fixed position code, computed in float64 and stored as float32, as the
    reference builds it: angle = pos / 10000^(2·(j // 2) / dim), sine on even j, cosine on odd j."""
    pos = np.arange(positions, dtype=np.float64)[:, None]
    j = np.arange(dim)
    angles = pos / np.power(10000, 2 * (j // 2) / dim)
    angles[:, 0::2] = np.sin(angles[:, 0::2])
    angles[:, 1::2] = np.cos(angles[:, 1::2])
    return torch.tensor(angles, dtype=torch.float32).unsqueeze(0)


class Attention(nn.Module):
    def __init__(self, dim: int, num_heads: int):
        super().__init__()
        self.num_heads = num_heads
        self.qkv = nn.Linear(dim, dim * 3, bias=False)
        self.q_bias = nn.Parameter(torch.zeros(dim))
        self.v_bias = nn.Parameter(torch.zeros(dim))
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, tokens, dim = x.shape
        bias = torch.cat([self.q_bias, torch.zeros_like(self.v_bias), self.v_bias])
        qkv = F.linear(x, self.qkv.weight, bias).reshape(batch, tokens, 3, self.num_heads, -1)
        q, k, v = qkv.permute(2, 0, 3, 1, 4)
        # The reference scales q before q·kᵀ and takes an explicit softmax; SDPA computes the same
        # attention without the tokens² matrix per head in memory (2048 tokens: 268 MB per clip).
        out = F.scaled_dot_product_attention(q, k, v, scale=1.0 / math.sqrt(q.shape[-1]))
        return self.proj(out.transpose(1, 2).reshape(batch, tokens, dim))


class Mlp(nn.Module):
    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(F.gelu(self.fc1(x)))


class Block(nn.Module):
    def __init__(self, config: VideoMAEConfig):
        super().__init__()
        self.norm1 = nn.LayerNorm(config.embed_dim, eps=1e-6)
        self.attn = Attention(config.embed_dim, config.num_heads)
        self.norm2 = nn.LayerNorm(config.embed_dim, eps=1e-6)
        self.mlp = Mlp(config.embed_dim, config.mlp_hidden)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class PatchEmbed(nn.Module):
    def __init__(self, config: VideoMAEConfig):
        super().__init__()
        kernel = (config.tubelet, config.patch, config.patch)
        self.proj = nn.Conv3d(3, config.embed_dim, kernel_size=kernel, stride=kernel)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x).flatten(2).transpose(1, 2)


class VideoMAEv2(nn.Module):
    """Clips B×3×16×224×224 (values as cd-fvd feeds them: [0, 1], no mean/std) -> B×1408 features."""

    def __init__(self, config: VideoMAEConfig | None = None):
        super().__init__()
        self.config = config = config or VideoMAEConfig()
        self.patch_embed = PatchEmbed(config)
        tokens = (config.frames // config.tubelet) * (config.image_size // config.patch) ** 2
        self.register_buffer("pos_embed", sinusoid_table(tokens, config.embed_dim), persistent=False)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.depth))
        self.fc_norm = nn.LayerNorm(config.embed_dim, eps=1e-6)
        self.head = nn.Linear(config.embed_dim, config.num_classes)

    def forward_features(self, clips: torch.Tensor) -> torch.Tensor:
        c = self.config
        if tuple(clips.shape[2:]) != (c.frames, c.image_size, c.image_size):
            raise ValueError(
                f"VideoMAE v2 takes clips of {c.frames}×{c.image_size}×{c.image_size}, got "
                f"{tuple(clips.shape[2:])}"
            )
        x = self.patch_embed(clips) + self.pos_embed
        for block in self.blocks:
            x = block(x)
        return self.fc_norm(x.mean(1))

    def embed_clips(self, clips: torch.Tensor) -> torch.Tensor:
        return self.forward_features(clips)


def load_videomae(path: Path | None, config: VideoMAEConfig | None = None) -> VideoMAEv2:
    """ViT-g/14 with the weights of `path`, strictly; random when None."""
    model = VideoMAEv2(config)
    if path is not None:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
        for key in ("model", "module"):  # cd-fvd's unwrapping order
            if key in checkpoint:
                checkpoint = checkpoint[key]
                break
        model.load_state_dict(checkpoint)
    return model
