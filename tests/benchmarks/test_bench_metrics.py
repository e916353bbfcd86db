"""Metric throughput on this CPU: frames/s per offline metric, the engine's decode-once + cache
speed-up over one pass per metric with its own decode, and the networks' share of matmul peak.

`nox -s bench -- -k metrics -s` prints a line per measurement; each is also in `extra_info`.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from benchmarks.machine import cpu_description, peak_matmul_gflops
from evalsuite.config import compose
from evalsuite.data import synthetic
from evalsuite.data.video import read_video, write_video
from evalsuite.data.views import apply_view
from evalsuite.metrics import METRICS
from evalsuite.metrics.base import VideoInputs
from evalsuite.metrics.cache import FeatureCache
from evalsuite.metrics.engine import MetricEngine, VideoJob
from evalsuite.metrics.features import FEATURES, NetworkPool, extract, normalise
from evalsuite.weights import WeightsRegistry, sha256_of

FRAMES, HEIGHT, WIDTH = 49, 256, 448
OFFLINE = compose(["metrics=offline"]).metrics.names


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("bench_metrics")
    return [
        write_video(
            folder / f"clip{i}.mp4", synthetic.translate(FRAMES, HEIGHT, WIDTH, seed=i, px_per_frame=3)
        )
        for i in range(4)
    ]


def evaluate_alone(metric, pool: NetworkPool, video) -> float:
    """One metric on one decoded video, computing the features it reads itself (no sharing, no cache)."""
    inputs = VideoInputs(video)
    for feature in metric.features:
        spec = FEATURES[feature]
        inputs.features[feature] = extract(spec, pool.get(spec.network), inputs.frames(spec.view), 32)
    return metric.evaluate(inputs)


def _engine(cache: FeatureCache) -> MetricEngine:
    pool = NetworkPool(WeightsRegistry(compose().weights))
    return MetricEngine([METRICS[n]() for n in OFFLINE], pool, cache, frame_batch=32, videos_per_batch=2)


@pytest.mark.parametrize("name", OFFLINE)
def test_bench_metric_frames_per_second(benchmark, clips: list[Path], name: str) -> None:
    metric = METRICS[name]()
    pool = NetworkPool(WeightsRegistry(compose().weights))
    metric.setup(pool)
    video = read_video(clips[0])

    def once():
        return evaluate_alone(metric, pool, video)

    benchmark.pedantic(once, rounds=3, iterations=1)
    if benchmark.disabled:  # the test session runs each benchmark once, untimed
        return
    seen = len(apply_view(video, metric.view)) if not metric.features else FRAMES
    fps = seen / benchmark.stats.stats.median
    benchmark.extra_info.update(cpu=cpu_description(), frames_per_second=fps, frames_seen=seen)
    print(f"\n{name}: {fps:.1f} frames/s ({seen} frames of {WIDTH}×{HEIGHT} per video; {cpu_description()})")


def test_bench_decode_once_and_cache_versus_a_pass_per_metric(
    benchmark, clips: list[Path], tmp_path: Path
) -> None:
    if benchmark.disabled:
        pytest.skip("a timing comparison (about a minute): run it with `nox -s bench`")
    metrics = [METRICS[n]() for n in OFFLINE]
    pool = NetworkPool(WeightsRegistry(compose().weights))
    for metric in metrics:
        metric.setup(pool)

    def separate_passes():  # what running each metric as its own script does: its own decode, own features
        for metric in metrics:
            for path in clips:
                evaluate_alone(metric, pool, read_video(path))

    jobs = [VideoJob(str(p), sha256_of(p)) for p in clips]
    start = time.perf_counter()
    separate_passes()
    separate = time.perf_counter() - start
    cache = FeatureCache(tmp_path / "cache")
    start = time.perf_counter()
    list(_engine(cache).run(jobs))
    cold = time.perf_counter() - start
    warm = benchmark.pedantic(
        lambda: list(_engine(FeatureCache(tmp_path / "cache")).run(jobs)), rounds=3, iterations=1
    )
    warm = benchmark.stats.stats.median
    info = {
        "cpu": cpu_description(),
        "separate_passes_s": separate,
        "engine_cold_s": cold,
        "engine_warm_cache_s": warm,
        "speedup_cold": separate / cold,
        "speedup_warm": separate / warm,
        "videos_per_second_cold": len(clips) / cold,
    }
    benchmark.extra_info.update(info)
    print(
        f"\n{len(OFFLINE)} offline metrics on {len(clips)} videos of {FRAMES}×{WIDTH}×{HEIGHT}: a pass per metric "
        f"{separate:.2f} s; engine cold {cold:.2f} s (×{separate / cold:.2f}, {len(clips) / cold:.2f} videos/s); "
        f"engine rerun from cache {warm:.3f} s (×{separate / warm:.0f}); {cpu_description()}"
    )
    assert separate / warm >= 3


def _efficientnet_forward(pool: NetworkPool):
    spec = FEATURES["efficientnet_lite0_pool"]
    x = normalise(synthetic.noise(32, 224, 398), spec, torch.device("cpu"))  # the DINO view of 16:9 video
    network = pool.get(spec.network)
    return lambda n: network.embed_images(x[:n]), 32, "EfficientNet-Lite0 at 224×398 (real weights)"


def _raft_forward(pool: NetworkPool):
    from evalsuite.networks.raft import raft_flows

    frames = synthetic.translate(9, HEIGHT, WIDTH, seed=0, px_per_frame=3)  # 8 pairs
    network = pool.get("raft_large")
    return (
        lambda n: raft_flows(network, frames[: n + 1]),
        8,
        f"RAFT-large, 20 iterations, {WIDTH}×{HEIGHT} pairs",
    )


def _musiq_forward(pool: NetworkPool):
    pytest.importorskip("pyiqa.archs.musiq_arch", reason="pyiqa not installed")
    x = torch.rand(8, 3, HEIGHT, WIDTH)
    network = pool.get("musiq_spaq")
    return lambda n: network(x[:n]), 8, f"MUSIQ at {WIDTH}×{HEIGHT} (multi-scale 224, 384 + native)"


@pytest.mark.parametrize(
    "build", [_efficientnet_forward, _raft_forward, _musiq_forward], ids=["effnet", "raft", "musiq"]
)
def test_bench_network_share_of_matmul_peak(benchmark, build) -> None:
    """FLOPs per frame (pair, for RAFT) by torch's counter, achieved GFLOP/s, and the share of the fp32
    matmul peak measured in the same run. Networks without weights on this machine run with random
    weights, which changes no FLOP or speed; none of these uses nn.MultiheadAttention's fused path, which
    the counter would miss."""
    pool = NetworkPool(WeightsRegistry(compose().weights), allow_random=True)
    forward, per_call, what = build(pool)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        forward(1)
    gflop_per_frame = counter.get_total_flops() / 1e9
    with torch.no_grad():
        benchmark.pedantic(forward, args=(per_call,), rounds=3, iterations=1)
    if benchmark.disabled:
        return
    achieved = gflop_per_frame * per_call / benchmark.stats.stats.median
    peak = peak_matmul_gflops()
    benchmark.extra_info.update(
        cpu=cpu_description(), gflop_per_frame=gflop_per_frame, achieved_gflops=achieved, peak_gflops=peak
    )
    print(
        f"\n{what}: {gflop_per_frame:.2f} GFLOP/frame, {achieved:.1f} GFLOP/s = "
        f"{100 * achieved / peak:.0f}% of the {peak:.0f} GFLOP/s fp32 matmul peak "
        f"({per_call / benchmark.stats.stats.median:.1f} frames/s; {cpu_description()})"
    )
