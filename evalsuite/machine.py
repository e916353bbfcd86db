"""What this CPU is: its name and its instruction-set flags, read once from /proc/cpuinfo (Linux; other
systems give no flags). The video writer reads the flags to keep x264's output deterministic; the
planner and the benchmarks name the CPU beside every figure. `return_freed_memory` hands memory that
Python and torch freed back to the system, so that a released network leaves the resident set."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import platform
from pathlib import Path


@functools.cache
def _cpuinfo() -> str:
    try:
        return Path("/proc/cpuinfo").read_text()
    except OSError:
        return ""


def cpu_name() -> str:
    line = next((ln for ln in _cpuinfo().splitlines() if ln.startswith("model name")), None)
    return line.split(":", 1)[1].strip() if line else platform.processor() or platform.machine()


def cpu_flags() -> frozenset[str]:
    line = next((ln for ln in _cpuinfo().splitlines() if ln.startswith("flags")), None)
    return frozenset(line.split(":", 1)[1].split()) if line else frozenset()


@functools.cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None  # glibc only


def return_freed_memory() -> None:
    """Collect garbage, then give glibc's freed heap back (`trim_heap`)."""
    gc.collect()
    trim_heap()


def trim_heap() -> None:
    """Ask glibc to give its freed heap pages back to the system (`malloc_trim(0)`). Without it a released
    1.2 GB network stays in the resident set, and a loop of large temporaries (RAFT's pairs) grows it:
    glibc keeps freed blocks for reuse, and the next blocks, sized differently, rarely fit them.
    Elsewhere (musl, macOS) it does nothing."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
