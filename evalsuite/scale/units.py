"""Work units: the scoring stage cut into pieces that any process (a Ray worker, a Slurm array task)
can compute, with results that equal the single-process run's bit for bit.

A unit is one chunk of the run's videos (the engine's own `videos_per_batch` chunks, in the same order)
× one group of metrics that share a network (metrics with no network form one group). Cutting along
the engine's chunks keeps every network batch the single process would have run: the same videos'
frames stacked in the same order, so every float sum is the same. A video is decoded once per group
instead of once per chunk; decoding is a few per cent of a network's time at 480p.

The driver alone touches the run's feature cache: before a unit leaves it looks up the unit's value
and feature entries (so a worker reuses what earlier runs computed, exactly as the single process
would), and when the unit's result comes back it writes what the unit computed in one transaction.
A worker keeps every network it loaded in a per-process pool, so each process loads each network
once, however many units it runs.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

import numpy as np
import torch

from evalsuite.config.schema import WeightsConfig
from evalsuite.judge.asking import QuestionSource
from evalsuite.judge.client import JudgeClient, JudgeSettings
from evalsuite.metrics import METRICS
from evalsuite.metrics.cache import UnitCache, cache_key
from evalsuite.metrics.engine import MetricEngine, MetricResult, VideoJob, metric_groups
from evalsuite.metrics.features import NetworkPool
from evalsuite.weights import WeightsRegistry


@dataclass(frozen=True)
class PoolSpec:
    """What a worker needs to build the run's NetworkPool: the weights registry's config, the device,
    and whether missing weights may be random (then with this seed, as in the driver)."""

    weights: WeightsConfig
    device: str = "cpu"
    allow_random: bool = False
    seed: int = 0
    autocast: str | None = None  # the fast profile's dtype name ("bfloat16", "float16"), else fp32
    # The VLM judge's settings and question file, so that a worker asks the same endpoint (each worker
    # without an answer cache of its own: the values come back to the driver's cache).
    judge: JudgeSettings | None = None
    questions: str | None = None

    @property
    def key(self) -> str:
        extra = {"autocast": self.autocast} if self.autocast else {}  # only when set: older keys stay
        if self.judge is not None and self.judge.configured:
            extra |= {"judge": self.judge.identity(), "questions": self.questions}
        return cache_key(
            weights=self.weights, device=self.device, random=self.allow_random, seed=self.seed, **extra
        )

    def build(self) -> NetworkPool:
        dtype = getattr(torch, self.autocast) if self.autocast else None
        services = None
        if self.judge is not None:
            services = {
                "vlm_judge": JudgeClient(self.judge),
                "judge_questions_file": QuestionSource(self.questions),
            }
        return NetworkPool(
            WeightsRegistry(self.weights), self.device, self.allow_random, self.seed, autocast=dtype,
            services=services,
        )  # fmt: skip


@dataclass
class WorkUnit:
    index: int
    job_indices: list[int]  # positions in the run's job list
    jobs: list[VideoJob]
    metrics: list[str]
    entries: dict[str, np.ndarray]  # the cache entries the driver found for these jobs and metrics
    frame_batch: int
    frames_fps: float


@dataclass
class UnitResult:
    index: int
    results: list[list[MetricResult]]  # per job, in `WorkUnit.metrics` order
    written: dict[str, tuple[str, np.ndarray]]  # what the unit computed, for the driver's cache
    pid: int = 0


def plan_units(
    engine: MetricEngine, jobs: list[VideoJob]
) -> tuple[list[WorkUnit], list[dict[str, MetricResult]]]:
    """The units that have work left, and, per job, the values the cache already holds."""
    hits: list[dict[str, MetricResult]] = [{} for _ in jobs]
    units: list[WorkUnit] = []
    groups = metric_groups(engine.metrics)
    size = engine.videos_per_batch
    for start in range(0, len(jobs), size):
        chunk = range(start, min(start + size, len(jobs)))
        for group in groups:
            todo = []
            for i in chunk:
                for metric in group:
                    if (hit := engine.cached_result(jobs[i], metric)) is not None:
                        hits[i][metric.name] = hit
                if any(m.name not in hits[i] for m in group):
                    todo.append(i)
            if not todo:
                continue
            entries = {}
            for i in todo:  # the features an earlier run cached: the single process would reuse them
                for name in dict.fromkeys(f for m in group for f in m.features):
                    key = engine.feature_key(jobs[i], name)
                    if (found := engine.cache.get(key)) is not None:
                        entries[key] = found
                for metric in group:
                    if metric.name in hits[i]:
                        entries[engine.value_key(jobs[i], metric)] = np.array(
                            [hits[i][metric.name].value, hits[i][metric.name].seconds]
                        )
            units.append(
                WorkUnit(
                    len(units),
                    todo,
                    # absolute: a worker's working directory is not the driver's
                    [replace(jobs[i], path=os.path.abspath(jobs[i].path)) for i in todo],
                    [m.name for m in group],
                    entries,
                    engine.frame_batch,
                    engine.frames_fps,
                )
            )
    return units, hits


_POOLS: dict[str, NetworkPool] = {}  # per worker process: networks stay loaded between units


def score_unit(spec: PoolSpec, unit: WorkUnit, threads: int | None = None) -> UnitResult:
    """Compute one unit (runs on a worker). Failures of a video or a metric come back as failed results,
    as in the single process; anything else raises and is the unit's own failure."""
    if threads:
        import torch

        torch.set_num_threads(threads)
    if spec.key not in _POOLS:
        _POOLS[spec.key] = spec.build()
    cache = UnitCache(unit.entries)
    engine = MetricEngine(
        [METRICS[name]() for name in unit.metrics],
        _POOLS[spec.key],
        cache,
        frame_batch=unit.frame_batch,
        videos_per_batch=max(1, len(unit.jobs)),
        frames_fps=unit.frames_fps,
    )
    if engine.unavailable:  # the driver checked the same files; a worker that cannot load them says so
        name, reason = next(iter(engine.unavailable.items()))
        raise RuntimeError(f"worker pid {os.getpid()}: metric {name} is unavailable here: {reason}")
    results = list(engine.run(unit.jobs))
    return UnitResult(unit.index, results, cache.written, os.getpid())


def failed_unit(unit: WorkUnit, error: str) -> UnitResult:
    """Every value of a unit that could not be computed, with the reason."""
    row = [MetricResult(name, METRICS[name].version, math.nan, False, error, None) for name in unit.metrics]
    return UnitResult(unit.index, [list(row) for _ in unit.jobs], {})


@dataclass
class Collector:
    """Gathers unit results per job; hands out each job once all its metrics are in (in the run's
    metric order). A (job, metric) value arriving twice is a bug in the scheduler, never a silent overwrite."""

    metric_names: list[str]
    hits: list[dict[str, MetricResult]]
    _done: set[int] = field(default_factory=set)

    def ready_from_cache(self) -> Iterator[tuple[int, list[MetricResult]]]:
        for i in range(len(self.hits)):
            yield from self._if_complete(i)

    def add(self, unit: WorkUnit, result: UnitResult) -> Iterator[tuple[int, list[MetricResult]]]:
        for i, results in zip(unit.job_indices, result.results, strict=True):
            for r in results:
                if r.cached and r.metric in self.hits[i]:
                    continue  # the driver's own lookup, echoed by the worker
                if r.metric in self.hits[i] and not self.hits[i][r.metric].cached:
                    raise RuntimeError(f"job {i}: metric {r.metric} was scored twice")
                self.hits[i][r.metric] = r
            yield from self._if_complete(i)

    def _if_complete(self, i: int) -> Iterable[tuple[int, list[MetricResult]]]:
        if i in self._done or any(n not in self.hits[i] for n in self.metric_names):
            return ()
        self._done.add(i)
        return [(i, [self.hits[i][n] for n in self.metric_names])]
