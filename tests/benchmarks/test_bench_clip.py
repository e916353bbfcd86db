"""CLIP's image tower as the pool holds it (the residual blocks' matrices in fp16 between calls, cast to
fp32 while each block runs: evalsuite/networks/clip.py) against the same tower with its matrices held in
fp32 throughout, twice the memory: what holding them costs in time. Same weights, equal features, as many
frames a pass as the engine runs (`frames_per_pass`), the two timed in turn in one process.

`nox -s bench -- -k held_blocks -s` prints one line per network; each is also in `extra_info`.
"""

from __future__ import annotations

import pytest
import torch

from benchmarks.flops import forward_flops
from benchmarks.machine import describe_versus_peer, paired_median_seconds, peak_matmul_gflops, versus_peer
from evalsuite.metrics.features import FEATURES, frames_per_pass


@pytest.mark.parametrize("network", ["clip_vit_b32", "clip_vit_l14"])
def test_bench_held_blocks_against_fp32_weights(benchmark, network: str) -> None:
    if benchmark.disabled:
        pytest.skip("a timing comparison (a minute): run it with `nox -s bench`")
    from evalsuite.networks.clip import load_clip

    torch.manual_seed(0)
    ours = load_clip(None, network)
    torch.manual_seed(0)  # the whole CLIP, fp32 throughout: the same image-tower weights
    fp32 = load_clip(None, network, text=True).model.visual
    per_pass = frames_per_pass(FEATURES[f"{network}_image"], 224, 224, 32)
    images = torch.rand(per_pass, 3, 224, 224)
    with torch.no_grad():
        assert torch.equal(ours.embed_images(images), fp32(images))
        seconds = paired_median_seconds(
            {"ours": lambda: ours.embed_images(images), "fp32_weights": lambda: fp32(images)}, 5
        )
    gflop = forward_flops(lambda: ours.embed_images(images)) / 1e9
    info = versus_peer(seconds, gflop, peak_matmul_gflops()) | {"frames_per_pass": per_pass}
    benchmark.extra_info.update(info)
    print(f"\n{network}, {per_pass} frames a pass, blocks held in fp16: {describe_versus_peer(info)}")
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
