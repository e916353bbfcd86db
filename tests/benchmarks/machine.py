"""What a benchmark must report beside its timings: the CPU it ran on, the dense-matmul peak measured in
the same run, and peak memory of a call.

Peak memory is the growth of the resident set while the call runs, sampled every 0.5 ms by a thread,
with glibc told to serve every allocation of 64 KiB or more by mmap so that freed tensors leave the
resident set at once (otherwise the allocator keeps them and the resident set only ever grows).
"""

from __future__ import annotations

import ctypes
import os
import statistics
import threading
import time
from collections.abc import Callable

import torch

from evalsuite.machine import cpu_flags, cpu_name

_PAGE = os.sysconf("SC_PAGE_SIZE")
_M_MMAP_THRESHOLD = -3


def cpu_description() -> str:
    """e.g. 'AMD EPYC (avx2; no AVX-512; native bf16: no), 2 torch threads'."""
    flags = cpu_flags()
    isa = [f for f in ("avx2", "avx512f", "avx512_bf16", "amx_bf16", "avx512_fp16") if f in flags]
    bf16 = "yes" if torch.ops.mkldnn._is_mkldnn_bf16_supported() else "no"
    no512 = "" if "avx512f" in flags else "; no AVX-512"
    return f"{cpu_name()} ({', '.join(isa) or 'no AVX2'}{no512}; native bf16: {bf16}), {torch.get_num_threads()} torch threads"


def peak_matmul_gflops(n: int = 1024, repeats: int = 9, dtype: torch.dtype = torch.float32) -> float:
    """Dense matmul throughput on this machine now, in GFLOP/s: the best of `repeats` products of two
    n×n matrices of `dtype` after a warm-up. A peak, so the best and not the median: the median ran
    10-20% lower on a 2-core AVX-512 machine, where oneDNN convolutions then showed more than 100% of it.
    bf16 only where the CPU computes it natively (it says so: `native_bf16`); emulated bf16 is no peak."""
    if dtype == torch.bfloat16 and not native_bf16():
        raise ValueError("no native bf16 on this CPU: its bf16 matmul is emulated, not a peak to share")
    a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
    a @ b
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - start)
    return 2 * n**3 / min(times) / 1e9


def native_bf16() -> bool:
    return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * _PAGE


def peak_rss_growth(fn: Callable[[], object], interval: float = 0.0005) -> int:
    """Bytes by which the resident set grew at its highest while fn() ran."""
    libc = ctypes.CDLL("libc.so.6")
    libc.mallopt(_M_MMAP_THRESHOLD, 64 * 1024)
    libc.malloc_trim(0)
    base = peak = _rss()
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _rss())
            time.sleep(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        fn()
    finally:
        done.set()
        sampler.join()
    return max(peak, _rss()) - base


def paired_median_seconds(fns: dict[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    """Median seconds per call of each fn, timed in alternation so that drift hits all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def versus_peer(seconds: dict[str, float], gflop: float, peak_gflops: float) -> dict[str, object]:
    """What every ours-vs-peer benchmark records: the CPU, the time ratio and milliseconds of "ours" and
    its peer (the other key of `seconds`), and ours' achieved GFLOP/s as a share of the matmul peak."""
    peer = next(name for name in seconds if name != "ours")
    achieved = gflop / seconds["ours"]
    return {
        "cpu": cpu_description(),
        f"ours_over_{peer}_time": seconds["ours"] / seconds[peer],
        "ours_ms": 1e3 * seconds["ours"],
        f"{peer}_ms": 1e3 * seconds[peer],
        "gflop_per_call": gflop,
        "achieved_gflops": achieved,
        "matmul_peak_gflops": peak_gflops,
        "share_of_peak": achieved / peak_gflops,
    }


def describe_versus_peer(info: dict[str, object]) -> str:
    peer = next(
        k.removeprefix("ours_over_").removesuffix("_time") for k in info if k.startswith("ours_over_")
    )
    return (
        f"ours/{peer} time {info[f'ours_over_{peer}_time']:.3f} ({info['ours_ms']:.1f} vs "
        f"{info[f'{peer}_ms']:.1f} ms); {info['gflop_per_call']:.2f} GFLOP -> {info['achieved_gflops']:.0f} "
        f"GFLOP/s = {100 * info['share_of_peak']:.0f}% of the {info['matmul_peak_gflops']:.0f} GFLOP/s "
        f"fp32 matmul peak; {info['cpu']}"
    )
