"""Score each system's set of videos against the reference set with every configured set metric.

Features come from the metric engine (`MetricEngine.video_features`: cached by video content, so the
reference set is decoded and run through each network once for all systems and runs). A video that
cannot be decoded or is too short for a feature is left out of that feature's set and counted: the
table gives both sides' numbers of videos and frames for every value, and the reference set's identity
(sha256 of its videos' hashes) so that runs against different sets are never put side by side.
Sets above `RESAMPLED_MAX_ROWS` frames have their bootstrap and bias measured on evenly spaced frames of
each video (the value itself uses every frame).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
from tqdm import tqdm

from evalsuite.distribution import statistics as st
from evalsuite.distribution.metrics import SetMetric
from evalsuite.metrics.engine import MetricEngine, VideoJob
from evalsuite.metrics.features import FEATURES

log = logging.getLogger(__name__)

COLUMNS = [
    "system",
    "metric",
    "label",
    "value",
    "ci_low",
    "ci_high",
    "std",
    "videos",
    "reference_videos",
    "rows",
    "reference_rows",
    "bias",
    "limit",
    "reference",
    "reference_sha256",
    "warning",
]
# Bootstrap replicates and the bias fit cost (rows × dimensions²) each for a Fréchet distance and hold
# rows² kernel entries for KID: above this many rows a side they use evenly spaced frames of each video.
RESAMPLED_MAX_ROWS = 8000


@dataclass
class SetScores:
    table: pd.DataFrame
    unavailable: dict[str, str] = field(default_factory=dict)  # metric -> why, with the fix
    warnings: list[str] = field(default_factory=list)
    random_networks: list[str] = field(default_factory=list)
    networks: dict[str, str] = field(default_factory=dict)  # network -> sha256 of the file it ran with


@dataclass(frozen=True)
class SetOptions:
    replicates: int = 200
    kid_subsets: int = 100
    kid_subset_size: int = 1000
    seed: int = 0
    progress: bool = True


def collect_features(
    engine: MetricEngine, jobs: list[VideoJob], features: list[str], who: str, progress: bool
) -> tuple[dict[str, list[np.ndarray]], list[str]]:
    """Per feature, the arrays of the videos that have it (in job order); and one warning line per
    feature some videos lack."""
    found: dict[str, list[np.ndarray]] = {name: [] for name in features}
    failed: dict[str, list[str]] = {name: [] for name in features}
    bar = tqdm(total=len(jobs), desc=f"features: {who}", unit="video", disable=not progress)
    for per_video in engine.video_features(jobs, features):
        for name in features:
            value = per_video[name]
            (failed[name] if isinstance(value, str) else found[name]).append(value)
        bar.update()
    bar.close()
    notes = [
        f"{who}: {len(reasons)} of {len(jobs)} videos have no {name} feature and are left out of its "
        f"metrics ({'; '.join(reasons[:3])}{'; …' if len(reasons) > 3 else ''})"
        for name, reasons in failed.items()
        if reasons
    ]
    return found, notes


def thinned(per_video: list[np.ndarray], max_rows: int = RESAMPLED_MAX_ROWS) -> list[np.ndarray]:
    """Each video's rows, or evenly spaced ones (the same count per video) so that all videos together
    have at most `max_rows`; a video keeps at least one."""
    if sum(len(v) for v in per_video) <= max_rows:
        return per_video
    keep = max(1, max_rows // len(per_video))
    return [
        v[np.unique(np.round(np.linspace(0, len(v) - 1, min(keep, len(v)))).astype(int))] for v in per_video
    ]


class ReferenceSide:
    """What every system's score reads of the reference set for one metric, each part computed on first
    use and then shared by all systems: the Fréchet moments and root, or KID's stacked rows and the
    bootstrap's kernel term."""

    def __init__(self, metric: SetMetric, per_video: list[np.ndarray]):
        self.metric, self.per_video = metric, per_video

    @cached_property
    def frechet(self) -> st.FrechetToReference:
        return st.FrechetToReference(self.per_video, self.metric.ddof)

    @cached_property
    def rows(self) -> np.ndarray:
        return st.stack(self.per_video)

    @cached_property
    def kid_bootstrap(self) -> st.KidReference:
        return st.KidReference(st.stack(thinned(self.per_video)))


def score_metric(
    metric: SetMetric,
    generated: list[np.ndarray],
    reference: list[np.ndarray] | ReferenceSide,
    options: SetOptions,
) -> dict:
    """One table row's numbers: the value, its bootstrap interval over generated videos, KID's subset
    standard deviation, the sizes and (Fréchet) the measured small-set bias."""
    side = reference if isinstance(reference, ReferenceSide) else ReferenceSide(metric, reference)
    out: dict = {
        "videos": len(generated),
        "reference_videos": len(side.per_video),
        "rows": int(sum(len(v) for v in generated)),
        "reference_rows": int(sum(len(v) for v in side.per_video)),
    }
    if len(generated) < 2 or len(side.per_video) < 2:
        return out | {"warning": "needs at least 2 videos on each side"}
    resampled = thinned(generated)
    picks = st.bootstrap_picks(len(generated), options.replicates, options.seed)
    replicates: list[float] = []
    if metric.statistic == "frechet":
        to_reference = side.frechet
        out["value"] = to_reference.distance(generated)
        replicates = [to_reference(st.stack(resampled, p)) for p in picks]
        bias = st.frechet_bias(resampled, to_reference, options.seed)
        if bias is not None:
            out |= {"bias": bias.at_n, "limit": bias.limit}
        clips = metric.clip_frames is not None
        size = out["videos"] if clips else out["rows"]
        if metric.stable_rows and size < metric.stable_rows:
            measured = (
                f"measured bias {bias.at_n:+.3g}, large-set limit {bias.limit:.3g}"
                if bias
                else "too few videos (< 8) to measure the bias"
            )
            out["warning"] = (
                f"biased upward: {size} {'videos' if clips else 'frames'} < {metric.stable_rows} (the size the "
                f"reference code reports at); {measured}"
            )
    else:
        mean, std = st.kid(
            st.stack(generated), side.rows, options.kid_subsets, options.kid_subset_size, options.seed
        )
        out |= {"value": mean, "std": std}
        if options.replicates:
            to_reference = st.KidToReference(st.stack(resampled), side.kid_bootstrap)
            lengths = np.array([len(v) for v in resampled])
            for p in picks:
                counts = np.bincount(p, minlength=len(generated))
                replicates.append(to_reference(np.repeat(counts, lengths).astype(np.float64)))
    if replicates:
        out["ci_low"], out["ci_high"] = st.shifted_interval(out["value"], np.asarray(replicates))
    return out


def score_sets(
    engine: MetricEngine,
    systems: dict[str, list[VideoJob]],
    reference: list[VideoJob],
    reference_name: str,
    metrics: list[SetMetric],
    options: SetOptions,
) -> SetScores:
    """Every metric for every system, one row each (systems in the given order)."""
    unavailable = {}
    for metric in metrics:
        reason = engine.pool.available(FEATURES[metric.feature].network)
        if reason:
            unavailable[metric.name] = reason
            log.warning("set metric %s is unavailable: %s", metric.name, reason)
    usable = [m for m in metrics if m.name not in unavailable]
    features = list(dict.fromkeys(m.feature for m in usable))
    if not usable:
        return SetScores(pd.DataFrame(columns=COLUMNS), unavailable)
    digest = hashlib.sha256("\n".join(sorted(job.sha256 for job in reference)).encode()).hexdigest()
    ref_features, warnings = collect_features(
        engine, reference, features, f"reference {reference_name}", options.progress
    )
    sides = {m.name: ReferenceSide(m, ref_features[m.feature]) for m in usable}
    rows = []
    for system, jobs in systems.items():
        gen_features, notes = collect_features(engine, jobs, features, system, options.progress)
        warnings += notes
        for metric in usable:
            numbers = score_metric(metric, gen_features[metric.feature], sides[metric.name], options)
            rows.append(
                {"system": system, "metric": metric.name, "label": metric.label, "reference": reference_name}
                | {"reference_sha256": digest}
                | numbers
            )
    table = pd.DataFrame(rows, columns=COLUMNS)
    for column in ("value", "ci_low", "ci_high", "std", "bias", "limit"):
        table[column] = table[column].astype(float)
    return SetScores(table, unavailable, warnings)
