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
