"""Dynamic degree on DIS flow: flow accuracy on known translations, VBench's counting rule and frame
sampling, and known answers on synthetic videos."""

from __future__ import annotations

import itertools
import sys
import types

import numpy as np
import pytest

from evalsuite.data import synthetic
from evalsuite.data.video import Video
from evalsuite.data.views import apply_view
from evalsuite.metrics.dynamic_degree import DynamicDegreeDIS, dynamic_flag, is_dynamic, pair_scores
from evalsuite.metrics.flow import dis_flow, flow_magnitude, top_fraction_mean
from metrics.vbench_peer import vbench_package


def panning(num_frames: int, height: int, width: int, px_per_frame: int, seed: int = 1) -> np.ndarray:
    """A window sliding over a larger smooth texture: every pixel moves px_per_frame to the left, with
    no wrap-around seam."""
    big = synthetic.smooth_texture(height, width + px_per_frame * num_frames, seed=seed, cells=12)
    return np.stack([big[:, t * px_per_frame : t * px_per_frame + width] for t in range(num_frames)])


@pytest.mark.parametrize("k", [1, 2, 4, 8])
def test_dis_flow_measures_a_translation_of_k_pixels_within_5_percent(k: int) -> None:
    frames = panning(2, 128, 256, k)
    flow = dis_flow(frames[0], frames[1])
    assert flow.shape == (128, 256, 2)
    interior = flow[16:-16, 16:-16]
    assert np.median(interior[..., 0]) == pytest.approx(-k, rel=0.05)  # content moves left
    assert np.median(np.abs(interior[..., 1])) <= 0.05 * k
    assert top_fraction_mean(flow_magnitude(flow)) == pytest.approx(k, rel=0.05)


def test_top_fraction_mean_is_vbench_get_score() -> None:
    magnitude = np.arange(100, dtype=np.float32).reshape(10, 10)
    assert top_fraction_mean(magnitude) == pytest.approx(np.mean([99, 98, 97, 96, 95]))


def test_counting_rule_follows_vbench_check_move() -> None:
    # T = 16 sampled frames: threshold 6 * 256 / 256 = 6, needed round(4 * 16 / 16) = 4 pairs above it.
    assert is_dynamic([7, 7, 7, 7] + [0] * 11, 16, 256, 512)
    assert not is_dynamic([7, 7, 7] + [6] * 12, 16, 256, 512)  # equal to the threshold is not above
    assert is_dynamic([0.0], 2, 64, 64)  # round(4 * 2 / 16) = 0 pairs needed: VBench says dynamic


def test_flag_is_vbench_check_move_read_only_until_settled(monkeypatch) -> None:
    """VBench's own set_params + check_move over every pair against is_dynamic, which stops reading
    scores at the pair that settles the flag."""
    monkeypatch.setitem(sys.modules, "easydict", types.SimpleNamespace(EasyDict=dict))  # imported, unused
    with vbench_package():
        from vbench.dynamic_degree import DynamicDegree
    vbench = DynamicDegree.__new__(DynamicDegree)
    rng = np.random.default_rng(0)
    outcomes = set()
    for _ in range(3000):
        num_frames, height, width = int(rng.integers(2, 45)), int(rng.integers(64, 721)), 848
        vbench.set_params(types.SimpleNamespace(shape=(3, height, width)), num_frames)
        threshold, needed = vbench.params["thres"], vbench.params["count_num"]
        above = rng.random(num_frames - 1) < rng.random()
        scores = np.where(
            above,
            threshold * rng.uniform(1.0, 2.0, num_frames - 1),
            threshold * rng.uniform(0, 1, num_frames - 1),
        )
        scores[rng.random(num_frames - 1) < 0.1] = threshold  # equal is not above
        read = []
        flag = is_dynamic((read.append(s) or s for s in scores), num_frames, height, width)
        assert flag == vbench.check_move(list(scores))
        outcomes.add(flag)
        count = np.cumsum(scores > threshold)
        left = num_frames - 1 - np.arange(1, num_frames)
        settled = np.flatnonzero((count >= needed) | (count + left < needed))
        assert len(read) == (0 if needed <= 0 else settled[0] + 1)
    assert outcomes == {True, False}


def test_flows_are_computed_only_for_the_pairs_read() -> None:
    calls = []

    def counting(frames: np.ndarray):  # a lazy backend: records each pair it computes
        for a, b in itertools.pairwise(frames):
            calls.append(2)
            yield dis_flow(a, b)

    # 16 frames of 4 px motion: dynamic once round(4 * 16 / 16) = 4 pairs are above 1.5 px
    assert dynamic_flag(panning(16, 64, 96, px_per_frame=4), counting) == 1.0
    assert calls == [2] * 4
    calls.clear()
    # static: settled once 12 of the 15 pairs are below (3 left cannot make 4)
    assert dynamic_flag(synthetic.static(16, 64, 96), counting) == 0.0
    assert calls == [2] * 12


def test_view_keeps_every_round_fps_over_8_th_frame() -> None:
    frames = np.zeros((30, 8, 8, 3), dtype=np.uint8)
    frames[:, 0, 0, 0] = np.arange(30)
    for fps, stride in [(24.0, 3), (30.0, 4), (8.0, 1), (60.0, 8)]:
        kept = apply_view(Video(frames, fps, "x"), DynamicDegreeDIS.view)[:, 0, 0, 0]
        assert kept.tolist() == list(range(0, 30, stride))


def test_known_answers_on_synthetic_videos() -> None:
    metric = DynamicDegreeDIS()
    height, width = 64, 96  # threshold 6 * 64 / 256 = 1.5 px per sampled pair
    assert metric.score(synthetic.static(8, height, width)) == 0.0
    assert max(pair_scores(synthetic.static(8, height, width))) < 0.01
    assert metric.score(panning(8, height, width, px_per_frame=1)) == 0.0  # 1 px < 1.5 px
    assert metric.score(panning(8, height, width, px_per_frame=4)) == 1.0
    assert metric.score(synthetic.moving_disk(8, height, width)) == 1.0


def test_too_few_frames_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least 2 sampled frames"):
        DynamicDegreeDIS().score(synthetic.static(1, 32, 32))
