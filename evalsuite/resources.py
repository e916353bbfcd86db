"""Where the files that ship with the suite live: the Hydra config tree and the built-in prompt sets.

In a source checkout (the usual, editable install) they are the top-level `conf/` and `prompts/`
folders; in a wheel the same folders are packaged as `evalsuite.conf` and `evalsuite.prompt_sets`.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

_REPO_ROOT = Path(__file__).resolve().parents[1]


def _locate(folder: str, package: str, marker: str) -> Path:
    candidate = _REPO_ROOT / folder
    if (candidate / marker).exists():
        return candidate
    # conf/ and prompts/ have no __init__.py, so files() gives a namespace MultiplexedPath; a file
    # inside it is a plain path.
    return Path(str(importlib.resources.files(package).joinpath(marker))).parent


def conf_dir() -> Path:
    return _locate("conf", "evalsuite.conf", "config.yaml")


def builtin_prompts_dir() -> Path:
    return _locate("prompts", "evalsuite.prompt_sets", "embedded_mini.csv")
