"""The engine: invariance to batch size, workers and shard split; the feature cache's hits, misses,
invalidation by content and recovery from a damaged entry."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from evalsuite.data import synthetic
from evalsuite.data.video import write_video
from evalsuite.metrics import METRICS
from evalsuite.metrics.cache import FeatureCache
from evalsuite.metrics.engine import MetricEngine, VideoJob
from evalsuite.metrics.features import NetworkPool
from evalsuite.weights import sha256_of
from metrics.networks import clip_test_videos, registry_with, write_tiny_weights

NAMES = [
    "clip_score_b32",
    "background_consistency",
    "feature_consistency_effnet_lite0",
    "temporal_flickering",
    "sharpness",
]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("engine")
    registry = registry_with(write_tiny_weights(folder / "weights"), folder / "weights")
    videos = clip_test_videos(folder / "videos")
    jobs = [VideoJob(str(p), sha256_of(p), prompt) for p, prompt in videos]
    return folder, registry, jobs


def score(registry, jobs, cache=None, **kwargs) -> dict[tuple[str, str], float]:
    engine = MetricEngine(
        [METRICS[n]() for n in NAMES], NetworkPool(registry), cache or FeatureCache(None), **kwargs
    )
    return {(j.sha256, r.metric): r.value for j, rs in zip(jobs, engine.run(jobs), strict=True) for r in rs}


def max_difference(a: dict, b: dict) -> float:
    assert a.keys() == b.keys()
    return max(abs(a[k] - b[k]) for k in a)


def test_values_do_not_depend_on_batch_size_workers_or_shards(world) -> None:
    _, registry, jobs = world
    reference = score(registry, jobs, frame_batch=1, videos_per_batch=1)
    variants = {
        "frame_batch=64, 4 videos per batch": score(registry, jobs, frame_batch=64, videos_per_batch=4),
        "frame_batch=5, 3 videos per batch": score(registry, jobs, frame_batch=5, videos_per_batch=3),
        "2 workers": score(registry, jobs, frame_batch=7, videos_per_batch=2, workers=2),
        "2 shards": score(registry, jobs[0::2], frame_batch=64) | score(registry, jobs[1::2], frame_batch=64),
    }
    worst = {name: max_difference(reference, values) for name, values in variants.items()}
    print("\nmax |difference| from frame-by-frame scoring:", {k: f"{v:.1e}" for k, v in worst.items()})
    assert all(v <= 1e-6 for v in worst.values()), worst
    # The classic metrics never touch a network: bit-identical everywhere.
    for values in variants.values():
        for key, value in values.items():
            if key[1] in ("temporal_flickering", "sharpness"):
                assert value == reference[key]


def test_second_run_is_all_cache_hits_and_changed_videos_alone_recompute(world, tmp_path) -> None:
    folder, registry, jobs = world
    cache = FeatureCache(tmp_path / "cache")
    first = score(registry, jobs, cache)
    computed = cache.misses
    assert cache.count("value") == len(jobs) * len(NAMES)
    assert cache.count("feature") == len(jobs) * 2  # CLIP B/32 image (read by two metrics), EfficientNet

    again = FeatureCache(tmp_path / "cache")
    assert score(registry, jobs, again) == first
    assert again.misses == 0 and again.hits == len(jobs) * len(NAMES)

    # One video changes: only its values and features are computed again.
    changed_path = folder / "changed.mp4"
    write_video(changed_path, synthetic.translate(8, 64, 96, px_per_frame=3), fps=24)
    new_jobs = [*jobs[:-1], VideoJob(str(changed_path), sha256_of(changed_path), jobs[-1].prompt)]
    third = FeatureCache(tmp_path / "cache")
    result = score(registry, new_jobs, third)
    assert third.hits == (len(jobs) - 1) * len(NAMES)
    assert third.misses == len(NAMES) + 2  # its values, then its two features
    for key, value in first.items():
        if key[0] != jobs[-1].sha256:
            assert result[key] == value
    assert computed > 0


def test_a_damaged_entry_is_recomputed_with_a_warning(world, tmp_path, caplog) -> None:
    _, registry, jobs = world
    cache = FeatureCache(tmp_path / "cache")
    first = score(registry, jobs[:1], cache)
    cache.close()
    with sqlite3.connect(tmp_path / "cache" / "features.sqlite") as db:
        db.execute("UPDATE entries SET data = substr(data, 1, 20) WHERE kind = 'feature'")
        db.execute("DELETE FROM entries WHERE kind = 'value'")
    again = FeatureCache(tmp_path / "cache")
    with caplog.at_level("WARNING"):
        assert score(registry, jobs[:1], again) == first
    assert again.recovered == 2
    assert "damaged feature entry" in caplog.text


def test_a_video_that_fails_to_decode_fails_only_its_own_rows(world, tmp_path) -> None:
    _, registry, jobs = world
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video")
    mixed = [jobs[0], VideoJob(str(broken), "bad", "x"), jobs[1]]
    engine = MetricEngine(
        [METRICS[n]() for n in NAMES], NetworkPool(registry), FeatureCache(None), videos_per_batch=3
    )
    results = list(engine.run(mixed))
    assert all(r.ok for r in results[0] + results[2])
    assert all(not r.ok and "broken.mp4" in r.error for r in results[1])
    assert np.isnan(results[1][0].value)


def test_one_network_at_a_time_gives_the_same_values_and_keeps_no_network(world) -> None:
    """Each chunk scored group by group, every network released after its group: bit-identical."""
    _, registry, jobs = world
    pool = NetworkPool(registry)
    lean = MetricEngine(
        [METRICS[n]() for n in NAMES], pool, FeatureCache(None), frame_batch=5, videos_per_batch=3,
        one_network_at_a_time=True,
    )  # fmt: skip
    got = {(j.sha256, r.metric): r.value for j, rs in zip(jobs, lean.run(jobs), strict=True) for r in rs}
    assert got == score(registry, jobs, frame_batch=5, videos_per_batch=3)
    assert not pool._modules  # nothing stays loaded between groups and chunks
