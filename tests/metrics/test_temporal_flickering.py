from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from evalsuite.data import synthetic
from evalsuite.data.video import read_video, write_video
from evalsuite.metrics import METRICS
from evalsuite.metrics.temporal_flickering import TemporalFlickering


def vbench_temporal_flickering(video_path: Path) -> float:
    """VBench's temporal_flickering.py recipe, step for step: OpenCV decode, float32 absdiff, means."""
    cv2 = pytest.importorskip("cv2")
    capture = cv2.VideoCapture(str(video_path))
    frames = []
    while capture.isOpened():
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    capture.release()
    maes = [
        np.mean(cv2.absdiff(np.array(a, dtype=np.float32), np.array(b, dtype=np.float32)))
        for a, b in itertools.pairwise(frames)
    ]
    return (255.0 - np.mean(np.array(maes)).item()) / 255.0


def test_registered_with_its_contract() -> None:
    assert METRICS["temporal_flickering"] is TemporalFlickering
    assert TemporalFlickering.higher_is_better and "VBench" in TemporalFlickering.reference


def test_static_video_scores_one_and_alternating_scores_zero() -> None:
    metric = TemporalFlickering()
    assert metric.score(synthetic.static(8, 16, 16)) == 1.0
    assert metric.score(synthetic.alternate(8, 16, 16)) == 0.0


def test_known_mean_absolute_difference() -> None:
    frames = np.zeros((3, 4, 4, 3), np.uint8)
    frames[1] = 51  # |0-51| then |51-0|: mean abs difference 51 -> (255-51)/255 = 0.8
    assert TemporalFlickering().score(frames) == pytest.approx(0.8, abs=1e-12)


def test_needs_two_frames() -> None:
    with pytest.raises(ValueError, match="at least 2 frames"):
        TemporalFlickering().score(synthetic.static(1, 8, 8))


@pytest.mark.parametrize("pattern", ["translate", "moving_disk", "fade", "noise"])
def test_equals_vbench_code_on_encoded_videos(tmp_path: Path, pattern: str) -> None:
    path = write_video(tmp_path / f"{pattern}.mp4", synthetic.PATTERNS[pattern](12, 48, 64, seed=7))
    ours = TemporalFlickering().score(read_video(path).frames)
    assert ours == pytest.approx(vbench_temporal_flickering(path), abs=1e-6)
