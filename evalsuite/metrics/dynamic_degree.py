"""Dynamic degree, VBench's protocol (Huang et al., CVPR 2024, `dynamic_degree.py`) on DIS optical flow.

    frames: every round(fps / 8)-th decoded frame from the first, at native resolution (T of them)
    per consecutive pair: s = mean of the largest 5% flow magnitudes
    threshold = 6 · min(H, W) / 256;  needed = round(4 · T / 16)
    dynamic (1.0) if at least `needed` pairs have s > threshold, else static (0.0)

Averaged over videos, the flags give the fraction of dynamic videos, VBench's dimension score.

Deviations from VBench's code, by design: flow comes from OpenCV's DIS instead of RAFT (20 iterations,
weights `raft-things.pth`), so this metric is named `dynamic_degree_dis` and its values are not VBench's;
VBench also pads frames to a multiple of 8 for RAFT and takes the top 5% over the padded size, which
DIS does not need. Kept from VBench: with round(4·T/16) = 0 (T <= 2 sampled frames) every video counts
as dynamic, because VBench's loop tests `count >= count_num` after the first pair.
"""

from __future__ import annotations

import itertools

import numpy as np

from evalsuite.data.views import FrameView
from evalsuite.metrics.base import FrameMetric, register_metric
from evalsuite.metrics.flow import dis_flow, flow_magnitude, top_fraction_mean


def pair_scores(frames: np.ndarray) -> list[float]:
    """VBench's per-pair motion statistic on DIS flow, for consecutive frames."""
    return [top_fraction_mean(flow_magnitude(dis_flow(a, b))) for a, b in itertools.pairwise(frames)]


def is_dynamic(scores: list[float], num_frames: int, height: int, width: int) -> bool:
    threshold = 6.0 * min(height, width) / 256.0
    needed = round(4 * num_frames / 16.0)
    count = 0
    for score in scores:
        count += score > threshold
        if count >= needed:
            return True
    return needed <= 0


@register_metric
class DynamicDegreeDIS(FrameMetric):
    name = "dynamic_degree_dis"
    version = "1"
    view = FrameView(stride_to_fps=8)
    criterion = "motion_quality"
    reference = "VBench (arXiv 2311.17982) dynamic_degree.py protocol, on OpenCV DIS flow instead of RAFT"

    def score(self, frames: np.ndarray) -> float:
        if len(frames) < 2:
            raise ValueError(f"dynamic degree needs at least 2 sampled frames, got {len(frames)}")
        _, height, width, _ = frames.shape
        return float(is_dynamic(pair_scores(frames), len(frames), height, width))
