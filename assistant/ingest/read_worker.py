"""Read files in a separate worker process with memory and time limits.

A hostile or broken file (a decompression bomb the checks miss, a pathological PDF, OCR of a
huge scan) must never take down the server or a batch. ``ReaderPool`` keeps one worker process
(started with ``spawn``, so it shares nothing with a threaded server) and sends it one file at a
time; the worker runs :func:`assistant.read.read_file` under ``RLIMIT_AS`` and answers with the
pages or a one-line reason. The parent waits at most the time limit: a worker that runs over is
killed, one that dies (out of memory) is reported, and the next file gets a fresh worker. Progress
(OCR pages) is relayed while waiting. The worker lives as long as the pool — one per ingest batch —
so its imports and the OCR model load once per batch, not per file. The worker is a plain
``python -m assistant.ingest.read_worker`` child talking over two pipes (not ``multiprocessing``'s
spawn, which would re-run the caller's main script).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection
from dataclasses import dataclass
from pathlib import Path

from assistant.ingest.bounded import DEFAULT_LIMITS, ReadLimits
from assistant.models import RawDocument
from assistant.ingest.read import ProgressFn, ReadError, read_file

_MB = 1024 * 1024


@dataclass(frozen=True)
class WorkerLimits:
    memory_mb: int = 3072  # address space of the worker (RLIMIT_AS)
    timeout_s: float = 300.0  # one file, OCR included
    max_bytes: int = 50 * _MB
    read: ReadLimits = DEFAULT_LIMITS


def _worker_main(connection: Connection) -> None:  # runs in the child process
    import resource

    limits: WorkerLimits = connection.recv()
    os.environ.setdefault("OMP_NUM_THREADS", str(os.cpu_count() or 1))
    if limits.memory_mb > 0:
        size = limits.memory_mb * _MB
        resource.setrlimit(resource.RLIMIT_AS, (size, size))

    def relay(stage: str, done: int, total: int) -> None:
        connection.send(("progress", stage, done, total))

    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        path, deadline_s = job
        try:
            document = read_file(Path(path), max_bytes=limits.max_bytes, limits=limits.read, progress=relay,
                                 deadline=time.monotonic() + deadline_s)
            connection.send(("ok", document))
        except ReadError as exc:
            connection.send(("error", str(exc)))
        except MemoryError:
            connection.send(("error", f"file needs more than the {limits.memory_mb} MB memory limit to read"))
        except Exception as exc:  # a reader bug must not kill the batch either
            connection.send(("error", f"unreadable file: {type(exc).__name__}: {str(exc)[:100]}"))


class ReaderPool:
    """One reading worker process, reused across files; ``read`` is thread-safe (serialised)."""

    def __init__(self, limits: WorkerLimits = WorkerLimits()) -> None:
        self.limits = limits
        self._process = None
        self._connection = None
        self._lock = threading.Lock()

    def __enter__(self) -> ReaderPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self) -> None:
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        package_root = str(Path(__file__).resolve().parents[2])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
        try:
            process = subprocess.Popen([sys.executable, "-m", "assistant.ingest.read_worker", str(to_child_r), str(from_child_w)],
                                       pass_fds=(to_child_r, from_child_w), env=env, stdin=subprocess.DEVNULL)
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        self._process = process
        self._connection = _Duplex(Connection(from_child_r, writable=False), Connection(to_child_w, readable=False))
        self._connection.send(self.limits)

    def _stop(self, kill: bool) -> None:
        process, connection = self._process, self._connection
        self._process = self._connection = None
        if process is None:
            return
        if not kill and process.poll() is None:
            try:
                connection.send(None)
                process.wait(2)
            except (OSError, subprocess.TimeoutExpired):
                pass
        if process.poll() is None:
            process.kill()
        process.wait(5)
        connection.close()

    def close(self) -> None:
        with self._lock:
            self._stop(kill=False)

    def read(self, path: Path, progress: ProgressFn | None = None) -> RawDocument:
        """Read one file in the worker; ReadError with a one-line reason on any failure."""
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self._stop(kill=True)
                self._start()
            timeout = self.limits.timeout_s
            try:
                self._connection.send((str(path), max(1.0, timeout - 2.0)))
            except (OSError, BrokenPipeError):
                self._stop(kill=True)
                raise ReadError("reader process unavailable") from None
            deadline = time.monotonic() + timeout
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._stop(kill=True)
                    raise ReadError(f"reading took longer than the {timeout:g} s limit (file abandoned)")
                try:
                    ready = self._connection.poll(min(remaining, 0.5))
                    message = self._connection.recv() if ready else None
                except (EOFError, OSError):
                    message = ("died",)
                if message is None:
                    if self._process.poll() is not None:
                        message = ("died",)
                    else:
                        continue
                if message[0] == "progress":
                    if progress:
                        progress(*message[1:])
                    continue
                if message[0] == "ok":
                    return message[1]
                if message[0] == "error":
                    raise ReadError(message[1])
                self._stop(kill=True)
                raise ReadError(f"reader process died (memory limit {self.limits.memory_mb} MB exceeded?)")


class _Duplex:
    """One object over the two one-way pipe connections."""

    def __init__(self, incoming: Connection, outgoing: Connection) -> None:
        self.incoming, self.outgoing = incoming, outgoing

    def send(self, obj: object) -> None:
        self.outgoing.send(obj)

    def recv(self) -> object:
        return self.incoming.recv()

    def poll(self, timeout: float) -> bool:
        return self.incoming.poll(timeout)

    def close(self) -> None:
        self.incoming.close()
        self.outgoing.close()


def read_bounded(path: Path, limits: WorkerLimits = WorkerLimits(), progress: ProgressFn | None = None) -> RawDocument:
    """Read one file in a fresh bounded worker (for one-off reads such as a draft to check)."""
    with ReaderPool(limits) as pool:
        return pool.read(path, progress)


if __name__ == "__main__":  # the worker: python -m assistant.ingest.read_worker READ_FD WRITE_FD
    _worker_main(_Duplex(Connection(int(sys.argv[1]), writable=False), Connection(int(sys.argv[2]), readable=False)))
