"""Index locks across processes: one writer at a time, and who serves an embedded index.

``write.lock`` in the index folder is held (``fcntl.flock``, exclusive) by every writer — CLI
ingest, web upload, metadata edits, removal, re-indexing, healing and ``doctor --repair`` —
for the whole read-decide-write of its operation. A second writer waits, telling the user who
holds the lock, and gives up with ``IndexBusy`` after a timeout. The operating system releases
the lock when its holder dies (even on ``kill -9``), so a lock is never stale, and whatever a
writer finds half-done *while holding the lock* belongs to a writer that is gone.

``serve.lock`` is held exclusively by a web server whose Chroma is embedded (``PersistentClient``):
such a process keeps Chroma's index in memory and must be the only process writing it, so
command-line writes (which hold ``serve.lock`` shared, among themselves) are refused while it runs (with ``chroma_url`` any number of processes may write, one at
a time). The holder writes its pid, host and command into the file for the others' messages.

flock belongs to an open file, so each process keeps one lock object per path (``file_lock``);
it is re-entrant for the thread holding it, other threads of the process wait like other
processes do. The index folder must be on a local file system.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

WRITE_LOCK = "write.lock"
SERVE_LOCK = "serve.lock"
DEFAULT_TIMEOUT_S = 600.0
POLL_S = 0.1

WaitFn = Callable[[str], None]  # called once with a Chinese line saying who holds the lock


class IndexBusy(ValueError):
    """Another process holds the lock; ``str(error)`` is a one-line reason in Chinese.

    A ``ValueError`` so that the CLI's and the web page's existing one-line error paths show it."""


@dataclass(frozen=True)
class Holder:
    pid: int
    host: str
    command: str

    def describe(self) -> str:
        where = "" if self.host == socket.gethostname() else f"，主机 {self.host}"
        return f"pid {self.pid}{where}：{self.command}" if self.command else f"pid {self.pid}{where}"


def _command() -> str:
    args = [os.path.basename(sys.argv[0] or "python"), *sys.argv[1:]]
    return " ".join(args)[:200]


class FileLock:
    """An exclusive flock on one file, re-entrant for the holding thread."""

    def __init__(self, path: Path):
        self.path = path
        self._threads = threading.RLock()
        self._depth = 0
        self._fd: int | None = None
        self._shared = False

    def holder(self) -> Holder | None:
        """Who holds the lock, as its holder recorded it (None if unknown)."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8") or "{}")
            return Holder(int(data["pid"]), str(data.get("host", "")), str(data.get("command", "")))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    @property
    def depth(self) -> int:
        """How many times the holding thread has entered the lock (1: the outermost hold)."""
        return self._depth

    def acquire(self, timeout: float = DEFAULT_TIMEOUT_S, on_wait: WaitFn | None = None,
                busy: Callable[[Holder | None], str] | None = None, shared: bool = False) -> None:
        """Take the lock (exclusive, or ``shared`` with other shared holders), waiting up to ``timeout``."""
        deadline = time.monotonic() + max(0.0, timeout)
        if not self._threads.acquire(timeout=max(0.0, timeout)):
            raise IndexBusy(_busy_message(busy, None))
        if self._depth:
            self._depth += 1
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            told = False
            while True:
                try:
                    fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    holder = self.holder()
                    if time.monotonic() >= deadline:
                        os.close(fd)
                        raise IndexBusy(_busy_message(busy, holder)) from None
                    if on_wait and not told:
                        on_wait(f"另一个进程正在写入文库（{holder.describe() if holder else '未知进程'}），等待中…")
                        told = True
                    time.sleep(POLL_S)
            if not shared:  # the one holder says who it is
                os.ftruncate(fd, 0)
                os.pwrite(fd, json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "command": _command(),
                                          "since": time.time()}, ensure_ascii=False).encode("utf-8"), 0)
            self._fd = fd
            self._shared = shared
            self._depth = 1
        except BaseException:
            self._threads.release()
            raise

    def release(self) -> None:
        self._depth -= 1
        if self._depth == 0 and self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                if not self._shared:
                    os.ftruncate(fd, 0)
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)
        self._threads.release()

    @contextmanager
    def hold(self, timeout: float = DEFAULT_TIMEOUT_S, on_wait: WaitFn | None = None,
             busy: Callable[[Holder | None], str] | None = None, shared: bool = False) -> Iterator[None]:
        self.acquire(timeout, on_wait, busy, shared)
        try:
            yield
        finally:
            self.release()


def _busy_message(busy: Callable[[Holder | None], str] | None, holder: Holder | None) -> str:
    if busy:
        return busy(holder)
    who = holder.describe() if holder else "另一个进程"
    return f"文库正被其他进程写入（{who}），等待超时；请稍后再试"


_LOCKS: dict[str, FileLock] = {}  # one per lock file per process: flock belongs to an open file
_LOCKS_GUARD = threading.Lock()


def file_lock(path: Path) -> FileLock:
    key = os.path.realpath(path)
    with _LOCKS_GUARD:
        lock = _LOCKS.get(key)
        if lock is None:
            lock = _LOCKS[key] = FileLock(Path(key))
        return lock


def write_lock(index_folder: Path) -> FileLock:
    return file_lock(Path(index_folder) / WRITE_LOCK)


def serve_lock(index_folder: Path) -> FileLock:
    return file_lock(Path(index_folder) / SERVE_LOCK)


def served_busy(holder: Holder | None) -> str:
    who = f"（{holder.describe()}）" if holder else ""
    return (f"网页服务{who}正在使用此文库，且向量库为内置 Chroma（不支持多个进程同时写入）："
            "请在网页的“文库管理”中操作，或先停止网页服务；多进程写入请配置 chroma_url 使用 Chroma 服务器")


def server_busy(holder: Holder | None) -> str:
    who = f"（{holder.describe()}）" if holder else ""
    return (f"另一个进程{who}正在使用此文库的内置 Chroma：同一文库只能由一个网页服务或命令行写入进程打开；"
            "请先停止它，或配置 chroma_url 使用 Chroma 服务器")
