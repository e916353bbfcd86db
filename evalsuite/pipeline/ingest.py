"""Stage 2 for videos made elsewhere: ingest a folder of videos into the run manifest.

This is how any system's videos (a baseline's, a competitor's, an older checkpoint's) enter the suite.
Each prompt of the prompt set becomes one manifest row: `ok` with the video's hash, size and frame
count; `missing` when the folder has no video for it; `failed` with the reason when the file is
unreadable or ambiguous. One bad file never stops the run.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from evalsuite.config.schema import VideosDirModelConfig
from evalsuite.data.manifest import STATUS_FAILED, STATUS_MISSING, Manifest, row_for_prompt
from evalsuite.data.prompt_sets import PromptSet, sha256_file, sha256_files
from evalsuite.data.synthetic import synthesize_test_videos
from evalsuite.data.video import CONTAINER_SUFFIXES, IMAGE_SUFFIXES, probe_video
from evalsuite.errors import ConfigError, SuiteError

log = logging.getLogger(__name__)


def video_sha256(path: Path) -> str:
    """sha256 of a video file; for a folder of frames, of its sorted (name, file hash) list."""
    if path.is_file():
        return sha256_file(path)
    return sha256_files(path, (p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES))


def index_folder(folder: Path) -> dict[str, list[Path]]:
    """Video candidates in `folder` by name stem: container files and sub-folders of frame images."""
    found: dict[str, list[Path]] = {}
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        is_video = entry.is_file() and entry.suffix.lower() in CONTAINER_SUFFIXES
        is_frames = entry.is_dir() and any(p.suffix.lower() in IMAGE_SUFFIXES for p in entry.iterdir())
        if is_video or is_frames:
            found.setdefault(entry.stem if is_video else entry.name, []).append(entry)
    return found


def read_mapping(mapping_csv: Path, folder: Path) -> dict[str, list[Path]]:
    if not mapping_csv.is_file():
        raise ConfigError(f"model.mapping_csv={mapping_csv}: file not found")
    table = pd.read_csv(mapping_csv, dtype=str, keep_default_na=False)
    video_col = next((c for c in ("video", "video_path", "path", "file") if c in table.columns), None)
    if "prompt_id" not in table.columns or video_col is None:
        raise ConfigError(
            f"{mapping_csv}: a mapping CSV needs columns prompt_id and video; it has {list(table.columns)}"
        )
    dup = table["prompt_id"][table["prompt_id"].duplicated()].unique().tolist()
    if dup:
        raise ConfigError(
            f"{mapping_csv}: prompt ids {dup[:5]} are mapped more than once: map each prompt to one video"
        )
    return {
        pid: [(folder / p) if not Path(p).is_absolute() else Path(p)]
        for pid, p in zip(table["prompt_id"], table[video_col], strict=True)
    }


def ingest_videos_dir(
    cfg: VideosDirModelConfig,
    prompt_set: PromptSet,
    manifest: Manifest,
    *,
    run_id: str,
    config_hash: str,
    code_version: str,
    progress: bool = True,
) -> Manifest:
    folder = Path(cfg.dir).expanduser()
    prompt_ids = prompt_set.table["prompt_id"].tolist()
    if cfg.synthesize:
        synthesize_test_videos(prompt_ids, folder, flicker=cfg.synthetic_flicker)
    if not folder.is_dir():
        raise ConfigError(
            f"model.dir={folder}: folder not found; point model.dir at the folder holding the videos"
        )
    candidates = (
        read_mapping(Path(cfg.mapping_csv).expanduser(), folder) if cfg.mapping_csv else index_folder(folder)
    )

    unmatched = sorted(set(candidates) - set(prompt_ids))
    if unmatched:
        log.warning(
            "%s: %d video(s) match no prompt id of '%s' and are ignored (e.g. %s)",
            folder,
            len(unmatched),
            prompt_set.name,
            unmatched[:3],
        )

    rows = []
    bar = tqdm(
        prompt_set.table.itertuples(index=False),
        total=len(prompt_set),
        desc=f"ingest {cfg.name}",
        unit="video",
        disable=not progress,
    )
    for prompt in bar:
        start = time.perf_counter()
        row = row_for_prompt(
            prompt,
            run_id=run_id,
            model=cfg.name,
            seed=None,
            config_hash=config_hash,
            code_version=code_version,
        )
        paths = candidates.get(prompt.prompt_id, [])
        if not paths:
            rows.append(
                row(status=STATUS_MISSING, error=f"no video named {prompt.prompt_id}.<ext> in {folder}")
            )
            continue
        if len(paths) > 1:
            names = ", ".join(p.name for p in paths)
            rows.append(row(status=STATUS_FAILED, error=f"ambiguous: {names} all match; keep one"))
            continue
        path = paths[0]
        try:
            info = probe_video(path, frames_fps=cfg.frames_fps)
            digest = video_sha256(path)
        except SuiteError as err:
            rows.append(row(video_path=str(path), status=STATUS_FAILED, error=str(err)))
            continue
        rows.append(
            row(
                video_path=str(path),
                sha256=digest,
                frames=info.frames,
                fps=info.fps,
                width=info.width,
                height=info.height,
                ingest_seconds=time.perf_counter() - start,
            )
        )
    manifest.upsert(rows)
    manifest.save()
    bad = [r for r in rows if r.status != "ok"]
    if bad:
        log.warning(
            "%d of %d prompts have no usable video (see the manifest's status/error columns); first: %s",
            len(bad),
            len(rows),
            bad[0].error,
        )
    return manifest
