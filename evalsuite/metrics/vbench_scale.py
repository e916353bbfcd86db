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


def normalised(dimension: str, value):
    """VBench's normalisation of one quality dimension's score: (value − Min) / (Max − Min), not clipped."""
    low, high, _ = QUALITY_DIMENSIONS[dimension]
    return (value - low) / (high - low)


def quality_score(values: dict[str, object]):
    """VBench's quality score over the quality dimensions given: Σ_d w_d · normalised_d / Σ_d w_d.

    `values` maps a VBench dimension name to its score: a number, or arrays of one shape (per prompt,
    per bootstrap resample, ...), combined element-wise. VBench counts a dimension it was not given as 0;
    here the sum runs over the dimensions present (the callers label such a score partial). None when no
    quality dimension is among `values`."""
    present = [d for d in values if d in QUALITY_DIMENSIONS]
    if not present:
        return None
    total = sum(QUALITY_DIMENSIONS[d][2] * normalised(d, values[d]) for d in present)
    return total / sum(QUALITY_DIMENSIONS[d][2] for d in present)
