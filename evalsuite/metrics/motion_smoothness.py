"""Motion smoothness, VBench's protocol (`motion_smoothness.py`) with a pluggable frame interpolator.

VBench drops the odd frames, re-creates each from its two even neighbours with a video frame
interpolation network (AMT-S), and scores how well they match the real ones:

    score = (255 - mean_i MAE(real_{2i+1}, interp(real_{2i}, real_{2i+2}))) / 255,

MAE over all pixels and channels of uint8 frames, every decoded frame. Motion that follows the
interpolator's prior (smooth, near-linear) scores near 1; jerky or shuffled motion scores lower.

An interpolator is any callable (frame_a, frame_b) -> middle frame (uint8 H×W×3). The one that ships
is `FlowWarpInterpolator`, weight-free, so this metric is named `motion_smoothness_flow_warp` and is
not VBench's number: it estimates DIS optical flow both ways and blends the two frames warped to the
midpoint with Super SloMo's linear flow approximation (Jiang et al., CVPR 2018, t = 1/2):
F_{t->a} = (-F_ab + F_ba)/4, F_{t->b} = (F_ab - F_ba)/4.

`motion_smoothness_amt` is VBench's dimension: AMT-S (evalsuite/networks/amt.py) with the authors'
`amt-s.pth`, frames / 255, padded to a multiple of 16, t = 0.5, predictions × 255 truncated to uint8,
as VBench's `motion_smoothness.py` does. Where it deviates: VBench shrinks the frames before
interpolating when a GPU has little memory (a scale computed from the GPU's total memory), so its value
depends on the GPU it ran on; this suite never shrinks them (VBench's own CPU path and any GPU with
enough memory do the same). VBench decodes with OpenCV, this suite with PyAV (both FFmpeg).
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from evalsuite.data.views import FrameView
from evalsuite.metrics.base import FrameMetric, register_metric
from evalsuite.metrics.flow import dis_flow
from evalsuite.networks.amt import AMTInterpolator

Interpolator = Callable[[np.ndarray, np.ndarray], np.ndarray]


class FlowWarpInterpolator:
    """Midpoint frame from bidirectional DIS flow and backward warping (weight-free)."""

    name = "flow_warp_dis"

    def __call__(self, frame_a: np.ndarray, frame_b: np.ndarray) -> np.ndarray:
        flow_ab = dis_flow(frame_a, frame_b)
        flow_ba = dis_flow(frame_b, frame_a)
        height, width = frame_a.shape[:2]
        grid_x, grid_y = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
        flow_ta = (-flow_ab + flow_ba) / 4.0
        flow_tb = (flow_ab - flow_ba) / 4.0
        warped_a = cv2.remap(
            frame_a,
            grid_x + flow_ta[..., 0],
            grid_y + flow_ta[..., 1],
            cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REPLICATE,
        )
        warped_b = cv2.remap(
            frame_b,
            grid_x + flow_tb[..., 0],
            grid_y + flow_tb[..., 1],
            cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REPLICATE,
        )
        middle = (warped_a.astype(np.float32) + warped_b.astype(np.float32)) / 2.0
        return np.clip(np.rint(middle), 0, 255).astype(np.uint8)


def motion_smoothness(frames: np.ndarray, interpolator: Interpolator) -> float:
    """VBench's score for uint8 T×H×W×3 frames (T >= 3)."""
    if len(frames) < 3:
        raise ValueError(f"motion smoothness needs at least 3 frames, got {len(frames)}")
    even = frames[0::2]
    real_odd = frames[1::2][: len(even) - 1]
    errors = [
        float(np.abs(interpolator(even[i], even[i + 1]).astype(np.int16) - real.astype(np.int16)).mean())
        for i, real in enumerate(real_odd)
    ]
    return (255.0 - float(np.mean(errors))) / 255.0


class MotionSmoothness(FrameMetric):
    view = FrameView()  # every frame, native resolution
    criterion = "motion_quality"

    def __init__(self, interpolator: Interpolator | None = None):
        self.interpolator = interpolator or FlowWarpInterpolator()

    def score(self, frames: np.ndarray) -> float:
        return motion_smoothness(frames, self.interpolator)


@register_metric
class MotionSmoothnessFlowWarp(MotionSmoothness):
    name = "motion_smoothness_flow_warp"
    version = "1"
    reference = (
        "VBench's motion-smoothness protocol (arXiv 2311.17982) with a DIS flow-warp interpolator, not AMT"
    )


@register_metric
class MotionSmoothnessAMT(MotionSmoothness):
    name = "motion_smoothness_amt"
    version = "1"
    reference = "VBench motion smoothness (arXiv 2311.17982): AMT-S (CVPR 2023) frame interpolation"
    extra_networks = ("amt_s",)
    vbench_dimension = "motion smoothness"

    def setup(self, pool) -> None:
        self.interpolator = AMTInterpolator(pool.get("amt_s"))
