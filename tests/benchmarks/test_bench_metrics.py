"""Metric throughput on this CPU: frames/s per offline metric, the engine's decode-once + cache
speed-up over one pass per metric with its own decode, and the networks' share of matmul peak.

`nox -s bench -- -k metrics -s` prints a line per measurement; each is also in `extra_info`.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import torch

from benchmarks.flops import forward_flops
from benchmarks.machine import cpu_description, peak_matmul_gflops
from evalsuite.config import compose
from evalsuite.data import synthetic
from evalsuite.data.video import Video, read_video, write_video
from evalsuite.data.views import apply_view
from evalsuite.metrics import METRICS
from evalsuite.metrics.base import VideoInputs
from evalsuite.metrics.cache import FeatureCache
from evalsuite.metrics.engine import MetricEngine, VideoJob
from evalsuite.metrics.features import FEATURES, NetworkPool, extract, normalise
from evalsuite.weights import WeightsRegistry, sha256_of

FRAMES, HEIGHT, WIDTH = 49, 256, 448
OFFLINE = compose(["metrics=offline"]).metrics.names
DEFAULT = compose().metrics.names
PROMPT = "a textured wall sliding to the right"
# (metric names, videos, frames per video). The default suite's networks run with random weights where
# the machine has none: that changes no FLOP or second. Its clips are short because CLIP L/14 alone is
# 1-3 s per frame on a 2-core CPU (AVX-512 / AVX2).
SUITES = {"offline": (OFFLINE, 4, FRAMES), "default": (DEFAULT, 2, 9)}


def write_clips(folder: Path, count: int, frames: int) -> list[Path]:
    return [
        write_video(
            folder / f"clip{i}_{frames}f.mp4",
            synthetic.translate(frames, HEIGHT, WIDTH, seed=i, px_per_frame=3),
        )
        for i in range(count)
    ]


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_clips(tmp_path_factory.mktemp("bench_metrics"), 4, FRAMES)


def evaluate_alone(metric, pool: NetworkPool, video, prompt: str | None = None) -> float:
    """One metric on one decoded video, computing the features it reads itself (no sharing, no cache)."""
    inputs = VideoInputs(video, prompt)
    for feature in metric.features:
        spec = FEATURES[feature]
        inputs.features[feature] = extract(spec, pool.get(spec.network), inputs.frames(spec.view), 32)
    return metric.evaluate(inputs)


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


@pytest.mark.parametrize("suite", list(SUITES))
def test_bench_decode_once_and_cache_versus_a_pass_per_metric(benchmark, suite: str, tmp_path: Path) -> None:
    """The engine (one decode per video, each network feature once per view, frames batched across
    videos) against what running each metric as its own script does: its own decode, its own features.
    Cold is a first run; warm is a rerun from the feature cache. Also end-to-end videos/s of the suite."""
    if benchmark.disabled:
        pytest.skip("a timing comparison (minutes): run it with `nox -s bench`")
    names, count, frames = SUITES[suite]
    paths = write_clips(tmp_path, count, frames)
    pool = NetworkPool(WeightsRegistry(compose().weights), allow_random=True)
    metrics = [METRICS[n]() for n in names]
    for metric in metrics:
        metric.setup(pool)

    def separate_passes():
        for metric in metrics:
            for path in paths:
                evaluate_alone(metric, pool, read_video(path), PROMPT)

    def engine_run(cache: FeatureCache):
        engine = MetricEngine(metrics, pool, cache, frame_batch=32, videos_per_batch=2)
        results = list(engine.run(jobs))
        assert all(r.ok for video in results for r in video), [
            r.error for v in results for r in v if not r.ok
        ]

    jobs = [VideoJob(str(p), sha256_of(p), PROMPT) for p in paths]
    start = time.perf_counter()
    separate_passes()
    separate = time.perf_counter() - start
    start = time.perf_counter()
    engine_run(FeatureCache(tmp_path / "cache"))
    cold = time.perf_counter() - start
    benchmark.pedantic(lambda: engine_run(FeatureCache(tmp_path / "cache")), rounds=3, iterations=1)
    warm = benchmark.stats.stats.median
    info = {
        "cpu": cpu_description(),
        "metrics": len(names),
        "random_networks": list(pool.random),
        "separate_passes_s": separate,
        "engine_cold_s": cold,
        "engine_warm_cache_s": warm,
        "speedup_cold": separate / cold,
        "speedup_warm": separate / warm,
        "videos_per_second_cold": count / cold,
    }
    benchmark.extra_info.update(info)
    print(
        f"\n{suite} suite ({len(names)} metrics; random weights: {', '.join(pool.random) or 'none'}) on "
        f"{count} videos of {frames}×{WIDTH}×{HEIGHT}: a pass per metric {separate:.2f} s; engine cold "
        f"{cold:.2f} s (×{separate / cold:.2f}, {count / cold:.3f} videos/s); engine rerun from cache "
        f"{warm:.3f} s (×{separate / warm:.0f}); {cpu_description()}"
    )
    assert separate / warm >= 3


def _image_feature_forward(feature: str, per_call: int, what: str):
    """The network behind `feature` on its own frame view of clips of the benchmark's size (CLIP: 224×224
    centre crop; DINO and EfficientNet: shorter side 224, no crop)."""

    def build(pool: NetworkPool, height: int, width: int):
        spec = FEATURES[feature]
        frames = apply_view(Video(synthetic.noise(per_call, height, width), fps=24.0), spec.view)
        x = normalise(frames, spec, torch.device("cpu"))
        network = pool.get(spec.network)
        return lambda n: network.embed_images(x[:n]), per_call, f"{what} at {x.shape[3]}×{x.shape[2]}"

    return build


def _raft_forward(pool: NetworkPool, height: int, width: int):
    from evalsuite.networks.raft import raft_flows

    frames = synthetic.translate(3, height, width, seed=0, px_per_frame=3)  # 2 pairs
    network = pool.get("raft_large")
    return (
        lambda n: raft_flows(network, frames[: n + 1]),
        2,
        f"RAFT-large, 20 iterations, {width}×{height} pairs",
    )


def _amt_forward(pool: NetworkPool, height: int, width: int):
    from evalsuite.networks.amt import AMTInterpolator

    frames = synthetic.translate(3, height, width, seed=0, px_per_frame=3)
    interpolate = AMTInterpolator(pool.get("amt_s"))
    return (
        lambda n: [interpolate(frames[i], frames[i + 2]) for i in range(n)],
        1,
        f"AMT-S, one middle frame at {width}×{height}",
    )


def _musiq_forward(pool: NetworkPool, height: int, width: int):
    from evalsuite.metrics.imaging_quality import ImagingQuality

    frames = apply_view(Video(synthetic.noise(4, height, width), fps=24.0), ImagingQuality.view)
    x = torch.from_numpy(frames).permute(0, 3, 1, 2).float() / 255.0
    network = pool.get("musiq_spaq")
    return (
        lambda n: [network(x[i : i + 1]) for i in range(n)],
        4,
        f"MUSIQ at {x.shape[3]}×{x.shape[2]} (multi-scale 224, 384 + native), one frame per pass",
    )


NETWORKS = {
    "effnet": _image_feature_forward("efficientnet_lite0_pool", 32, "EfficientNet-Lite0 (real weights)"),
    "clip_b32": _image_feature_forward("clip_vit_b32_image", 16, "CLIP ViT-B/32 image tower"),
    "clip_l14": _image_feature_forward("clip_vit_l14_image", 7, "CLIP ViT-L/14 image tower"),
    "dino": _image_feature_forward("dino_vitb16_cls", 4, "DINO ViT-B/16"),
    "raft": _raft_forward,
    "amt": _amt_forward,
    "musiq": _musiq_forward,
}
SIZES = {"448x256": (256, 448), "848x480": (480, 848)}


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("name", list(NETWORKS))
def test_bench_network_share_of_matmul_peak(benchmark, name: str, size: str) -> None:
    """FLOPs per frame (pair, for RAFT), achieved GFLOP/s, and the share of the fp32 matmul peak measured
    in the same run. FLOPs are torch's counter plus formulas for the fused attention kernels it misses
    (benchmarks/flops.py). Networks without weights on this machine run with random weights, which
    changes no FLOP or speed."""
    if benchmark.disabled and size != "448x256":
        pytest.skip("480p: run it with `nox -s bench`")
    pool = NetworkPool(WeightsRegistry(compose().weights), allow_random=True)
    forward, per_call, what = NETWORKS[name](pool, *SIZES[size])
    if benchmark.disabled:  # the tests' smoke run: one forward pass
        with torch.no_grad():
            forward(1)
        return
    gflop_per_frame = forward_flops(lambda: forward(1)) / 1e9
    with torch.no_grad():
        benchmark.pedantic(forward, args=(per_call,), rounds=3, iterations=1)
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
