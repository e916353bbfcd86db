"""Which floating-point dtype the model runs in, and a guard against dtypes the CPU cannot run fast.

On a CPU without native bf16 (no AVX-512 BF16 / AMX) a bf16 matmul runs about 40x slower than fp32,
and fp16 is no better without AVX-512 FP16: asking for either there is almost always a mistake, so it is
an error with the fix in the message rather than a silent crawl.
"""

from __future__ import annotations

import torch

DTYPES: dict[str, torch.dtype] = {
    "fp32": torch.float32,
    "float32": torch.float32,
    "bf16": torch.bfloat16,
    "bfloat16": torch.bfloat16,
    "fp16": torch.float16,
    "float16": torch.float16,
}


class PrecisionError(ValueError):
    """A dtype that is unknown, or that this device cannot run at a useful speed."""


def cpu_supports(dtype: torch.dtype) -> bool:
    """Whether this CPU has native matmul support for `dtype` (fp32 always does)."""
    if dtype == torch.bfloat16:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    if dtype == torch.float16:
        return bool(torch.ops.mkldnn._is_mkldnn_fp16_supported())
    return True


def resolve_dtype(dtype: str | torch.dtype, device: str | torch.device = "cpu") -> torch.dtype:
    """Map "fp32" / "bf16" / "fp16" (or a torch dtype) to a torch dtype usable on `device`."""
    if isinstance(dtype, str):
        if dtype not in DTYPES:
            raise PrecisionError(f"unknown dtype {dtype!r}; use one of fp32, bf16, fp16")
        dtype = DTYPES[dtype]
    if dtype not in DTYPES.values():
        raise PrecisionError(f"unsupported dtype {dtype}; use one of fp32, bf16, fp16")
    if torch.device(device).type == "cpu" and not cpu_supports(dtype):
        raise PrecisionError(
            f"{dtype} has no native support on this CPU (it would run tens of times slower than fp32); "
            "use dtype=fp32 on the CPU, or run on a GPU"
        )
    return dtype
