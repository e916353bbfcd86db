"""Shared fixtures. Nothing here downloads: hub libraries are forced offline before any import."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
PENGUIN_CSV = SHARED / "prompts" / "PenguinVideoBenchmark.csv"
PUBLISHED_TABLE = SHARED / "published" / "hunyuanvideo_2412.03603_human_eval.csv"


@pytest.fixture
def penguin_csv() -> Path:
    """The public Penguin Video Benchmark file from ../shared, or skip where it is absent."""
    if not PENGUIN_CSV.is_file():
        pytest.skip(f"{PENGUIN_CSV} not present (only on project machines)")
    return PENGUIN_CSV


@pytest.fixture
def run_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean working directory and cache for one eval run; returns the working directory."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("HYVIDEO_EVAL_CACHE", str(tmp_path / "cache"))
    return work
