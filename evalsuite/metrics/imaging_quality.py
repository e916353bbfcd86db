"""Imaging quality, as VBench defines and implements it (`imaging_quality.py`): MUSIQ trained on SPAQ.

    score = mean_t MUSIQ(frame_t / 255) / 100

on every decoded frame; a frame whose longer side exceeds 512 px is first resized (bilinear, with
antialiasing: torchvision's `Resize` default, which VBench uses) to (int(s·H), int(s·W)), s = 512 / longer
side ("longer", VBench's default preprocessing mode). MUSIQ itself is pyiqa's code (`evalsuite/networks/
musiq.py`), as in VBench. VBench divides the mean over videos by 100; here each video's value is
divided, which gives the same mean. Frames are scored in batches of 8 (MUSIQ scores each image on
its own; batching changes float rounding only).
"""

from __future__ import annotations

import numpy as np
import torch

from evalsuite.metrics.base import Metric, VideoInputs, register_metric

LONGER_SIDE = 512
BATCH = 8


def longer_side_at_most_512(images: torch.Tensor) -> torch.Tensor:
    """VBench's transform(images, 'longer') without the /255, on T×3×H×W float frames."""
    from torchvision.transforms.functional import resize

    height, width = images.shape[-2:]
    if max(height, width) <= LONGER_SIDE:
        return images
    scale = LONGER_SIDE / max(height, width)
    return resize(images, [int(scale * height), int(scale * width)], antialias=True)


@register_metric
class ImagingQuality(Metric):
    name = "imaging_quality"
    version = "1"
    extra_networks = ("musiq_spaq",)
    criterion = "visual_quality"
    reference = "VBench (arXiv 2311.17982), imaging_quality.py: MUSIQ (SPAQ) via pyiqa, longer side <= 512"
    vbench_dimension = "imaging quality"

    def setup(self, pool) -> None:
        self._musiq = pool.get("musiq_spaq")

    @torch.no_grad()
    def evaluate(self, inputs: VideoInputs) -> float:
        frames = inputs.frames(self.view)
        images = torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2).float()
        images = longer_side_at_most_512(images) / 255.0
        device = next(self._musiq.parameters()).device
        scores = [
            self._musiq(images[start : start + BATCH].to(device)).reshape(-1).cpu()
            for start in range(0, len(images), BATCH)
        ]
        return float(torch.cat(scores).double().mean()) / 100.0
