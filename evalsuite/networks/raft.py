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

from collections.abc import Iterator
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


def raft_flows(model: torch.nn.Module, frames: np.ndarray) -> list[np.ndarray]:
    """Every flow of `iter_raft_flows`, as a list."""
    return list(iter_raft_flows(model, frames))


@torch.no_grad()
def iter_raft_flows(model: torch.nn.Module, frames: np.ndarray) -> Iterator[np.ndarray]:
    """Flow (padded H'×W'×2, dx dy in pixels) from each frame of T×H×W×3 uint8 `frames` to the next, each
    computed when the iterator reaches it (dynamic degree stops reading once its flag is settled).

    One pair per forward pass, as VBench runs it: batching pairs gives the same flows but is slower on a
    CPU at every size measured (8 pairs at 256×448: 1.29× the time per pair; 2 pairs at 480×848: 1.17×;
    AMD EPYC, 2 threads) and the correlation volume grows with the square of the pixel count. A frame's
    feature-encoder output serves both pairs it belongs to, where torchvision's forward encodes both
    frames of every pair (each inner frame twice): the encoder normalises each image on its own
    (instance norm), and its output for one image equalled its output within a pair bit for bit, in fp32
    and bf16, on AVX-512 and AVX2 (a test holds the flows equal to torchvision's forward).
    The flow keeps the padded size, as VBench scores it (its top 5% is taken over the padded pixels)."""
    if min(frames.shape[1:3]) < MIN_SIZE:
        raise ValueError(
            f"RAFT needs frames of at least {MIN_SIZE}×{MIN_SIZE} px, got {frames.shape[2]}×{frames.shape[1]}; "
            "use dynamic_degree_dis for smaller videos"
        )
    device = next(model.parameters()).device
    previous = _raft_input(frames[0], device)
    previous_features = model.feature_encoder(previous)
    for frame in frames[1:]:
        current = _raft_input(frame, device)
        current_features = model.feature_encoder(current)
        flow = final_flow(model, previous, current, ITERATIONS, (previous_features, current_features))
        # torchvision's CorrBlock keeps the pair's correlation pyramid (216 MB at 480×848) until the next
        # pair has built its own beside it: drop it now, and hand the pair's temporaries back.
        model.corr_block.corr_pyramid = []
        trim_heap()
        yield flow[0].permute(1, 2, 0).float().cpu().numpy()
        previous, previous_features = current, current_features


def final_flow(
    model: torch.nn.Module,
    image1: torch.Tensor,
    image2: torch.Tensor,
    iterations: int,
    features: tuple[torch.Tensor, torch.Tensor] | None = None,
) -> torch.Tensor:
    """torchvision's `RAFT.forward(image1, image2, iterations)[-1]`, computed as that forward computes it,
    less what only its other outputs need: the forward upsamples the flow after every refinement (the
    mask predictor's two convolutions and the convex upsampling at full resolution) and returns all 20;
    VBench, like this suite, keeps the last. Upsampling once, after the last refinement, runs the same
    operations on the same tensors for that one, so the flow is bit-identical (a test holds it), and a
    480×848 pair skips 19 mask predictions (5.6 GFLOP each) and 19 full-resolution upsamplings.
    `features`: the two images' feature-encoder outputs, where the caller has them already."""
    from torchvision.models.optical_flow._utils import make_coords_grid
    from torchvision.models.optical_flow.raft import upsample_flow

    batch, _, height, width = image1.shape
    if features is None:
        features = torch.chunk(model.feature_encoder(torch.cat([image1, image2], dim=0)), chunks=2, dim=0)
    fmap1, fmap2 = features
    model.corr_block.build_pyramid(fmap1, fmap2)
    context_out = model.context_encoder(image1)
    hidden_size = model.update_block.hidden_state_size
    hidden, context = torch.split(context_out, [hidden_size, context_out.shape[1] - hidden_size], dim=1)
    hidden, context = torch.tanh(hidden), F.relu(context)
    coords0 = make_coords_grid(batch, height // 8, width // 8).to(fmap1.device)
    coords1 = make_coords_grid(batch, height // 8, width // 8).to(fmap1.device)
    for _ in range(iterations):
        corr_features = model.corr_block.index_pyramid(centroids_coords=coords1)
        hidden, delta_flow = model.update_block(hidden, context, corr_features, coords1 - coords0)
        coords1 = coords1 + delta_flow
    up_mask = None if model.mask_predictor is None else model.mask_predictor(hidden)
    return upsample_flow(flow=coords1 - coords0, up_mask=up_mask)


def _raft_input(frame: np.ndarray, device: torch.device) -> torch.Tensor:
    """One H×W×3 uint8 frame as RAFT's 1×3×H'×W' input: 2 · x / 255 − 1, padded to a multiple of 8."""
    image = torch.from_numpy(np.ascontiguousarray(frame)).permute(2, 0, 1)[None].float().to(device)
    return pad_to_multiple_of_8(2.0 * (image / 255.0) - 1.0)
