"""Each network's seconds, frames and FLOPs inside a real engine run: the networks' share of the fp32 matmul
peak at the sizes a run really has (VBench's seven on a 480p video, on small real clips), beside that run's
wall time and peak memory (test_bench_memory.py), rather than on frames made for the measurement.

The clock wraps the pool's `get`, so each network it hands out has its `forward` and `embed_images` timed
(the outermost call only: DINO's `embed_images` calls its `forward`). It keeps, per network and input
signature, the calls, the frames (the first argument's batch size: a RAFT pair and an AMT-S middle frame
count as one) and the seconds, but not the inputs: after the run `per_network` replays one call of each
signature on random tensors of the same shapes under the FLOP counter (FLOPs do not depend on values).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import torch

from benchmarks.flops import forward_flops

CLOCKED = ("forward", "embed_images")


def _signature(args: tuple, kwargs: dict) -> tuple:
    def one(x):
        return ("tensor", tuple(x.shape), x.dtype) if isinstance(x, torch.Tensor) else ("value", x)

    return tuple(one(a) for a in args), tuple((k, one(v)) for k, v in sorted(kwargs.items()))


def _replay(signature: tuple) -> tuple[list, dict]:
    def one(kind_value):
        kind, *rest = kind_value
        return torch.rand(rest[0], dtype=rest[1]) if kind == "tensor" else rest[0]

    args, kwargs = signature
    return [one(a) for a in args], {k: one(v) for k, v in kwargs}


class NetworkClock:
    """Clocks every network `pool.get` hands out from now on (see the module's docstring)."""

    def __init__(self, pool) -> None:
        self.pool = pool
        # (network, method, input signature) -> [calls, frames, seconds]
        self.calls: dict[tuple[str, str, tuple], list] = {}
        self._busy: set[str] = set()
        self._recording = True
        self._get = pool.get
        pool.get = self._clocked_get

    def _clocked_get(self, name: str, text: bool = False) -> torch.nn.Module:
        module = self._get(name, text=text)
        if not getattr(module, "_clocked", False):
            for method in CLOCKED:
                if hasattr(module, method):
                    setattr(module, method, self._clock(name, method, getattr(module, method)))
            module._clocked = True
        return module

    def _clock(self, name: str, method: str, call: Callable) -> Callable:
        def clocked(*args, **kwargs):
            if not self._recording or name in self._busy:
                return call(*args, **kwargs)
            self._busy.add(name)
            start = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                seconds = time.perf_counter() - start
                self._busy.discard(name)
                entry = self.calls.setdefault((name, method, _signature(args, kwargs)), [0, 0, 0.0])
                entry[0] += 1
                entry[1] += len(args[0])
                entry[2] += seconds

        return clocked

    def per_network(
        self, peak_gflops: float, peaks: dict[str, tuple[str, float]] | None = None
    ) -> dict[str, dict]:
        """Per network: frames, the input sizes (W×H), seconds, GFLOP per frame, achieved GFLOP/s and the
        share of its peak: `peaks[name]` (dtype, GFLOP/s) where given (a network under bf16 autocast: the
        bf16 peak), else the fp32 `peak_gflops`. Loads each network again (after the run, so the run's
        peak is unaffected)."""
        self._recording = False
        by_network: dict[str, list] = {}
        for (name, method, signature), entry in self.calls.items():
            by_network.setdefault(name, []).append((method, signature, *entry))
        totals: dict[str, dict] = {}
        for name, clocked in by_network.items():
            module = self.pool.get(name)  # once per network, for all its input signatures
            total = totals[name] = {"frames": 0, "sizes": [], "seconds": 0.0, "gflop": 0.0}
            for method, signature, calls, frames, seconds in clocked:
                args, kwargs = _replay(signature)
                call = getattr(module, method)
                flops = forward_flops(lambda c=call, a=args, k=kwargs: c(*a, **k))
                total["frames"] += frames
                total["seconds"] += seconds
                total["gflop"] += flops * calls / 1e9
                shape = signature[0][0][1]
                if len(shape) == 4 and f"{shape[3]}×{shape[2]}" not in total["sizes"]:
                    total["sizes"].append(f"{shape[3]}×{shape[2]}")
            self.pool.release(name)
        for name, total in totals.items():
            dtype, peak = (peaks or {}).get(name, ("fp32", peak_gflops))
            total["gflop_per_frame"] = total["gflop"] / total["frames"]
            total["gflops"] = total["gflop"] / total["seconds"]
            total["peak_dtype"] = dtype
            total["share_of_peak"] = total["gflops"] / peak
        return totals
