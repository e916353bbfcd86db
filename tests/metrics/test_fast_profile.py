"""The fast profile (evalsuite/metrics/fast.py): the twins are the exact formula on every k-th frame, the
profile swaps them in and turns bf16 autocast on only where the CPU computes bf16 natively (otherwise one
line says so), and no fast value shares a cache entry with an exact one."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from benchmarks.test_bench_memory import VBENCH_SEVEN

from evalsuite.config import compose
from evalsuite.errors import ConfigError
from evalsuite.metrics import METRICS
from evalsuite.metrics.cache import FeatureCache
from evalsuite.metrics.engine import MetricEngine, VideoJob
from evalsuite.metrics.fast import FAST_TWINS, resolve_profile
from evalsuite.metrics.features import NetworkPool
from metrics.networks import clip_test_videos, registry_with, write_tiny_weights


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fast")
    registry = registry_with(write_tiny_weights(folder / "weights"), folder / "cache")
    jobs = [VideoJob(str(p), p.name, prompt) for p, prompt in clip_test_videos(folder / "videos")]
    return registry, jobs


def values(registry, jobs, names, cache=None, autocast=None) -> dict:
    pool = NetworkPool(registry, autocast=autocast)
    engine = MetricEngine([METRICS[n]() for n in names], pool, cache or FeatureCache(None))
    return {(j.sha256, r.metric): r.value for j, rs in zip(jobs, engine.run(jobs), strict=True) for r in rs}


def test_exact_is_the_default_and_changes_nothing() -> None:
    assert compose().metrics.profile == "exact"
    profile = resolve_profile(VBENCH_SEVEN, "exact", "cpu")
    assert profile.names == VBENCH_SEVEN and profile.autocast is None and not profile.notes
    with pytest.raises(ConfigError, match=r"metrics\.profile"):
        compose(["metrics.profile=quick"])


@pytest.mark.parametrize("native", [True, False])
def test_fast_swaps_in_the_twins_and_uses_bf16_only_where_native(monkeypatch, native: bool) -> None:
    monkeypatch.setattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: native)
    profile = resolve_profile(VBENCH_SEVEN, "fast", "cpu")
    assert profile.names == [FAST_TWINS.get(n, n) for n in VBENCH_SEVEN]
    assert "aesthetic_quality_fast" in profile.names and "subject_consistency" in profile.names
    (note,) = profile.notes
    assert len(note.splitlines()) == 1 and "`aesthetic_quality_fast` (one frame in 2)" in note
    if native:
        assert profile.autocast == torch.bfloat16 and "bfloat16 autocast" in note
    else:
        assert profile.autocast is None and "no native bf16" in note and "fp32" in note
    assert resolve_profile(["aesthetic_quality"], "fast", "cuda").autocast == torch.float16


def test_twins_are_the_exact_formula_on_every_kth_frame(setup) -> None:
    registry, jobs = setup
    pool = NetworkPool(registry)
    ours = values(registry, jobs, ["aesthetic_quality_fast", "imaging_quality_fast"])
    exact_engine = MetricEngine([METRICS["aesthetic_quality"]()], pool, FeatureCache(None))
    head = pool.get("laion_aesthetic_l14")
    for job in jobs:
        features = next(exact_engine.video_features([job], ["clip_vit_l14_image"]))["clip_vit_l14_image"]
        every = METRICS["aesthetic_quality_fast"].every
        subsampled = torch.nn.functional.normalize(torch.from_numpy(features[::every]).float(), dim=-1)
        with torch.no_grad():
            expected = float(np.mean(head(subsampled).squeeze(-1).numpy() / 10.0))
        assert ours[(job.sha256, "aesthetic_quality_fast")] == pytest.approx(expected, rel=1e-6)
    assert METRICS["imaging_quality_fast"].view.every == METRICS["imaging_quality_fast"].every
    assert METRICS["aesthetic_quality_fast"].vbench_dimension is None  # never VBench's number


def test_fast_values_never_share_cache_entries_with_exact(setup, tmp_path) -> None:
    registry, jobs = setup
    cache = FeatureCache(tmp_path / "cache")
    exact = values(registry, jobs, ["aesthetic_quality", "background_consistency"], cache)
    entries = cache.count()
    values(registry, jobs, ["aesthetic_quality", "background_consistency"], cache)
    assert cache.count() == entries  # an exact rerun is all hits
    fast = values(registry, jobs, ["aesthetic_quality", "background_consistency"], cache, torch.bfloat16)
    assert cache.count() == 2 * entries  # autocast: every feature and value a new entry
    twins = values(registry, jobs, ["aesthetic_quality_fast"], cache)
    assert cache.count() > 2 * entries
    for job in jobs:
        for name in ("aesthetic_quality", "background_consistency"):
            assert fast[(job.sha256, name)] == pytest.approx(exact[(job.sha256, name)], rel=0.05, abs=0.02)
        assert (job.sha256, "aesthetic_quality_fast") in twins


def test_under_autocast_clip_holds_its_block_matrices_once_in_bf16() -> None:
    """Autocast would cast the fp16-held matrices at every call and keep a second copy in its cache
    (0.6 GB for L/14): under the fast profile they are cast to bf16 once, at load, with no hooks."""
    from evalsuite.networks.clip import load_clip

    torch.manual_seed(0)
    exact = load_clip(None, "clip_vit_b32").model
    torch.manual_seed(0)
    fast = load_clip(None, "clip_vit_b32", autocast=torch.bfloat16).model
    for held, kept in zip(fast.transformer.resblocks, exact.transformer.resblocks, strict=True):
        assert not held._forward_pre_hooks and kept._forward_pre_hooks
        for (name, a), b in zip(held.named_parameters(), kept.parameters(), strict=True):
            if b.dtype == torch.float16:  # OpenAI's matrices: the same values, rounded once to bf16
                assert a.dtype == torch.bfloat16 and torch.equal(a, b.to(torch.bfloat16)), name
            else:
                assert torch.equal(a, b), name
    images = torch.rand(4, 3, 224, 224)
    with torch.no_grad():
        reference = exact(images)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            features = fast(images).float()
    cosine = torch.nn.functional.cosine_similarity(features, reference)
    assert cosine.min() > 0.999


def test_correlation_volumes_stay_fp32_under_autocast() -> None:
    """RAFT's and AMT's all-pairs correlations are built and looked up in fp32 under autocast (the
    authors' own mixed precision builds RAFT's that way): no bf16 volume to cast back at each lookup."""
    from evalsuite.networks.amt import BidirectionalCorrelation
    from evalsuite.networks.raft import load_raft

    raft = load_raft(None).eval()
    frames = torch.rand(2, 3, 128, 128) * 2 - 1
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        raft(frames[:1], frames[1:], num_flow_updates=1)
        fmap = torch.rand(1, 16, 16, 16, dtype=torch.bfloat16)
        amt = BidirectionalCorrelation(fmap, fmap)
    assert {level.dtype for level in raft.corr_block.corr_pyramid} == {torch.float32}
    assert {v.dtype for pyramid in amt.pyramids for v in pyramid} == {torch.float32}


def test_networks_measured_off_target_stay_fp32_in_the_fast_profile(setup, monkeypatch) -> None:
    """EfficientNet-Lite0 missed the ρ target under bf16 on real weights: the fast profile runs it in
    fp32 (same values and cache keys as exact), says so in its note, and autocasts the rest."""
    from evalsuite.metrics.precision import KEPT_IN_FP32

    registry, jobs = setup
    assert "efficientnet_lite0" in KEPT_IN_FP32
    pool = NetworkPool(registry, autocast=torch.bfloat16)
    for network in ("efficientnet_lite0", "laion_aesthetic_l14"):  # the head: bf16 would round its rating
        with pool.autocast(network):
            assert not torch.is_autocast_enabled("cpu")
    with pool.autocast("clip_vit_b32"):
        assert torch.is_autocast_enabled("cpu")
    with pool.autocast("clip_vit_b32", "efficientnet_lite0"):  # a metric reading both: fp32
        assert not torch.is_autocast_enabled("cpu")
    assert pool.weights_id("efficientnet_lite0") == NetworkPool(registry).weights_id("efficientnet_lite0")
    assert pool.weights_id("clip_vit_b32").endswith("+autocast-bfloat16")
    names = ["feature_consistency_effnet_lite0"]
    assert values(registry, jobs, names, autocast=torch.bfloat16) == values(registry, jobs, names)
    monkeypatch.setattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: True)
    (note,) = resolve_profile([*names, "subject_consistency"], "fast", "cpu").notes
    assert "efficientnet_lite0 kept in fp32" in note
    (note,) = resolve_profile(["subject_consistency"], "fast", "cpu").notes
    assert "kept in fp32" not in note
