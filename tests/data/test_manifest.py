from __future__ import annotations

from pathlib import Path

import pytest

from evalsuite.data.manifest import COLUMNS, Manifest, ManifestRow
from evalsuite.errors import ManifestError


def _row(prompt_id: str, status: str = "ok", video: str | None = None, seed: int | None = 0) -> ManifestRow:
    return ManifestRow(
        run_id="r",
        model="m",
        prompt_id=prompt_id,
        prompt=f"prompt {prompt_id}",
        seed=seed,
        video_path=video,
        sha256="ab" * 32,
        frames=17,
        fps=24.0,
        width=64,
        height=48,
        config_hash="c",
        code_version="v",
        status=status,
    )


@pytest.mark.parametrize("suffix", [".parquet", ".jsonl"])
def test_round_trip_and_upsert(tmp_path: Path, suffix: str) -> None:
    manifest = Manifest(tmp_path / f"manifest{suffix}")
    manifest.upsert([_row("a", video=str(tmp_path / "videos" / "a.mp4")), _row("b", status="failed")])
    manifest.save()
    loaded = Manifest.load(tmp_path / f"manifest{suffix}")
    assert list(loaded.table.columns) == COLUMNS
    assert loaded.table["prompt_id"].tolist() == ["a", "b"]
    assert loaded.table.loc[0, "video_path"] == str(Path("videos") / "a.mp4")  # relative to the manifest
    assert loaded.resolve(loaded.table.loc[0, "video_path"]) == tmp_path / "videos" / "a.mp4"
    loaded.upsert([_row("b")])  # the failed row is replaced, not duplicated
    assert len(loaded) == 2 and loaded.finished("m") == {("a", 0), ("b", 0)}
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp files left


def test_rows_differing_only_in_seed_are_kept_apart(tmp_path: Path) -> None:
    manifest = Manifest(tmp_path / "m.parquet")
    manifest.upsert([_row("a", seed=0), _row("a", seed=1)])
    manifest.upsert([_row("a", seed=1)])
    assert sorted(manifest.table["seed"].tolist()) == [0, 1]


def test_unreadable_or_foreign_manifest(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="manifest not found"):
        Manifest.load(tmp_path / "missing.parquet")
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 garbage")
    with pytest.raises(ManifestError, match=r"broken.parquet: cannot read the manifest"):
        Manifest.load(broken)
    foreign = tmp_path / "foreign.jsonl"
    foreign.write_text('{"a": 1}\n')
    with pytest.raises(ManifestError, match="not a run manifest"):
        Manifest.load(foreign)
    with pytest.raises(ManifestError, match=r"\.parquet or \.jsonl"):
        Manifest(tmp_path / "m.csv")
