"""The two block types of the MMDiT: dual-stream (image and text weights apart) and single-stream."""

from __future__ import annotations

import torch
from torch import nn

from hyvideo.transformer.layers import (
    MLP,
    ModulateDiT,
    apply_gate,
    attention,
    get_activation_layer,
    modulate,
    qk_norm_layer,
    split_heads,
)
from hyvideo.transformer.rope import apply_rotary_emb

Rope = tuple[torch.Tensor, torch.Tensor]


class MMDoubleStreamBlock(nn.Module):
    """Image and text tokens keep their own modulation, QKV, output projection and MLP, and meet in one
    joint attention over [image; text]. RoPE rotates the image queries and keys only."""

    def __init__(
        self,
        hidden_size: int,
        heads_num: int,
        mlp_width_ratio: float,
        mlp_act_type: str = "gelu_tanh",
        qk_norm: bool = True,
        qk_norm_type: str = "rms",
        qkv_bias: bool = False,
        device=None,
        dtype=None,
    ):
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        self.heads_num = heads_num
        head_dim = hidden_size // heads_num
        mlp_hidden_dim = int(hidden_size * mlp_width_ratio)
        silu = get_activation_layer("silu")
        mlp_act = get_activation_layer(mlp_act_type)
        for stream in ("img", "txt"):
            setattr(self, f"{stream}_mod", ModulateDiT(hidden_size, 6, silu, **factory))
            setattr(
                self,
                f"{stream}_norm1",
                nn.LayerNorm(hidden_size, elementwise_affine=False, eps=1e-6, **factory),
            )
            setattr(
                self, f"{stream}_attn_qkv", nn.Linear(hidden_size, hidden_size * 3, bias=qkv_bias, **factory)
            )
            setattr(self, f"{stream}_attn_q_norm", qk_norm_layer(qk_norm, qk_norm_type, head_dim, **factory))
            setattr(self, f"{stream}_attn_k_norm", qk_norm_layer(qk_norm, qk_norm_type, head_dim, **factory))
            setattr(
                self, f"{stream}_attn_proj", nn.Linear(hidden_size, hidden_size, bias=qkv_bias, **factory)
            )
            setattr(
                self,
                f"{stream}_norm2",
                nn.LayerNorm(hidden_size, elementwise_affine=False, eps=1e-6, **factory),
            )
            setattr(self, f"{stream}_mlp", MLP(hidden_size, mlp_hidden_dim, mlp_act, **factory))

    def _qkv(self, stream: str, x: torch.Tensor, shift: torch.Tensor, scale: torch.Tensor):
        x = modulate(getattr(self, f"{stream}_norm1")(x), shift=shift, scale=scale)
        q, k, v = split_heads(getattr(self, f"{stream}_attn_qkv")(x), self.heads_num)
        return (
            getattr(self, f"{stream}_attn_q_norm")(q).to(v),
            getattr(self, f"{stream}_attn_k_norm")(k).to(v),
            v,
        )

    def _residuals(self, stream: str, x: torch.Tensor, attn: torch.Tensor, mods) -> torch.Tensor:
        _, _, gate1, shift2, scale2, gate2 = mods
        x = x + apply_gate(getattr(self, f"{stream}_attn_proj")(attn), gate1)
        h = modulate(getattr(self, f"{stream}_norm2")(x), shift=shift2, scale=scale2)
        return x + apply_gate(getattr(self, f"{stream}_mlp")(h), gate2)

    def _joint_attention(self, img, txt, img_mods, txt_mods, key_mask, freqs_cis):
        # Its own method so that q, k and v are freed before the MLPs run (peak memory).
        img_q, img_k, img_v = self._qkv("img", img, img_mods[0], img_mods[1])
        txt_q, txt_k, txt_v = self._qkv("txt", txt, txt_mods[0], txt_mods[1])
        if freqs_cis is not None:
            img_q = apply_rotary_emb(img_q, *freqs_cis)
            img_k = apply_rotary_emb(img_k, *freqs_cis)
        attn = attention(
            torch.cat((img_q, txt_q), dim=1),
            torch.cat((img_k, txt_k), dim=1),
            torch.cat((img_v, txt_v), dim=1),
            key_mask,
        )
        return attn[:, : img.shape[1]], attn[:, img.shape[1] :]

    def forward(
        self,
        img: torch.Tensor,
        txt: torch.Tensor,
        vec: torch.Tensor,
        key_mask: torch.Tensor | None = None,
        freqs_cis: Rope | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        img_mods = self.img_mod(vec).chunk(6, dim=-1)
        txt_mods = self.txt_mod(vec).chunk(6, dim=-1)
        img_attn, txt_attn = self._joint_attention(img, txt, img_mods, txt_mods, key_mask, freqs_cis)
        img = self._residuals("img", img, img_attn, img_mods)
        return img, self._residuals("txt", txt, txt_attn, txt_mods)


class MMSingleStreamBlock(nn.Module):
    """One stream over [image; text]: `linear1` gives QKV and the MLP input in parallel, `linear2` maps
    [attention; GELU(mlp)] back, one gated residual. RoPE rotates the image part only."""

    def __init__(
        self,
        hidden_size: int,
        heads_num: int,
        mlp_width_ratio: float = 4.0,
        mlp_act_type: str = "gelu_tanh",
        qk_norm: bool = True,
        qk_norm_type: str = "rms",
        device=None,
        dtype=None,
    ):
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        self.hidden_size = hidden_size
        self.heads_num = heads_num
        head_dim = hidden_size // heads_num
        self.mlp_hidden_dim = int(hidden_size * mlp_width_ratio)
        self.linear1 = nn.Linear(hidden_size, hidden_size * 3 + self.mlp_hidden_dim, **factory)
        self.linear2 = nn.Linear(hidden_size + self.mlp_hidden_dim, hidden_size, **factory)
        self.q_norm = qk_norm_layer(qk_norm, qk_norm_type, head_dim, **factory)
        self.k_norm = qk_norm_layer(qk_norm, qk_norm_type, head_dim, **factory)
        self.pre_norm = nn.LayerNorm(hidden_size, elementwise_affine=False, eps=1e-6, **factory)
        self.mlp_act = get_activation_layer(mlp_act_type)()
        self.modulation = ModulateDiT(hidden_size, 3, get_activation_layer("silu"), **factory)

    def forward(
        self,
        x: torch.Tensor,
        vec: torch.Tensor,
        txt_len: int,
        key_mask: torch.Tensor | None = None,
        freqs_cis: Rope | None = None,
    ) -> torch.Tensor:
        shift, scale, gate = self.modulation(vec).chunk(3, dim=-1)
        x_mod = modulate(self.pre_norm(x), shift=shift, scale=scale)
        qkv, mlp = torch.split(self.linear1(x_mod), [3 * self.hidden_size, self.mlp_hidden_dim], dim=-1)
        mlp = self.mlp_act(mlp)
        q, k, v = split_heads(qkv, self.heads_num)
        # New tensors for q, k and v let the wide linear1 output be freed before attention (peak memory).
        q = self.q_norm(q).to(v)
        k = self.k_norm(k).to(v)
        v = v.contiguous()
        del qkv
        if freqs_cis is not None:
            img_len = x.shape[1] - txt_len
            q = torch.cat((apply_rotary_emb(q[:, :img_len], *freqs_cis), q[:, img_len:]), dim=1)
            k = torch.cat((apply_rotary_emb(k[:, :img_len], *freqs_cis), k[:, img_len:]), dim=1)
        output = self.linear2(torch.cat((attention(q, k, v, key_mask), mlp), dim=2))
        return x + apply_gate(output, gate)
