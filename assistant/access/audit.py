"""The audit log: who added, replaced, edited, deleted or re-indexed what, and when.

Append-only: the class has no update or delete method, and SQLite triggers refuse UPDATE and
DELETE on the table, so even a direct SQL statement cannot rewrite history.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from assistant.index.db import open_database

ACTIONS = ("add", "replace", "edit", "delete", "reindex", "user_add", "user_remove", "user_passwd", "user_disable",
           "user_enable")
ACTION_LABELS = {
    "add": "新增",
    "replace": "替换",
    "edit": "修改",
    "delete": "删除",
    "reindex": "重建索引",
    "user_add": "添加账号",
    "user_remove": "删除账号",
    "user_passwd": "修改密码",
    "user_disable": "停用账号",
    "user_enable": "启用账号",
}

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '{}'
);
CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
"""


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: float
    actor: str
    action: str
    target: str
    detail: dict = field(default_factory=dict)

    @property
    def when(self) -> str:
        return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.at))

    def to_json(self) -> dict:
        return {"id": self.id, "at": self.when, "actor": self.actor, "action": self.action, "target": self.target,
                "detail": self.detail}


class AuditLog:
    def __init__(self, path: Path, clock: Callable[[], float] = time.time):
        self.path = path
        self.clock = clock
        self._lock = threading.Lock()
        self.db = open_database(path, SCHEMA, synchronous="FULL")

    def close(self) -> None:
        self.db.close()

    def record(self, actor: str, action: str, target: str, **detail) -> None:
        if action not in ACTIONS:
            raise ValueError(f"unknown audit action {action!r}")
        with self._lock:
            self.db.execute("INSERT INTO events(at, actor, action, target, detail) VALUES(?,?,?,?,?)",
                            (self.clock(), actor, action, target, json.dumps(detail, ensure_ascii=False)))

    def entries(self, limit: int | None = 100) -> list[AuditEntry]:
        """The newest ``limit`` entries (all when None), newest first."""
        sql = "SELECT id, at, actor, action, target, detail FROM events ORDER BY id DESC"
        args: tuple = ()
        if limit is not None:
            sql += " LIMIT ?"
            args = (int(limit),)
        with self._lock:
            rows = self.db.execute(sql, args).fetchall()
        return [AuditEntry(r[0], r[1], r[2], r[3], r[4], json.loads(r[5])) for r in rows]
