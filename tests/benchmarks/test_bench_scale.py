"""Scoring on 1 and 2 local Ray workers of one thread each over the same videos: the speed-up (goal
>= 1.8 at k = 2 on a 2-core machine), the networks' achieved GFLOP/s against the matmul peak measured in
this run, and Ray's overhead per work unit.

`nox -s bench -- -k scale -s` prints a line per measurement; each is also in `extra_info`. Two sizes:
tiny clips (where Ray's per-unit cost shows) and HunyuanVideo's 49×480×848.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import torch

ray = pytest.importorskip("ray")

from benchmarks.flops import forward_flops  # noqa: E402
from benchmarks.machine import cpu_description, peak_matmul_gflops  # noqa: E402
from evalsuite.config import compose  # noqa: E402
from evalsuite.data import synthetic  # noqa: E402
from evalsuite.data.video import write_video  # noqa: E402
from evalsuite.metrics import METRICS  # noqa: E402
from evalsuite.metrics.cache import FeatureCache  # noqa: E402
from evalsuite.metrics.engine import MetricEngine, VideoJob  # noqa: E402
from evalsuite.metrics.features import FEATURES, NetworkPool, normalise  # noqa: E402
from evalsuite.scale.ray_runner import RayRunner  # noqa: E402
from evalsuite.scale.units import PoolSpec, plan_units, score_unit  # noqa: E402
from evalsuite.weights import WeightsRegistry, sha256_of  # noqa: E402

# DINO ViT-B/16 (random weights where the machine has none: no FLOP changes) and EfficientNet-Lite0.
NETWORK_METRICS = ["subject_consistency", "feature_consistency_effnet_lite0"]
SIZES = {"tiny": (8, 17, 64, 96), "480p": (4, 49, 480, 848)}  # videos, frames, height, width


def clips(folder: Path, videos: int, frames: int, height: int, width: int) -> list[VideoJob]:
    out = []
    for i in range(videos):
        path = write_video(
            folder / f"clip{i}.mp4", synthetic.translate(frames, height, width, seed=i, px_per_frame=3)
        )
        out.append(VideoJob(str(path), sha256_of(path)))
    return out


def network_flops_per_frame(pool: NetworkPool) -> int:
    total = 0
    for name in ("dino_vitb16_cls", "efficientnet_lite0_pool"):
        spec = FEATURES[name]
        frame = torch.zeros(1, spec.view.size, spec.view.size, 3).numpy().astype("uint8")
        network = pool.get(spec.network)
        with torch.no_grad():
            total += forward_flops(
                lambda n=network, f=frame, s=spec: n.embed_images(normalise(f, s, torch.device("cpu")))
            )
    return total


def timed_run(spec: PoolSpec, registry, jobs, warm_up, workers: int) -> tuple[float, int]:
    """Seconds for a warm run (networks already loaded in the workers) and the number of units."""
    ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:

        def run(jobs):
            engine = MetricEngine(
                [METRICS[n]() for n in NETWORK_METRICS],
                NetworkPool(registry, allow_random=True),
                FeatureCache(None),
                videos_per_batch=1,
            )
            runner = RayRunner(spec, workers=workers, threads_per_worker=1)
            list(runner.run(engine, jobs))
            return runner.stats.units

        run(warm_up)  # every worker loads its networks
        start = time.perf_counter()
        units = run(jobs)
        return time.perf_counter() - start, units
    finally:
        ray.shutdown()


@pytest.mark.parametrize("size", list(SIZES))
def test_ray_speedup_with_two_workers(size: str, tmp_path: Path, benchmark) -> None:
    if benchmark.disabled:
        pytest.skip("a timing comparison (minutes): run it with `nox -s bench`")
    videos, frames, height, width = SIZES[size]
    registry = WeightsRegistry(compose().weights)
    spec = PoolSpec(registry.config, allow_random=True)
    jobs = clips(tmp_path, videos, frames, height, width)
    warm_up = clips(tmp_path / "warm_up", 2, 3, 64, 96)
    peak = peak_matmul_gflops()
    pool = NetworkPool(registry, allow_random=True)
    flops = network_flops_per_frame(pool)
    one, units = timed_run(spec, registry, jobs, warm_up, 1)
    two, _ = timed_run(spec, registry, jobs, warm_up, 2)
    achieved = flops * videos * frames / two / 1e9
    info = {
        "cpu": cpu_description(),
        "videos": f"{videos} × {frames}×{height}×{width}",
        "units": units,
        "seconds_1_worker": round(one, 2),
        "seconds_2_workers": round(two, 2),
        "speedup": round(one / two, 2),
        "network_gflop_per_frame": round(flops / 1e9, 2),
        "achieved_gflops_2_workers": round(achieved, 1),
        "matmul_peak_gflops": round(peak, 1),
        "share_of_peak": round(achieved / peak, 3),
    }
    benchmark.extra_info.update(info)
    print(f"\nray scale-out ({size}): {info}")
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)


def test_ray_overhead_per_work_unit(tmp_path: Path, benchmark) -> None:
    """Units with almost no work (temporal flickering on 2-frame 32×32 clips): Ray's round trip per unit
    (submit, schedule, pickle both ways) over calling the same unit function in this process."""
    if benchmark.disabled:
        pytest.skip("a timing: run it with `nox -s bench`")
    jobs = clips(tmp_path, 40, 2, 32, 32)
    registry = WeightsRegistry(compose().weights)
    spec = PoolSpec(registry.config)
    engine = MetricEngine(
        [METRICS["temporal_flickering"]()], NetworkPool(registry), FeatureCache(None), videos_per_batch=1
    )
    units, _ = plan_units(engine, jobs)
    start = time.perf_counter()
    for unit in units:
        score_unit(spec, unit)
    direct = time.perf_counter() - start
    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        runner = RayRunner(spec, workers=1)
        list(runner.run(engine, jobs[:2]))  # the worker process starts
        start = time.perf_counter()
        list(runner.run(engine, jobs))
        on_ray = time.perf_counter() - start
    finally:
        ray.shutdown()
    overhead_ms = (on_ray - direct) / len(units) * 1e3
    info = {
        "cpu": cpu_description(),
        "units": len(units),
        "direct_ms_per_unit": round(direct / len(units) * 1e3, 2),
        "ray_ms_per_unit": round(on_ray / len(units) * 1e3, 2),
        "overhead_ms_per_unit": round(overhead_ms, 2),
    }
    benchmark.extra_info.update(info)
    print(f"\nray overhead: {info}")
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
