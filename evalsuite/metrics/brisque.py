"""BRISQUE (Mittal, Moorthy & Bovik, IEEE TIP 2012): no-reference image quality from natural-scene
statistics, scored by the SVM regressor the `brisque` package ships (trained on LIVE; 0 best, about 100
worst; lower is better). Per frame on 8 evenly spaced frames at native resolution, averaged.

The package's `BRISQUE.score` fails on numpy 2: its AGGD fit returns one-element arrays, which
`float()` no longer accepts. `_Brisque` overrides only the feature scaling to flatten them first; the
features, the scaling parameters and the SVM are the package's own.
"""

from __future__ import annotations

import numpy as np

from evalsuite.data.views import FrameView
from evalsuite.metrics.base import PerFrameMeanMetric, register_metric

_MODEL = None


def brisque_model():
    """The package's BRISQUE with the numpy-2 fix, built once (its SVM takes ~0.1 s to load)."""
    global _MODEL
    if _MODEL is None:
        from brisque import BRISQUE

        class _Brisque(BRISQUE):
            def scale_features(self, features):
                flat = np.array([np.asarray(f, dtype=np.float64).reshape(-1)[0] for f in features])
                low = np.asarray(self.scale_params["min_"], dtype=np.float64).reshape(-1)
                high = np.asarray(self.scale_params["max_"], dtype=np.float64).reshape(-1)
                return -1 + (2.0 / (high - low) * (flat - low))

        _MODEL = _Brisque(url=False)
    return _MODEL


def brisque_score(frame: np.ndarray) -> float:
    return float(brisque_model().score(np.ascontiguousarray(frame)))


@register_metric
class Brisque(PerFrameMeanMetric):
    name = "brisque"
    version = "1"
    view = FrameView(num_frames=8)
    higher_is_better = False
    criterion = "visual_quality"
    reference = "BRISQUE (Mittal et al., IEEE TIP 2012), the `brisque` package's LIVE-trained SVM, 8 frames"
    frame_score = staticmethod(brisque_score)
