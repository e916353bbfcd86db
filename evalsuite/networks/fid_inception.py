"""The Inception-v3 of FID (Heusel et al. 2017): TensorFlow's 2015-12-05 graph as pytorch-fid ports it,
with its weights file `pt_inception-2015-12-05-6726825d.pth` (a state dict of torchvision's Inception3
with 1008 classes, no auxiliary head).

The TF graph differs from torchvision's Inception-v3 in its pooling branches, so four block kinds are
redefined here: in the A, C and first E blocks the 3×3 average pool leaves padding out of the mean
(`count_include_pad=False`); the last E block max-pools instead. Input handling is pytorch-fid's
`InceptionV3(resize_input=True, normalize_input=True)`: images in [0, 1] are resized to 299×299
(bilinear, align_corners=False, no antialias) and scaled to [-1, 1]. The feature is the 2048-d
global average pool before the classifier (pytorch-fid's block 3, "pool3").
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torchvision.models import inception


def _avg_pool_no_pad(x: torch.Tensor) -> torch.Tensor:
    return F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False)


class TFInceptionA(inception.InceptionA):
    def _forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        b5 = self.branch5x5_2(self.branch5x5_1(x))
        b3 = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        return [self.branch1x1(x), b5, b3, self.branch_pool(_avg_pool_no_pad(x))]


class TFInceptionC(inception.InceptionC):
    def _forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        b7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        d = self.branch7x7dbl_1(x)
        for layer in (self.branch7x7dbl_2, self.branch7x7dbl_3, self.branch7x7dbl_4, self.branch7x7dbl_5):
            d = layer(d)
        return [self.branch1x1(x), b7, d, self.branch_pool(_avg_pool_no_pad(x))]


class TFInceptionE(inception.InceptionE):
    """The E block; `max_pool` selects the last block's max-pooling branch."""

    def __init__(self, in_channels: int, max_pool: bool = False):
        super().__init__(in_channels)
        self.max_pool = max_pool

    def _forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        b3 = self.branch3x3_1(x)
        b3 = torch.cat([self.branch3x3_2a(b3), self.branch3x3_2b(b3)], 1)
        d = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        d = torch.cat([self.branch3x3dbl_3a(d), self.branch3x3dbl_3b(d)], 1)
        pooled = F.max_pool2d(x, 3, stride=1, padding=1) if self.max_pool else _avg_pool_no_pad(x)
        return [self.branch1x1(x), b3, d, self.branch_pool(pooled)]


class FIDInception(torch.nn.Module):
    """Frames B×3×H×W in [0, 1] -> B×2048 pool features."""

    def __init__(self) -> None:
        super().__init__()
        net = inception.Inception3(num_classes=1008, aux_logits=False, init_weights=False)
        net.Mixed_5b = TFInceptionA(192, pool_features=32)
        net.Mixed_5c = TFInceptionA(256, pool_features=64)
        net.Mixed_5d = TFInceptionA(288, pool_features=64)
        net.Mixed_6b = TFInceptionC(768, channels_7x7=128)
        net.Mixed_6c = TFInceptionC(768, channels_7x7=160)
        net.Mixed_6d = TFInceptionC(768, channels_7x7=160)
        net.Mixed_6e = TFInceptionC(768, channels_7x7=192)
        net.Mixed_7b = TFInceptionE(1280)
        net.Mixed_7c = TFInceptionE(2048, max_pool=True)
        self.net = net

    def embed_images(self, images: torch.Tensor) -> torch.Tensor:
        x = F.interpolate(images, size=(299, 299), mode="bilinear", align_corners=False)
        x = 2 * x - 1
        n = self.net
        for layer in (n.Conv2d_1a_3x3, n.Conv2d_2a_3x3, n.Conv2d_2b_3x3, n.maxpool1):
            x = layer(x)
        for layer in (n.Conv2d_3b_1x1, n.Conv2d_4a_3x3, n.maxpool2, n.Mixed_5b, n.Mixed_5c, n.Mixed_5d):
            x = layer(x)
        for layer in (n.Mixed_6a, n.Mixed_6b, n.Mixed_6c, n.Mixed_6d, n.Mixed_6e):
            x = layer(x)
        for layer in (n.Mixed_7a, n.Mixed_7b, n.Mixed_7c):
            x = layer(x)
        return F.adaptive_avg_pool2d(x, 1).flatten(1)


def load_fid_inception(path: Path | None) -> FIDInception:
    """FID's Inception with pytorch-fid's weights file at `path`, strictly; random when None."""
    model = FIDInception()
    if path is not None:
        model.net.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    return model
