"""Tiled encode and decode: overlapping tiles in space and time, blended linearly across each overlap.

The scheme is the release's (and diffusers', which copied it), with diffusers' default sizes: spatial
tiles of 256x256 pixels every 192 (32x32 latents every 24), temporal tiles of 16+1 frames every 12
(4+1 latent frames every 3). Within an overlap of n samples the later tile's weight ramps 0, 1/n, ...,
(n-1)/n; tiles are blended in place in raster order, so a tile's overlap reads its neighbour *after*
that neighbour's own blending, as in the release.

Memory arithmetic for decoding 720x1280x129 frames in fp16 (latents 16x33x90x160):
- untiled, the last up blocks hold 256 channels x 129 x 720 x 1280 x 2 B = 61 GB per activation: no GPU;
- a temporal tile decodes 5 latent frames -> 17 frames, a spatial tile 32x32 latents -> 256x256 pixels;
  its largest activation is 256 ch x 17 x 256 x 256 x 2 B = 0.57 GB and a resnet block holds about four
  of them plus padding copies: ~2.5 GB peak for the tile's forward pass;
- kept for blending: every decoded spatial tile of one temporal tile (4 x 7 tiles x 3 x 17 x 256^2 x 2 B
  = 0.19 GB) and the 11 finished temporal tiles, i.e. the output (3 x 129 x 720 x 1280 x 2 B = 0.71 GB)
  plus their overlaps, about 0.8 GB;
- total about 4 GB with the 0.5 GB of VAE weights: it fits a 24 GB GPU with room to spare. Encoding
  is the mirror image and needs about the same.

Tiled and untiled outputs are not equal away from the seams either: each tile computes its own GroupNorm
statistics and its own mid-block attention, and a convolution near a tile's edge sees replicate padding
instead of the neighbour. `tests/vae` measures the difference on a smooth synthetic video and records
the bound it holds to.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class TilingConfig:
    sample_size: int = 256  # spatial tile, pixels
    sample_stride: int = 192  # spatial step, pixels (overlap = size - stride)
    sample_frames: int = 16  # temporal tile is this + 1 frames
    sample_stride_frames: int = 12  # temporal step, frames

    def __post_init__(self):
        if not (
            0 < self.sample_stride <= self.sample_size and 0 < self.sample_stride_frames <= self.sample_frames
        ):
            raise ValueError(f"tiling {self}: strides must be positive and at most the tile sizes")
        if (
            self.sample_size % 8
            or self.sample_stride % 8
            or self.sample_frames % 4
            or self.sample_stride_frames % 4
        ):
            raise ValueError(f"tiling {self}: spatial sizes must be multiples of 8 and frame counts of 4")

    def applies_to_video(self, shape) -> bool:
        return shape[2] > self.sample_frames or shape[3] > self.sample_size or shape[4] > self.sample_size

    def applies_to_latents(self, shape, cfg) -> bool:
        s, t = cfg.spatial_compression_ratio, cfg.time_compression_ratio
        return (
            shape[2] > self.sample_frames // t
            or shape[3] > self.sample_size // s
            or shape[4] > self.sample_size // s
        )


def _blend(a: torch.Tensor, b: torch.Tensor, extent: int, dim: int) -> torch.Tensor:
    """In place: the first `extent` slices of b along dim become a's last ones fading into b's own."""
    extent = min(a.shape[dim], b.shape[dim], extent)
    if extent <= 0:
        return b
    shape = [1] * b.ndim
    shape[dim] = extent
    # Both weights rounded from float64, as the release's per-slice Python scalars are.
    ramp = torch.arange(extent, dtype=torch.float64) / extent
    take = ramp.to(b.dtype).view(shape).to(b.device)
    keep = (1 - ramp).to(b.dtype).view(shape).to(b.device)
    head = b.narrow(dim, 0, extent)
    head.copy_(a.narrow(dim, a.shape[dim] - extent, extent) * keep + head * take)
    return b


def _spatial(
    fn, x: torch.Tensor, size: int, stride: int, out_stride: int, out_blend: int, out_hw
) -> torch.Tensor:
    """Run fn on overlapping size x size windows of x every `stride`, blend, crop to out_hw."""
    rows = [
        [fn(x[:, :, :, i : i + size, j : j + size]) for j in range(0, x.shape[4], stride)]
        for i in range(0, x.shape[3], stride)
    ]
    out_rows = []
    for i, row in enumerate(rows):
        pieces = []
        for j, tile in enumerate(row):
            if i > 0:
                tile = _blend(rows[i - 1][j], tile, out_blend, dim=3)
            if j > 0:
                tile = _blend(row[j - 1], tile, out_blend, dim=4)
            pieces.append(tile[:, :, :, :out_stride, :out_stride])
        out_rows.append(torch.cat(pieces, dim=4))
    return torch.cat(out_rows, dim=3)[:, :, :, : out_hw[0], : out_hw[1]]


def _temporal(fn, x: torch.Tensor, frames: int, stride: int, out_stride: int, out_blend: int, out_t: int):
    """Run fn on windows of frames + 1 every `stride`; drop each later window's first (causal) output
    frame, which re-encodes the overlap as a video start; blend; crop to out_t."""
    tiles = []
    for i in range(0, x.shape[2], stride):
        tile = fn(x[:, :, i : i + frames + 1])
        tiles.append(tile[:, :, 1:] if i > 0 else tile)
    pieces = []
    for i, tile in enumerate(tiles):
        if i > 0:
            tile = _blend(tiles[i - 1], tile, out_blend, dim=2)
            pieces.append(tile[:, :, :out_stride])
        else:
            pieces.append(tile[:, :, : out_stride + 1])
    return torch.cat(pieces, dim=2)[:, :, :out_t]


def tiled_encode(vae, x: torch.Tensor, tiling: TilingConfig) -> torch.Tensor:
    """Posterior parameters (B, 2*latent, k+1, H/8, W/8) of video x, tile by tile."""
    s, r = vae.config.spatial_compression_ratio, vae.config.time_compression_ratio
    size, stride = tiling.sample_size, tiling.sample_stride

    def plain(v: torch.Tensor) -> torch.Tensor:
        return vae.quant_conv(vae.encoder(v))

    def spatial(v: torch.Tensor) -> torch.Tensor:
        if v.shape[3] <= size and v.shape[4] <= size:
            return plain(v)
        out_hw = (v.shape[3] // s, v.shape[4] // s)
        return _spatial(plain, v, size, stride, stride // s, (size - stride) // s, out_hw)

    if x.shape[2] <= tiling.sample_frames:
        return spatial(x)
    latent_stride = tiling.sample_stride_frames // r
    blend = tiling.sample_frames // r - latent_stride
    return _temporal(
        spatial,
        x,
        tiling.sample_frames,
        tiling.sample_stride_frames,
        latent_stride,
        blend,
        (x.shape[2] - 1) // r + 1,
    )


def tiled_decode(vae, z: torch.Tensor, tiling: TilingConfig) -> torch.Tensor:
    """Video (B, 3, 4k+1, 8h, 8w) from unscaled latents z, tile by tile."""
    s, r = vae.config.spatial_compression_ratio, vae.config.time_compression_ratio
    size, stride = tiling.sample_size // s, tiling.sample_stride // s

    def plain(v: torch.Tensor) -> torch.Tensor:
        return vae.decoder(vae.post_quant_conv(v))

    def spatial(v: torch.Tensor) -> torch.Tensor:
        if v.shape[3] <= size and v.shape[4] <= size:
            return plain(v)
        out_hw = (v.shape[3] * s, v.shape[4] * s)
        blend = tiling.sample_size - tiling.sample_stride
        return _spatial(plain, v, size, stride, tiling.sample_stride, blend, out_hw)

    latent_frames = tiling.sample_frames // r
    if z.shape[2] <= latent_frames:
        return spatial(z)
    blend = tiling.sample_frames - tiling.sample_stride_frames
    out_t = (z.shape[2] - 1) * r + 1
    return _temporal(
        spatial, z, latent_frames, tiling.sample_stride_frames // r, tiling.sample_stride_frames, blend, out_t
    )
