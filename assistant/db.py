"""Opening the project's SQLite files (registry, embedding cache, accounts, audit log) one way."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def open_database(path: Path, schema: str, synchronous: str | None = None) -> sqlite3.Connection:
    """A WAL-mode connection usable from any thread (callers serialise writes), schema applied.

    ``synchronous`` (``"NORMAL"``/``"FULL"``) overrides SQLite's default where durability matters
    differently; autocommit mode, explicit transactions where needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    if synchronous:
        db.execute(f"PRAGMA synchronous={synchronous}")
    db.executescript(schema)
    return db
