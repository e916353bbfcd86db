"""Optical flow for the motion metrics, and VBench's per-pair motion statistic.

The default backend is OpenCV's DIS optical flow (Kroeger et al., ECCV 2016): weight-free, fast on a CPU,
and accurate on textured motion (a texture shifted k px per frame measures k within 1% in the tests).
RAFT, which VBench uses, is the optional backend for users with its weights
(`evalsuite/networks/raft.py`); metrics built on DIS carry their own names (`*_dis`) so their numbers
are never mistaken for VBench's.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np

TOP_FRACTION = 0.05  # VBench's dynamic degree: the mean of the largest 5% flow magnitudes of a pair


def dis_flow(previous: np.ndarray, current: np.ndarray) -> np.ndarray:
    """Flow H×W×2 (dx, dy) in pixels from uint8 RGB frame `previous` to `current` (DIS, medium preset)."""
    import cv2

    from evalsuite.metrics.technical import luma

    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    return dis.calc(luma(previous), luma(current), None)  # DIS asserts C-contiguous single-channel input


def dis_flows(frames: np.ndarray) -> list[np.ndarray]:
    """DIS flow from each of T uint8 RGB frames to the next."""
    return list(iter_dis_flows(frames))


def iter_dis_flows(frames: np.ndarray) -> Iterator[np.ndarray]:
    """`dis_flows`, each flow computed when the iterator reaches it."""
    for a, b in itertools.pairwise(frames):
        yield dis_flow(a, b)


def flow_magnitude(flow: np.ndarray) -> np.ndarray:
    return np.sqrt(np.square(flow[..., 0]) + np.square(flow[..., 1]))


def top_fraction_mean(magnitude: np.ndarray, fraction: float = TOP_FRACTION) -> float:
    """VBench's `get_score`: the mean of the int(H·W·fraction) largest magnitudes."""
    flat = np.sort(magnitude.ravel())[::-1]
    cut = int(magnitude.size * fraction)
    return float(flat[:cut].mean()) if cut > 0 else float(flat[0])
