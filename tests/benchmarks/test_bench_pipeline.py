"""Throughput of the classic (network-free) path: decoding, temporal flickering, and the default run.

Run with `nox -s bench`; each benchmark records frames/s (or videos/s) in `extra_info`, which
pytest-benchmark saves with the timings, so `--benchmark-compare` shows both.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from evalsuite.config import compose
from evalsuite.data import synthetic
from evalsuite.data.video import read_video, write_video
from evalsuite.metrics.temporal_flickering import TemporalFlickering
from evalsuite.pipeline.run import run_eval

FRAMES, HEIGHT, WIDTH = 49, 256, 448


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_video(
        tmp_path_factory.mktemp("bench") / "clip.mp4",
        synthetic.translate(FRAMES, HEIGHT, WIDTH, seed=0, px_per_frame=3),
    )


def test_bench_decode(benchmark, clip: Path) -> None:
    video = benchmark(read_video, clip)
    assert video.num_frames == FRAMES
    benchmark.extra_info["frames_per_second"] = (
        FRAMES / benchmark.stats.stats.mean if benchmark.stats else None
    )


def test_bench_temporal_flickering(benchmark, clip: Path) -> None:
    frames = read_video(clip).frames
    score = benchmark(TemporalFlickering().score, frames)
    assert 0.0 < score < 1.0
    benchmark.extra_info["frames_per_second"] = (
        FRAMES / benchmark.stats.stats.mean if benchmark.stats else None
    )


def test_bench_dynamic_degree_dis(benchmark, clip: Path) -> None:
    """VBench's dynamic-degree protocol on DIS flow: 49 frames at 24 fps -> 17 sampled, 16 flow pairs."""
    from evalsuite.data.video import Video
    from evalsuite.data.views import apply_view
    from evalsuite.metrics.dynamic_degree import DynamicDegreeDIS

    metric = DynamicDegreeDIS()
    frames = apply_view(Video(read_video(clip).frames, 24.0), metric.view)
    assert benchmark(metric.score, frames) == 1.0  # the texture moves 3 px per frame, 9 per sampled pair
    benchmark.extra_info["sampled_frames_per_second"] = (
        len(frames) / benchmark.stats.stats.mean if benchmark.stats else None
    )


def test_bench_default_eval_run(benchmark, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The embedded default job (24 synthetic videos), from scratch each round."""
    monkeypatch.chdir(tmp_path)
    rounds = iter(range(1_000_000))

    def one_run():
        return run_eval(compose(["runtime.progress=false", f"run_id=bench{next(rounds)}"]))

    result = benchmark.pedantic(one_run, rounds=3, iterations=1)
    assert (result.scores["status"] == "ok").all()
    if benchmark.stats:
        benchmark.extra_info["videos_per_second"] = len(result.scores) / benchmark.stats.stats.mean
