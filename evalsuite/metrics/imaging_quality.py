"""Imaging quality, as VBench defines and implements it (`imaging_quality.py`): MUSIQ trained on SPAQ.

    score = mean_t MUSIQ(frame_t / 255) / 100

on every decoded frame; a frame whose longer side exceeds 512 px is first resized (bilinear, antialias
off, as VBench's `transform` has passed `antialias=False` since its commit of 2024-11-29; versions before
it used torchvision's default, antialias on) to (int(s·H), int(s·W)), s = 512 / longer side ("longer",
VBench's default preprocessing mode). Every HunyuanVideo output (480p and up) is resized, so this matters:
on a 49×480×848 clip the antialiased resize moved the MUSIQ mean from 0.9100 to 0.9078. MUSIQ itself is pyiqa's code (`evalsuite/networks/
musiq.py`), as in VBench. VBench divides the mean over videos by 100; here each video's value is
divided, which gives the same mean. Frames are scored in batches of 8 (MUSIQ scores each image on
its own; batching changes float rounding only).
"""

from __future__ import annotations

import numpy as np
import torch

from evalsuite.data.views import FrameView
from evalsuite.metrics.base import Metric, VideoInputs, register_metric

BATCH = 8


@register_metric
class ImagingQuality(Metric):
    name = "imaging_quality"
    version = "2"  # 2: antialias off in the >512 px resize, as VBench's code (1 had it on)
    # VBench's load_video (float32 frames), then transform(images, "longer"): torchvision's Resize,
    # bilinear, antialias=False, when the longer side exceeds 512.
    view = FrameView(max_side=512, interpolation="bilinear", antialias=False, as_float=True)
    extra_networks = ("musiq_spaq",)
    criterion = "visual_quality"
    reference = "VBench (arXiv 2311.17982), imaging_quality.py: MUSIQ (SPAQ) via pyiqa, longer side <= 512"
    vbench_dimension = "imaging quality"

    def setup(self, pool) -> None:
        self._musiq = pool.get("musiq_spaq")

    @torch.no_grad()
    def evaluate(self, inputs: VideoInputs) -> float:
        frames = inputs.frames(self.view)
        images = torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2).float() / 255.0
        device = next(self._musiq.parameters()).device
        scores = [
            self._musiq(images[start : start + BATCH].to(device)).reshape(-1).cpu()
            for start in range(0, len(images), BATCH)
        ]
        return float(torch.cat(scores).double().mean()) / 100.0
