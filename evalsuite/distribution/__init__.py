"""Set-level metrics: how close a system's whole set of videos is to a reference set of real videos.

Per-video metrics (evalsuite/metrics/) judge each clip alone; these compare distributions of network
features (FVD, content-debiased FVD, KID, per-frame FID). The features are computed by the metric
engine (decode once, cached by content), so a reference set's features are computed once for every
run and system that uses it.
"""

from evalsuite.distribution.metrics import SET_METRICS, SetMetric, check_names

__all__ = ["SET_METRICS", "SetMetric", "check_names"]
