"""The metric contract: a small class with a declared input, a version and a documented formula.

A metric never decodes a file or loads a network by itself. The scoring engine decodes each video
once and hands the metric a `VideoInputs`: the frames of any `FrameView` (derived from that one decode,
memoised per view), the per-frame features of the networks it declares (computed once per run and
view, shared with every other metric that reads them, and cached), and the prompt. `evaluate` returns
one float per video; aggregation over videos (means, confidence intervals) happens in the report, so a
metric's value for a video never depends on which other videos share its batch, worker or shard.

Classic metrics subclass `FrameMetric` and implement `score(frames)` on the frames of their `view`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

import numpy as np

from evalsuite.data.video import Video
from evalsuite.data.views import FrameView, apply_view
from evalsuite.errors import ConfigError


class VideoInputs:
    """What a metric may read of one video."""

    def __init__(
        self, video: Video, prompt: str | None = None, features: dict[str, np.ndarray] | None = None
    ):
        self.video = video
        self.prompt = prompt
        self.features: dict[str, np.ndarray] = dict(features or {})
        self._views: dict[FrameView, np.ndarray] = {}

    def frames(self, view: FrameView) -> np.ndarray:
        if view not in self._views:
            self._views[view] = apply_view(self.video, view)
        return self._views[view]

    def feature(self, name: str) -> np.ndarray:
        return self.features[name]


class Metric(ABC):
    """One automatic metric. Subclasses set the class attributes and implement `evaluate`."""

    name: ClassVar[str]
    version: ClassVar[str] = "1"
    view: ClassVar[FrameView] = FrameView()
    higher_is_better: ClassVar[bool] = True
    #: The criterion of the human evaluation this metric speaks to.
    criterion: ClassVar[str]
    #: Where the definition comes from.
    reference: ClassVar[str]
    #: Per-frame network features it reads (names in evalsuite.metrics.features.FEATURES).
    features: ClassVar[tuple[str, ...]] = ()
    #: Networks it runs itself in `setup`/`evaluate` (e.g. CLIP's text tower, an aesthetic head).
    extra_networks: ClassVar[tuple[str, ...]] = ()
    #: CLIP networks whose text tower it runs (it gets them with `pool.get(name, text=True)`); every other
    #: CLIP is kept without one.
    text_networks: ClassVar[tuple[str, ...]] = ()
    #: Whether the value depends on the prompt (then the prompt is part of its cache key).
    uses_prompt: ClassVar[bool] = False
    #: The VBench dimension this metric reproduces (VBench's code, network and weights), else None.
    #: Only such metrics enter the VBench-normalised table (evalsuite/report/vbench_normalised.py).
    vbench_dimension: ClassVar[str | None] = None
    #: VBench's own code averages this dimension over all frame pairs of all videos (a video weighs its
    #: frame count − 1) where this suite averages videos equally; a comparison can ask for VBench's way.
    vbench_pair_weighted: ClassVar[bool] = False
    #: What the parts of `parts` are, for the report's breakdown (e.g. "question type").
    parts_label: ClassVar[str] = "part"

    @classmethod
    def networks(cls) -> tuple[str, ...]:
        from evalsuite.metrics.features import FEATURES

        return tuple(dict.fromkeys([*(FEATURES[f].network for f in cls.features), *cls.extra_networks]))

    def setup(self, pool) -> None:  # noqa: B027  (optional hook)
        """Load what `extra_networks` names from the run's NetworkPool; called once per run."""

    @abstractmethod
    def evaluate(self, inputs: VideoInputs) -> float:
        """The metric's value for one video."""

    def parts(self) -> dict[str, tuple[int, int]] | None:
        """What the last `evaluate` counted to make its value, by part: (count, out of), e.g. per
        question type the questions answered yes of those asked (judge_questions). Kept and cached with
        the value; a run writes them to scores_parts.csv and its report breaks the metric down by part."""
        return None

    @property
    def id(self) -> str:
        return f"{self.name}@{self.version}"


class FrameMetric(Metric):
    """A metric computed from the frames of one view, with no network."""

    def evaluate(self, inputs: VideoInputs) -> float:
        return self.score(inputs.frames(self.view))

    @abstractmethod
    def score(self, frames: np.ndarray) -> float:
        """The metric's value for one video, given the T×H×W×3 frames of `view`."""


class PerFrameMeanMetric(FrameMetric):
    """A frame metric whose value is the mean over the view's frames of a per-frame score."""

    @staticmethod
    @abstractmethod
    def frame_score(frame: np.ndarray) -> float:
        """The score of one H×W×3 frame."""

    def score(self, frames: np.ndarray) -> float:
        return float(np.mean([self.frame_score(frame) for frame in frames]))


METRICS: dict[str, type[Metric]] = {}


def check_names(names: list[str], key: str = "metrics.names", *, offline: bool = False) -> None:
    """Fail with one line (ConfigError) when a name is not registered, or, with `offline`, when a metric
    needs network weights. The pipeline calls this before any work, so a typo costs nothing."""
    unknown = [n for n in names if n not in METRICS]
    if unknown:
        raise ConfigError(f"{key}: unknown metric(s) {unknown}; registered: {', '.join(sorted(METRICS))}")
    networked = [n for n in names if offline and METRICS[n].networks()]
    if networked:
        raise ConfigError(
            f"{key}: {networked[0]} needs network weights; {key} takes metrics without networks"
        )


def register_metric(cls: type[Metric]) -> type[Metric]:
    """Class decorator adding a metric to the registry under its `name`."""
    if cls.name in METRICS:
        raise ValueError(
            f"metric {cls.name!r} is registered twice ({METRICS[cls.name].__module__} and {cls.__module__})"
        )
    METRICS[cls.name] = cls
    return cls
