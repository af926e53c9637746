"""User accounts: names, roles and argon2id password hashes in one SQLite file.

Repeated failed logins are slowed down per account and per client address (recorded in the
database, so a restart does not reset them): after ``FREE_FAILURES`` wrong passwords an account
is locked for a window that doubles up to ``MAX_LOCK_S`` (kept short, so nobody can shut a
known name out for long); after ``ADDRESS_FREE_FAILURES`` failures within ``ADDRESS_WINDOW_S``
an address is locked, doubling up to ``MAX_ADDRESS_LOCK_S``. While either is locked every
login fails. A successful login clears the account's count.

Each attempt is counted *before* its password is checked, in one transaction with the lock
check (``BEGIN IMMEDIATE``, so across threads and processes): parallel guesses cannot all slip
past the lock. Password hashing runs at most ``HASH_CONCURRENCY`` at a time per process (argon2id
takes 64 MiB each), so a burst of logins queues instead of exhausting memory; locked, unknown
and wrong logins all cost one verification, so their replies take the same time.
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

from assistant.index.db import Transaction, open_database
from assistant.models import ROLES, User

FREE_FAILURES = 3  # wrong passwords allowed before the first lockout
BASE_LOCK_S = 2.0  # first lockout; doubles with every further failure
MAX_LOCK_S = 60.0  # ceiling of an account's lock: a stranger cannot shut its owner out for long
ADDRESS_FREE_FAILURES = 10  # failed logins from one client address before it is locked
ADDRESS_WINDOW_S = 15 * 60.0  # an address's failures older than this are forgotten
MAX_ADDRESS_LOCK_S = 15 * 60.0
HASH_CONCURRENCY = 2  # argon2 hashes computed at once per process
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
CREATE TABLE IF NOT EXISTS address_failures (
    address TEXT PRIMARY KEY,
    failed_count INTEGER NOT NULL DEFAULT 0,
    locked_until REAL NOT NULL DEFAULT 0,
    last_failure REAL NOT NULL DEFAULT 0
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


def lock_seconds(failed_count: int, free: int = FREE_FAILURES, ceiling: float = MAX_LOCK_S) -> float:
    """How long an account (or, with the address limits, an address) stays locked after its
    ``failed_count``-th consecutive failure."""
    if failed_count < free:
        return 0.0
    return min(ceiling, BASE_LOCK_S * 2 ** min(failed_count - free, 30))


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
        self._hashing = threading.BoundedSemaphore(HASH_CONCURRENCY)
        self.db = open_database(path, SCHEMA)
        _add_session_columns(self.db)
        self._dummy_hash: str | None = None  # verified for unknown names and locked logins, made on first need

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
        with self._hashing:
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
        with self._hashing:
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

    def address_locked_for(self, address: str) -> float:
        """Seconds until logins from ``address`` are accepted again (0 when not locked)."""
        with self._lock:
            row = self.db.execute("SELECT locked_until FROM address_failures WHERE address=?", (address,)).fetchone()
        return max(0.0, row[0] - self.clock()) if row else 0.0

    def authenticate(self, name: str, password: str, address: str | None = None) -> bool:
        """True when the password is right and neither the account nor the client ``address`` is locked.

        The attempt is counted as a failure before the password is checked (undone on success)."""
        name = unicodedata.normalize("NFC", (name or "").strip())
        now = self.clock()
        digest = self._reserve(name, address, now)
        with self._hashing:
            if digest is None:
                self._verify(self._dummy(), password or "")  # same cost as a real check: nothing leaks
                return False
            ok = self._verify(digest, password or "")
        if not ok:
            return False
        with self._lock, Transaction(self.db):
            self.db.execute("UPDATE users SET failed_count=0, locked_until=0, last_login=? WHERE name=?", (now, name))
            if address:
                self.db.execute(  # undo this attempt's count (and the lock it alone may have started)
                    "UPDATE address_failures SET failed_count=MAX(0, failed_count-1),"
                    " locked_until=CASE WHEN failed_count-1 < ? THEN 0 ELSE locked_until END WHERE address=?",
                    (ADDRESS_FREE_FAILURES, address))
        if self.hasher.check_needs_rehash(digest):
            with self._hashing:
                fresh = self.hasher.hash(password)
            with self._lock:
                self.db.execute("UPDATE users SET password_hash=? WHERE name=?", (fresh, name))
        return True

    def _reserve(self, name: str, address: str | None, now: float) -> str | None:
        """In one transaction: check the locks and count this attempt as a failure. The hash to
        verify, or None when the login must fail (unknown name, account or address locked)."""
        with self._lock, Transaction(self.db):
            if address:
                row = self.db.execute("SELECT failed_count, locked_until, last_failure FROM address_failures"
                                      " WHERE address=?", (address,)).fetchone()
                failed, locked_until, last = row or (0, 0.0, 0.0)
                if now - last > ADDRESS_WINDOW_S:
                    failed = 0
                address_locked = locked_until > now
                if not address_locked:
                    failed += 1
                    locked_until = now + lock_seconds(failed, ADDRESS_FREE_FAILURES, MAX_ADDRESS_LOCK_S)
                self.db.execute("INSERT OR REPLACE INTO address_failures(address, failed_count, locked_until,"
                                " last_failure) VALUES(?,?,?,?)", (address, failed, locked_until, now))
                if address_locked:
                    return None
            row = self.db.execute("SELECT password_hash, failed_count, locked_until FROM users WHERE name=?",
                                  (name,)).fetchone()
            if row is None:
                return None
            digest, failed, locked_until = row
            if locked_until > now:
                return None
            failed += 1
            self.db.execute("UPDATE users SET failed_count=?, locked_until=? WHERE name=?",
                            (failed, now + lock_seconds(failed), name))
            return digest

    def _dummy(self) -> str:
        with self._lock:
            if self._dummy_hash is None:
                self._dummy_hash = self.hasher.hash("not-a-real-password")
            return self._dummy_hash

    def _verify(self, digest: str, password: str) -> bool:
        try:
            return self.hasher.verify(digest, password)
        except (VerificationError, InvalidHashError):
            return False

