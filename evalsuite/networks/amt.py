"""AMT-S, the small model of "AMT: All-Pairs Multi-Field Transforms for Efficient Frame Interpolation"
(Li et al., CVPR 2023): the frame interpolator of VBench's motion smoothness.

Written here from the paper and the authors' code as VBench vendors it; module names follow the released
`amt-s.pth` (`{"state_dict": ...}`) so it loads strictly. The network, for two frames in [0, 1] and t:

1. both frames minus their joint mean (per sample); a RAFT-style feature encoder (instance norm, 84
   channels at 1/8) builds a bidirectional all-pairs correlation pyramid (4 levels, radius 3);
2. a 4-level context pyramid (20, 32, 44, 56 channels, 1/2 to 1/16) per frame;
3. decoders from 1/16 up to 1/2 predict the flows from t to each frame and a feature of frame t; at
   1/8, 1/4 and 1/2 an update block looks up the correlations along the flows (scaled to 0->1 and
   1->0 by the linear-motion assumption) and corrects flows and feature;
4. the last decoder gives 3 flow pairs with blend masks and residuals at full size; each pair warps
   both frames, and the average of the 3 candidates plus a small convolution of them is the frame.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

CHANNELS = (20, 32, 44, 56)
SKIP = 20
FLOWS = 3
RADIUS = 3
LEVELS = 4
PAD_TO = 16  # VBench's InputPadder divisor at scale 1: int(16 / scale)
# The 4th correlation level is the padded size / 64 and needs 2 pixels a side (1 gives NaN, in VBench too).
MIN_PADDED = 128


def _resize(x: torch.Tensor, factor: float) -> torch.Tensor:
    return F.interpolate(x, scale_factor=factor, mode="bilinear", align_corners=False)


def _conv_prelu(cin: int, cout: int, kernel: int = 3, stride: int = 1, padding: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, kernel, stride, padding), nn.PReLU(cout))


def backward_warp(image: torch.Tensor, flow: torch.Tensor) -> torch.Tensor:
    """Sample `image` at each pixel displaced by `flow` (pixels), bilinear, borders repeated."""
    batch, _, height, width = flow.shape
    xs = torch.linspace(-1.0, 1.0, width).view(1, 1, 1, width).expand(batch, -1, height, -1)
    ys = torch.linspace(-1.0, 1.0, height).view(1, 1, height, 1).expand(batch, -1, -1, width)
    base = torch.cat([xs, ys], 1).to(image)
    scaled = torch.cat([flow[:, 0:1] / ((width - 1.0) / 2.0), flow[:, 1:2] / ((height - 1.0) / 2.0)], 1)
    grid = (base + scaled).permute(0, 2, 3, 1)
    return F.grid_sample(image, grid, mode="bilinear", padding_mode="border", align_corners=True)


class Bottleneck(nn.Module):
    """1×1 -> 3×3 (stride) -> 1×1 with instance norms and ReLUs, plus a projected shortcut when strided."""

    def __init__(self, cin: int, cout: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout // 4, 1)
        self.conv2 = nn.Conv2d(cout // 4, cout // 4, 3, stride=stride, padding=1)
        self.conv3 = nn.Conv2d(cout // 4, cout, 1)
        self.norm1, self.norm2, self.norm3 = (nn.InstanceNorm2d(c) for c in (cout // 4, cout // 4, cout))
        self.relu = nn.ReLU()
        self.downsample = None
        if stride != 1:
            self.norm4 = nn.InstanceNorm2d(cout)
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride), self.norm4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.relu(self.norm1(self.conv1(x)))
        y = self.relu(self.norm2(self.conv2(y)))
        y = self.relu(self.norm3(self.conv3(y)))
        return self.relu((x if self.downsample is None else self.downsample(x)) + y)


class CorrelationEncoder(nn.Module):
    """RAFT's small feature encoder at 1/8 size, both frames in one batch."""

    def __init__(self, out_dim: int = 84):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, 7, stride=2, padding=3)
        self.norm1 = nn.InstanceNorm2d(32)
        self.relu1 = nn.ReLU()
        self.layer1 = nn.Sequential(Bottleneck(32, 32), Bottleneck(32, 32))
        self.layer2 = nn.Sequential(Bottleneck(32, 64, 2), Bottleneck(64, 64))
        self.layer3 = nn.Sequential(Bottleneck(64, 96, 2), Bottleneck(96, 96))
        self.conv2 = nn.Conv2d(96, out_dim, 1)

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.relu1(self.norm1(self.conv1(torch.cat([a, b]))))
        x = self.conv2(self.layer3(self.layer2(self.layer1(x))))
        return x[: len(a)], x[len(a) :]


class ContextPyramid(nn.Module):
    def __init__(self):
        super().__init__()
        previous = 3
        for level, channels in enumerate(CHANNELS, 1):
            self.add_module(
                f"pyramid{level}",
                nn.Sequential(_conv_prelu(previous, channels, 3, 2, 1), _conv_prelu(channels, channels)),
            )
            previous = channels

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        out = []
        for level in range(1, len(CHANNELS) + 1):
            x = getattr(self, f"pyramid{level}")(x)
            out.append(x)
        return out


class SideResBlock(nn.Module):
    """A residual block whose last `side` channels get an extra convolution in between (IFRNet's)."""

    def __init__(self, channels: int, side: int):
        super().__init__()
        self.side = side
        self.conv1 = _conv_prelu(channels, channels)
        self.conv2 = _conv_prelu(side, side)
        self.conv3 = _conv_prelu(channels, channels)
        self.conv4 = _conv_prelu(side, side)
        self.conv5 = nn.Conv2d(channels, channels, 3, 1, 1)
        self.prelu = nn.PReLU(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv1(x)
        out = self.conv3(torch.cat([out[:, : -self.side], self.conv2(out[:, -self.side :])], 1))
        out = self.conv5(torch.cat([out[:, : -self.side], self.conv4(out[:, -self.side :])], 1))
        return self.prelu(x + out)


class FirstDecoder(nn.Module):
    """1/16 -> 1/8: flows t->0, t->1 and the feature of frame t, from both frames' features and t."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.convblock = nn.Sequential(
            _conv_prelu(cin * 2 + 1, cin * 2),
            SideResBlock(cin * 2, SKIP),
            nn.ConvTranspose2d(cin * 2, cout + 4, 4, 2, 1),
        )

    def forward(self, f0, f1, t):
        out = self.convblock(torch.cat([f0, f1, t.repeat(1, 1, *f0.shape[2:])], 1))
        return out[:, 0:2], out[:, 2:4], out[:, 4:]


class UpDecoder(nn.Module):
    """One level up: warp both frames' features to t, refine and upsample the flows and the feature."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.convblock = nn.Sequential(
            _conv_prelu(cin * 3 + 4, cin * 3),
            SideResBlock(cin * 3, SKIP),
            nn.ConvTranspose2d(cin * 3, cout + 4, 4, 2, 1),
        )

    def forward(self, ft, f0, f1, flow0, flow1):
        inputs = torch.cat([ft, backward_warp(f0, flow0), backward_warp(f1, flow1), flow0, flow1], 1)
        out = self.convblock(inputs)
        return (
            out[:, 0:2] + 2.0 * _resize(flow0, 2.0),
            out[:, 2:4] + 2.0 * _resize(flow1, 2.0),
            out[:, 4:],
        )


class MultiFieldDecoder(nn.Module):
    """1/2 -> 1: FLOWS flow pairs, blend masks and colour residuals at full size."""

    def __init__(self, cin: int):
        super().__init__()
        self.convblock = nn.Sequential(
            _conv_prelu(cin * 3 + 4, cin * 3),
            SideResBlock(cin * 3, SKIP),
            nn.ConvTranspose2d(cin * 3, 8 * FLOWS, 4, 2, 1),
        )

    def forward(self, ft, f0, f1, flow0, flow1):
        out = self.convblock(
            torch.cat([ft, backward_warp(f0, flow0), backward_warp(f1, flow1), flow0, flow1], 1)
        )
        d0, d1, mask, residual = torch.split(out, [2 * FLOWS, 2 * FLOWS, FLOWS, 3 * FLOWS], 1)
        flow0 = d0 + 2.0 * _resize(flow0, 2.0).repeat(1, FLOWS, 1, 1)
        flow1 = d1 + 2.0 * _resize(flow1, 2.0).repeat(1, FLOWS, 1, 1)
        return flow0, flow1, torch.sigmoid(mask), residual


class UpdateBlock(nn.Module):
    """Correlation + flow encodings -> corrections of the flows and of the frame-t feature."""

    def __init__(
        self,
        cdim: int,
        scale: int | None,
        hidden: int = 76,
        flow_dim: int = 20,
        corr_dim: int = 64,
        fc_dim: int = 68,
    ):
        super().__init__()
        self.scale = scale
        planes = 2 * LEVELS * (2 * RADIUS + 1) ** 2
        self.convc1 = nn.Conv2d(planes, corr_dim, 1)
        self.convf1 = nn.Conv2d(4, flow_dim * 2, 7, padding=3)
        self.convf2 = nn.Conv2d(flow_dim * 2, flow_dim, 3, padding=1)
        self.conv = nn.Conv2d(corr_dim + flow_dim, fc_dim, 3, padding=1)
        lrelu = nn.LeakyReLU(0.1)
        self.gru = nn.Sequential(
            nn.Conv2d(fc_dim + 4 + cdim, hidden, 3, padding=1), lrelu, nn.Conv2d(hidden, hidden, 3, padding=1)
        )
        self.feat_head = nn.Sequential(
            nn.Conv2d(hidden, hidden, 3, padding=1), lrelu, nn.Conv2d(hidden, cdim, 3, padding=1)
        )
        self.flow_head = nn.Sequential(
            nn.Conv2d(hidden, hidden, 3, padding=1), lrelu, nn.Conv2d(hidden, 4, 3, padding=1)
        )
        self.lrelu = lrelu

    def forward(self, feature, flow, corr):
        if self.scale is not None:
            feature = _resize(feature, 1 / self.scale)
        corr_code = self.lrelu(self.convc1(corr))
        flow_code = self.lrelu(self.convf2(self.lrelu(self.convf1(flow))))
        x = self.lrelu(self.conv(torch.cat([corr_code, flow_code], 1)))
        hidden = self.gru(torch.cat([x, flow, feature], 1))
        delta_feature, delta_flow = self.feat_head(hidden), self.flow_head(hidden)
        if self.scale is not None:
            delta_feature = _resize(delta_feature, self.scale)
            delta_flow = self.scale * _resize(delta_flow, self.scale)
        return delta_feature, delta_flow


class BidirectionalCorrelation:
    """All-pairs correlations of two 1/8 feature maps, both ways, pooled into LEVELS levels."""

    def __init__(self, fmap0: torch.Tensor, fmap1: torch.Tensor):
        with torch.autocast(fmap0.device.type, enabled=False):
            self._build(fmap0.float(), fmap1.float())

    def _build(self, fmap0: torch.Tensor, fmap1: torch.Tensor) -> None:
        """In fp32 also under autocast: grid_sample, the lookup, runs in fp32 there, so a bf16 volume was
        cast back at every lookup (0.28 s of a 0.92 s frame at 480×848)."""
        batch, dim, height, width = fmap0.shape
        pixels = height * width
        corr = fmap0.view(batch, dim, -1).transpose(1, 2) @ fmap1.view(batch, dim, -1)
        # rows: frame 0's pixels; columns: frame 1's. In place: a second 160 MB volume at 480p cost 40 ms.
        corr = corr.view(batch, height, width, pixels).div_(torch.sqrt(torch.tensor(dim).float()))
        forward = [corr.view(batch * pixels, 1, height, width)]
        backward = [corr.permute(0, 3, 1, 2).reshape(batch * pixels, 1, height, width)]  # a view
        rows = corr
        for _ in range(LEVELS - 1):
            forward.append(F.avg_pool2d(forward[-1], 2, stride=2))
            # The backward volume pools frame 0's pixels, the rows: pooling whole rows is the authors'
            # avg_pool2d of the transposed view, bit for bit, without gathering it (0.32 -> 0.17 s at 480p).
            rows = _pool_rows(rows)
            backward.append(
                rows.permute(0, 3, 1, 2).reshape(batch * pixels, 1, *rows.shape[1:3]).contiguous()
            )
        self.pyramids: list[list[torch.Tensor]] = [forward, backward]

    def lookup(self, coords0: torch.Tensor, coords1: torch.Tensor) -> torch.Tensor:
        batch, _, height, width = coords0.shape
        steps = torch.linspace(-RADIUS, RADIUS, 2 * RADIUS + 1, device=coords0.device)
        offsets = torch.stack(torch.meshgrid(steps, steps, indexing="ij"), -1).view(
            1, 2 * RADIUS + 1, 2 * RADIUS + 1, 2
        )
        out = []
        for pyramid, coords in zip(self.pyramids, (coords0, coords1), strict=True):
            centres = coords.permute(0, 2, 3, 1).reshape(batch * height * width, 1, 1, 2)
            levels = []
            for level, volume in enumerate(pyramid):
                points = centres / 2**level + offsets
                levels.append(_sample_pixels(volume, points).view(batch, height, width, -1))
            out.append(torch.cat(levels, -1).permute(0, 3, 1, 2).contiguous().float())
        return torch.cat(out, 1)


def _pool_rows(rows: torch.Tensor) -> torch.Tensor:
    """2×2 mean over dims 1 and 2 of B×h×w×N (odd edges dropped), summed in avg_pool2d's order
    (((a + b) + c) + d) / 4 so that the result is avg_pool2d's to the bit."""
    h, w = rows.shape[1] // 2 * 2, rows.shape[2] // 2 * 2
    out = rows[:, 0:h:2, 0:w:2] + rows[:, 0:h:2, 1:w:2]
    out += rows[:, 1:h:2, 0:w:2]
    out += rows[:, 1:h:2, 1:w:2]
    return out.div_(4)


def _sample_pixels(volume: torch.Tensor, points: torch.Tensor) -> torch.Tensor:
    """Bilinear samples of `volume` at pixel coordinates (x, y), zeros outside."""
    height, width = volume.shape[-2:]
    x, y = points.split([1, 1], dim=-1)
    grid = torch.cat([2 * x / (width - 1) - 1, 2 * y / (height - 1) - 1], -1)
    return F.grid_sample(volume, grid, align_corners=True)


def _pixel_grid(batch: int, height: int, width: int, device) -> torch.Tensor:
    ys, xs = torch.meshgrid(
        torch.arange(height, device=device), torch.arange(width, device=device), indexing="ij"
    )
    return torch.stack([xs, ys]).float()[None].repeat(batch, 1, 1, 1)


class AMTS(nn.Module):
    def __init__(self):
        super().__init__()
        self.feat_encoder = CorrelationEncoder()
        self.encoder = ContextPyramid()
        self.decoder4 = FirstDecoder(CHANNELS[3], CHANNELS[2])
        self.decoder3 = UpDecoder(CHANNELS[2], CHANNELS[1])
        self.decoder2 = UpDecoder(CHANNELS[1], CHANNELS[0])
        self.decoder1 = MultiFieldDecoder(CHANNELS[0])
        self.update4 = UpdateBlock(CHANNELS[2], None)
        self.update3 = UpdateBlock(CHANNELS[1], 2)
        self.update2 = UpdateBlock(CHANNELS[0], 4)
        self.comb_block = nn.Sequential(
            nn.Conv2d(3 * FLOWS, 6 * FLOWS, 3, 1, 1), nn.PReLU(6 * FLOWS), nn.Conv2d(6 * FLOWS, 3, 3, 1, 1)
        )

    @staticmethod
    def _lookup(corr, grid, flow0, flow1, t, downsample):
        """Correlations along the flows, each flow stretched from t to the full 0->1 (1->0) step."""
        if downsample != 1:
            flow0 = _resize(flow0, 1 / downsample) / downsample
            flow1 = _resize(flow1, 1 / downsample) / downsample
        found = corr.lookup(grid + flow1 * (1.0 / t), grid + flow0 * (1.0 / (1.0 - t)))
        return found, torch.cat([flow0, flow1], 1)

    def forward(self, img0: torch.Tensor, img1: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """The frame at time t (B×1×1×1) between B×3×H×W frames in [0, 1]; H, W multiples of 16."""
        mean = torch.cat([img0, img1], 2).mean(1, keepdim=True).mean(2, keepdim=True).mean(3, keepdim=True)
        img0, img1 = img0 - mean, img1 - mean
        batch, _, height, width = img0.shape
        grid = _pixel_grid(batch, height // 8, width // 8, img0.device)
        corr = BidirectionalCorrelation(*self.feat_encoder(img0, img1))
        f0 = self.encoder(img0)
        f1 = self.encoder(img1)

        flow0, flow1, ft = self.decoder4(f0[3], f1[3], t)
        for level, (update, downsample) in enumerate(
            ((self.update4, 1), (self.update3, 2), (self.update2, 4))
        ):
            if level:
                decoder = (self.decoder3, self.decoder2)[level - 1]
                flow0, flow1, ft = decoder(ft, f0[3 - level], f1[3 - level], flow0, flow1)
            found, flows = self._lookup(corr, grid, flow0, flow1, t, downsample)
            delta_ft, delta_flow = update(ft, flows, found)
            flow0 = flow0 + delta_flow[:, 0:2]
            flow1 = flow1 + delta_flow[:, 2:4]
            ft = ft + delta_ft
        flow0, flow1, mask, residual = self.decoder1(ft, f0[0], f1[0], flow0, flow1)
        return self._combine(img0, img1, flow0, flow1, mask, residual, mean).clamp(0, 1)

    def _combine(self, img0, img1, flow0, flow1, mask, residual, mean):
        """Warp both frames along each of the FLOWS flow pairs, blend, add the residual and the mean;
        average the candidates and add a learned correction of them."""
        batch, _, height, width = flow0.shape

        def per_field(x, channels):
            return x.reshape(batch, FLOWS, channels, height, width).reshape(-1, channels, height, width)

        def repeat(x, channels):
            return torch.stack([x] * FLOWS, 1).reshape(-1, channels, *x.shape[2:])

        m = per_field(mask, 1)
        candidates = (
            m * backward_warp(repeat(img0, 3), per_field(flow0, 2))
            + (1 - m) * backward_warp(repeat(img1, 3), per_field(flow1, 2))
            + repeat(mean, 1)
            + per_field(residual, 3)
        ).reshape(batch, FLOWS, 3, height, width)
        return candidates.mean(1) + self.comb_block(candidates.view(batch, -1, height, width))


def load_amt_s(path: Path | None) -> AMTS:
    """AMT-S with the released weights (`amt-s.pth`, {"state_dict": ...}), strictly; random when None."""
    model = AMTS()
    if path is not None:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
        state = (
            checkpoint["state_dict"]
            if isinstance(checkpoint, dict) and "state_dict" in checkpoint
            else checkpoint
        )
        model.load_state_dict(state)
    return model


def pad_to_16(images: torch.Tensor) -> tuple[torch.Tensor, list[int]]:
    """VBench's InputPadder(divisor 16): replicate-pad H and W to a multiple of 16, split evenly."""
    height, width = images.shape[-2:]
    pad_h = (((height // PAD_TO) + 1) * PAD_TO - height) % PAD_TO
    pad_w = (((width // PAD_TO) + 1) * PAD_TO - width) % PAD_TO
    pad = [pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2]
    return F.pad(images, pad, mode="replicate"), pad


class AMTInterpolator:
    """(frame_a, frame_b) -> the middle frame, uint8 H×W×3, as VBench's motion smoothness makes it:
    frames / 255 in float32, padded to a multiple of 16, t = 0.5, output × 255 truncated to uint8."""

    name = "amt_s"

    def __init__(self, model: nn.Module):
        self.model = model

    @torch.no_grad()
    def __call__(self, frame_a: np.ndarray, frame_b: np.ndarray) -> np.ndarray:
        device = next(self.model.parameters()).device
        # Each frame on its own, as VBench's img2tensor makes it: a 1×3×H×W view of the H×W×3 array (its
        # strides decide oneDNN's convolution path, and with it the last bits of the prediction).
        a, b = (
            torch.from_numpy(np.ascontiguousarray(f)).permute(2, 0, 1).unsqueeze(0) / 255.0
            for f in (frame_a, frame_b)
        )
        (a, pad), (b, _) = pad_to_16(a.to(device)), pad_to_16(b.to(device))
        if min(a.shape[-2:]) < MIN_PADDED:
            raise ValueError(
                f"AMT-S needs frames of at least {MIN_PADDED - PAD_TO + 1} px a side, got "
                f"{frame_a.shape[1]}×{frame_a.shape[0]} (VBench's code returns NaN there); "
                "use motion_smoothness_flow_warp for smaller videos"
            )
        middle = self.model(a, b, torch.full((1, 1, 1, 1), 0.5, device=device))
        height, width = middle.shape[-2:]
        middle = middle[..., pad[2] : height - pad[3], pad[0] : width - pad[1]]
        return (middle.float() * 255.0)[0].permute(1, 2, 0).cpu().numpy().clip(0, 255).astype(np.uint8)
