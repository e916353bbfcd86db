"""The scoring engine: decode each video once, compute each network feature once, run every metric.

Per chunk of `videos_per_batch` videos:
  1. metric values already in the cache are taken from it (no decode when all are there);
  2. the other videos are decoded (by `workers` threads ahead of use when workers > 0);
  3. each network feature the pending metrics read is taken from the cache or computed: the view frames
     of all the chunk's videos are stacked and run through the network `frame_batch` frames at a time
     (batching across videos), then split back per video and cached;
  4. each metric evaluates each video from those inputs; its value is cached.
A video's value depends only on that video: batches change the order of float sums inside a matmul,
never which frames a value is computed from (tests bound the difference, 1e-6 and below).

With `one_network_at_a_time`, each chunk is scored one group of metrics at a time (metrics that share a
network form a group, `metric_groups`): the group's networks load, run on the chunk and are released
before the next group's load, so memory holds one network instead of all of them. The chunks and
batches are the same, and so are the values, bit for bit; each video is decoded once per group and
each network loaded once per chunk.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Iterator
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from evalsuite.data.video import Video, read_video
from evalsuite.errors import SuiteError
from evalsuite.metrics.base import Metric, VideoInputs
from evalsuite.metrics.cache import FeatureCache, cache_key
from evalsuite.metrics.features import FEATURES, NetworkPool, extract

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VideoJob:
    """One video to score: where it is, its content hash and its prompt; `frames_fps`, the frame rate of
    a folder of frame images when it differs from the engine's (systems of one comparison may differ)."""

    path: str
    sha256: str
    prompt: str | None = None
    frames_fps: float | None = None


@dataclass
class MetricResult:
    metric: str
    version: str
    value: float
    ok: bool
    error: str | None
    seconds: float | None
    cached: bool = False
    parts: dict[str, tuple[int, int]] | None = None  # Metric.parts of the value, where it has them


def parts_key(value_key: str) -> str:
    return cache_key(kind="parts", value=value_key)


def encode_parts(parts: dict[str, tuple[int, int]]) -> np.ndarray:
    """Parts as a cache entry (the cache holds arrays): their JSON's bytes."""
    return np.frombuffer(json.dumps({k: list(v) for k, v in sorted(parts.items())}).encode(), dtype=np.uint8)


def decode_parts(entry: np.ndarray | None) -> dict[str, tuple[int, int]] | None:
    if entry is None:
        return None
    return {k: (int(v[0]), int(v[1])) for k, v in json.loads(entry.astype(np.uint8).tobytes()).items()}


def metric_groups(metrics: list[Metric]) -> list[list[Metric]]:
    """Metrics joined when they share a network (transitively); metrics with no network in one group.
    Each network, and so each of its features, belongs to exactly one group. Groups in the order of
    their first metric, metrics in the given order."""
    groups: list[tuple[set[str], list[Metric]]] = []
    for metric in metrics:
        networks = set(metric.networks())
        joined = [g for g in groups if g[0] & networks or (not networks and not g[0])]
        merged = (set(networks), [metric])
        for g in joined:
            groups.remove(g)
            merged = (merged[0] | g[0], g[1] + merged[1])
        groups.append(merged)
    order = {m.name: i for i, m in enumerate(metrics)}
    ordered = [sorted(ms, key=lambda m: order[m.name]) for _, ms in groups]
    return sorted(ordered, key=lambda ms: order[ms[0].name])


class _Immediate(Executor):
    """An executor that runs each task when submitted (workers = 0)."""

    def submit(self, fn, /, *args, **kwargs):
        from concurrent.futures import Future

        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as err:  # delivered to the caller by result()
            future.set_exception(err)
        return future


class MetricEngine:
    def __init__(
        self,
        metrics: list[Metric],
        pool: NetworkPool,
        cache: FeatureCache,
        *,
        frame_batch: int = 32,
        videos_per_batch: int = 4,
        workers: int = 0,
        frames_fps: float = 24.0,
        one_network_at_a_time: bool = False,
    ):
        if frame_batch < 1 or videos_per_batch < 1:
            raise ValueError("frame_batch and videos_per_batch must be >= 1")
        self.one_network_at_a_time = one_network_at_a_time
        self.pool = pool
        self.cache = cache
        self.frame_batch = frame_batch
        self.videos_per_batch = videos_per_batch
        self.workers = workers
        self.frames_fps = frames_fps
        self.unavailable: dict[str, str] = {}
        self.metrics: list[Metric] = []
        with_text = {n for metric in metrics for n in metric.text_networks}
        for metric in metrics:
            reasons = []
            for name in metric.networks():
                if reason := pool.available(name, text=name in with_text):
                    reasons.append(reason)
                if one_network_at_a_time:  # the check may have loaded it; each group loads its own
                    pool.release(name)
            if reasons:
                self.unavailable[metric.name] = reasons[0]
                log.warning("metric %s is unavailable: %s", metric.name, reasons[0])
                continue
            if not one_network_at_a_time:  # otherwise each group's fresh metrics set up per chunk
                with pool.autocast(*metric.networks()):
                    metric.setup(pool)
            self.metrics.append(metric)
        self.feature_seconds: dict[str, float] = {}

    # ---- keys ----------------------------------------------------------------------------------
    def feature_key(self, job: VideoJob, name: str) -> str:
        spec = FEATURES[name]
        # Clip features name their input function too (added only there, so older keys stay valid).
        clip = {"clip_frames": spec.clip_frames, "prepare": spec.prepare.__name__} if spec.prepare else {}
        return cache_key(
            kind="feature",
            video=job.sha256,
            feature=spec.name,
            version=spec.version,
            weights=self.pool.weights_id(spec.network),
            view=spec.view,
            mean=spec.mean,
            std=spec.std,
            **clip,
        )

    def value_key(self, job: VideoJob, metric: Metric) -> str:
        return cache_key(
            kind="value",
            video=job.sha256,
            metric=metric.name,
            version=metric.version,
            view=metric.view,
            features=[(f, FEATURES[f].version, FEATURES[f].view) for f in metric.features],
            weights={n: self.pool.weights_id(n) for n in metric.networks()},
            prompt=job.prompt if metric.uses_prompt else None,
            frames_fps=self._fps(job),
        )

    def cached_result(self, job: VideoJob, metric: Metric) -> MetricResult | None:
        """The metric's value for the job from the cache, as a result marked cached; None on a miss."""
        key = self.value_key(job, metric)
        hit = self.cache.get(key)
        if hit is None:
            return None
        value, seconds = (float(x) for x in hit)
        parts = self.cache.get(parts_key(key)) if type(metric).parts is not Metric.parts else None
        return MetricResult(
            metric.name, metric.version, value, True, None, seconds, True, decode_parts(parts)
        )

    def _fps(self, job: VideoJob) -> float:
        return job.frames_fps or self.frames_fps

    # ---- running -------------------------------------------------------------------------------
    def run(self, jobs: list[VideoJob]) -> Iterator[list[MetricResult]]:
        """One list of results (in `self.metrics` order) per job, in job order."""
        if self.one_network_at_a_time:
            yield from self._run_one_network_at_a_time(jobs)
            return
        executor: Executor = ThreadPoolExecutor(self.workers) if self.workers > 0 else _Immediate()
        with executor:
            chunks = [jobs[i : i + self.videos_per_batch] for i in range(0, len(jobs), self.videos_per_batch)]
            pending = self._plan(chunks[0], executor) if chunks else None
            for index, _chunk in enumerate(chunks):
                current = pending
                # Start decoding the next chunk while this one computes.
                pending = self._plan(chunks[index + 1], executor) if index + 1 < len(chunks) else None
                yield from self._run_chunk(*current)

    def _run_one_network_at_a_time(self, jobs: list[VideoJob]) -> Iterator[list[MetricResult]]:
        groups = metric_groups(self.metrics)
        for start in range(0, len(jobs), self.videos_per_batch):
            chunk = jobs[start : start + self.videos_per_batch]
            found: list[dict[str, MetricResult]] = [{} for _ in chunk]
            for group in groups:
                engine = MetricEngine(
                    [type(m)() for m in group],
                    self.pool,
                    self.cache,
                    frame_batch=self.frame_batch,
                    videos_per_batch=len(chunk),
                    workers=self.workers,
                    frames_fps=self.frames_fps,
                )
                for results, into in zip(engine.run(chunk), found, strict=True):
                    into.update((r.metric, r) for r in results)
                for name, seconds in engine.feature_seconds.items():
                    self.feature_seconds[name] = self.feature_seconds.get(name, 0.0) + seconds
                del engine
                for name in dict.fromkeys(n for m in group for n in m.networks()):
                    self.pool.release(name)
            for into in found:
                yield [into[m.name] for m in self.metrics]

    def _plan(self, chunk: list[VideoJob], executor: Executor):
        cached: list[dict[str, MetricResult]] = []
        decodes = []
        for job in chunk:
            hits = {}
            for metric in self.metrics:
                if (hit := self.cached_result(job, metric)) is not None:
                    hits[metric.name] = hit
            cached.append(hits)
            needs_decode = len(hits) < len(self.metrics)
            decodes.append(
                executor.submit(read_video, job.path, frames_fps=self._fps(job)) if needs_decode else None
            )
        return chunk, cached, decodes

    def _run_chunk(self, chunk, cached, decodes) -> Iterator[list[MetricResult]]:
        inputs: list[VideoInputs | None] = []
        errors: list[str | None] = []
        for job, future in zip(chunk, decodes, strict=True):
            if future is None:
                inputs.append(None)
                errors.append(None)
                continue
            try:
                video: Video = future.result()
                inputs.append(VideoInputs(video, job.prompt))
                errors.append(None)
            except SuiteError as err:
                inputs.append(None)
                errors.append(str(err))
        feature_errors = self._compute_features(chunk, cached, inputs)
        for job, hits, item, error, failed_features in zip(
            chunk, cached, inputs, errors, feature_errors, strict=True
        ):
            results = []
            for metric in self.metrics:
                if metric.name in hits:
                    results.append(hits[metric.name])
                    continue
                broken = next((failed_features[f] for f in metric.features if f in failed_features), None)
                if error or broken:
                    results.append(
                        MetricResult(metric.name, metric.version, math.nan, False, error or broken, None)
                    )
                    continue
                results.append(self._evaluate(job, metric, item))
            yield results

    def _evaluate(self, job: VideoJob, metric: Metric, item: VideoInputs) -> MetricResult:
        start = time.perf_counter()
        try:
            with self.pool.autocast(*metric.networks()):
                value = float(metric.evaluate(item))
        except (ValueError, SuiteError) as err:
            return MetricResult(metric.name, metric.version, math.nan, False, f"{metric.name}: {err}", None)
        seconds = time.perf_counter() - start
        if not math.isfinite(value):
            return MetricResult(
                metric.name, metric.version, math.nan, False, f"{metric.name} returned {value}", None
            )
        key = self.value_key(job, metric)
        parts = metric.parts()
        if parts is not None:  # before the value: a value in the cache always has its parts beside it
            self.cache.put(parts_key(key), "parts", encode_parts(parts))
        self.cache.put(key, "value", np.array([value, seconds]))
        return MetricResult(metric.name, metric.version, value, True, None, seconds, parts=parts)

    def video_features(self, jobs: list[VideoJob], names: list[str]) -> Iterator[dict[str, np.ndarray | str]]:
        """Per job, in order, each named feature (an array with `FeatureSpec.rows` rows) or, when it
        cannot be had, the one-line reason (a string). Features come from the cache, or the video is
        decoded once and each missing feature computed and cached, `videos_per_batch` videos at a time
        as in `run`: the set-level metrics (evalsuite/distribution/) read their features this way."""
        for start in range(0, len(jobs), self.videos_per_batch):
            chunk = jobs[start : start + self.videos_per_batch]
            found: list[dict[str, np.ndarray | str]] = [{} for _ in chunk]
            inputs: list[VideoInputs | None] = [None] * len(chunk)
            for i, job in enumerate(chunk):
                for name in names:
                    hit = self.cache.get(self.feature_key(job, name))
                    if hit is not None:
                        found[i][name] = hit
                if len(found[i]) == len(names):
                    continue
                try:
                    inputs[i] = VideoInputs(read_video(job.path, frames_fps=self._fps(job)), job.prompt)
                except SuiteError as err:
                    found[i] |= {name: str(err) for name in names if name not in found[i]}
            needed = {
                name: [i for i, item in enumerate(inputs) if item is not None and name not in found[i]]
                for name in names
            }
            failures = self._fill_features(
                chunk, {k: v for k, v in needed.items() if v}, inputs, looked_up=True
            )
            for i, item in enumerate(inputs):
                if item is not None:
                    found[i] |= {
                        n: item.features[n] for n in names if n in item.features and n not in found[i]
                    }
                    found[i] |= failures[i]
            yield from found

    def _compute_features(self, chunk, cached, inputs) -> list[dict[str, str]]:
        """Fill each decoded video's features; return, per video, the features that failed and why."""
        needed: dict[str, list[int]] = {}
        for i, (hits, item) in enumerate(zip(cached, inputs, strict=True)):
            if item is None:
                continue
            for metric in self.metrics:
                if metric.name not in hits:
                    for name in metric.features:
                        needed.setdefault(name, [])
                        if i not in needed[name]:
                            needed[name].append(i)
        return self._fill_features(chunk, needed, inputs)

    def _fill_features(
        self, chunk, needed: dict[str, list[int]], inputs, looked_up: bool = False
    ) -> list[dict[str, str]]:
        """Each feature of `needed` for the videos it lists, from the cache (unless the caller `looked_up`
        those keys already and found them missing) or computed in batches across videos; return, per
        video, the features that failed and why."""
        failures: list[dict[str, str]] = [{} for _ in chunk]
        for name, indices in needed.items():
            spec = FEATURES[name]
            todo: list[tuple[int, np.ndarray]] = []
            for i in indices:
                hit = None if looked_up else self.cache.get(self.feature_key(chunk[i], name))
                if hit is not None:
                    inputs[i].features[name] = hit
                    continue
                try:
                    todo.append((i, inputs[i].frames(spec.view)))
                except ValueError as err:
                    failures[i][name] = f"{name}: {err}"
            if not todo:
                continue
            start = time.perf_counter()
            network = self.pool.get(spec.network)
            # Stack frames of equal size across videos so one forward pass serves several videos.
            by_shape: dict[tuple, list[tuple[int, np.ndarray]]] = {}
            for i, frames in todo:
                by_shape.setdefault(frames.shape[1:], []).append((i, frames))
            for group in by_shape.values():
                # (one video's frames as they are: a copy would hold its view twice)
                stacked = group[0][1] if len(group) == 1 else np.concatenate([f for _, f in group])
                with self.pool.autocast(spec.network):
                    features = extract(spec, network, stacked, self.frame_batch)
                offset = 0
                for i, frames in group:
                    own = features[offset : offset + spec.rows(len(frames))]
                    offset += spec.rows(len(frames))
                    inputs[i].features[name] = own
                    self.cache.put(self.feature_key(chunk[i], name), "feature", own)
            self.feature_seconds[name] = self.feature_seconds.get(name, 0.0) + time.perf_counter() - start
        return failures
