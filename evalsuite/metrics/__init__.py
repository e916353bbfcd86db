"""Automatic metrics, registered by name. Importing this package registers every built-in metric."""

from evalsuite.metrics import dynamic_degree, temporal_flickering  # noqa: F401  (registers)
from evalsuite.metrics.base import METRICS, Metric, register_metric

__all__ = ["METRICS", "Metric", "register_metric"]
