"""Imaging quality (VBench's MUSIQ): the registry loads pyiqa's checkpoint format strictly, the metric
equals VBench's code path on the same weights and frames, and a missing package or file is reported with
its fix."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from evalsuite.data.video import Video
from evalsuite.metrics.base import VideoInputs
from evalsuite.metrics.features import CODE_CHECKS, NetworkPool
from evalsuite.metrics.imaging_quality import ImagingQuality
from evalsuite.weights import WeightsRegistry
from metrics.networks import registry_with

pytest.importorskip(
    "pyiqa.archs.musiq_arch", reason="pyiqa not installed (pip install --no-deps pyiqa==0.1.16)"
)


@pytest.fixture(scope="module")
def musiq_file(tmp_path_factory) -> dict:
    """A random full-size MUSIQ saved as a DataParallel state dict (`module.` keys), as pyiqa's files may be."""
    from pyiqa.archs.musiq_arch import MUSIQ

    folder = tmp_path_factory.mktemp("musiq")
    torch.manual_seed(7)
    model = MUSIQ(pretrained=False).eval()
    path = folder / "musiq_spaq_ckpt-358bb6af.pth"
    torch.save({f"module.{k}": v for k, v in model.state_dict().items()}, path)
    return {"model": model, "registry": registry_with({"musiq_spaq": path}, folder)}


def vbench_imaging_quality(model: torch.nn.Module, frames: np.ndarray) -> float:
    """VBench's technical_quality for one video, preprocess_mode 'longer', written out as its code does it
    (the `transform` of its imaging_quality.py since 2024-11-29, which resizes with antialias=False)."""
    from torchvision import transforms

    images = torch.Tensor(frames).permute(0, 3, 1, 2)  # VBench's load_video: float32, T×3×H×W
    _, _, h, w = images.size()
    if max(h, w) > 512:
        scale = 512.0 / max(h, w)
        images = transforms.Resize(size=(int(scale * h), int(scale * w)), antialias=False)(images)
    images = images / 255.0
    total = 0.0
    with torch.no_grad():
        for i in range(len(images)):
            total += float(model(images[i].unsqueeze(0)))
    return total / len(images) / 100.0


def test_checkpoint_loads_strictly_and_the_metric_equals_vbench_code(musiq_file) -> None:
    pool = NetworkPool(musiq_file["registry"])
    assert pool.available("musiq_spaq") is None
    loaded = pool.get("musiq_spaq")
    for ours, theirs in zip(
        loaded.state_dict().values(), musiq_file["model"].state_dict().values(), strict=True
    ):
        assert torch.equal(ours, theirs)

    rng = np.random.default_rng(0)
    base = rng.integers(0, 256, (1, 36, 64, 3), dtype=np.uint8)
    # 640×360: longer side above 512, so the frames are resized to 512×288 first; 9 frames = 2 batches
    frames = np.repeat(np.repeat(base, 10, axis=1), 10, axis=2).repeat(9, axis=0)
    frames = np.clip(frames.astype(int) + rng.integers(-20, 21, frames.shape), 0, 255).astype(np.uint8)
    metric = ImagingQuality()
    metric.setup(pool)
    ours = metric.evaluate(VideoInputs(Video(frames, 24.0, "clip")))
    theirs = vbench_imaging_quality(musiq_file["model"], frames)
    assert ours == pytest.approx(theirs, rel=1e-5, abs=1e-7)

    small = frames[:3, :200, :300]  # longer side <= 512: no resize
    assert metric.evaluate(VideoInputs(Video(small, 24.0, "small"))) == pytest.approx(
        vbench_imaging_quality(musiq_file["model"], small), rel=1e-5, abs=1e-7
    )


def test_missing_package_and_missing_file_name_their_fix(tmp_path, monkeypatch) -> None:
    from evalsuite.config import compose

    registry = WeightsRegistry(compose([f"weights.dir={tmp_path}"]).weights)
    reason = NetworkPool(registry).available("musiq_spaq")
    if reason is not None:  # the real file may be installed on a user's machine
        assert "musiq_spaq_ckpt-358bb6af.pth" in reason and "weights fetch musiq_spaq" in reason
    monkeypatch.setitem(
        CODE_CHECKS, "musiq_spaq", lambda: "needs the Python package pyiqa; fix: `pip install x`"
    )
    for pool in (NetworkPool(registry), NetworkPool(registry, allow_random=True)):
        assert "needs the Python package pyiqa" in pool.available("musiq_spaq")


def test_view_above_512_px_equals_vbench_transform() -> None:
    """At HunyuanVideo's 480p shape the frames MUSIQ sees equal VBench's resize exactly; an antialiased
    resize (this metric's version 1) differs by whole grey levels."""
    from torchvision import transforms

    rng = np.random.default_rng(1)
    frames = rng.integers(0, 256, (2, 480, 848, 3), dtype=np.uint8)
    ours = Video(frames, 24.0, "480p")
    ours = VideoInputs(ours).frames(ImagingQuality.view)
    images = torch.Tensor(frames).permute(0, 3, 1, 2)
    scale = 512.0 / 848
    theirs = transforms.Resize(size=(int(scale * 480), int(scale * 848)), antialias=False)(images)
    assert ours.shape == (2, 289, 512, 3)
    np.testing.assert_array_equal(ours, theirs.permute(0, 2, 3, 1).numpy())
    antialiased = transforms.Resize(size=(289, 512), antialias=True)(images).permute(0, 2, 3, 1).numpy()
    assert np.abs(antialiased - ours).max() > 10
