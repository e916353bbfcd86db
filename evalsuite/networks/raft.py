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

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torchvision.models.optical_flow.raft import CorrBlock

from evalsuite.machine import trim_heap

ITERATIONS = 20  # VBench: self.model(image1, image2, iters=20, test_mode=True)
MIN_SIZE = 128  # torchvision's RAFT needs 16 feature cells per side for its 4-level correlation pyramid


def load_raft(path: Path | None) -> torch.nn.Module:
    from torchvision.models.optical_flow import raft_large

    model = raft_large(weights=None, progress=False)
    model.corr_block = CorrelationInFloat32(
        num_levels=model.corr_block.num_levels, radius=model.corr_block.radius
    )
    if path is not None:
        model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    return model


class CorrelationInFloat32(CorrBlock):
    """torchvision's correlation block with its all-pairs volume computed and held in fp32 under autocast,
    as the authors' mixed-precision mode builds it (from fp32 features, outside autocast). Without it a
    bf16 volume was cast back to fp32 at each of the 20 lookups (grid_sample runs in fp32 under autocast):
    0.8 s of a 3.2 s pair at 480×848. In fp32 it is torchvision's block unchanged."""

    def _compute_corr_volume(self, fmap1: torch.Tensor, fmap2: torch.Tensor) -> torch.Tensor:
        with torch.autocast(fmap1.device.type, enabled=False):
            return super()._compute_corr_volume(fmap1.float(), fmap2.float())


def pad_to_multiple_of_8(images: torch.Tensor) -> torch.Tensor:
    """The authors' InputPadder (mode "sintel"): replicate-pad H and W up to a multiple of 8, split evenly."""
    height, width = images.shape[-2:]
    pad_h = (((height // 8) + 1) * 8 - height) % 8
    pad_w = (((width // 8) + 1) * 8 - width) % 8
    pad = [pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2]
    return F.pad(images, pad, mode="replicate")


@torch.no_grad()
def raft_flows(model: torch.nn.Module, frames: np.ndarray) -> list[np.ndarray]:
    """Flow (padded H'×W'×2, dx dy in pixels) from each frame of T×H×W×3 uint8 `frames` to the next.

    One pair per forward pass, as VBench runs it: batching pairs gives the same flows but is slower on a
    CPU at every size measured (8 pairs at 256×448: 1.29× the time per pair; 2 pairs at 480×848: 1.17×;
    AMD EPYC, 2 threads) and the correlation volume grows with the square of the pixel count.
    The flow keeps the padded size, as VBench scores it (its top 5% is taken over the padded pixels)."""
    if min(frames.shape[1:3]) < MIN_SIZE:
        raise ValueError(
            f"RAFT needs frames of at least {MIN_SIZE}×{MIN_SIZE} px, got {frames.shape[2]}×{frames.shape[1]}; "
            "use dynamic_degree_dis for smaller videos"
        )
    device = next(model.parameters()).device
    flows = []
    previous = _raft_input(frames[0], device)
    for frame in frames[1:]:
        current = _raft_input(frame, device)
        flow = model(previous, current, num_flow_updates=ITERATIONS)[-1]
        flows.append(flow[0].permute(1, 2, 0).float().cpu().numpy())
        previous = current
        # torchvision's CorrBlock keeps the pair's correlation pyramid (216 MB at 480×848) until the next
        # pair has built its own beside it: drop it now, and hand the pair's temporaries back.
        model.corr_block.corr_pyramid = []
        trim_heap()
    return flows


def _raft_input(frame: np.ndarray, device: torch.device) -> torch.Tensor:
    """One H×W×3 uint8 frame as RAFT's 1×3×H'×W' input: 2 · x / 255 − 1, padded to a multiple of 8."""
    image = torch.from_numpy(np.ascontiguousarray(frame)).permute(2, 0, 1)[None].float().to(device)
    return pad_to_multiple_of_8(2.0 * (image / 255.0) - 1.0)
