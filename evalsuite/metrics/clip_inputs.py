"""The clip inputs of FVD's I3D and of content-debiased FVD's VideoMAE, made the way cd-fvd makes them.

cd-fvd (Ge et al., CVPR 2024; `pip install cd-fvd`, the FVD code of the content-debiased FVD paper, whose
I3D path follows StyleGAN-V's FVD) reads a folder of videos with `load_videos(..., data_type="video_folder")`
and its defaults, then runs each model's own preprocessing:

1. a 16-frame clip (`sequence_length=16`, native frame rate);
2. `utils.data_utils.preprocess`: frames / 255 as float32; the shorter side resized to `resolution` = 256
   (the longer side to ceil(side × scale)) with `F.interpolate(bilinear, align_corners=False,
   antialias=True)`; centre crop 256×256 at offsets (side − 256) // 2;
3. back to bytes the way `compute_*_stats` does it: `(video * 255).byte()`, i.e. truncated, not rounded;
4. I3D (`preprocess_i3d`): bilinear resize of the 0-255 floats to 224×224 (align_corners=False, no
   antialias), then 2x/255 − 1; VideoMAE (`preprocess_videomae`): x / 255, then the same 224×224 resize,
   with no mean/std normalisation.

Deviation: cd-fvd picks a random 16-frame window per video (seeded, via torchvision's VideoClips); this
suite takes the first 16 frames, so a video's features do not depend on a seed or on which other videos
are loaded with it. Videos shorter than 16 frames are refused (cd-fvd skips them silently).
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

CLIP_FRAMES = 16
RESOLUTION = 256
NETWORK_SIZE = (224, 224)


def cdfvd_clips(clips: np.ndarray, resolution: int = RESOLUTION) -> torch.Tensor:
    """B×T×H×W×3 uint8 clips -> B×T×3×res×res uint8 frames, cd-fvd's steps 2-3."""
    batch, length, height, width, _ = clips.shape
    x = torch.from_numpy(np.ascontiguousarray(clips)).reshape(batch * length, height, width, 3)
    x = x.permute(0, 3, 1, 2).float() / 255.0
    scale = resolution / min(height, width)
    size = (
        (resolution, math.ceil(width * scale)) if height < width else (math.ceil(height * scale), resolution)
    )
    x = F.interpolate(x, size=size, mode="bilinear", align_corners=False, antialias=True)
    top, left = (x.shape[2] - resolution) // 2, (x.shape[3] - resolution) // 2
    x = x[:, :, top : top + resolution, left : left + resolution]
    return (x * 255).byte().reshape(batch, length, 3, resolution, resolution)


def i3d_input(clips: np.ndarray) -> torch.Tensor:
    """B×T×H×W×3 uint8 -> B×3×T×224×224 in [-1, 1], I3D's input in cd-fvd."""
    frames = cdfvd_clips(clips)
    batch, length = frames.shape[:2]
    x = F.interpolate(frames.flatten(0, 1).float(), size=NETWORK_SIZE, mode="bilinear", align_corners=False)
    x = x.reshape(batch, length, 3, *NETWORK_SIZE).transpose(1, 2)
    return 2.0 * x / 255.0 - 1


def videomae_input(clips: np.ndarray) -> torch.Tensor:
    """B×T×H×W×3 uint8 -> B×3×T×224×224 in [0, 1], VideoMAE's input in cd-fvd."""
    frames = cdfvd_clips(clips)
    batch, length = frames.shape[:2]
    x = frames.flatten(0, 1).float() / 255.0
    x = F.interpolate(x, size=NETWORK_SIZE, mode="bilinear", align_corners=False)
    return x.reshape(batch, length, 3, *NETWORK_SIZE).transpose(1, 2)
