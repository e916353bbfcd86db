"""3D rotary position embedding over the (t, h, w) latent grid, in the release's real (cos, sin) layout.

The head dimension is split by `rope_dim_list` ([16, 56, 56] in the release) and each part rotates by
the token's position along one axis with frequencies theta^(-2i/d) (theta = 256). cos and sin have shape
(T*H*W, head_dim) with each frequency repeated twice, matching the interleaved (real, imag) pairs that
`apply_rotary_emb` rotates. Built once per grid shape: `rotary_pos_embed` is cached.
"""

from __future__ import annotations

from functools import lru_cache

import torch


def get_1d_rotary_pos_embed(
    dim: int, pos: torch.Tensor | int, theta: float = 10000.0, theta_rescale_factor: float = 1.0
) -> tuple[torch.Tensor, torch.Tensor]:
    """cos and sin (len(pos), dim) for one axis, each frequency repeated for its (real, imag) pair."""
    if isinstance(pos, int):
        pos = torch.arange(pos, dtype=torch.float32)
    if theta_rescale_factor != 1.0:
        theta *= theta_rescale_factor ** (dim / (dim - 2))
    freqs = 1.0 / (theta ** (torch.arange(0, dim, 2)[: dim // 2].float() / dim))
    angles = torch.outer(pos.float(), freqs)
    return angles.cos().repeat_interleave(2, dim=1), angles.sin().repeat_interleave(2, dim=1)


def get_nd_rotary_pos_embed(
    rope_dim_list, sizes, theta: float = 10000.0, theta_rescale_factor: float = 1.0
) -> tuple[torch.Tensor, torch.Tensor]:
    """cos and sin (prod(sizes), sum(rope_dim_list)) for a grid of `sizes`, row-major (t slowest)."""
    if len(rope_dim_list) != len(sizes):
        raise ValueError(f"rope_dim_list {list(rope_dim_list)} and grid {list(sizes)} differ in length")
    axes = [torch.arange(n, dtype=torch.float32) for n in sizes]
    grid = torch.stack(torch.meshgrid(*axes, indexing="ij"), dim=0)
    parts = [
        get_1d_rotary_pos_embed(dim, grid[i].reshape(-1), theta, theta_rescale_factor)
        for i, dim in enumerate(rope_dim_list)
    ]
    return torch.cat([c for c, _ in parts], dim=1), torch.cat([s for _, s in parts], dim=1)


@lru_cache(maxsize=32)
def rotary_pos_embed(
    rope_dim_list: tuple[int, ...], sizes: tuple[int, ...], theta: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """The cached fp32 CPU (cos, sin) for one grid; a sampler's 50 steps build it once."""
    return get_nd_rotary_pos_embed(list(rope_dim_list), list(sizes), theta=theta)


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    """(.., 2i) -> -x(2i+1), (.., 2i+1) -> x(2i): multiplication by i on interleaved (real, imag) pairs."""
    real, imag = x.unflatten(-1, (-1, 2)).unbind(-1)
    return torch.stack([-imag, real], dim=-1).flatten(-2)


def apply_rotary_emb(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate x (B, L, H, D) by position: x*cos + rotate_half(x)*sin in fp32, cast back to x's dtype.

    cos and sin are (L, D).
    """
    xf = x.float()
    cos, sin = cos[None, :, None, :], sin[None, :, None, :]
    return (xf * cos + rotate_half(xf) * sin).type_as(x)
