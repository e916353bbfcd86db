"""The fast profile (`metrics.profile=fast`): two levers that trade exactness for time, each measured
(`nox -s bench -- -k fast -s`, tests/benchmarks/test_bench_fast.py), never assumed. `exact` is the default.

1. Fewer frames where a metric is a mean over frames: aesthetic and imaging quality become
   `aesthetic_quality_fast` and `imaging_quality_fast`, the same formula on one frame in k from the
   first (k per metric, measured: 2 for both; each twin's `every`). Metrics that relate neighbouring
   frames (consistency, flicker, motion smoothness, dynamic degree) keep every frame: subsampling would
   change what they measure.
2. bf16 autocast for every network, where the CPU computes bf16 natively
   (`torch.ops.mkldnn._is_mkldnn_bf16_supported()`); fp16 autocast on a CUDA GPU. A CPU without native
   bf16 would emulate it about 40× slower than fp32: there the run says so in one line and keeps fp32.
   RAFT's and AMT's all-pairs correlation volumes stay fp32 (as the RAFT authors' own mixed precision
   builds them), CLIP holds its block matrices in bf16 once instead of in autocast's cache, and MUSIQ
   keeps its ResNet stem and its head in fp32 (evalsuite/networks/musiq.py). Networks off target under
   bf16 stay fp32 (`KEPT_IN_FP32`, with the measurement or the arithmetic).

The fast metrics have their own names and the networks under autocast their own weights ids, so no fast
value shares a cache entry, a column or a table row with an exact one; every report of a fast run says
which levers ran, first, and measures itself against exact on a sample of its own videos
(`metrics.fast_check`, evalsuite/pipeline/fast_check.py) against the targets below.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from evalsuite.metrics.precision import KEPT_IN_FP32, dtype_name, native_low_precision

#: The fast profile's targets, per metric against exact: |fast − exact| and Spearman's ρ per video (and
#: the systems' order unchanged). A fast run measures itself against them (metrics.fast_check).
MAX_ABS_DIFF = 2e-3
MIN_SPEARMAN = 0.99

#: exact metric -> its fast twin (every k-th frame); k is the twin's `every`.
FAST_TWINS = {"aesthetic_quality": "aesthetic_quality_fast", "imaging_quality": "imaging_quality_fast"}


@dataclass(frozen=True)
class Profile:
    """What a run's metrics profile resolved to on this machine."""

    names: list[str]
    autocast: torch.dtype | None = None
    notes: list[str] = field(default_factory=list)


def resolve_profile(names: list[str], profile: str, device: str) -> Profile:
    """The metric names and autocast dtype a run uses under `profile`, and the notes its report leads with."""
    if profile == "exact":
        return Profile(list(names))
    swapped = [FAST_TWINS.get(name, name) for name in names]
    twins = [f"`{FAST_TWINS[n]}` (one frame in {_every(FAST_TWINS[n])})" for n in names if n in FAST_TWINS]
    dtype = native_low_precision(device)
    notes = [
        "Fast profile (metrics.profile=fast): values are close to, not equal to, the exact profile's; "
        + (f"frames subsampled in {', '.join(twins)}; " if twins else "no metric of this run is subsampled; ")
        + (
            f"networks under {dtype_name(dtype)} autocast{_kept(names)}."
            if dtype
            else "networks in fp32: this CPU has no native bf16 (bf16 would be emulated, about 40× slower)."
        )
    ]
    return Profile(swapped, dtype, notes)


def _kept(names: list[str]) -> str:
    from evalsuite.metrics.base import METRICS

    kept = [n for n in KEPT_IN_FP32 if any(n in METRICS[m].networks() for m in names)]
    return f" ({', '.join(kept)} kept in fp32: off target under bf16)" if kept else ""


def _every(name: str) -> int:
    from evalsuite.metrics.base import METRICS

    return METRICS[name].every
