"""Dynamic degree, VBench's protocol (Huang et al., CVPR 2024, `dynamic_degree.py`), on two flow backends.

    frames: every round(fps / 8)-th decoded frame from the first, at native resolution (T of them)
    per consecutive pair: s = mean of the largest 5% flow magnitudes
    threshold = 6 · min(H, W) / 256;  needed = round(4 · T / 16)
    dynamic (1.0) if at least `needed` pairs have s > threshold, else static (0.0)

The per-video value is the flag; its mean over videos (the report's mean column) is the fraction of
dynamic videos, VBench's dimension score. Kept from VBench: with round(4·T/16) = 0 (T <= 2 sampled
frames) every video counts as dynamic, because VBench's loop tests `count >= count_num` after the first pair.

`dynamic_degree_raft` is VBench's metric: RAFT with the authors' Chairs+Things weights (as torchvision's
port, `evalsuite/networks/raft.py`), 20 iterations, frames padded to a multiple of 8 and the top 5% taken
over the padded size, as VBench does; its flows are bit-identical to those of the RAFT authors' code that
VBench vendors, on the same weights and frames (tests/metrics/test_raft_flow.py), and a pair takes at most
1/1.2 of that code's time at 480p and 720p (`nox -s bench -- -k raft -s` asserts it: each inner frame is
encoded once and the flow upsampled once, networks/raft.py). Where it may deviate: VBench decodes with OpenCV, this suite with
PyAV (both FFmpeg; the YUV->RGB rounding can differ by a grey level), and VBench runs on a GPU.

`dynamic_degree_dis` is the weight-free twin on OpenCV's DIS flow, with no padding (DIS needs none); its
values are not VBench's, hence its own name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import numpy as np

from evalsuite.data.views import FrameView
from evalsuite.metrics.base import FrameMetric, Metric, VideoInputs, register_metric
from evalsuite.metrics.flow import flow_magnitude, iter_dis_flows, top_fraction_mean

# T frames -> their T-1 flows (H×W×2) in order; a lazy iterable computes only the pairs that are read
FlowBackend = Callable[[np.ndarray], Iterable[np.ndarray]]
VIEW = FrameView(stride_to_fps=8)


def pair_scores(frames: np.ndarray, flows: FlowBackend = iter_dis_flows) -> Iterator[float]:
    """VBench's per-pair motion statistic for consecutive frames, one pair's flow at a time as it is read."""
    for flow in flows(frames):
        yield top_fraction_mean(flow_magnitude(flow))


def is_dynamic(scores: Iterable[float], num_frames: int, height: int, width: int) -> bool:
    """VBench's `check_move` over the num_frames - 1 pair scores, which it reads only until the flag is
    settled: `needed` pairs above the threshold, or too few pairs left to get there. VBench computes every
    pair's flow first and counts after; the flag is the same, and a dynamic video stops after `needed` pairs
    (11 of 42 for 129 frames at 24 fps) instead of all of them."""
    threshold = 6.0 * min(height, width) / 256.0
    needed = round(4 * num_frames / 16.0)
    if needed <= 0:
        return True
    count, left = 0, num_frames - 1
    for score in scores:
        count, left = count + (score > threshold), left - 1
        if count >= needed:
            return True
        if count + left < needed:
            return False
    return False


def dynamic_flag(frames: np.ndarray, flows: FlowBackend) -> float:
    if len(frames) < 2:
        raise ValueError(f"dynamic degree needs at least 2 sampled frames, got {len(frames)}")
    _, height, width, _ = frames.shape
    return float(is_dynamic(pair_scores(frames, flows), len(frames), height, width))


@register_metric
class DynamicDegreeDIS(FrameMetric):
    name = "dynamic_degree_dis"
    version = "1"
    view = VIEW
    criterion = "motion_quality"
    reference = (
        "VBench (arXiv 2311.17982) dynamic_degree.py protocol, on OpenCV DIS flow instead of RAFT; "
        "per video 0/1, so the mean is the fraction of dynamic videos"
    )

    def score(self, frames: np.ndarray) -> float:
        return dynamic_flag(frames, iter_dis_flows)


@register_metric
class DynamicDegreeRAFT(Metric):
    name = "dynamic_degree_raft"
    vbench_dimension = "dynamic degree"
    version = "1"
    view = VIEW
    extra_networks = ("raft_large",)
    criterion = "motion_quality"
    reference = (
        "VBench (arXiv 2311.17982) dynamic_degree.py: RAFT (Chairs+Things weights), 20 iterations; "
        "per video 0/1, so the mean is the fraction of dynamic videos"
    )

    def setup(self, pool) -> None:
        from evalsuite.networks.raft import iter_raft_flows

        model = pool.get("raft_large")
        self._flows = lambda frames: iter_raft_flows(model, frames)

    def evaluate(self, inputs: VideoInputs) -> float:
        return dynamic_flag(inputs.frames(self.view), self._flows)
