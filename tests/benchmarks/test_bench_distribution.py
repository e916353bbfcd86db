"""Feature extraction of the set-level metrics on this CPU, at a real video size and a small one: per
network the FLOPs per clip (FVD's I3D, cd-FVD's VideoMAE v2 ViT-g; one 16-frame clip) or per frame (FID's
Inception), achieved GFLOP/s and the share of the fp32 matmul peak measured in the same run; and the
whole extraction (the reference code's preprocessing included) per clip or frame.

`nox -s bench -- -k distribution -s` prints one line per measurement; each is also in `extra_info`.
Networks whose weights are not on this machine run with random weights: no FLOP or second changes.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from benchmarks.flops import forward_flops
from benchmarks.machine import cpu_description, peak_matmul_gflops, peak_rss_growth
from evalsuite.config import compose
from evalsuite.data import synthetic
from evalsuite.metrics import clip_inputs
from evalsuite.metrics.features import FEATURES, NetworkPool, extract, normalise
from evalsuite.weights import WeightsRegistry

# (height, width): HunyuanVideo's 480p output and a small clip.
SIZES = {"480x848": (480, 848), "144x176": (144, 176)}
# feature -> (what one call embeds, units per call)
FEATURE_UNITS = {"i3d_logits": ("clip", 2), "videomae_g_ssv2": ("clip", 1), "inception_pool3": ("frame", 16)}


def network_input(name: str, frames: np.ndarray) -> torch.Tensor:
    spec = FEATURES[name]
    if spec.clip_frames:
        return spec.prepare(frames.reshape(-1, spec.clip_frames, *frames.shape[1:]))
    return normalise(frames, spec, torch.device("cpu"))


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("name", list(FEATURE_UNITS))
def test_bench_set_metric_features(benchmark, name: str, size: str) -> None:
    if benchmark.disabled:
        pytest.skip("a timing (ViT-g: about a minute per clip on 2 cores): run it with `nox -s bench`")
    spec = FEATURES[name]
    unit, per_call = FEATURE_UNITS[name]
    height, width = SIZES[size]
    frames_needed = (spec.clip_frames or 1) * per_call
    frames = synthetic.translate(frames_needed, height, width, seed=0, px_per_frame=3)
    pool = NetworkPool(WeightsRegistry(compose().weights), allow_random=True)
    network = pool.get(spec.network)
    embed = network.embed_clips if spec.clip_frames else network.embed_images
    one = network_input(name, frames[: spec.clip_frames or 1])
    flops_per_unit = forward_flops(lambda: embed(one)) / 1e9
    batch = network_input(name, frames)
    with torch.no_grad():
        embed(batch)  # warm-up
        start = time.perf_counter()
        embed(batch)
        network_seconds = time.perf_counter() - start
    memory = peak_rss_growth(lambda: extract(spec, network, frames, 32))
    benchmark.pedantic(extract, args=(spec, network, frames, 32), rounds=2, iterations=1)
    whole = benchmark.stats.stats.median / per_call
    achieved = flops_per_unit * per_call / network_seconds
    peak = peak_matmul_gflops()
    benchmark.extra_info.update(
        cpu=cpu_description(),
        gflop_per_unit=flops_per_unit,
        unit=unit,
        achieved_gflops=achieved,
        peak_gflops=peak,
        seconds_per_unit=whole,
        peak_rss_growth_gib=memory / 2**30,
    )
    print(
        f"\n{name} at {size}: {flops_per_unit:.1f} GFLOP/{unit}, network {achieved:.1f} GFLOP/s = "
        f"{100 * achieved / peak:.0f}% of the {peak:.0f} GFLOP/s fp32 matmul peak; with the reference "
        f"preprocessing {whole:.2f} s/{unit} ({100 * (network_seconds / per_call) / whole:.0f}% in the network); "
        f"peak RSS +{memory / 2**30:.2f} GiB; {cpu_description()}"
    )
    assert clip_inputs.CLIP_FRAMES == 16
