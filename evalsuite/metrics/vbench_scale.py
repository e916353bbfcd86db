"""VBench's published scale of its quality dimensions (`scripts/constant.py`): the Min and Max that
normalise each dimension's score and the weight it has in VBench's quality score. Read by the run
report's VBench-normalised table and by the comparison of systems."""

from __future__ import annotations

#: VBench's quality dimensions: (Min, Max, weight), from VBench's scripts/constant.py.
QUALITY_DIMENSIONS: dict[str, tuple[float, float, float]] = {
    "subject consistency": (0.1462, 1.0, 1.0),
    "background consistency": (0.2615, 1.0, 1.0),
    "temporal flickering": (0.6293, 1.0, 1.0),
    "motion smoothness": (0.706, 0.9975, 1.0),
    "aesthetic quality": (0.0, 1.0, 1.0),
    "imaging quality": (0.0, 1.0, 1.0),
    "dynamic degree": (0.0, 1.0, 0.5),
}
