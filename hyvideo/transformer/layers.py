"""The small layers the HunyuanVideo transformer is built from, with the release's attribute names.

Every class here keeps the official module's parameter names (`mlp.0`, `in_layer`, `linear`, `fc1`, ...)
so that a state dict saved by the release loads without renaming.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn


def get_activation_layer(act_type: str) -> Callable[[], nn.Module]:
    """A constructor for the activation the release names by string."""
    layers: dict[str, Callable[[], nn.Module]] = {
        "gelu": nn.GELU,
        "gelu_tanh": lambda: nn.GELU(approximate="tanh"),
        "relu": nn.ReLU,
        "silu": nn.SiLU,
    }
    if act_type not in layers:
        raise ValueError(f"unknown activation {act_type!r}; use one of {sorted(layers)}")
    return layers[act_type]


class RMSNorm(nn.Module):
    """x / sqrt(mean(x^2) + eps) * weight, computed in fp32 and cast back (as the release does)."""

    def __init__(self, dim: int, elementwise_affine: bool = True, eps: float = 1e-6, device=None, dtype=None):
        super().__init__()
        self.eps = eps
        if elementwise_affine:
            self.weight = nn.Parameter(torch.ones(dim, device=device, dtype=dtype))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        xf = x.float()
        out = (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + self.eps)).type_as(x)
        if hasattr(self, "weight"):
            out = out * self.weight
        return out


def get_norm_layer(norm_type: str) -> type[nn.Module]:
    if norm_type == "layer":
        return nn.LayerNorm
    if norm_type == "rms":
        return RMSNorm
    raise ValueError(f"unknown norm type {norm_type!r}; use 'layer' or 'rms'")


def qk_norm_layer(enabled: bool, norm_type: str, head_dim: int, device=None, dtype=None) -> nn.Module:
    """The per-head norm on queries or keys, or Identity when the model has none."""
    if not enabled:
        return nn.Identity()
    return get_norm_layer(norm_type)(head_dim, elementwise_affine=True, eps=1e-6, device=device, dtype=dtype)


def modulate(x: torch.Tensor, shift: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """adaLN: x * (1 + scale) + shift, with per-sample (B, C) scale and shift broadcast over tokens."""
    return x * (1 + scale.unsqueeze(1)) + shift.unsqueeze(1)


def apply_gate(x: torch.Tensor, gate: torch.Tensor) -> torch.Tensor:
    return x * gate.unsqueeze(1)


def timestep_embedding(t: torch.Tensor, dim: int, max_period: float = 10000.0) -> torch.Tensor:
    """Sinusoidal embedding [cos, sin] of (possibly fractional) timesteps t of shape (B,) -> (B, dim)."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    args = t[:, None].float() * freqs[None]
    embedding = torch.cat([torch.cos(args), torch.sin(args)], dim=-1)
    if dim % 2:
        embedding = torch.cat([embedding, torch.zeros_like(embedding[:, :1])], dim=-1)
    return embedding


class TimestepEmbedder(nn.Module):
    """Sinusoidal features of a scalar (the timestep, or the guidance scale x 1000) through an MLP."""

    def __init__(
        self,
        hidden_size: int,
        act_layer: Callable[[], nn.Module],
        frequency_embedding_size: int = 256,
        max_period: float = 10000.0,
        out_size: int | None = None,
        device=None,
        dtype=None,
    ):
        super().__init__()
        self.frequency_embedding_size = frequency_embedding_size
        self.max_period = max_period
        out_size = out_size or hidden_size
        self.mlp = nn.Sequential(
            nn.Linear(frequency_embedding_size, hidden_size, device=device, dtype=dtype),
            act_layer(),
            nn.Linear(hidden_size, out_size, device=device, dtype=dtype),
        )

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        t_freq = timestep_embedding(t, self.frequency_embedding_size, self.max_period)
        return self.mlp(t_freq.to(self.mlp[0].weight.dtype))


class MLPEmbedder(nn.Module):
    """`vector_in`: the pooled CLIP text vector -> hidden size (in_layer, SiLU, out_layer)."""

    def __init__(self, in_dim: int, hidden_dim: int, device=None, dtype=None):
        super().__init__()
        self.in_layer = nn.Linear(in_dim, hidden_dim, device=device, dtype=dtype)
        self.silu = nn.SiLU()
        self.out_layer = nn.Linear(hidden_dim, hidden_dim, device=device, dtype=dtype)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out_layer(self.silu(self.in_layer(x)))


class TextProjection(nn.Module):
    """Two linear layers with an activation between them (`linear_1`, `act_1`, `linear_2`)."""

    def __init__(self, in_channels: int, hidden_size: int, act_layer, device=None, dtype=None):
        super().__init__()
        self.linear_1 = nn.Linear(in_channels, hidden_size, device=device, dtype=dtype)
        self.act_1 = act_layer()
        self.linear_2 = nn.Linear(hidden_size, hidden_size, device=device, dtype=dtype)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear_2(self.act_1(self.linear_1(x)))


class MLP(nn.Module):
    """fc1 -> activation -> fc2 (the release's MLP without dropout or an inner norm, which it never uses)."""

    def __init__(self, in_channels: int, hidden_channels: int, act_layer, device=None, dtype=None):
        super().__init__()
        self.fc1 = nn.Linear(in_channels, hidden_channels, device=device, dtype=dtype)
        self.act = act_layer()
        self.fc2 = nn.Linear(hidden_channels, in_channels, device=device, dtype=dtype)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(x)))


class ModulateDiT(nn.Module):
    """`factor` adaLN vectors (shift, scale, gate, ...) from the conditioning vector: linear(SiLU(vec))."""

    def __init__(self, hidden_size: int, factor: int, act_layer, device=None, dtype=None):
        super().__init__()
        self.act = act_layer()
        self.linear = nn.Linear(hidden_size, factor * hidden_size, device=device, dtype=dtype)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(self.act(x))


class PatchEmbed(nn.Module):
    """Latent video (B, C, T, H, W) -> tokens (B, T/pt * H/ph * W/pw, hidden) by a strided 3D convolution."""

    def __init__(self, patch_size, in_chans: int, embed_dim: int, device=None, dtype=None):
        super().__init__()
        patch_size = tuple(patch_size) if not isinstance(patch_size, int) else (patch_size,) * 3
        self.patch_size = patch_size
        self.proj = nn.Conv3d(
            in_chans, embed_dim, kernel_size=patch_size, stride=patch_size, device=device, dtype=dtype
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x).flatten(2).transpose(1, 2)


class FinalLayer(nn.Module):
    """adaLN (shift, scale) on a parameter-free LayerNorm, then a linear to patch pixels x out channels."""

    def __init__(self, hidden_size: int, patch_size, out_channels: int, act_layer, device=None, dtype=None):
        super().__init__()
        self.norm_final = nn.LayerNorm(
            hidden_size, elementwise_affine=False, eps=1e-6, device=device, dtype=dtype
        )
        patch_volume = math.prod(patch_size) if not isinstance(patch_size, int) else patch_size**2
        self.linear = nn.Linear(hidden_size, patch_volume * out_channels, device=device, dtype=dtype)
        self.adaLN_modulation = nn.Sequential(
            act_layer(), nn.Linear(hidden_size, 2 * hidden_size, device=device, dtype=dtype)
        )

    def forward(self, x: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        shift, scale = self.adaLN_modulation(c).chunk(2, dim=1)
        return self.linear(modulate(self.norm_final(x), shift=shift, scale=scale))


def split_heads(qkv: torch.Tensor, heads: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(B, L, 3*H*D) laid out as [q | k | v], each head-major -> q, k, v of shape (B, L, H, D)."""
    batch, length, _ = qkv.shape
    q, k, v = qkv.view(batch, length, 3, heads, -1).unbind(2)
    return q, k, v


def attention(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, key_mask: torch.Tensor | None = None
) -> torch.Tensor:
    """Full attention with torch SDPA on (B, L, H, D) tensors -> (B, L, H*D).

    `key_mask` (B, 1, 1 or L, L) of bool, True = attend. The release runs flash-attn's variable-length
    kernel, in which an image or valid text token never sees text padding; masking padded keys gives those
    tokens the same result. (Padded query rows differ from the release, which lets padding attend only to
    padding, but they never reach a valid token.)
    """
    out = F.scaled_dot_product_attention(
        q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), attn_mask=key_mask
    )
    return out.transpose(1, 2).flatten(2)
