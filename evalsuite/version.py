"""The code version recorded in every manifest row: package version plus git commit when available."""

from __future__ import annotations

import functools
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path


@functools.cache
def code_version() -> str:
    try:
        base = version("hyvideo-eval")
    except PackageNotFoundError:
        base = "0+unknown"
    try:
        sha = _git("rev-parse", "--short=12", "HEAD")
        dirty = _git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return base
    return f"{base}+g{sha}{'.dirty' if dirty else ''}" if sha else base


def _git(*args: str) -> str:
    root = Path(__file__).resolve().parents[1]
    command = ["git", "-C", str(root), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=5, check=True).stdout.strip()
