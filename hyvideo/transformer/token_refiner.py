"""The token refiner (`txt_in`, text_projection "single_refiner"): LLM hidden states -> transformer tokens.

Input projection of every token, then a few blocks of bidirectional self-attention restricted to the
valid text tokens, each branch gated by adaLN gates computed from c = t_embed(t) + c_embed(mean of the
valid text tokens).
"""

from __future__ import annotations

import torch
from torch import nn

from hyvideo.transformer.layers import (
    MLP,
    TextProjection,
    TimestepEmbedder,
    apply_gate,
    attention,
    get_activation_layer,
    qk_norm_layer,
    split_heads,
)


class IndividualTokenRefinerBlock(nn.Module):
    def __init__(
        self,
        hidden_size: int,
        heads_num: int,
        mlp_width_ratio: float = 4.0,
        act_type: str = "silu",
        qk_norm: bool = False,
        qk_norm_type: str = "layer",
        qkv_bias: bool = True,
        device=None,
        dtype=None,
    ):
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        self.heads_num = heads_num
        head_dim = hidden_size // heads_num
        act_layer = get_activation_layer(act_type)
        self.norm1 = nn.LayerNorm(hidden_size, elementwise_affine=True, eps=1e-6, **factory)
        self.self_attn_qkv = nn.Linear(hidden_size, hidden_size * 3, bias=qkv_bias, **factory)
        self.self_attn_q_norm = qk_norm_layer(qk_norm, qk_norm_type, head_dim, **factory)
        self.self_attn_k_norm = qk_norm_layer(qk_norm, qk_norm_type, head_dim, **factory)
        self.self_attn_proj = nn.Linear(hidden_size, hidden_size, bias=qkv_bias, **factory)
        self.norm2 = nn.LayerNorm(hidden_size, elementwise_affine=True, eps=1e-6, **factory)
        self.mlp = MLP(hidden_size, int(hidden_size * mlp_width_ratio), act_layer, **factory)
        self.adaLN_modulation = nn.Sequential(act_layer(), nn.Linear(hidden_size, 2 * hidden_size, **factory))

    def forward(self, x: torch.Tensor, c: torch.Tensor, attn_mask: torch.Tensor | None) -> torch.Tensor:
        gate_msa, gate_mlp = self.adaLN_modulation(c).chunk(2, dim=1)
        q, k, v = split_heads(self.self_attn_qkv(self.norm1(x)), self.heads_num)
        q = self.self_attn_q_norm(q).to(v)
        k = self.self_attn_k_norm(k).to(v)
        x = x + apply_gate(self.self_attn_proj(attention(q, k, v, attn_mask)), gate_msa)
        return x + apply_gate(self.mlp(self.norm2(x)), gate_mlp)


class IndividualTokenRefiner(nn.Module):
    def __init__(self, hidden_size: int, heads_num: int, depth: int, **block_kwargs):
        super().__init__()
        self.blocks = nn.ModuleList(
            [IndividualTokenRefinerBlock(hidden_size, heads_num, **block_kwargs) for _ in range(depth)]
        )

    def forward(self, x: torch.Tensor, c: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        self_attn_mask = None
        if mask is not None:
            # A token attends to a token only when both are valid. Key 0 is always allowed so that a padded
            # row has one key and SDPA never returns NaN (the release does the same).
            valid = mask.to(device=x.device, dtype=torch.bool)
            self_attn_mask = (valid[:, None, :, None] & valid[:, None, None, :]).clone()
            self_attn_mask[..., 0] = True
        for block in self.blocks:
            x = block(x, c, self_attn_mask)
        return x


class SingleTokenRefiner(nn.Module):
    def __init__(
        self,
        in_channels: int,
        hidden_size: int,
        heads_num: int,
        depth: int,
        mlp_width_ratio: float = 4.0,
        act_type: str = "silu",
        qk_norm: bool = False,
        qk_norm_type: str = "layer",
        qkv_bias: bool = True,
        device=None,
        dtype=None,
    ):
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        act_layer = get_activation_layer(act_type)
        self.input_embedder = nn.Linear(in_channels, hidden_size, bias=True, **factory)
        self.t_embedder = TimestepEmbedder(hidden_size, act_layer, **factory)
        self.c_embedder = TextProjection(in_channels, hidden_size, act_layer, **factory)
        self.individual_token_refiner = IndividualTokenRefiner(
            hidden_size,
            heads_num,
            depth,
            mlp_width_ratio=mlp_width_ratio,
            act_type=act_type,
            qk_norm=qk_norm,
            qk_norm_type=qk_norm_type,
            qkv_bias=qkv_bias,
            **factory,
        )

    def forward(self, x: torch.Tensor, t: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        if mask is None:
            context = x.mean(dim=1)
        else:
            weights = mask.float().unsqueeze(-1)
            context = ((x * weights).sum(dim=1) / weights.sum(dim=1)).to(x.dtype)
        c = self.t_embedder(t) + self.c_embedder(context)
        return self.individual_token_refiner(self.input_embedder(x), c, mask)
