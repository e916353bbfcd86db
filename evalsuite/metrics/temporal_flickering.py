"""Temporal flickering, as defined and implemented by VBench (Huang et al., CVPR 2024).

    score = (255 - mean_t MAE(f_t, f_{t+1})) / 255,   MAE over all pixels and channels,

on every decoded frame at native resolution. Higher is better: 1.0 for a static clip, 0.0 for frames
alternating between black and white.

VBench's `temporal_flickering.py` decodes with OpenCV (BGR; the MAE does not depend on channel order),
takes `cv2.absdiff` of float32 frames, averages per pair, then over pairs. This implementation does the
same arithmetic in float64 on PyAV's decode, which equals OpenCV's bit for bit on H.264 input (tested),
so scores match VBench's code to float rounding (< 1e-6). One deviation: VBench silently skips a video
with no frames; here such a video is recorded as a failure in the scores table.
"""

from __future__ import annotations

import itertools

import numpy as np

from evalsuite.data.views import FrameView
from evalsuite.metrics.base import FrameMetric, register_metric


@register_metric
class TemporalFlickering(FrameMetric):
    name = "temporal_flickering"
    vbench_dimension = "temporal flickering"
    version = "1"
    view = FrameView()  # every frame, native resolution
    criterion = "visual_quality"
    reference = "VBench (arXiv 2311.17982), temporal_flickering.py"

    def score(self, frames: np.ndarray) -> float:
        if len(frames) < 2:
            raise ValueError(f"temporal flickering needs at least 2 frames, got {len(frames)}")
        total = 0.0
        for previous, current in itertools.pairwise(frames):
            # int16 keeps the difference exact without a float copy of the whole clip.
            total += float(np.abs(current.astype(np.int16) - previous.astype(np.int16)).mean())
        mean_abs_diff = total / (len(frames) - 1)
        return (255.0 - mean_abs_diff) / 255.0
