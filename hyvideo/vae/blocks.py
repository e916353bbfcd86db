"""Building blocks of the causal 3D VAE, with the release's parameter names (`conv.conv`, `resnets.N`,
`downsamplers.0`, `attentions.0.to_q`, ...)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class CausalConv3d(nn.Module):
    """A 3D convolution padded on the past side only in time (kernel_t - 1 frames, replicating frame 0)
    and symmetrically in space, so output frame t depends on input frames <= t."""

    def __init__(
        self, in_channels: int, out_channels: int, kernel_size=3, stride=1, pad_mode: str = "replicate"
    ):
        super().__init__()
        kt, kh, kw = (kernel_size,) * 3 if isinstance(kernel_size, int) else kernel_size
        self.pad_mode = pad_mode
        self.time_causal_padding = (kw // 2, kw // 2, kh // 2, kh // 2, kt - 1, 0)
        self.conv = nn.Conv3d(in_channels, out_channels, (kt, kh, kw), stride=stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.pad(x, self.time_causal_padding, mode=self.pad_mode)
        conv = self.conv
        if (
            x.is_cpu
            and x.dtype == torch.float32
            and not torch.is_grad_enabled()
            and torch.backends.mkldnn.is_available()
        ):
            # torch's CPU heuristic sends batch-1 convolutions with few channels (the tiny preset, thin
            # tiles) to its naive kernel, ~10x slower than oneDNN's; results agree to float rounding.
            return torch.mkldnn_convolution(
                x.contiguous(), conv.weight, conv.bias, conv.padding, conv.stride, conv.dilation, conv.groups
            )
        return conv(x)


class ResnetBlockCausal3D(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, groups: int, eps: float = 1e-6):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, in_channels, eps=eps, affine=True)
        self.conv1 = CausalConv3d(in_channels, out_channels, 3)
        self.norm2 = nn.GroupNorm(groups, out_channels, eps=eps, affine=True)
        self.conv2 = CausalConv3d(out_channels, out_channels, 3)
        self.nonlinearity = nn.SiLU()
        self.conv_shortcut = (
            CausalConv3d(in_channels, out_channels, 1) if in_channels != out_channels else None
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv1(self.nonlinearity(self.norm1(x)))
        h = self.conv2(self.nonlinearity(self.norm2(h)))
        return h + (self.conv_shortcut(x) if self.conv_shortcut is not None else x)


class DownsampleCausal3D(nn.Module):
    """A strided causal conv: stride (2, 2, 2) halves time and space, (1, 2, 2) space only."""

    def __init__(self, channels: int, stride: tuple[int, int, int]):
        super().__init__()
        self.conv = CausalConv3d(channels, channels, 3, stride=stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


class UpsampleCausal3D(nn.Module):
    """Nearest upsampling, then a causal conv. Frame 0 is upsampled in space only, so 1 + k frames become
    1 + 2k and a 4k+1-frame video comes back from k+1 latent frames."""

    def __init__(self, channels: int, scale: tuple[int, int, int]):
        super().__init__()
        self.upsample_factor = scale
        self.conv = CausalConv3d(channels, channels, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        first = F.interpolate(x[:, :, 0], scale_factor=self.upsample_factor[1:], mode="nearest").unsqueeze(2)
        if x.shape[2] > 1:
            rest = F.interpolate(x[:, :, 1:].contiguous(), scale_factor=self.upsample_factor, mode="nearest")
            first = torch.cat((first, rest), dim=2)
        return self.conv(first)


class CausalAttention(nn.Module):
    """Single-head self-attention over all T*H*W positions of the mid block, causal by frame: a position
    in frame t sees every position of frames <= t. GroupNorm first, residual added after."""

    def __init__(self, channels: int, groups: int, eps: float = 1e-6):
        super().__init__()
        self.group_norm = nn.GroupNorm(groups, channels, eps=eps, affine=True)
        self.to_q = nn.Linear(channels, channels)
        self.to_k = nn.Linear(channels, channels)
        self.to_v = nn.Linear(channels, channels)
        self.to_out = nn.ModuleList([nn.Linear(channels, channels), nn.Dropout(0.0)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, t, h, w = x.shape
        tokens = self.group_norm(x).flatten(2).transpose(1, 2)  # (B, T*H*W, C), frame-major
        frame = torch.arange(t, device=x.device).repeat_interleave(h * w)
        causal = frame[None, :] <= frame[:, None]  # query row may see key column
        q, k, v = (proj(tokens).unsqueeze(1) for proj in (self.to_q, self.to_k, self.to_v))
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=causal).squeeze(1)
        out = self.to_out[0](out).transpose(1, 2).reshape(b, c, t, h, w)
        return x + out


class MidBlockCausal3D(nn.Module):
    def __init__(self, channels: int, groups: int, add_attention: bool = True):
        super().__init__()
        self.attentions = nn.ModuleList(
            [CausalAttention(channels, groups) if add_attention else nn.Identity()]
        )
        self.resnets = nn.ModuleList([ResnetBlockCausal3D(channels, channels, groups) for _ in range(2)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.resnets[1](self.attentions[0](self.resnets[0](x)))


class DownEncoderBlockCausal3D(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, layers: int, groups: int, stride=None):
        super().__init__()
        self.resnets = nn.ModuleList(
            [
                ResnetBlockCausal3D(in_channels if i == 0 else out_channels, out_channels, groups)
                for i in range(layers)
            ]
        )
        self.downsamplers = nn.ModuleList([DownsampleCausal3D(out_channels, stride)]) if stride else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for resnet in self.resnets:
            x = resnet(x)
        return self.downsamplers[0](x) if self.downsamplers is not None else x


class UpDecoderBlockCausal3D(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, layers: int, groups: int, scale=None):
        super().__init__()
        self.resnets = nn.ModuleList(
            [
                ResnetBlockCausal3D(in_channels if i == 0 else out_channels, out_channels, groups)
                for i in range(layers)
            ]
        )
        self.upsamplers = nn.ModuleList([UpsampleCausal3D(out_channels, scale)]) if scale else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for resnet in self.resnets:
            x = resnet(x)
        return self.upsamplers[0](x) if self.upsamplers is not None else x
