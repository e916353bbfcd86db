"""The fast profile's precision (evalsuite/metrics/fast.py): which low-precision dtype a device computes
natively, how it is named, and which networks stay in fp32 under it. The network pool reads this; the
profile's resolution over the metric registry lives in fast.py."""

from __future__ import annotations

import torch

#: Networks the fast profile keeps in fp32, and why (a measurement, or the arithmetic of bf16's rounding).
KEPT_IN_FP32 = {
    "efficientnet_lite0": (
        "under bf16 its real weights moved feature_consistency_effnet_lite0 by up to 1.5e-3 per video with "
        "Spearman 0.962 against exact (the 16 videos of `nox -s eval -- metrics.profile=fast`), below 0.99; "
        "and it is cheap in fp32"
    ),
    "laion_aesthetic_l14": (
        "its output is a 1-10 rating, which bf16 (8 significant bits) rounds to steps of 1/32 between 4 and 8: "
        "up to 1.6e-3 per frame of aesthetic quality (/10), most of the 2e-3 target by itself; and it is one "
        "768 -> 1 layer, nothing to gain"
    ),
}


def dtype_name(dtype: torch.dtype) -> str:
    """ "bfloat16" for torch.bfloat16: how the profile's dtype is named in notes, cache ids and worker specs."""
    return str(dtype).removeprefix("torch.")


def native_low_precision(device: str) -> torch.dtype | None:
    """bf16 on a CPU that computes it natively, fp16 on a CUDA GPU, else None."""
    if device.startswith("cuda"):
        return torch.float16
    return torch.bfloat16 if torch.ops.mkldnn._is_mkldnn_bf16_supported() else None
