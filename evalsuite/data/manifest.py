"""The run manifest: one row per generated or ingested video, the contract between stages.

Whatever made the videos (the HunyuanVideo generator, or any other system whose folder of videos is
ingested), the later stages only read this table. It is written atomically (temp file + rename) as
Parquet or JSONL, chosen by the file suffix, after every change, so a crash never loses finished rows.

Video paths are stored relative to the manifest's folder when they lie inside it, so a run folder can
be moved or copied whole.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, fields
from functools import partial
from pathlib import Path

import pandas as pd

from evalsuite.data.atomic import atomic_path
from evalsuite.errors import ManifestError

STATUS_OK = "ok"
STATUS_FAILED = "failed"
STATUS_MISSING = "missing"
STATUSES = (STATUS_OK, STATUS_FAILED, STATUS_MISSING)


@dataclass
class ManifestRow:
    """One video. The video fields stay None for a `missing` or `failed` row, whose `error` says why."""

    run_id: str
    model: str
    prompt_id: str
    prompt: str
    seed: int | None
    config_hash: str
    code_version: str
    video_path: str | None = None
    sha256: str | None = None
    frames: int | None = None
    fps: float | None = None
    width: int | None = None
    height: int | None = None
    status: str = STATUS_OK
    error: str | None = None
    category: str | None = None
    generate_seconds: float | None = None
    ingest_seconds: float | None = None
    prompt_used: str | None = None  # the prompt the model was given, when a rewrite changed it
    rewrite_status: str | None = None  # rewritten | cached | fallback (the original prompt was used)
    created_at: str = field(default_factory=lambda: pd.Timestamp.now(tz="UTC").isoformat(timespec="seconds"))


def row_for_prompt(prompt, *, run_id: str, model: str, seed: int | None, config_hash: str, code_version: str):
    """A ManifestRow constructor with the prompt's fields filled in (`prompt` is a row of a PromptSet's
    table); the caller adds the video fields or the status and error."""
    category = None if pd.isna(prompt.category) else str(prompt.category)
    return partial(
        ManifestRow, run_id=run_id, model=model, prompt_id=prompt.prompt_id, prompt=prompt.prompt, seed=seed,
        config_hash=config_hash, code_version=code_version, category=category,
    )  # fmt: skip


COLUMNS = [f.name for f in fields(ManifestRow)]
# Columns added after the first manifests were written: older files lack them and load with nulls.
OPTIONAL_COLUMNS = ("category", "generate_seconds", "ingest_seconds", "prompt_used", "rewrite_status")
KEY = ["model", "prompt_id", "seed"]


class Manifest:
    """A manifest table bound to its file; `upsert` replaces rows with the same (model, prompt_id, seed)."""

    def __init__(self, path: str | Path, table: pd.DataFrame | None = None):
        self.path = Path(path)
        if self.path.suffix not in (".parquet", ".jsonl"):
            raise ManifestError(f"{self.path}: manifest files end in .parquet or .jsonl")
        self.table = (
            table if table is not None else pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})
        )

    @classmethod
    def load(cls, path: str | Path) -> Manifest:
        path = Path(path)
        if not path.is_file():
            raise ManifestError(
                f"{path}: manifest not found; run the generation stage first (hyvideo-generate)"
            )
        try:
            table = (
                pd.read_parquet(path)
                if path.suffix == ".parquet"
                else pd.read_json(path, lines=True, dtype=False)
            )
        except Exception as err:  # pyarrow and pandas raise many types for a damaged file
            raise ManifestError(
                f"{path}: cannot read the manifest ({type(err).__name__}: {str(err).splitlines()[0]}); delete it to rebuild the run"
            ) from err
        missing = [c for c in COLUMNS if c not in table.columns and c not in OPTIONAL_COLUMNS]
        if missing:
            raise ManifestError(f"{path}: not a run manifest (missing columns {missing})")
        for column in COLUMNS:
            if column not in table.columns:
                table[column] = None
        return cls(path, table[COLUMNS + [c for c in table.columns if c not in COLUMNS]])

    @classmethod
    def load_or_new(cls, path: str | Path) -> Manifest:
        return cls.load(path) if Path(path).is_file() else cls(path)

    def __len__(self) -> int:
        return len(self.table)

    def rows(self, status: str | None = None) -> pd.DataFrame:
        return self.table if status is None else self.table[self.table["status"] == status]

    def finished(self, model: str) -> set[tuple[str, int | None]]:
        """(prompt_id, seed) pairs of this model with a finished video."""
        ok = self.table[(self.table["model"] == model) & (self.table["status"] == STATUS_OK)]
        return {(p, None if pd.isna(s) else int(s)) for p, s in zip(ok["prompt_id"], ok["seed"], strict=True)}

    def upsert(self, rows: list[ManifestRow]) -> None:
        if not rows:
            return
        new = pd.DataFrame([self._relativise(asdict(r)) for r in rows], columns=COLUMNS)
        table = self.table if not self.table.empty else None
        if table is not None:
            key_new = set(map(tuple, new[KEY].astype(str).to_numpy()))
            keep = ~table[KEY].astype(str).apply(tuple, axis=1).isin(key_new)
            new = pd.concat([table[keep], new], ignore_index=True)
        self.table = new.reset_index(drop=True)

    def save(self) -> Path:
        with atomic_path(self.path) as tmp:
            if self.path.suffix == ".parquet":
                self.table.to_parquet(tmp, index=False)
            else:
                self.table.to_json(tmp, orient="records", lines=True, force_ascii=False)
        return self.path

    def resolve(self, video_path: str | None) -> Path | None:
        """Absolute path of a manifest row's video."""
        if video_path is None or (isinstance(video_path, float) and pd.isna(video_path)):
            return None
        path = Path(video_path)
        return path if path.is_absolute() else (self.path.parent / path)

    def _relativise(self, row: dict) -> dict:
        if row.get("video_path"):
            path = Path(row["video_path"]).absolute()
            base = self.path.parent.absolute()
            if path.is_relative_to(base):
                row["video_path"] = os.path.relpath(path, base)
            else:
                row["video_path"] = str(path)
        return row
