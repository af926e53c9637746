"""Members' conversations: kept per user in SQLite beside the index, each answer with its own sources.

A conversation is an ordered list of turns (question + the full answer object, sources
included), so a reload or a server restart shows every earlier answer with the cards its ``[n]``
markers point at. Every call names the user; a user only ever reads or changes their own
conversations. Staff statistics read all turns through ``all_turns`` (see ``operations.py``).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from assistant.answers.answer import Answer
from assistant.index.db import open_database
from assistant.models import Source

DEFAULT_TITLE = "新对话"
TITLE_CHARS = 30  # a new conversation is named after its first question, cut to this length

SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,
    user TEXT NOT NULL,
    title TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS conversations_user ON conversations(user, updated_at);
CREATE TABLE IF NOT EXISTS turns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    user TEXT NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    refused INTEGER NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS turns_conversation ON turns(conversation_id, id);
CREATE INDEX IF NOT EXISTS turns_at ON turns(at);
CREATE TABLE IF NOT EXISTS current_conversation (
    user TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL
);
"""


class ConversationNotFound(LookupError):
    """No such conversation for this user (another user's conversation looks the same)."""


@dataclass(frozen=True)
class Conversation:
    id: str
    user: str
    title: str
    created_at: float
    updated_at: float


@dataclass(frozen=True)
class Turn:
    id: int
    conversation_id: str
    user: str
    question: str
    answer: Answer
    at: float

    @property
    def when(self) -> str:
        return time.strftime("%Y-%m-%d %H:%M", time.localtime(self.at))


def answer_to_json(answer: Answer) -> str:
    """The whole answer object, every source field included (offsets, status, near-duplicates)."""
    data = {"answer": answer.answer, "mode": answer.mode, "refused": answer.refused, "notice": answer.notice,
            "query": answer.query, "caveats": list(answer.caveats),
            "sources": [asdict(s) for s in answer.sources]}
    return json.dumps(data, ensure_ascii=False)


def answer_from_json(text: str) -> Answer:
    data = json.loads(text)
    known = {f.name for f in fields(Source)}
    sources = []
    for raw in data.get("sources", []):
        values = {k: v for k, v in raw.items() if k in known}
        values["near_duplicates"] = tuple(values.get("near_duplicates") or ())
        sources.append(Source(**values))
    return Answer(answer=data.get("answer", ""), mode=data.get("mode", "extractive"),
                  refused=bool(data.get("refused")), sources=tuple(sources), notice=data.get("notice"),
                  query=data.get("query", ""), caveats=tuple(data.get("caveats") or ()))


def title_from_question(question: str) -> str:
    text = " ".join(question.split())
    return (text[:TITLE_CHARS] + "…") if len(text) > TITLE_CHARS else (text or DEFAULT_TITLE)


class ConversationStore:
    """The conversation database of one index. Thread-safe."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.time):
        self.path = path
        self.clock = clock
        self._lock = threading.Lock()
        self.db = open_database(path, SCHEMA)
        self.db.execute("PRAGMA foreign_keys=ON")

    def close(self) -> None:
        self.db.close()

    # -- conversations ------------------------------------------------------------------
    def create(self, user: str, title: str = DEFAULT_TITLE) -> Conversation:
        now = self.clock()
        conversation = Conversation(secrets.token_hex(8), user, title.strip() or DEFAULT_TITLE, now, now)
        with self._lock:
            self.db.execute("INSERT INTO conversations(id, user, title, created_at, updated_at) VALUES(?,?,?,?,?)",
                            (conversation.id, user, conversation.title, now, now))
            self.db.execute("INSERT OR REPLACE INTO current_conversation(user, conversation_id) VALUES(?,?)",
                            (user, conversation.id))
        return conversation

    def list(self, user: str) -> list[Conversation]:
        """The user's conversations, most recently used first."""
        with self._lock:
            rows = self.db.execute("SELECT id, user, title, created_at, updated_at FROM conversations WHERE user=? "
                                   "ORDER BY updated_at DESC, rowid DESC", (user,)).fetchall()
        return [Conversation(*row) for row in rows]

    def get(self, user: str, conversation_id: str) -> Conversation:
        with self._lock:
            row = self.db.execute("SELECT id, user, title, created_at, updated_at FROM conversations "
                                  "WHERE id=? AND user=?", (conversation_id or "", user)).fetchone()
        if row is None:
            raise ConversationNotFound(f"没有这个对话：{conversation_id}")
        return Conversation(*row)

    def rename(self, user: str, conversation_id: str, title: str) -> Conversation:
        title = " ".join((title or "").split())[:60]
        if not title:
            raise ValueError("对话名称不能为空")
        self.get(user, conversation_id)
        with self._lock:
            self.db.execute("UPDATE conversations SET title=? WHERE id=? AND user=?", (title, conversation_id, user))
        return self.get(user, conversation_id)

    def delete(self, user: str, conversation_id: str) -> None:
        self.get(user, conversation_id)
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                self.db.execute("DELETE FROM turns WHERE conversation_id=?", (conversation_id,))
                self.db.execute("DELETE FROM conversations WHERE id=? AND user=?", (conversation_id, user))
                self.db.execute("DELETE FROM current_conversation WHERE user=? AND conversation_id=?",
                                (user, conversation_id))
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise

    def current(self, user: str) -> Conversation | None:
        """The conversation the user had open last (else their most recent one), or None."""
        with self._lock:
            row = self.db.execute("SELECT conversation_id FROM current_conversation WHERE user=?", (user,)).fetchone()
        if row:
            try:
                return self.get(user, row[0])
            except ConversationNotFound:
                pass
        conversations = self.list(user)
        return conversations[0] if conversations else None

    def set_current(self, user: str, conversation_id: str) -> Conversation:
        conversation = self.get(user, conversation_id)
        with self._lock:
            self.db.execute("INSERT OR REPLACE INTO current_conversation(user, conversation_id) VALUES(?,?)",
                            (user, conversation_id))
        return conversation

    # -- turns --------------------------------------------------------------------------
    def add_turn(self, user: str, conversation_id: str, question: str, answer: Answer) -> Turn:
        """Store one question and its final answer; a conversation still called 新对话 is named after it."""
        conversation = self.get(user, conversation_id)
        now = self.clock()
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                cursor = self.db.execute(
                    "INSERT INTO turns(conversation_id, user, question, answer, refused, at) VALUES(?,?,?,?,?,?)",
                    (conversation_id, user, question, answer_to_json(answer), int(answer.refused), now))
                title = title_from_question(question) if conversation.title == DEFAULT_TITLE else conversation.title
                self.db.execute("UPDATE conversations SET updated_at=?, title=? WHERE id=?",
                                (now, title, conversation_id))
                self.db.execute("INSERT OR REPLACE INTO current_conversation(user, conversation_id) VALUES(?,?)",
                                (user, conversation_id))
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
        return Turn(cursor.lastrowid, conversation_id, user, question, answer, now)

    def turns(self, user: str, conversation_id: str) -> list[Turn]:
        self.get(user, conversation_id)
        with self._lock:
            rows = self.db.execute("SELECT id, conversation_id, user, question, answer, at FROM turns "
                                   "WHERE conversation_id=? ORDER BY id", (conversation_id,)).fetchall()
        return [Turn(r[0], r[1], r[2], r[3], answer_from_json(r[4]), r[5]) for r in rows]

    def turn(self, user: str, turn_id: int) -> Turn:
        """One of the user's own turns (for feedback)."""
        with self._lock:
            row = self.db.execute("SELECT id, conversation_id, user, question, answer, at FROM turns "
                                  "WHERE id=? AND user=?", (int(turn_id), user)).fetchone()
        if row is None:
            raise ConversationNotFound(f"没有这条回答：{turn_id}")
        return Turn(row[0], row[1], row[2], row[3], answer_from_json(row[4]), row[5])

    def all_turns(self, since: float | None = None) -> list[Turn]:
        """Every user's turns, oldest first (staff statistics; callers check the role)."""
        sql = "SELECT id, conversation_id, user, question, answer, at FROM turns"
        args: tuple = ()
        if since is not None:
            sql += " WHERE at >= ?"
            args = (since,)
        with self._lock:
            rows = self.db.execute(sql + " ORDER BY id", args).fetchall()
        return [Turn(r[0], r[1], r[2], r[3], answer_from_json(r[4]), r[5]) for r in rows]
