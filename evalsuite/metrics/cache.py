"""The feature cache: per-video network features and metric values, keyed by what decides them.

A key is the sha256 of (kind, video sha256, metric or feature id, version, weights hashes, input view,
and the prompt for prompt-dependent metrics), so a changed video, metric version, weight file or view
misses the cache and nothing else does: rerunning after one model's videos change recomputes only
those videos. Entries live in one SQLite file (`<runtime.cache_dir>/features.sqlite`): every write is a
transaction, so a killed run leaves whole entries or none, and several processes can share the file.
Each entry stores a digest of its bytes; an entry that fails to load or to match its digest is logged,
deleted and recomputed.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import sqlite3
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

CACHE_NAME = "features.sqlite"


def cache_key(**parts: object) -> str:
    """A stable key from named parts (sorted-key JSON; dataclasses and tuples via repr)."""
    text = json.dumps(parts, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()


class FeatureCache:
    """Arrays by key, in SQLite. `None` as the folder gives a cache that stores nothing."""

    def __init__(self, folder: str | Path | None):
        self.path = None if folder is None else Path(folder).expanduser() / CACHE_NAME
        self.hits = 0
        self.misses = 0
        self.recovered = 0
        self._db: sqlite3.Connection | None = None
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, kind TEXT, digest TEXT, data BLOB)"
            )

    def get(self, key: str) -> np.ndarray | None:
        if self._db is None:
            self.misses += 1
            return None
        row = self._db.execute("SELECT kind, digest, data FROM entries WHERE key = ?", (key,)).fetchone()
        if row is None:
            self.misses += 1
            return None
        kind, digest, data = row
        try:
            if hashlib.blake2b(data, digest_size=16).hexdigest() != digest:
                raise ValueError("digest mismatch")
            array = np.load(io.BytesIO(data), allow_pickle=False)
        except Exception as err:  # any damage only costs a recomputation
            log.warning("%s: damaged %s entry %s… (%s); recomputing it", self.path, kind, key[:12], err)
            self._db.execute("DELETE FROM entries WHERE key = ?", (key,))
            self.recovered += 1
            self.misses += 1
            return None
        self.hits += 1
        return array

    def put(self, key: str, kind: str, array: np.ndarray) -> None:
        if self._db is None:
            return
        buffer = io.BytesIO()
        np.save(buffer, np.asarray(array), allow_pickle=False)
        data = buffer.getvalue()
        digest = hashlib.blake2b(data, digest_size=16).hexdigest()
        self._db.execute(
            "INSERT OR REPLACE INTO entries (key, kind, digest, data) VALUES (?, ?, ?, ?)",
            (key, kind, digest, data),
        )

    def put_many(self, entries: dict[str, tuple[str, np.ndarray]]) -> None:
        """Several entries (key -> (kind, array)) in one transaction: all or none survive a kill."""
        if self._db is None or not entries:
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            for key, (kind, array) in entries.items():
                self.put(key, kind, array)
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def import_from(self, other: Path) -> int:
        """Copy every entry of another cache file into this one (entries of equal key are equal: keys
        name what decides the bytes); returns the number of entries copied."""
        if self._db is None:
            return 0
        source = sqlite3.connect(f"file:{other}?mode=ro", uri=True)
        try:
            rows = source.execute("SELECT key, kind, digest, data FROM entries").fetchall()
        finally:
            source.close()
        self._db.execute("BEGIN IMMEDIATE")
        self._db.executemany(
            "INSERT OR REPLACE INTO entries (key, kind, digest, data) VALUES (?, ?, ?, ?)", rows
        )
        self._db.execute("COMMIT")
        return len(rows)

    def count(self, kind: str | None = None) -> int:
        if self._db is None:
            return 0
        if kind is None:
            return self._db.execute("SELECT COUNT(*) FROM entries").fetchone()[0]
        return self._db.execute("SELECT COUNT(*) FROM entries WHERE kind = ?", (kind,)).fetchone()[0]

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


class UnitCache:
    """The cache a work unit sees on a worker process: the entries the driver looked up for it, and a
    record of what the unit computed, which the driver alone writes to the run's FeatureCache (so a
    cluster never has several writers on one SQLite file)."""

    path = None

    def __init__(self, entries: dict[str, np.ndarray]):
        self.entries = entries
        self.written: dict[str, tuple[str, np.ndarray]] = {}
        self.hits = 0
        self.misses = 0
        self.recovered = 0

    def get(self, key: str) -> np.ndarray | None:
        found = self.entries.get(key)
        if found is None:
            self.misses += 1
        else:
            self.hits += 1
        return found

    def put(self, key: str, kind: str, array: np.ndarray) -> None:
        self.written[key] = (kind, np.asarray(array))
