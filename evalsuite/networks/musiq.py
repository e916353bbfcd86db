"""MUSIQ, the multi-scale image quality transformer (Ke et al., ICCV 2021), as `pyiqa` 0.1.16 implements
it (`pyiqa/archs/musiq_arch.py` and `pyiqa/data/multiscale_trans_util.py`), the code VBench's imaging
quality runs. Written here so the metric needs no pyiqa at run time and runs nearer the matmul peak (83 %
of it at 512×288 against pyiqa's 64 %, 1.7× faster: tests/benchmarks/test_bench_musiq.py); pyiqa is the
test peer (tests/metrics/test_imaging_quality.py: the final-norm CLS token and the MOS equal pyiqa's to
float rounding on real frames, on the same weights).

Module names follow pyiqa's state dict, so its SPAQ checkpoint (`musiq_spaq_ckpt-358bb6af.pth`, VBench's
choice) loads strictly after dropping a `module.` prefix, as pyiqa's loader does. For an image in [0, 1]:

1. scaled to [-1, 1]; resized (bicubic, no antialias) to longer sides 224 and 384, aspect kept, and also
   taken as it is; each of the three cut into 32×32 patches with TensorFlow's SAME zero padding;
2. each patch through a ResNet stem: weight-standardised 7×7/2 convolution, group norm, ReLU, 3×3/2 max
   pool, one bottleneck (64 -> 256 channels); the 8×8×256 result, flattened in TensorFlow's channel-last
   order, is embedded to 384;
3. plus a hashed spatial embedding (the patch grid mapped onto 10×10 by nearest neighbour) and a scale
   embedding; a CLS token first; 14 pre-norm transformer blocks (6 heads, MLP 1152); the head on the
   final-norm CLS gives the SPAQ MOS (0-100).

Where this differs from pyiqa's code, and why the output does not:
- pyiqa pads the 224 and 384 scales to 49 and 144 tokens with zero patches and masks them out of the
  attention with a logit of -1000. After the softmax their weight is exp(-1000 - max) = 0 in float32 and
  bfloat16 for any real logit above -900, and every other operation acts on each token alone, so the CLS
  output does not depend on them: they are not computed here (at 289×512, 273 tokens with the CLS
  instead of 354).
- attention runs through `scaled_dot_product_attention` (the same softmax(QKᵀ/√d)V, fused) and the max
  pool reads channel-last memory with `ceil_mode` instead of a zero pad (the pool follows a ReLU, so a
  zero never wins): the same values, summed in a different order, hence equal to within float rounding.
- under autocast (the fast profile) the ResNet stem and the head stay fp32; see `embed_patches` and
  `forward` for why.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class MusiqConfig:
    patch_size: int = 32
    hidden: int = 384
    mlp: int = 1152
    heads: int = 6
    layers: int = 14
    hash_grid: int = 10  # the hashed spatial embedding's grid side
    longer_sides: tuple[int, ...] = (224, 384)  # resized scales; the image as it is comes last
    stem: int = 64  # ResNet stem channels; the bottleneck widens them 4×


#: Patches per pass through the ResNet stem: its maps of a whole 480p frame (273 patches, 18 MB each)
#: spill out of the caches and fault in fresh pages at every step; 64 at a time ran it 2.6x faster
#: (AMD EPYC, 2 threads; 32 to 128 within 10 %). Each patch's result does not depend on it.
STEM_CHUNK = 64


def same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TensorFlow's SAME padding along one axis: (before, after)."""
    total = max((math.ceil(size / stride) - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class StdConv(nn.Conv2d):
    """A convolution of weight-standardised kernels (Qiao et al.) with SAME padding, no bias."""

    _standardized: tuple[tuple, torch.Tensor] | None = None  # ((weight, version, address), result)

    def standardized_weight(self) -> torch.Tensor:
        """(w - mean) / (std + 1e-5) per output channel. Without autograd it is kept until the weight is
        replaced or changed in place (the stem runs in chunks: standardising per chunk cost 3 ms a 480p
        frame)."""
        key, grad = (self.weight, self.weight._version, self.weight.data_ptr()), torch.is_grad_enabled()
        cached = self._standardized
        if cached is not None and not grad and cached[0][0] is key[0] and cached[0][1:] == key[1:]:
            return cached[1]
        weight = self.weight - self.weight.mean((1, 2, 3), keepdim=True)
        weight = weight / (weight.std((1, 2, 3), keepdim=True) + 1e-5)
        if not grad:
            self._standardized = (key, weight)
        return weight

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        top, bottom = same_padding(x.shape[-2], kh, sh)
        left, right = same_padding(x.shape[-1], kw, sw)
        if (top, left) == (bottom, right):  # symmetric: the convolution pads, without a copy
            return F.conv2d(x, self.standardized_weight(), None, self.stride, (top, left))
        return F.conv2d(F.pad(x, (left, right, top, bottom)), self.standardized_weight(), None, self.stride)


class Bottleneck(nn.Module):
    """1×1 -> 3×3 -> 1×1 standardised convolutions with group norms, plus a projected shortcut."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv1 = StdConv(cin, cin, 1, bias=False)
        self.gn1 = nn.GroupNorm(32, cin, eps=1e-4)
        self.conv2 = StdConv(cin, cin, 3, bias=False)
        self.gn2 = nn.GroupNorm(32, cin, eps=1e-4)
        self.conv3 = StdConv(cin, cout, 1, bias=False)
        self.gn3 = nn.GroupNorm(32, cout, eps=1e-4)
        self.conv_proj = StdConv(cin, cout, 1, bias=False)
        self.gn_proj = nn.GroupNorm(32, cout, eps=1e-4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = self.gn_proj(self.conv_proj(x))
        y = F.relu(self.gn1(self.conv1(x)), inplace=True)
        y = F.relu(self.gn2(self.conv2(y)), inplace=True)
        return F.relu(self.gn3(self.conv3(y)).add_(shortcut), inplace=True)


class MultiHeadAttention(nn.Module):
    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.heads = heads
        self.query, self.key, self.value = (nn.Linear(dim, dim) for _ in range(3))
        self.out = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, tokens, dim = x.shape
        q, k, v = (
            layer(x).view(batch, tokens, self.heads, dim // self.heads).transpose(1, 2)
            for layer in (self.query, self.key, self.value)
        )
        y = F.scaled_dot_product_attention(q, k, v)
        return self.out(y.transpose(1, 2).reshape(batch, tokens, dim))


class Mlp(nn.Module):
    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(F.gelu(self.fc1(x)))


class TransformerBlock(nn.Module):
    def __init__(self, dim: int, mlp: int, heads: int):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attention = MultiHeadAttention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, mlp)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attention(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class HashedSpatialEmbedding(nn.Module):
    def __init__(self, grid: int, dim: int):
        super().__init__()
        self.position_emb = nn.Parameter(nn.init.normal_(torch.empty(1, grid * grid, dim), std=0.02))


class ScaleEmbedding(nn.Module):
    def __init__(self, scales: int, dim: int):
        super().__init__()
        self.scale_emb = nn.Parameter(nn.init.normal_(torch.empty(scales, dim), std=0.02))


class TransformerEncoder(nn.Module):
    def __init__(self, config: MusiqConfig):
        super().__init__()
        dim = config.hidden
        self.posembed_input = HashedSpatialEmbedding(config.hash_grid, dim)
        self.scaleembed_input = ScaleEmbedding(len(config.longer_sides) + 1, dim)
        self.cls = nn.Parameter(torch.zeros(1, 1, dim))
        self.encoder_norm = nn.LayerNorm(dim, eps=1e-6)
        self.transformer = nn.ModuleDict(
            {
                f"encoderblock_{i}": TransformerBlock(dim, config.mlp, config.heads)
                for i in range(config.layers)
            }
        )

    def forward(self, x: torch.Tensor, positions: torch.Tensor, scales: torch.Tensor) -> torch.Tensor:
        x = x + self.posembed_input.position_emb[0, positions] + self.scaleembed_input.scale_emb[scales]
        x = torch.cat([self.cls.expand(len(x), -1, -1).to(x.dtype), x], dim=1)
        for block in self.transformer.values():
            x = block(x)
        return self.encoder_norm(x)


def hashed_positions(grid: int, rows: int, cols: int) -> torch.Tensor:
    """Each patch of a rows×cols grid mapped to a cell of grid×grid by nearest neighbour, row-major
    (pyiqa's `get_hashed_spatial_pos_emb_index`, with the same `interpolate` so boundaries agree)."""
    cells = torch.arange(grid, dtype=torch.float32).view(1, 1, grid)
    row = F.interpolate(cells, rows, mode="nearest").view(rows, 1)
    col = F.interpolate(cells, cols, mode="nearest").view(1, cols)
    return (row * grid + col).reshape(-1).long()


class MUSIQ(nn.Module):
    """images B×3×H×W in [0, 1] (one size per call) -> the predicted MOS, shape (B,)."""

    def __init__(self, config: MusiqConfig = MusiqConfig()):
        super().__init__()
        self.config = config
        self.conv_root = StdConv(3, config.stem, 7, 2, bias=False)
        self.gn_root = nn.GroupNorm(32, config.stem, eps=1e-6)
        self.block1 = Bottleneck(config.stem, config.stem * 4)
        token_side = config.patch_size // 4
        self.embedding = nn.Linear(config.stem * 4 * token_side**2, config.hidden)
        self.transformer_encoder = TransformerEncoder(config)
        self.head = nn.Linear(config.hidden, 1)

    def patches(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(patches B×N×3×P×P, hashed positions N, scale ids N) over the resized scales and the image."""
        size = self.config.patch_size
        height, width = images.shape[-2:]
        x = (images - 0.5) * 2
        resized = []
        for longer in sorted(self.config.longer_sides):
            ratio = longer / max(height, width)
            shape = (round(height * ratio), round(width * ratio))
            resized.append(F.interpolate(x, shape, mode="bicubic", align_corners=False))
        patches, positions, scales = [], [], []
        for scale, image in enumerate([*resized, x]):
            rows, cols = math.ceil(image.shape[-2] / size), math.ceil(image.shape[-1] / size)
            top, bottom = same_padding(image.shape[-2], size, size)
            left, right = same_padding(image.shape[-1], size, size)
            grid = F.pad(image, (left, right, top, bottom)).unfold(2, size, size).unfold(3, size, size)
            patches.append(grid.permute(0, 2, 3, 1, 4, 5).reshape(len(x), rows * cols, 3, size, size))
            positions.append(hashed_positions(self.config.hash_grid, rows, cols))
            scales.append(torch.full((rows * cols,), scale, dtype=torch.long))
        device = images.device
        return torch.cat(patches, 1), torch.cat(positions).to(device), torch.cat(scales).to(device)

    def embed_patches(self, patches: torch.Tensor) -> torch.Tensor:
        """B×N×3×P×P -> B×N×hidden: the ResNet stem, STEM_CHUNK patches at a time, then the embedding."""
        batch, tokens = patches.shape[:2]
        # fp32 under autocast too: autocast runs group norm in fp32, and casting the stem's channel-last
        # maps to and from bf16 around each of its five norms cost more than bf16 saved (at 289×512: 58
        # ms a frame in group norms under bf16, 25 ms for the whole stem in fp32).
        with torch.autocast(patches.device.type, enabled=False):
            stems = [self._stem(chunk) for chunk in patches.flatten(0, 1).float().split(STEM_CHUNK)]
        return self.embedding(torch.cat(stems).view(batch, tokens, -1))

    def _stem(self, patches: torch.Tensor) -> torch.Tensor:
        """P×3×32×32 patches -> P×(8·8·256), flattened channel-last as in TensorFlow."""
        # Channel-last memory: oneDNN's convolutions of these small maps run 4-10x faster in it than
        # channel-first, the pool 10x, and the flatten becomes a view.
        x = patches.contiguous(memory_format=torch.channels_last)
        x = F.max_pool2d(F.relu(self.gn_root(self.conv_root(x)), inplace=True), 3, 2, ceil_mode=True)
        return self.block1(x).permute(0, 2, 3, 1).reshape(len(x), -1)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        patches, positions, scales = self.patches(images)
        x = self.transformer_encoder(self.embed_patches(patches), positions, scales)
        # The head in fp32 under autocast too: bf16 would round a 0-100 MOS to steps of 0.25-0.5.
        with torch.autocast(images.device.type, enabled=False):
            return self.head(x[:, 0].float()).reshape(-1)


def load_musiq(path: Path | None) -> nn.Module:
    """pyiqa's checkpoint, strictly (None: random weights, for tests)."""
    model = MUSIQ()
    if path is not None:
        state = torch.load(path, map_location="cpu", weights_only=True)
        model.load_state_dict({k.removeprefix("module."): v for k, v in state.items()})
    return model
