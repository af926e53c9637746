"""The embedding queue's worker: fills the vectors of documents stored keyword-searchable first.

The queue itself is a registry table (``embed_queue``) and ``Index.embed_queued`` does one step of
it (``store.py``). Here: who works it — one process per index at a time, the holder of
``<index>/embed.lock`` (``flock``, released by the operating system when its holder dies) — and how:
``drain`` until the queue is empty (``assistant embed-pending``, the end of ``assistant ingest
--background``) or ``EmbedWorker``, a thread of ``assistant serve`` that drains whenever something
is queued (woken by uploads, polling for what other processes queued, resuming after a restart).
``embedding_status`` says how far it is, for ``assistant status`` and the 文库管理 page.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from assistant.index.lock import Holder, IndexBusy, file_lock
from assistant.index.store import Index, ProgressFn, no_progress

EMBED_LOCK = "embed.lock"
POLL_S = 5.0  # how often an idle worker looks for chunks other processes queued
RETRY_S = 30.0  # after an error (embedding server down, index busy)
log = logging.getLogger(__name__)


def embed_lock_path(index_folder: Path) -> Path:
    return Path(index_folder) / EMBED_LOCK


def worker_holder(index_folder: Path) -> Holder | None:
    """Who works the queue now (None: nobody). Probes the lock without taking it for long."""
    path = embed_lock_path(index_folder)
    if not path.exists():
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return file_lock(path).holder() or Holder(0, "", "")
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _busy(holder: Holder | None) -> str:
    who = holder.describe() if holder else "另一个进程"
    return f"另一个进程（{who}）正在向量化此文库的待处理片段"


@dataclass(frozen=True)
class EmbeddingStatus:
    documents: int  # visible documents
    chunks: int  # their chunks
    pending: int  # chunks still without a vector
    pending_documents: int
    worker: str | None  # who is embedding them now ("pid 123：assistant serve"), None: nobody

    @property
    def embedded(self) -> int:
        return self.chunks - self.pending

    def to_json(self) -> dict:
        return {"documents": self.documents, "chunks": self.chunks, "embedded": self.embedded,
                "pending": self.pending, "pending_documents": self.pending_documents, "worker": self.worker}

    def lines(self) -> list[str]:
        out = [f"文档 {self.documents} 篇，片段 {self.chunks} 个；已向量化 {self.embedded} 个，待向量化 {self.pending} 个"]
        if self.pending:
            out.append(f"待向量化的片段属于 {self.pending_documents} 篇文档，期间可按关键词检索到它们")
            out.append(f"向量化进程：{self.worker}" if self.worker
                       else "向量化进程：无（运行 `assistant embed-pending` 或 `assistant serve` 继续）")
        return out


def embedding_status(index: Index) -> EmbeddingStatus:
    documents, chunks = index.registry.counts()
    pending, pending_documents = index.registry.queue_counts()
    holder = worker_holder(index.folder)
    worker = (holder.describe() if holder.pid else "未知进程") if holder else None
    return EmbeddingStatus(documents, chunks, pending, pending_documents, worker)


def drain(index: Index, progress: ProgressFn = no_progress, batch: int | None = None,
          stop: threading.Event | None = None) -> int:
    """Embed queued chunks until the queue is empty (or ``stop`` is set); how many were added.
    ``IndexBusy`` when another process works the queue."""
    size = max(1, batch or index.settings.embed_batch)
    with file_lock(embed_lock_path(index.folder)).hold(timeout=1.0, busy=_busy):  # (a status probe takes it briefly)
        total = index.registry.queue_counts()[0]
        done = 0
        progress("embed", 0, total)
        while not (stop and stop.is_set()):
            added = index.embed_queued(size)
            if not added:
                break
            done += added
            total = max(total, done + index.registry.queue_counts()[0])
            progress("embed", done, total)
        return done


class EmbedWorker:
    """``assistant serve``'s background worker: a daemon thread draining the queue of one index.

    ``wake()`` after queuing; otherwise it looks every ``POLL_S`` seconds (chunks another process
    queued, or left by a restart — the first look waits that long too, so that a restarted server
    starts before it embeds). Another process working the queue is left to it."""

    def __init__(self, index: Index, poll_s: float = POLL_S):
        self.index = index
        self.poll_s = poll_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.busy = False  # draining now
        self.error: str | None = None  # the last failure, until a drain succeeds
        self.rate = 0.0  # chunks per second of the current (or last) drain
        self._started = (0.0, 0)  # (when, done) at the start of the current drain

    def _progress(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if done == 0:
            self._started = (now, 0)
        elif now > self._started[0]:
            self.rate = done / (now - self._started[0])

    def eta_s(self, pending: int) -> float | None:
        """Seconds until ``pending`` chunks are embedded at the current rate (None: not known yet)."""
        return pending / self.rate if self.rate > 0 else None

    def start(self) -> "EmbedWorker":
        self._thread = threading.Thread(target=self._run, name="embed-queue", daemon=True)
        self._thread.start()
        return self

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        self._wake.wait(self.poll_s)
        self._wake.clear()
        while not self._stop.is_set():
            delay = self.poll_s
            try:
                if self.index.registry.queue_counts()[0]:
                    self.busy = True
                    drain(self.index, self._progress, stop=self._stop)
                    self.error = None
            except IndexBusy:
                pass  # another process works the queue (or holds the index): look again later
            except Exception as exc:  # an embedding server down must not kill the worker
                log.warning("embedding queue: %s", exc)
                self.error = str(exc)
                delay = RETRY_S
            finally:
                self.busy = False
            self._wake.wait(delay)
            self._wake.clear()
        return None


def wait_until_drained(index: Index, timeout: float, poll: float = 0.2) -> bool:
    """Until the queue is empty (True) or ``timeout`` seconds passed (False)."""
    deadline = time.monotonic() + timeout
    while index.registry.queue_counts()[0]:
        if time.monotonic() >= deadline:
            return False
        time.sleep(poll)
    return True
