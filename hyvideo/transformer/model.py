"""HYVideoDiffusionTransformer: HunyuanVideo's video diffusion transformer (the 13B "HYVideo-T/2").

    latents (B, 16, T, H, W) --img_in (3D conv, patch 1x2x2)--> image tokens
    LLM states (B, L, 4096) --txt_in (token refiner)----------> text tokens
    vec = time_in(t) + vector_in(pooled CLIP vector) [+ guidance_in(guidance)]
    20 dual-stream blocks (image / text weights apart, joint attention, RoPE on image tokens)
    -> concatenate -> 40 single-stream blocks -> final adaLN layer on the image tokens -> unpatchify

Parameter names and shapes equal the official checkpoint's, so `mp_rank_00_model_states.pt` loads
unchanged (see `hyvideo.transformer.checkpoint`). The constructor and `forward` take the release's
arguments. Deviations from the release, none of which changes an output:
- attention is torch SDPA with the text padding masked as keys, instead of flash-attn's variable-length
  kernel (image and valid text tokens see exactly what they see there);
- text padding beyond the longest valid prompt in the batch is cut before the blocks (it can reach no
  image token, so this only saves work);
- `forward` builds the RoPE tables itself (cached per grid) when `freqs_cos`/`freqs_sin` are not given.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from hyvideo.transformer.blocks import MMDoubleStreamBlock, MMSingleStreamBlock
from hyvideo.transformer.layers import (
    FinalLayer,
    MLPEmbedder,
    PatchEmbed,
    TextProjection,
    TimestepEmbedder,
    get_activation_layer,
)
from hyvideo.transformer.rope import rotary_pos_embed
from hyvideo.transformer.token_refiner import SingleTokenRefiner


@dataclass(frozen=True)
class TransformerConfig:
    """Everything that fixes the architecture. Field names are the release's constructor arguments, plus
    the text widths it reads from `args` and the RoPE theta it passes at sampling time."""

    patch_size: tuple[int, int, int] = (1, 2, 2)
    in_channels: int = 16
    out_channels: int = 16
    hidden_size: int = 3072
    heads_num: int = 24
    mlp_width_ratio: float = 4.0
    mlp_act_type: str = "gelu_tanh"
    mm_double_blocks_depth: int = 20
    mm_single_blocks_depth: int = 40
    rope_dim_list: tuple[int, ...] = (16, 56, 56)
    rope_theta: float = 256.0
    qkv_bias: bool = True
    qk_norm: bool = True
    qk_norm_type: str = "rms"
    guidance_embed: bool = False
    text_projection: str = "single_refiner"
    use_attention_mask: bool = True
    text_states_dim: int = 4096
    text_states_dim_2: int = 768
    refiner_depth: int = 2
    refiner_heads_num: int | None = field(default=None)  # None: heads_num, as in the release

    def __post_init__(self):
        head_dim, rem = divmod(self.hidden_size, self.heads_num)
        if rem:
            raise ValueError(f"hidden_size {self.hidden_size} is not divisible by heads_num {self.heads_num}")
        if sum(self.rope_dim_list) != head_dim:
            raise ValueError(f"rope_dim_list {list(self.rope_dim_list)} must sum to the head dim {head_dim}")
        if any(d % 2 for d in self.rope_dim_list):
            raise ValueError(f"rope_dim_list {list(self.rope_dim_list)} must hold even sizes")
        if self.text_projection not in ("single_refiner", "linear"):
            raise ValueError(f"text_projection {self.text_projection!r}: use 'single_refiner' or 'linear'")

    @property
    def head_dim(self) -> int:
        return self.hidden_size // self.heads_num

    def replace(self, **changes: Any) -> TransformerConfig:
        return dataclasses.replace(self, **changes)


# The release's presets (`HUNYUAN_VIDEO_CONFIG` in hyvideo/modules/models.py), at the latent width of the
# "884-16c-hy" VAE and the text widths of llava-llama-3-8b (4096) and CLIP-L (768); plus a tiny preset
# for CPU tests and the embedded default (random weights: it checks plumbing, it models nothing).
PRESETS: dict[str, TransformerConfig] = {
    "HYVideo-T/2": TransformerConfig(),
    "HYVideo-T/2-cfgdistill": TransformerConfig(guidance_embed=True),
    "tiny": TransformerConfig(
        hidden_size=64,
        heads_num=4,
        mm_double_blocks_depth=2,
        mm_single_blocks_depth=2,
        rope_dim_list=(4, 6, 6),
        guidance_embed=True,
        text_states_dim=64,
        text_states_dim_2=32,
    ),
}


def preset(name: str, **changes: Any) -> TransformerConfig:
    if name not in PRESETS:
        raise ValueError(f"unknown transformer preset {name!r}; use one of {sorted(PRESETS)}")
    return PRESETS[name].replace(**changes)


class HYVideoDiffusionTransformer(nn.Module):
    def __init__(
        self,
        args: Any = None,
        patch_size=(1, 2, 2),
        in_channels: int = 4,
        out_channels: int | None = None,
        hidden_size: int = 3072,
        heads_num: int = 24,
        mlp_width_ratio: float = 4.0,
        mlp_act_type: str = "gelu_tanh",
        mm_double_blocks_depth: int = 20,
        mm_single_blocks_depth: int = 40,
        rope_dim_list=(16, 56, 56),
        qkv_bias: bool = True,
        qk_norm: bool = True,
        qk_norm_type: str = "rms",
        guidance_embed: bool = False,
        text_projection: str = "single_refiner",
        use_attention_mask: bool = True,
        dtype: torch.dtype | None = None,
        device: torch.device | str | None = None,
        *,
        text_states_dim: int | None = None,
        text_states_dim_2: int | None = None,
        rope_theta: float | None = None,
        refiner_depth: int = 2,
        refiner_heads_num: int | None = None,
    ):
        """The release's signature: `args` is its argparse namespace, read for `text_states_dim`,
        `text_states_dim_2` and `rope_theta`; the keyword-only arguments stand in for it."""
        super().__init__()

        def from_args(name: str, given, default):
            return given if given is not None else getattr(args, name, default)

        self.config = TransformerConfig(
            patch_size=tuple(patch_size) if not isinstance(patch_size, int) else (1, patch_size, patch_size),
            in_channels=in_channels,
            out_channels=out_channels or in_channels,
            hidden_size=hidden_size,
            heads_num=heads_num,
            mlp_width_ratio=mlp_width_ratio,
            mlp_act_type=mlp_act_type,
            mm_double_blocks_depth=mm_double_blocks_depth,
            mm_single_blocks_depth=mm_single_blocks_depth,
            rope_dim_list=tuple(rope_dim_list),
            rope_theta=from_args("rope_theta", rope_theta, 256.0),
            qkv_bias=qkv_bias,
            qk_norm=qk_norm,
            qk_norm_type=qk_norm_type,
            guidance_embed=guidance_embed,
            text_projection=text_projection,
            use_attention_mask=use_attention_mask,
            text_states_dim=from_args("text_states_dim", text_states_dim, 4096),
            text_states_dim_2=from_args("text_states_dim_2", text_states_dim_2, 768),
            refiner_depth=refiner_depth,
            refiner_heads_num=refiner_heads_num,
        )
        cfg = self.config
        factory = {"device": device, "dtype": dtype}
        self.patch_size = list(cfg.patch_size)
        self.in_channels, self.out_channels = cfg.in_channels, cfg.out_channels
        self.unpatchify_channels = cfg.out_channels
        self.hidden_size, self.heads_num = cfg.hidden_size, cfg.heads_num
        self.rope_dim_list = list(cfg.rope_dim_list)
        self.guidance_embed = cfg.guidance_embed
        self.text_projection = cfg.text_projection
        self.use_attention_mask = cfg.use_attention_mask
        self._rope_cache: dict[tuple, tuple[torch.Tensor, torch.Tensor]] = {}
        silu = get_activation_layer("silu")

        self.img_in = PatchEmbed(cfg.patch_size, cfg.in_channels, cfg.hidden_size, **factory)
        if cfg.text_projection == "linear":
            self.txt_in = TextProjection(cfg.text_states_dim, cfg.hidden_size, silu, **factory)
        else:
            self.txt_in = SingleTokenRefiner(
                cfg.text_states_dim,
                cfg.hidden_size,
                cfg.refiner_heads_num or cfg.heads_num,
                depth=cfg.refiner_depth,
                **factory,
            )
        self.time_in = TimestepEmbedder(cfg.hidden_size, silu, **factory)
        self.vector_in = MLPEmbedder(cfg.text_states_dim_2, cfg.hidden_size, **factory)
        self.guidance_in = TimestepEmbedder(cfg.hidden_size, silu, **factory) if cfg.guidance_embed else None
        self.double_blocks = nn.ModuleList(
            [
                MMDoubleStreamBlock(
                    cfg.hidden_size,
                    cfg.heads_num,
                    mlp_width_ratio=cfg.mlp_width_ratio,
                    mlp_act_type=cfg.mlp_act_type,
                    qk_norm=cfg.qk_norm,
                    qk_norm_type=cfg.qk_norm_type,
                    qkv_bias=cfg.qkv_bias,
                    **factory,
                )
                for _ in range(cfg.mm_double_blocks_depth)
            ]
        )
        self.single_blocks = nn.ModuleList(
            [
                MMSingleStreamBlock(
                    cfg.hidden_size,
                    cfg.heads_num,
                    mlp_width_ratio=cfg.mlp_width_ratio,
                    mlp_act_type=cfg.mlp_act_type,
                    qk_norm=cfg.qk_norm,
                    qk_norm_type=cfg.qk_norm_type,
                    **factory,
                )
                for _ in range(cfg.mm_single_blocks_depth)
            ]
        )
        self.final_layer = FinalLayer(
            cfg.hidden_size, cfg.patch_size, cfg.out_channels, get_activation_layer("silu"), **factory
        )

    @classmethod
    def from_config(cls, config: TransformerConfig, dtype=None, device=None) -> HYVideoDiffusionTransformer:
        fields = dataclasses.asdict(config)
        keyword_only = {k: fields.pop(k) for k in ("text_states_dim", "text_states_dim_2", "rope_theta")}
        keyword_only.update(
            refiner_depth=fields.pop("refiner_depth"), refiner_heads_num=fields.pop("refiner_heads_num")
        )
        return cls(None, dtype=dtype, device=device, **fields, **keyword_only)

    def get_rotary_pos_embed(
        self, grid: tuple[int, int, int], device: torch.device | str = "cpu"
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(cos, sin) for a post-patch token grid (t, h, w), cached per grid and device."""
        key = (tuple(grid), str(device))
        if key not in self._rope_cache:
            cos, sin = rotary_pos_embed(self.config.rope_dim_list, tuple(grid), self.config.rope_theta)
            self._rope_cache[key] = (cos.to(device), sin.to(device))
        return self._rope_cache[key]

    def unpatchify(self, x: torch.Tensor, t: int, h: int, w: int) -> torch.Tensor:
        """(B, t*h*w, pt*ph*pw*C) -> (B, C, t*pt, h*ph, w*pw)."""
        c = self.unpatchify_channels
        pt, ph, pw = self.patch_size
        x = x.reshape(x.shape[0], t, h, w, c, pt, ph, pw)
        x = torch.einsum("nthwcopq->nctohpwq", x)
        return x.reshape(x.shape[0], c, t * pt, h * ph, w * pw)

    def forward(
        self,
        x: torch.Tensor,
        t: torch.Tensor,
        text_states: torch.Tensor | None = None,
        text_mask: torch.Tensor | None = None,
        text_states_2: torch.Tensor | None = None,
        freqs_cos: torch.Tensor | None = None,
        freqs_sin: torch.Tensor | None = None,
        guidance: torch.Tensor | None = None,
        return_dict: bool = True,
    ) -> dict[str, torch.Tensor] | torch.Tensor:
        """Predict the flow-matching velocity for latents x (B, C, T, H, W) at timesteps t (B,) in [0, 1000].

        text_states (B, L, text_states_dim) with text_mask (B, L) (1 = valid, valid tokens first);
        text_states_2 (B, text_states_dim_2) is the pooled CLIP vector; guidance (B,) is the embedded
        guidance scale x 1000, required by the guidance-distilled model.
        """
        cfg = self.config
        if text_states is None or text_states_2 is None:
            raise ValueError("text_states and text_states_2 are required")
        if x.ndim != 5 or x.shape[1] != cfg.in_channels:
            raise ValueError(f"x must be (B, {cfg.in_channels}, T, H, W); got {tuple(x.shape)}")
        pt, ph, pw = cfg.patch_size
        _, _, ot, oh, ow = x.shape
        if ot % pt or oh % ph or ow % pw:
            raise ValueError(
                f"latent size {(ot, oh, ow)} is not divisible by the patch size {cfg.patch_size}"
            )
        tt, th, tw = ot // pt, oh // ph, ow // pw
        t = torch.as_tensor(t, device=x.device)
        if t.ndim == 0:  # one timestep for the whole batch
            t = t.expand(x.shape[0])
        if text_mask is None:
            text_mask = torch.ones(text_states.shape[:2], dtype=torch.long, device=text_states.device)
        elif self.use_attention_mask:
            # Padding after the longest prompt reaches no valid token: drop it rather than compute it.
            lengths = text_mask.sum(dim=1)
            if bool((lengths == 0).any()):
                raise ValueError("text_mask has a row with no valid token; every prompt needs at least one")
            longest = int(lengths.max())
            text_states, text_mask = text_states[:, :longest], text_mask[:, :longest]

        vec = self.time_in(t) + self.vector_in(text_states_2.to(self.vector_in.in_layer.weight.dtype))
        if self.guidance_in is not None:
            if guidance is None:
                raise ValueError("this guidance-distilled model needs `guidance` (the guidance scale x 1000)")
            vec = vec + self.guidance_in(guidance)

        img = self.img_in(x)
        if self.text_projection == "linear":
            txt = self.txt_in(text_states)
        else:
            txt = self.txt_in(text_states, t, text_mask if self.use_attention_mask else None)

        if freqs_cos is None or freqs_sin is None:
            freqs_cos, freqs_sin = self.get_rotary_pos_embed((tt, th, tw), device=x.device)
        freqs_cis = (freqs_cos.to(x.device), freqs_sin.to(x.device))
        img_len, txt_len = img.shape[1], txt.shape[1]
        key_mask = None
        if not bool(text_mask.all()):
            valid = torch.cat((text_mask.new_ones(text_mask.shape[0], img_len), text_mask), dim=1).bool()
            key_mask = valid[:, None, None, :]

        for block in self.double_blocks:
            img, txt = block(img, txt, vec, key_mask, freqs_cis)
        tokens = torch.cat((img, txt), dim=1)
        for block in self.single_blocks:
            tokens = block(tokens, vec, txt_len, key_mask, freqs_cis)
        img = self.final_layer(tokens[:, :img_len], vec)
        out = self.unpatchify(img, tt, th, tw)
        return {"x": out} if return_dict else out
