"""The rating tests' shared eval run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from evalsuite.config import compose
from evalsuite.pipeline.run import run_eval


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory) -> Path:
    """An eval run of three systems' (synthetic) videos over 6 prompts."""
    base = tmp_path_factory.mktemp("rating_run")
    old = os.environ.get("HYVIDEO_EVAL_CACHE")
    os.environ["HYVIDEO_EVAL_CACHE"] = str(base / "cache")
    try:
        cfg = compose(
            ["compare=synthetic_flicker", "prompts.limit=6", "metrics.names=[sharpness]",
             f"runtime.output_dir={base / 'run'}", "runtime.progress=false"]
        )  # fmt: skip
        return run_eval(cfg).paths.output_dir
    finally:
        if old is None:
            os.environ.pop("HYVIDEO_EVAL_CACHE", None)
        else:
            os.environ["HYVIDEO_EVAL_CACHE"] = old
