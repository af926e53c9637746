"""Members' verdicts on answers: 赞同 / 不赞同 with an optional reason, kept for staff.

Each record is self-contained — question, answer text, cited sources, user and time are copied
in — so it survives the member deleting the conversation. One verdict per user and answer: a
second one replaces the first.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from assistant.index.db import open_database

RATINGS = {"up": "赞同", "down": "不赞同"}
REASONS = ("答非所问", "依据不对", "信息过时", "其他")

SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    turn_id INTEGER NOT NULL,
    user TEXT NOT NULL,
    rating TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    comment TEXT NOT NULL DEFAULT '',
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    refused INTEGER NOT NULL,
    sources TEXT NOT NULL DEFAULT '[]',
    at REAL NOT NULL,
    UNIQUE(turn_id, user)
);
CREATE INDEX IF NOT EXISTS feedback_at ON feedback(at);
"""


@dataclass(frozen=True)
class Feedback:
    id: int
    turn_id: int
    user: str
    rating: str  # up | down
    reason: str
    comment: str
    question: str
    answer: str
    refused: bool
    sources: list[dict] = field(default_factory=list)  # {"n", "doc_id", "title"} of the cited sources
    at: float = 0.0

    @property
    def label(self) -> str:
        return RATINGS[self.rating]

    @property
    def when(self) -> str:
        return time.strftime("%Y-%m-%d %H:%M", time.localtime(self.at))


class FeedbackStore:
    def __init__(self, path: Path, clock: Callable[[], float] = time.time):
        self.path = path
        self.clock = clock
        self._lock = threading.Lock()
        self.db = open_database(path, SCHEMA)

    def close(self) -> None:
        self.db.close()

    def record(self, turn, user: str, rating: str, reason: str = "", comment: str = "") -> Feedback:
        """Store ``user``'s verdict on ``turn`` (a ``conversations.Turn`` of theirs)."""
        if rating not in RATINGS:
            raise ValueError("评价只能是“赞同”或“不赞同”")
        reason = (reason or "").strip()
        if reason and reason not in REASONS:
            raise ValueError(f"未知原因：{reason}")
        comment = (comment or "").strip()[:1000]
        answer = turn.answer
        sources = [{"n": s.n, "doc_id": s.doc_id, "title": s.title} for s in answer.sources]
        now = self.clock()
        with self._lock:
            self.db.execute(
                "INSERT INTO feedback(turn_id, user, rating, reason, comment, question, answer, refused, sources, at) "
                "VALUES(?,?,?,?,?,?,?,?,?,?) ON CONFLICT(turn_id, user) DO UPDATE SET rating=excluded.rating, "
                "reason=excluded.reason, comment=excluded.comment, at=excluded.at",
                (turn.id, user, rating, reason, comment, turn.question, answer.answer, int(answer.refused),
                 json.dumps(sources, ensure_ascii=False), now))
            row = self.db.execute("SELECT id FROM feedback WHERE turn_id=? AND user=?", (turn.id, user)).fetchone()
        return Feedback(row[0], turn.id, user, rating, reason, comment, turn.question, answer.answer,
                        answer.refused, sources, now)

    def of_user(self, user: str) -> dict[int, str]:
        """turn id → rating, for the user's own answers."""
        with self._lock:
            rows = self.db.execute("SELECT turn_id, rating FROM feedback WHERE user=?", (user,)).fetchall()
        return dict(rows)

    def entries(self, rating: str | None = None, reason: str | None = None, since: float | None = None,
                limit: int | None = None) -> list[Feedback]:
        """Feedback newest first, optionally only one rating / reason / since a time (staff; callers check)."""
        sql = ("SELECT id, turn_id, user, rating, reason, comment, question, answer, refused, sources, at "
               "FROM feedback WHERE 1=1")
        args: list = []
        if rating:
            sql += " AND rating=?"
            args.append(rating)
        if reason:
            sql += " AND reason=?"
            args.append(reason)
        if since is not None:
            sql += " AND at>=?"
            args.append(since)
        sql += " ORDER BY at DESC, id DESC"
        if limit:
            sql += " LIMIT ?"
            args.append(int(limit))
        with self._lock:
            rows = self.db.execute(sql, args).fetchall()
        return [Feedback(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], bool(r[8]), json.loads(r[9]), r[10])
                for r in rows]
