from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from evalsuite.config import compose
from evalsuite.data import synthetic
from evalsuite.data.manifest import Manifest
from evalsuite.data.video import write_video
from evalsuite.metrics.temporal_flickering import TemporalFlickering
from evalsuite.pipeline.run import run_eval, run_generation

SYNTHETIC = ["model=synthetic_videos", "runtime.progress=false", "metrics.names=[temporal_flickering]"]


def test_synthetic_videos_run_end_to_end(run_dir: Path) -> None:
    result = run_eval(compose([*SYNTHETIC, "metrics.names=[temporal_flickering,dynamic_degree_dis]"]))
    out = run_dir / "reports" / "synthetic-test-videos__embedded"
    assert result.paths.output_dir.resolve() == out
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [
            "config.yaml",
            "manifest.parquet",
            "scores.parquet",
            "scores.csv",
            "summary.csv",
            "by_category.csv",
            "failures.csv",
            "vbench_normalised.csv",  # temporal flickering is a VBench dimension
            "report.md",
            "report.html",
            "run.json",  # the run's identity, read by `hyvideo-eval compare`
            "prompts.csv",  # the prompts it scored, with their axes
            "synthetic_test_videos",
        ]
    )
    assert sorted(p.name for p in run_dir.iterdir()) == ["reports"]  # nothing outside the output folder

    manifest = Manifest.load(out / "manifest.parquet").table
    assert len(manifest) == 24 and (manifest["status"] == "ok").all()
    assert manifest["sha256"].str.len().eq(64).all() and (manifest["frames"] == 17).all()
    assert set(manifest["category"]) == {
        "static_scene",
        "strong_motion",
        "people",
        "animals",
        "camera_move",
        "style",
    }

    scores = pd.read_parquet(out / "scores.parquet")
    assert len(scores) == 48 and (scores["status"] == "ok").all()
    flicker = scores[scores["metric"] == "temporal_flickering"].set_index("prompt_id")["value"]
    assert flicker["static-01"] == 1.0  # the 1st video gets the static pattern
    assert flicker["motion-01"] == 0.0  # the 5th, alternating black and white frames
    dynamic = scores[scores["metric"] == "dynamic_degree_dis"].set_index("prompt_id")["value"]
    assert dynamic["static-01"] == 0.0 and dynamic["people-01"] == 1.0  # static; the moving disk (3rd)

    report = (out / "report.md").read_text()
    assert report.startswith("> **The videos of this run are synthetic test patterns made by the suite")
    assert "| synthetic-test-videos | temporal_flickering |" in report
    assert "## VBench-normalised scores" in report and "quality score (partial: 1 of 7 dimensions)" in report
    summary = pd.read_csv(out / "summary.csv")
    assert (
        summary.loc[0, "n_ok"] == 24
        and summary.loc[0, "ci95_low"] <= summary.loc[0, "mean"] <= summary.loc[0, "ci95_high"]
    )


def test_limit_subsets_prompts(run_dir: Path) -> None:
    result = run_eval(compose([*SYNTHETIC, "prompts.limit=6"]))
    assert len(result.scores) == 6 and result.scores["category"].nunique() == 6


def test_rerun_reuses_scores_and_recomputes_changed_videos(
    run_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = compose([*SYNTHETIC, "prompts.limit=6"])
    first = run_eval(cfg)
    calls: list[int] = []
    original = TemporalFlickering.score
    monkeypatch.setattr(
        TemporalFlickering, "score", lambda self, frames: calls.append(len(frames)) or original(self, frames)
    )
    second = run_eval(cfg)
    assert calls == [] and second.scores["value"].tolist() == first.scores["value"].tolist()
    # Change one video: only that one is scored again.
    video_dir = first.paths.output_dir / "synthetic_test_videos"
    victim = first.scores["prompt_id"].iloc[0]
    write_video(video_dir / f"{victim}.mp4", synthetic.alternate(9, 64, 96))
    third = run_eval(cfg)
    assert calls == [9]
    assert third.scores.set_index("prompt_id").loc[victim, "value"] == 0.0


IDS = ["static-01", "motion-01", "people-01", "animal-01", "camera-01", "style-01"]


@pytest.fixture
def six_prompts(tmp_path: Path) -> list[str]:
    """Overrides selecting a prompt file with the ids in IDS."""
    path = tmp_path / "six.csv"
    path.write_text("prompt_id,prompt\n" + "".join(f"{i},A prompt for {i}\n" for i in IDS))
    return [
        "prompts=file",
        f"prompts.path={path}",
        "prompts.name=six",
        "runtime.progress=false",
        "metrics.names=[temporal_flickering]",
    ]


def _user_videos(folder: Path, prompt_ids: list[str]) -> None:
    folder.mkdir(parents=True)
    for i, prompt_id in enumerate(prompt_ids):
        write_video(folder / f"{prompt_id}.mp4", synthetic.translate(9, 32, 48, seed=i))


def test_videos_dir_records_bad_videos_and_carries_on(
    run_dir: Path, tmp_path: Path, six_prompts: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    videos = tmp_path / "baseline_videos"
    _user_videos(videos, IDS[:3])
    (videos / "animal-01.mp4").write_bytes(b"\x00" * 100)  # corrupt: not a container
    (videos / "camera-01.mp4").write_bytes(b"")  # empty
    good = (videos / "people-01.mp4").read_bytes()
    (videos / "people-01.mp4").write_bytes(good[: len(good) // 2])  # truncated
    (videos / "unrelated.mp4").write_bytes(good)  # matches no prompt
    # style-01 has no video at all
    cfg = compose(["model=videos_dir", "model.name=baseline", f"model.dir={videos}", *six_prompts])
    result = run_eval(cfg)

    manifest = result.manifest.table.set_index("prompt_id")
    assert manifest.loc["static-01", "status"] == "ok" and manifest.loc["motion-01", "status"] == "ok"
    assert (
        manifest.loc["style-01", "status"] == "missing"
        and "no video named style-01" in manifest.loc["style-01", "error"]
    )
    assert (
        manifest.loc["animal-01", "status"] == "failed"
        and "animal-01.mp4: not a readable video container" in manifest.loc["animal-01", "error"]
    )
    assert (
        manifest.loc["camera-01", "status"] == "failed"
        and "file is empty" in manifest.loc["camera-01", "error"]
    )
    assert "match no prompt id" in caplog.text and "unrelated" in caplog.text

    scores = result.scores.set_index("prompt_id")
    assert scores.loc["static-01", "status"] == "ok" and scores.loc["motion-01", "status"] == "ok"
    # The truncated file opens (its header survives) but fails to decode: recorded when scoring.
    assert (
        scores.loc["people-01", "status"] == "failed" and "people-01.mp4" in scores.loc["people-01", "error"]
    )
    assert set(scores.loc[["animal-01", "camera-01", "style-01"], "status"]) == {"failed", "missing"}
    report = (result.paths.output_dir / "report.md").read_text()
    assert "## Failures" in report and "animal-01" in report and "synthetic test patterns" not in report
    assert pd.read_csv(result.paths.output_dir / "summary.csv").loc[0, "n_failed"] == 4


def test_videos_dir_with_mapping_csv_and_frame_folders(
    run_dir: Path, tmp_path: Path, six_prompts: list[str]
) -> None:
    videos = tmp_path / "other_system"
    _user_videos(videos, ["clip_a"])
    frames_dir = videos / "frames_b"
    frames_dir.mkdir()
    from PIL import Image

    for i, frame in enumerate(synthetic.static(4, 32, 48)):
        Image.fromarray(frame).save(frames_dir / f"{i:02d}.png")
    mapping = tmp_path / "mapping.csv"
    mapping.write_text("prompt_id,video\nstatic-01,clip_a.mp4\nmotion-01,frames_b\n")
    cfg = compose(
        [
            "model=videos_dir",
            "model.name=other",
            f"model.dir={videos}",
            f"model.mapping_csv={mapping}",
            *six_prompts,
        ]
    )
    result = run_eval(cfg)
    ok = result.scores[result.scores["status"] == "ok"].set_index("prompt_id")
    assert sorted(ok.index) == ["motion-01", "static-01"]
    assert ok.loc["motion-01", "value"] == 1.0  # the static frame folder
    manifest = result.manifest.table.set_index("prompt_id")
    assert manifest.loc["motion-01", "frames"] == 4 and manifest.loc["motion-01", "fps"] == 24.0


def test_ingest_errors_for_a_bad_folder_or_mapping(run_dir: Path, tmp_path: Path) -> None:
    from evalsuite.errors import ConfigError

    with pytest.raises(ConfigError, match=r"model.dir=.*folder not found"):
        run_generation(
            compose(
                [
                    "model=videos_dir",
                    "model.name=x",
                    f"model.dir={tmp_path / 'nope'}",
                    "runtime.progress=false",
                ]
            )
        )
    bad_map = tmp_path / "map.csv"
    bad_map.write_text("prompt,file\na,b\n")
    (tmp_path / "v").mkdir()
    with pytest.raises(ConfigError, match="needs columns prompt_id and video"):
        run_generation(
            compose(
                [
                    "model=videos_dir",
                    "model.name=x",
                    f"model.dir={tmp_path / 'v'}",
                    f"model.mapping_csv={bad_map}",
                    "runtime.progress=false",
                ]
            )
        )


def test_ambiguous_videos_are_failed_not_guessed(
    run_dir: Path, tmp_path: Path, six_prompts: list[str]
) -> None:
    videos = tmp_path / "v"
    _user_videos(videos, ["static-01"])
    shutil.copy(videos / "static-01.mp4", videos / "static-01.mkv")
    _, manifest, _ = run_generation(
        compose(["model=videos_dir", "model.name=x", f"model.dir={videos}", *six_prompts])
    )
    row = manifest.table.set_index("prompt_id").loc["static-01"]
    assert row["status"] == "failed" and "ambiguous" in row["error"]
