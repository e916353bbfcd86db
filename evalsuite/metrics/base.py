"""The metric contract: a small class with a declared input view, a version and a documented formula.

A metric never decodes a file: the scoring stage decodes each video once and hands every metric the
frames of the `view` it declares. `score` returns one float per video; aggregation over videos
(means, confidence intervals) happens in the report, so a metric's value for a video never depends on
which other videos share its batch, worker or shard.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

import numpy as np

from evalsuite.data.views import FrameView


class Metric(ABC):
    """One automatic metric. Subclasses set the class attributes and implement `score`."""

    name: ClassVar[str]
    version: ClassVar[str] = "1"
    view: ClassVar[FrameView] = FrameView()
    higher_is_better: ClassVar[bool] = True
    #: The criterion of the human evaluation this metric speaks to.
    criterion: ClassVar[str]
    #: Where the definition comes from.
    reference: ClassVar[str]
    #: Networks whose weights the metric needs (none for classic metrics).
    networks: ClassVar[tuple[str, ...]] = ()

    @abstractmethod
    def score(self, frames: np.ndarray) -> float:
        """The metric's value for one video, given the uint8 T×H×W×3 frames of `view`."""

    @property
    def id(self) -> str:
        return f"{self.name}@{self.version}"


METRICS: dict[str, type[Metric]] = {}


def register_metric(cls: type[Metric]) -> type[Metric]:
    """Class decorator adding a metric to the registry under its `name`."""
    if cls.name in METRICS:
        raise ValueError(
            f"metric {cls.name!r} is registered twice ({METRICS[cls.name].__module__} and {cls.__module__})"
        )
    METRICS[cls.name] = cls
    return cls
