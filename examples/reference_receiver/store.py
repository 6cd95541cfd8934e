"""SQLite storage for received callbacks, idempotent on redelivery.

A callback is stored once per distinct payload: its digest (SHA-256 of the body as
canonical JSON, without ``apiKey``) is the primary key, so a redelivered callback is
recognised and not stored twice. The API key is never stored.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["CallbackStore", "StoredCallback"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS callbacks (
    digest      TEXT PRIMARY KEY,
    endpoint    TEXT NOT NULL,
    subject_id  TEXT,
    body        TEXT NOT NULL,
    received_at TEXT NOT NULL,
    deliveries  INTEGER NOT NULL DEFAULT 1
)
"""


@dataclass(frozen=True)
class StoredCallback:
    endpoint: str
    subject_id: str | None
    body: dict[str, Any]
    deliveries: int


def digest_of(body: dict[str, Any]) -> str:
    canonical = {k: v for k, v in body.items() if k != "apiKey"}
    text = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class CallbackStore:
    """Callbacks in one SQLite file (``":memory:"`` for a throwaway store)."""

    def __init__(self, path: str | Path) -> None:
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        with self._lock, self._db:
            self._db.execute(_SCHEMA)

    def add(self, endpoint: str, subject_id: str | None, body: dict[str, Any]) -> bool:
        """Store ``body``; False when this exact payload was stored before (a redelivery)."""
        digest = digest_of(body)
        stored = {k: v for k, v in body.items() if k != "apiKey"}
        now = datetime.now(UTC).isoformat()
        with self._lock, self._db:
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO callbacks (digest, endpoint, subject_id, body, received_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (digest, endpoint, subject_id, json.dumps(stored, ensure_ascii=False), now),
            )
            if cursor.rowcount == 0:
                self._db.execute(
                    "UPDATE callbacks SET deliveries = deliveries + 1 WHERE digest = ?", (digest,)
                )
                return False
        return True

    def all(self) -> list[StoredCallback]:
        with self._lock:
            rows = self._db.execute(
                "SELECT endpoint, subject_id, body, deliveries FROM callbacks ORDER BY rowid"
            ).fetchall()
        return [StoredCallback(e, s, json.loads(b), d) for e, s, b, d in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()
