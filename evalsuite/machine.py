"""What this CPU is: its name and its instruction-set flags, read once from /proc/cpuinfo (Linux; other
systems give no flags). The video writer reads the flags to keep x264's output deterministic; the
planner and the benchmarks name the CPU beside every figure."""

from __future__ import annotations

import functools
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
