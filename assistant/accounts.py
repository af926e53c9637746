"""User accounts: names, roles and argon2id password hashes in one SQLite file.

Repeated failed logins are slowed down per account: after ``FREE_FAILURES`` wrong passwords the
account is locked for an exponentially growing window (recorded in the database, so a restart
does not reset it); while locked every login fails without the password being checked. A
successful login clears the count.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .db import open_database
from .models import ROLES, User

FREE_FAILURES = 3  # wrong passwords allowed before the first lockout
BASE_LOCK_S = 2.0  # first lockout; doubles with every further failure
MAX_LOCK_S = 15 * 60.0
MIN_PASSWORD = 8
ROLE_LABELS = {"member": "委员", "staff": "工作人员", "admin": "管理员"}
_NAME_RE = re.compile(r"^[\w.\-@]{1,64}$")

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at REAL NOT NULL,
    failed_count INTEGER NOT NULL DEFAULT 0,
    locked_until REAL NOT NULL DEFAULT 0,
    last_login REAL
);
"""


SESSION_COLUMNS = {  # added after the first release: disabled accounts, sessions ended at a time
    "disabled": "INTEGER NOT NULL DEFAULT 0",
    "sessions_after": "REAL NOT NULL DEFAULT 0",
}


def _add_session_columns(db: sqlite3.Connection) -> None:
    present = {row[1] for row in db.execute("PRAGMA table_info(users)")}
    for column, kind in SESSION_COLUMNS.items():
        if column not in present:
            try:
                db.execute(f"ALTER TABLE users ADD COLUMN {column} {kind}")
            except sqlite3.OperationalError:  # another process added it first
                pass


class AccountError(ValueError):
    """A refused account operation; ``str(error)`` is a one-line reason."""


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    created_at: float
    failed_count: int = 0
    locked_until: float = 0.0
    last_login: float | None = None

    @property
    def user(self) -> User:
        return User(self.name, self.role)

    def to_json(self) -> dict:
        return {"name": self.name, "role": self.role, "created_at": self.created_at,
                "failed_count": self.failed_count, "locked_until": self.locked_until, "last_login": self.last_login}


def lock_seconds(failed_count: int) -> float:
    """How long an account stays locked after its ``failed_count``-th consecutive failure."""
    if failed_count < FREE_FAILURES:
        return 0.0
    return min(MAX_LOCK_S, BASE_LOCK_S * 2 ** (failed_count - FREE_FAILURES))


def normalize_name(name: str) -> str:
    clean = unicodedata.normalize("NFC", (name or "").strip())
    if not _NAME_RE.match(clean):
        raise AccountError("用户名只能由 1–64 个字母、数字、汉字或 . - _ @ 组成")
    return clean


def check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(f"密码至少需要 {MIN_PASSWORD} 个字符")


class Accounts:
    """The account database. Thread-safe; one instance per open index."""

    def __init__(self, path: Path, hasher: PasswordHasher | None = None, clock: Callable[[], float] = time.time):
        self.path = path
        self.hasher = hasher or PasswordHasher()  # argon2id, RFC 9106 low-memory profile (64 MiB)
        self.clock = clock
        self._lock = threading.Lock()
        self.db = open_database(path, SCHEMA)
        _add_session_columns(self.db)
        self._dummy_hash: str | None = None  # verified for unknown names, made on first need

    def close(self) -> None:
        self.db.close()

    # -- reading ----------------------------------------------------------------------
    def has_users(self) -> bool:
        with self._lock:
            return self.db.execute("SELECT 1 FROM users LIMIT 1").fetchone() is not None

    def get(self, name: str) -> Account | None:
        with self._lock:
            row = self.db.execute(
                "SELECT name, role, created_at, failed_count, locked_until, last_login FROM users WHERE name=?",
                (unicodedata.normalize("NFC", (name or "").strip()),),
            ).fetchone()
        return Account(*row) if row else None

    def list(self) -> list[Account]:
        with self._lock:
            rows = self.db.execute(
                "SELECT name, role, created_at, failed_count, locked_until, last_login FROM users ORDER BY name"
            ).fetchall()
        return [Account(*row) for row in rows]

    # -- writing ----------------------------------------------------------------------
    def add(self, name: str, role: str, password: str) -> Account:
        name = normalize_name(name)
        if role not in ROLES:
            raise AccountError(f"未知角色 {role!r}，应为 {' / '.join(ROLES)}")
        check_password(password)
        digest = self.hasher.hash(password)
        with self._lock:
            try:
                self.db.execute("INSERT INTO users(name, role, password_hash, created_at) VALUES(?,?,?,?)",
                                (name, role, digest, self.clock()))
            except sqlite3.IntegrityError:
                raise AccountError(f"用户 {name} 已存在") from None
        account = self.get(name)
        assert account is not None
        return account

    def remove(self, name: str) -> bool:
        with self._lock:
            cursor = self.db.execute("DELETE FROM users WHERE name=?", (name,))
        return cursor.rowcount > 0

    def set_password(self, name: str, password: str) -> None:
        check_password(password)
        digest = self.hasher.hash(password)
        with self._lock:
            cursor = self.db.execute(
                "UPDATE users SET password_hash=?, failed_count=0, locked_until=0, sessions_after=? WHERE name=?",
                (digest, self.clock(), name))
        if cursor.rowcount == 0:
            raise AccountError(f"没有用户 {name}")

    def set_disabled(self, name: str, disabled: bool) -> None:
        """Disable (or enable again) an account; disabling ends its open sessions."""
        with self._lock:
            cursor = self.db.execute(
                "UPDATE users SET disabled=?, sessions_after=MAX(sessions_after, ?) WHERE name=?",
                (int(disabled), self.clock() if disabled else 0.0, name))
        if cursor.rowcount == 0:
            raise AccountError(f"没有用户 {name}")

    def is_disabled(self, name: str) -> bool:
        with self._lock:
            row = self.db.execute("SELECT disabled FROM users WHERE name=?",
                                  (unicodedata.normalize("NFC", (name or "").strip()),)).fetchone()
        return bool(row and row[0])

    def disabled_names(self) -> set[str]:
        with self._lock:
            return {row[0] for row in self.db.execute("SELECT name FROM users WHERE disabled=1")}

    def session_valid(self, name: str, started_at: float) -> bool:
        """Whether a web session of ``name`` started at ``started_at`` may go on: the account exists, is
        not disabled, and its password was not changed (nor its sessions ended) since."""
        with self._lock:
            row = self.db.execute("SELECT disabled, sessions_after FROM users WHERE name=?", (name,)).fetchone()
        return row is not None and not row[0] and started_at > row[1]

    def set_role(self, name: str, role: str) -> None:
        if role not in ROLES:
            raise AccountError(f"未知角色 {role!r}，应为 {' / '.join(ROLES)}")
        with self._lock:
            cursor = self.db.execute("UPDATE users SET role=? WHERE name=?", (role, name))
        if cursor.rowcount == 0:
            raise AccountError(f"没有用户 {name}")

    # -- logging in -------------------------------------------------------------------
    def locked_for(self, name: str) -> float:
        """Seconds until ``name`` may try again (0 when not locked)."""
        account = self.get(name)
        return max(0.0, account.locked_until - self.clock()) if account else 0.0

    def authenticate(self, name: str, password: str) -> bool:
        """True when the password is right and the account is not locked; failures are counted."""
        name = unicodedata.normalize("NFC", (name or "").strip())
        with self._lock:
            row = self.db.execute("SELECT password_hash, failed_count, locked_until FROM users WHERE name=?",
                                  (name,)).fetchone()
        if row is None:
            if self._dummy_hash is None:
                self._dummy_hash = self.hasher.hash("not-a-real-password")
            self._verify(self._dummy_hash, password or "")  # same cost as a real account: names don't leak
            return False
        digest, failed, locked_until = row
        now = self.clock()
        if locked_until > now:
            return False
        if self._verify(digest, password or ""):
            with self._lock:
                self.db.execute("UPDATE users SET failed_count=0, locked_until=0, last_login=? WHERE name=?",
                                (now, name))
                if self.hasher.check_needs_rehash(digest):
                    self.db.execute("UPDATE users SET password_hash=? WHERE name=?",
                                    (self.hasher.hash(password), name))
            return True
        failed += 1
        with self._lock:
            self.db.execute("UPDATE users SET failed_count=?, locked_until=? WHERE name=?",
                            (failed, now + lock_seconds(failed), name))
        return False

    def _verify(self, digest: str, password: str) -> bool:
        try:
            return self.hasher.verify(digest, password)
        except (VerificationError, InvalidHashError):
            return False
