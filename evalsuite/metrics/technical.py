"""Simple technical measures of the picture, per frame on 8 evenly spaced frames, averaged.

- sharpness: variance of the Laplacian of the luma (Pech-Pacheco et al., ICPR 2000), in 8-bit
  intensity units squared; higher is sharper (and noise raises it too).
- exposure_clipping: the fraction of pixels whose luma is crushed (<= 2) or blown (>= 253); lower is
  better.
- colourfulness: Hasler & Süsstrunk (2003), M = sqrt(σ_rg² + σ_yb²) + 0.3 · sqrt(μ_rg² + μ_yb²) with
  rg = R - G and yb = (R + G)/2 - B; about 0 for grey, 15 "slightly", 33 "moderately", 59 "quite",
  82 "highly", 109 "extremely" colourful.
Luma is ITU-R BT.601 (0.299 R + 0.587 G + 0.114 B), as OpenCV's RGB2GRAY.
"""

from __future__ import annotations

import cv2
import numpy as np

from evalsuite.data.views import FrameView
from evalsuite.metrics.base import PerFrameMeanMetric, register_metric

SAMPLED = FrameView(num_frames=8)


def luma(frame: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(np.ascontiguousarray(frame), cv2.COLOR_RGB2GRAY)


def laplacian_variance(frame: np.ndarray) -> float:
    return float(cv2.Laplacian(luma(frame).astype(np.float64), cv2.CV_64F, ksize=1).var())


def clipped_fraction(frame: np.ndarray, low: int = 2, high: int = 253) -> float:
    y = luma(frame)
    return float(np.mean((y <= low) | (y >= high)))


def colourfulness(frame: np.ndarray) -> float:
    rgb = frame.astype(np.float64)
    rg = rgb[..., 0] - rgb[..., 1]
    yb = 0.5 * (rgb[..., 0] + rgb[..., 1]) - rgb[..., 2]
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


@register_metric
class Sharpness(PerFrameMeanMetric):
    name = "sharpness"
    version = "1"
    view = SAMPLED
    criterion = "visual_quality"
    reference = "variance of the Laplacian (Pech-Pacheco et al., ICPR 2000), 8 frames"
    frame_score = staticmethod(laplacian_variance)


@register_metric
class ExposureClipping(PerFrameMeanMetric):
    name = "exposure_clipping"
    version = "1"
    view = SAMPLED
    higher_is_better = False
    criterion = "visual_quality"
    reference = "fraction of pixels with BT.601 luma <= 2 or >= 253, 8 frames"
    frame_score = staticmethod(clipped_fraction)


@register_metric
class Colourfulness(PerFrameMeanMetric):
    name = "colourfulness"
    version = "1"
    view = SAMPLED
    criterion = "visual_quality"
    reference = "Hasler & Süsstrunk, SPIE 2003, 8 frames"
    frame_score = staticmethod(colourfulness)
