"""Automatic metrics, registered by name. Importing this package registers every built-in metric."""

from evalsuite.metrics import (  # noqa: F401  (registers)
    aesthetic_quality,
    brisque,
    clip_iqa,
    clip_score,
    consistency,
    dynamic_degree,
    imaging_quality,
    judge,
    motion_smoothness,
    niqe,
    technical,
    temporal_flickering,
)
from evalsuite.metrics.base import METRICS, FrameMetric, Metric, VideoInputs, check_names, register_metric

__all__ = ["METRICS", "FrameMetric", "Metric", "VideoInputs", "check_names", "register_metric"]
