"""The bound for comparing two float32 implementations of one computation, measured, not guessed.

Two fp32 implementations of the same function each differ from the exact result by their rounding
errors. Those grow with the values' magnitude, the length of the sums and the depth of the network, and
they depend on the CPU: AVX2, AVX-512 and AMX kernels (and oneDNN's choice among them) sum in different
orders. A fixed bound that holds on one CPU fails on another (1e-4 held on AMD EPYC and failed at 1.0e-4
on an Intel Xeon with AMX, on latents of magnitude up to 17 after a true-CFG step, which multiplies the
transformer's error by |1 − s| + |s| = 9).

So the bound is measured in the same run, on the same CPU: our computation in float64 is the exact
result to fp32's eyes (float64 keeps 29 more bits), our fp32 error is e = max |ours32 − ours64|, and

    |ours32 − theirs32| ≤ |ours32 − exact| + |theirs32 − exact| ≤ (1 + PEER_FACTOR) · e

under the one stated assumption that the peer, doing the same operations in another order, is at most
PEER_FACTOR times less accurate than ours. A floor of FLOOR_ULPS units in the last place of the output's
largest magnitude covers an e that happens to be tiny. A real mismatch (a wrong mask, a missing scale)
moves outputs by orders of magnitude more than e. `ours_is_accurate` keeps the bound honest: our own fp32
error must stay within MAX_RELATIVE_ERROR of the output's magnitude, or a numerically unstable
implementation would widen its own tolerance.
"""

from __future__ import annotations

import torch

PEER_FACTOR = 3.0
FLOOR_ULPS = 16
# 2^-12 relative: 4,096 ulps of fp32. Measured on the true-CFG denoising step at the mid config (latents up
# to 16.6): e = 8.3e-5 (5e-6 relative) on AMD EPYC AVX-512, 7.0e-5 with torch and oneDNN limited to AVX2,
# 6.2e-5 to SSE4.1; |ours − diffusers| was 1.0-1.1 e each time, so the bound 4 e + 16 ulps has room on
# both sides, and the ceiling is 50 times our error.
MAX_RELATIVE_ERROR = 2.0**-12


def fp32_error(ours32: torch.Tensor, ours64: torch.Tensor) -> float:
    """max |ours32 − ours64|: our own float32 rounding error on this CPU."""
    return (ours32.double() - ours64.double()).abs().max().item()


def agreement_bound(ours32: torch.Tensor, ours64: torch.Tensor) -> float:
    """The largest |ours32 − theirs32| two correct fp32 implementations can show (module docstring)."""
    magnitude = ours64.abs().max().item()
    floor = FLOOR_ULPS * torch.finfo(torch.float32).eps * magnitude
    return (1 + PEER_FACTOR) * fp32_error(ours32, ours64) + floor


def assert_fp32_agree(ours32: torch.Tensor, theirs32: torch.Tensor, ours64: torch.Tensor) -> None:
    """ours32 and theirs32 agree within the measured bound, and ours is accurate enough to set it."""
    magnitude = ours64.abs().max().item()
    error = fp32_error(ours32, ours64)
    assert error <= MAX_RELATIVE_ERROR * magnitude, (
        f"our fp32 error {error:.3g} exceeds 2^-12 of the output's magnitude {magnitude:.3g}"
    )
    bound = agreement_bound(ours32, ours64)
    difference = (ours32.double() - theirs32.double()).abs().max().item()
    assert difference <= bound, (
        f"max |ours − theirs| = {difference:.3g} exceeds the fp32 bound {bound:.3g} "
        f"((1 + {PEER_FACTOR:g}) × our fp32 error {error:.3g} + {FLOOR_ULPS} ulps of {magnitude:.3g})"
    )
