"""RAFT optical flow (Teed & Deng, ECCV 2020), as torchvision's `raft_large`.

VBench's dynamic degree runs the authors' code on `raft-things.pth` (Chairs + Things). torchvision's
`Raft_Large_Weights.C_T_V1` file (`raft_large_C_T_V1-22a6c225.pth`) is those same weights, ported by
torchvision from the authors' repository; it loads here unchanged, strictly. The authors' own file uses
other key names and is not accepted.

Input convention (the authors' `2 * (image / 255) - 1`, which torchvision's RAFT expects already done),
padding to a multiple of 8 (the authors' `InputPadder`, "sintel" mode: replicate, split evenly) and the
20 refinement iterations follow VBench's `dynamic_degree.py`.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

ITERATIONS = 20  # VBench: self.model(image1, image2, iters=20, test_mode=True)
MIN_SIZE = 128  # torchvision's RAFT needs 16 feature cells per side for its 4-level correlation pyramid
# Pairs per forward pass are bounded by the correlation pyramid's bytes (it dominates RAFT's memory):
# at 480×848 one pair's pyramid is 4/3 · (60·106)² · 4 B = 216 MB, so 2 pairs run together, not 8.
PYRAMID_BYTES = 512 * 2**20
MAX_PAIRS = 8


def pairs_per_pass(height: int, width: int) -> int:
    cells = math.ceil(height / 8) * math.ceil(width / 8)
    pyramid = 4 / 3 * cells**2 * 4
    return max(1, min(MAX_PAIRS, int(PYRAMID_BYTES // pyramid)))


def load_raft(path: Path | None) -> torch.nn.Module:
    from torchvision.models.optical_flow import raft_large

    model = raft_large(weights=None, progress=False)
    if path is not None:
        model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    return model


def pad_to_multiple_of_8(images: torch.Tensor) -> torch.Tensor:
    """The authors' InputPadder (mode "sintel"): replicate-pad H and W up to a multiple of 8, split evenly."""
    height, width = images.shape[-2:]
    pad_h = (((height // 8) + 1) * 8 - height) % 8
    pad_w = (((width // 8) + 1) * 8 - width) % 8
    pad = [pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2]
    return F.pad(images, pad, mode="replicate")


@torch.no_grad()
def raft_flows(
    model: torch.nn.Module, frames: np.ndarray, pairs_per_batch: int | None = None
) -> list[np.ndarray]:
    """Flow (padded H'×W'×2, dx dy in pixels) from each frame of T×H×W×3 uint8 `frames` to the next.

    The flow keeps the padded size, as VBench scores it (its top 5% is taken over the padded pixels)."""
    if min(frames.shape[1:3]) < MIN_SIZE:
        raise ValueError(
            f"RAFT needs frames of at least {MIN_SIZE}×{MIN_SIZE} px, got {frames.shape[2]}×{frames.shape[1]}; "
            "use dynamic_degree_dis for smaller videos"
        )
    device = next(model.parameters()).device
    images = torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2).float()
    images = pad_to_multiple_of_8(2.0 * (images / 255.0) - 1.0)
    pairs_per_batch = pairs_per_batch or pairs_per_pass(*images.shape[-2:])
    flows = []
    for start in range(0, len(images) - 1, pairs_per_batch):
        stop = min(start + pairs_per_batch, len(images) - 1)
        first = images[start:stop].to(device)
        second = images[start + 1 : stop + 1].to(device)
        flow = model(first, second, num_flow_updates=ITERATIONS)[-1]
        flows.extend(flow.permute(0, 2, 3, 1).float().cpu().numpy())
    return flows
