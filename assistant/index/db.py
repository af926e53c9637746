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


class Transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` (``ROLLBACK`` on error): the file's write lock for the block."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type, exc, tb) -> bool:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")
        return False
