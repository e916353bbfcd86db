from __future__ import annotations

import numpy as np
import pytest
import torch
from torchvision.transforms import InterpolationMode
from torchvision.transforms.v2 import functional as tvf

from evalsuite.data import synthetic
from evalsuite.data.video import Video
from evalsuite.data.views import FrameView, apply_view, center_crop_frames, resample_indices, uniform_indices


def test_resample_indices_halving_and_doubling_fps() -> None:
    np.testing.assert_array_equal(resample_indices(8, 24, 12), [0, 2, 4, 6])
    np.testing.assert_array_equal(resample_indices(4, 12, 24), [0, 0, 1, 1, 2, 2, 3, 3])
    np.testing.assert_array_equal(resample_indices(5, 24, 24), [0, 1, 2, 3, 4])


def test_uniform_indices_cover_first_and_last_frame() -> None:
    np.testing.assert_array_equal(uniform_indices(17, 5), [0, 4, 8, 12, 16])
    np.testing.assert_array_equal(uniform_indices(3, 8), [0, 1, 2])


@pytest.mark.parametrize("interpolation", ["bilinear", "bicubic", "nearest"])
@pytest.mark.parametrize("antialias", [False, True])
def test_resize_is_torchvision_on_uint8_tensors(interpolation: str, antialias: bool) -> None:
    """A view must equal what VBench's preprocessing gives: torchvision resize on uint8 tensors."""
    frames = synthetic.noise(3, 40, 60, seed=2)
    out = apply_view(
        Video(frames, 24.0), FrameView(size=32, interpolation=interpolation, antialias=antialias)
    )
    expected = tvf.resize(
        torch.from_numpy(frames).permute(0, 3, 1, 2),
        [32],
        interpolation=InterpolationMode(interpolation),
        antialias=antialias,
    )
    np.testing.assert_array_equal(out, expected.permute(0, 2, 3, 1).numpy())
    assert out.shape == (3, 32, 48, 3) and out.dtype == np.uint8


@pytest.mark.parametrize("interpolation", ["bilinear", "bicubic"])
def test_a_float_view_is_the_whole_float_batch_resized_bit_for_bit(interpolation: str) -> None:
    """Float views convert and resize a few frames at a time (no float32 copy of the whole video at full
    size); the result is torchvision's resize of the whole video as one float32 batch, exactly."""
    from evalsuite.data import views

    frames = synthetic.noise(2 * views.FLOAT_RESIZE_FRAMES + 3, 50, 70, seed=3)
    out = apply_view(Video(frames, 24.0), FrameView(size=24, interpolation=interpolation, as_float=True))
    expected = tvf.resize(
        torch.from_numpy(frames.astype(np.float32)).permute(0, 3, 1, 2),
        [24],
        interpolation=InterpolationMode(interpolation),
        antialias=False,
    )
    np.testing.assert_array_equal(out, expected.permute(0, 2, 3, 1).numpy())
    assert out.dtype == np.float32 and out.shape == (len(frames), 24, 33, 3)


def test_centre_crop_matches_torchvision() -> None:
    frames = synthetic.noise(2, 37, 50, seed=4)
    expected = (
        tvf.center_crop(torch.from_numpy(frames).permute(0, 3, 1, 2), [24, 24]).permute(0, 2, 3, 1).numpy()
    )
    np.testing.assert_array_equal(center_crop_frames(frames, 24), expected)
    with pytest.raises(ValueError, match="larger than the frames"):
        center_crop_frames(frames, 64)


def test_view_steps_compose_in_order() -> None:
    video = Video(synthetic.noise(24, 36, 48, seed=5), 24.0)
    out = apply_view(video, FrameView(fps=8, num_frames=4, size=(18, 24), crop=16))
    assert out.shape == (4, 16, 16, 3)
    assert apply_view(video, FrameView()) is video.frames


def test_bad_view_is_rejected() -> None:
    with pytest.raises(ValueError, match="interpolation"):
        FrameView(interpolation="lanczos")
    with pytest.raises(ValueError, match="fps"):
        FrameView(fps=0)


def test_max_side_shrinks_only_frames_whose_longer_side_exceeds_it() -> None:
    view = FrameView(max_side=512, interpolation="bilinear", antialias=True, as_float=True)
    wide = Video(np.zeros((2, 360, 640, 3), dtype=np.uint8), 24.0, "wide")
    assert apply_view(wide, view).shape == (2, 288, 512, 3)  # (int(0.8 · 360), int(0.8 · 640))
    small = Video(np.zeros((2, 200, 300, 3), dtype=np.uint8), 24.0, "small")
    assert apply_view(small, view).shape == (2, 200, 300, 3)
    with pytest.raises(ValueError, match="max_side must be >= 1 and excludes size"):
        FrameView(max_side=512, size=224)
