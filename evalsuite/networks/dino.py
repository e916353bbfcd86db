"""DINO ViT-B/16 (Caron et al., 2021), as `facebookresearch/dino`'s `vision_transformer.py` builds it.

Plain modules with the release's parameter names (`patch_embed.proj`, `blocks.N.attn.qkv`, ...), so
`dino_vitbase16_pretrain.pth` loads unchanged. The forward pass returns the final-norm CLS token, what
`torch.hub.load('facebookresearch/dino:main', 'dino_vitb16')` returns and VBench's subject consistency
uses. Inputs of any size work as in DINO: the position embedding is resized with DINO's own bicubic
`interpolate_pos_encoding` (scale factors with DINO's +0.1 offset), since VBench feeds 224-px-short-side
frames without cropping.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class DinoConfig:
    patch_size: int = 16
    embed_dim: int = 768
    depth: int = 12
    num_heads: int = 12
    mlp_ratio: float = 4.0
    image_size: int = 224


class Attention(nn.Module):
    def __init__(self, dim: int, num_heads: int):
        super().__init__()
        self.num_heads = num_heads
        self.qkv = nn.Linear(dim, dim * 3, bias=True)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, tokens, dim = x.shape
        qkv = (
            self.qkv(x)
            .reshape(batch, tokens, 3, self.num_heads, dim // self.num_heads)
            .permute(2, 0, 3, 1, 4)
        )
        out = nn.functional.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2])
        return self.proj(out.transpose(1, 2).reshape(batch, tokens, dim))


class Mlp(nn.Module):
    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(x)))


class Block(nn.Module):
    def __init__(self, dim: int, num_heads: int, mlp_ratio: float):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, num_heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class PatchEmbed(nn.Module):
    def __init__(self, patch_size: int, embed_dim: int):
        super().__init__()
        self.patch_size = patch_size
        self.proj = nn.Conv2d(3, embed_dim, kernel_size=patch_size, stride=patch_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x).flatten(2).transpose(1, 2)


class DinoViT(nn.Module):
    def __init__(self, config: DinoConfig = DinoConfig()):
        super().__init__()
        self.config = config
        num_patches = (config.image_size // config.patch_size) ** 2
        self.patch_embed = PatchEmbed(config.patch_size, config.embed_dim)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, config.embed_dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, num_patches + 1, config.embed_dim))
        self.blocks = nn.ModuleList(
            Block(config.embed_dim, config.num_heads, config.mlp_ratio) for _ in range(config.depth)
        )
        self.norm = nn.LayerNorm(config.embed_dim, eps=1e-6)
        self.head = nn.Identity()

    def interpolate_pos_encoding(self, x: torch.Tensor, height: int, width: int) -> torch.Tensor:
        """DINO's resize of the position grid to a `height`×`width` input (same arithmetic as the release)."""
        npatch = x.shape[1] - 1
        grid = self.pos_embed.shape[1] - 1
        if npatch == grid and height == width:
            return self.pos_embed
        class_pos = self.pos_embed[:, 0]
        patch_pos = self.pos_embed[:, 1:]
        dim = x.shape[-1]
        h0 = height // self.config.patch_size + 0.1  # DINO's offset against float error in the scale factor
        w0 = width // self.config.patch_size + 0.1
        side = math.sqrt(grid)
        patch_pos = nn.functional.interpolate(
            patch_pos.reshape(1, int(side), int(side), dim).permute(0, 3, 1, 2),
            scale_factor=(h0 / side, w0 / side),
            mode="bicubic",
        )
        if int(h0) != patch_pos.shape[-2] or int(w0) != patch_pos.shape[-1]:
            raise ValueError(
                f"position grid resized to {tuple(patch_pos.shape[-2:])}, expected {(int(h0), int(w0))}"
            )
        patch_pos = patch_pos.permute(0, 2, 3, 1).reshape(1, -1, dim)
        return torch.cat((class_pos.unsqueeze(0), patch_pos), dim=1)

    def embed_images(self, images: torch.Tensor) -> torch.Tensor:
        return self(images)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Normalised B×3×H×W images -> B×D CLS features (after the final LayerNorm)."""
        _, _, height, width = images.shape
        x = self.patch_embed(images)
        x = torch.cat((self.cls_token.expand(x.shape[0], -1, -1), x), dim=1)
        x = x + self.interpolate_pos_encoding(x, height, width)
        for block in self.blocks:
            x = block(x)
        return self.norm(x)[:, 0]


def load_dino_state_dict(model: DinoViT, state: dict) -> None:
    """Load the release's checkpoint (a bare state dict; `teacher`/`student` wrappers are unwrapped)."""
    for key in ("teacher", "student", "state_dict", "model"):
        if key in state and isinstance(state[key], dict):
            state = state[key]
            break
    state = {k.removeprefix("module.").removeprefix("backbone."): v for k, v in state.items()}
    state = {k: v for k, v in state.items() if not k.startswith("head.")}
    model.load_state_dict(state, strict=True)
