"""AutoencoderKLCausal3D: HunyuanVideo's causal 3D VAE ("884-16c-hy": 4x temporal, 8x8 spatial, 16 channels).

    video (B, 3, 4k+1, H, W) in [-1, 1]
      -> encoder: causal conv_in, 4 down blocks (space /2 in the first three, time /2 in the middle two),
         mid block (resnet, frame-causal attention, resnet), GroupNorm, SiLU, conv_out -> 2 x 16 channels
      -> quant_conv -> diagonal Gaussian posterior over latents (B, 16, k+1, H/8, W/8)
    latents -> post_quant_conv -> decoder (the mirror image, nearest upsampling) -> video

Parameter names equal the release's `pytorch_model.pt` (and diffusers' `AutoencoderKLHunyuanVideo`, which
kept them). Latents for the transformer are `posterior.mode() * scaling_factor` (0.476986); decode divides
by it first (`decode_latents`).

Causality: every convolution pads time on the past side only and the mid-block attention is causal by
frame, so frame 0 is encoded from frame 0 alone *by the convolutions*. As in the release, GroupNorm
statistics span all frames of the clip (or tile), so a later frame can shift frame 0's normalisation.

Memory (arithmetic in `tiling.py`): with tiling on (the default for anything larger than one tile),
decoding 720x1280x129 frames in fp16 takes about 4 GB, well inside a 24 GB GPU; untiled, a single
activation of the last up blocks would be 30-61 GB.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from hyvideo.vae.blocks import (
    CausalConv3d,
    DownEncoderBlockCausal3D,
    MidBlockCausal3D,
    UpDecoderBlockCausal3D,
)
from hyvideo.vae.tiling import TilingConfig, tiled_decode, tiled_encode


@dataclass(frozen=True)
class VAEConfig:
    """The fields of the release's `vae/config.json` that fix the architecture."""

    in_channels: int = 3
    out_channels: int = 3
    latent_channels: int = 16
    block_out_channels: tuple[int, ...] = (128, 256, 512, 512)
    layers_per_block: int = 2
    norm_num_groups: int = 32
    act_fn: str = "silu"
    scaling_factor: float = 0.476986
    time_compression_ratio: int = 4
    mid_block_add_attention: bool = True

    def __post_init__(self):
        if self.time_compression_ratio != 4:
            raise ValueError(
                f"time_compression_ratio {self.time_compression_ratio}: only 4 (the '884' VAE) is supported"
            )
        if self.act_fn != "silu":
            raise ValueError(f"act_fn {self.act_fn!r}: the release's VAE uses 'silu'")
        if len(self.block_out_channels) < 4:
            raise ValueError("block_out_channels needs 4 entries (8x spatial, 4x temporal compression)")
        bad = [c for c in self.block_out_channels if c % self.norm_num_groups]
        if bad:
            raise ValueError(
                f"block_out_channels {bad} not divisible by norm_num_groups {self.norm_num_groups}"
            )

    @property
    def spatial_compression_ratio(self) -> int:
        return 2 ** min(3, len(self.block_out_channels) - 1)

    @classmethod
    def from_json(cls, path: str | Path) -> VAEConfig:
        """Read the release's config.json (or diffusers', which names one field differently)."""
        raw = json.loads(Path(path).read_text())
        if "temporal_compression_ratio" in raw:
            raw.setdefault("time_compression_ratio", raw["temporal_compression_ratio"])
        fields = {f.name for f in dataclasses.fields(cls)}
        values = {k: (tuple(v) if isinstance(v, list) else v) for k, v in raw.items() if k in fields}
        return cls(**values)


PRESETS: dict[str, VAEConfig] = {
    "884-16c-hy": VAEConfig(),
    # CPU tests and the embedded default: same structure, 8-32 channels, random weights.
    "tiny": VAEConfig(block_out_channels=(8, 16, 32, 32), layers_per_block=1, norm_num_groups=4),
}


def _block_strides(cfg: VAEConfig) -> list[tuple[int, int, int] | None]:
    """Per block: the (t, h, w) factor of its down/upsampler, or None. Space in the first three
    blocks, time in the two before the last (the release's rule for time_compression_ratio 4)."""
    n = len(cfg.block_out_channels)
    strides = []
    for i in range(n):
        spatial = i < 3
        temporal = n - 3 <= i < n - 1
        strides.append(
            (2 if temporal else 1, 2 if spatial else 1, 2 if spatial else 1) if spatial or temporal else None
        )
    return strides


class EncoderCausal3D(nn.Module):
    def __init__(self, cfg: VAEConfig):
        super().__init__()
        channels, groups = cfg.block_out_channels, cfg.norm_num_groups
        self.conv_in = CausalConv3d(cfg.in_channels, channels[0], 3)
        self.down_blocks = nn.ModuleList(
            [
                DownEncoderBlockCausal3D(
                    channels[max(i - 1, 0)], channels[i], cfg.layers_per_block, groups, stride
                )
                for i, stride in enumerate(_block_strides(cfg))
            ]
        )
        self.mid_block = MidBlockCausal3D(channels[-1], groups, cfg.mid_block_add_attention)
        self.conv_norm_out = nn.GroupNorm(groups, channels[-1], eps=1e-6)
        self.conv_act = nn.SiLU()
        self.conv_out = CausalConv3d(channels[-1], 2 * cfg.latent_channels, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv_in(x)
        for block in self.down_blocks:
            x = block(x)
        x = self.mid_block(x)
        return self.conv_out(self.conv_act(self.conv_norm_out(x)))


class DecoderCausal3D(nn.Module):
    def __init__(self, cfg: VAEConfig):
        super().__init__()
        channels, groups = list(reversed(cfg.block_out_channels)), cfg.norm_num_groups
        self.conv_in = CausalConv3d(cfg.latent_channels, channels[0], 3)
        self.mid_block = MidBlockCausal3D(channels[0], groups, cfg.mid_block_add_attention)
        self.up_blocks = nn.ModuleList(
            [
                UpDecoderBlockCausal3D(
                    channels[max(i - 1, 0)], channels[i], cfg.layers_per_block + 1, groups, scale
                )
                for i, scale in enumerate(_block_strides(cfg))
            ]
        )
        self.conv_norm_out = nn.GroupNorm(groups, channels[-1], eps=1e-6)
        self.conv_act = nn.SiLU()
        self.conv_out = CausalConv3d(channels[-1], cfg.out_channels, 3)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        z = self.mid_block(self.conv_in(z))
        for block in self.up_blocks:
            z = block(z)
        return self.conv_out(self.conv_act(self.conv_norm_out(z)))


class DiagonalGaussianDistribution:
    """The posterior N(mean, exp(logvar)) with logvar clamped to [-30, 20], as in the release."""

    def __init__(self, parameters: torch.Tensor):
        self.mean, logvar = parameters.chunk(2, dim=1)
        self.logvar = logvar.clamp(-30.0, 20.0)
        self.std = torch.exp(0.5 * self.logvar)

    def mode(self) -> torch.Tensor:
        return self.mean

    def sample(self, generator: torch.Generator | None = None) -> torch.Tensor:
        noise = torch.randn(
            self.mean.shape, generator=generator, dtype=self.mean.dtype, device=self.mean.device
        )
        return self.mean + self.std * noise


class AutoencoderKLCausal3D(nn.Module):
    def __init__(self, config: VAEConfig | None = None):
        super().__init__()
        self.config = config or VAEConfig()
        latent = self.config.latent_channels
        self.encoder = EncoderCausal3D(self.config)
        self.decoder = DecoderCausal3D(self.config)
        self.quant_conv = nn.Conv3d(2 * latent, 2 * latent, kernel_size=1)
        self.post_quant_conv = nn.Conv3d(latent, latent, kernel_size=1)
        self.tiling: TilingConfig | None = TilingConfig()
        self.slicing = True  # one video of the batch at a time

    @property
    def dtype(self) -> torch.dtype:
        return self.quant_conv.weight.dtype

    # ---- checks: one line each, naming the fix ----
    def _check_video(self, x: torch.Tensor) -> None:
        cfg, s = self.config, self.config.spatial_compression_ratio
        if x.ndim != 5:
            raise ValueError(f"VAE input must be (B, C, T, H, W); got shape {tuple(x.shape)}")
        if x.shape[1] != cfg.in_channels:
            raise ValueError(f"VAE input has {x.shape[1]} channels; this VAE encodes {cfg.in_channels} (RGB)")
        if (x.shape[2] - 1) % cfg.time_compression_ratio:
            raise ValueError(
                f"VAE input has {x.shape[2]} frames; the causal VAE takes 4k+1 frames (1, 5, 9, ..., 129): "
                f"use {(x.shape[2] - 1) // 4 * 4 + 1} or {(x.shape[2] - 1) // 4 * 4 + 5}"
            )
        if x.shape[3] % s or x.shape[4] % s:
            raise ValueError(
                f"VAE input is {x.shape[3]}x{x.shape[4]}; height and width must be multiples of {s}"
            )
        self._check_dtype(x, "video")

    def _check_latents(self, z: torch.Tensor) -> None:
        if z.ndim != 5 or z.shape[1] != self.config.latent_channels:
            raise ValueError(
                f"latents must be (B, {self.config.latent_channels}, T, H, W); got shape {tuple(z.shape)}"
            )
        self._check_dtype(z, "latents")

    def _check_dtype(self, t: torch.Tensor, what: str) -> None:
        if t.dtype != self.dtype:
            hint = (
                "scale uint8 frames to [-1, 1] floats first"
                if not t.is_floating_point()
                else f"use .to({self.dtype})"
            )
            raise TypeError(f"{what} dtype {t.dtype} differs from the VAE's {self.dtype}; {hint}")

    # ---- encode / decode ----
    def _encode_one(self, x: torch.Tensor) -> torch.Tensor:
        if self.tiling is not None and self.tiling.applies_to_video(x.shape):
            return tiled_encode(self, x, self.tiling)
        return self.quant_conv(self.encoder(x))

    def _decode_one(self, z: torch.Tensor) -> torch.Tensor:
        if self.tiling is not None and self.tiling.applies_to_latents(z.shape, self.config):
            return tiled_decode(self, z, self.tiling)
        return self.decoder(self.post_quant_conv(z))

    def encode(self, x: torch.Tensor) -> DiagonalGaussianDistribution:
        """Video (B, 3, 4k+1, H, W) in [-1, 1] -> posterior over (B, 16, k+1, H/8, W/8)."""
        self._check_video(x)
        parts = [self._encode_one(v) for v in x.split(1)] if self.slicing else [self._encode_one(x)]
        return DiagonalGaussianDistribution(torch.cat(parts))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Unscaled latents (B, 16, k+1, h, w) -> video (B, 3, 4k+1, 8h, 8w), roughly in [-1, 1]."""
        self._check_latents(z)
        parts = [self._decode_one(v) for v in z.split(1)] if self.slicing else [self._decode_one(z)]
        return torch.cat(parts)

    def encode_latents(self, x: torch.Tensor) -> torch.Tensor:
        """The transformer's latents: posterior mode x scaling_factor."""
        return self.encode(x).mode() * self.config.scaling_factor

    def decode_latents(self, latents: torch.Tensor) -> torch.Tensor:
        return self.decode(latents / self.config.scaling_factor)
