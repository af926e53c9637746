"""Login throttling under parallel attack: atomic failure counting, bounded argon2 memory, equal
reply times, per-address locks and a ceiling on account locks; the client address reaches the
check through the web login."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
from argon2 import PasswordHasher

from assistant.access.accounts import ADDRESS_FREE_FAILURES, FREE_FAILURES, MAX_LOCK_S, Accounts

from .conftest import ROOT
from .library_helpers import served


FAST_ARGON2 = PasswordHasher(time_cost=1, memory_cost=8 * 1024)  # real argon2id, cheaper, where cost is not the point


class CountingHasher(PasswordHasher):
    """The real argon2id hasher, counting how often a given account's hash is verified."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8 * 1024)
        self.watched: str | None = None
        self.verified = 0

    def verify(self, hash, password):  # noqa: A002 - argon2's own parameter name
        if hash == self.watched:
            self.verified += 1
        return super().verify(hash, password)


def test_thirty_parallel_wrong_passwords_cannot_slip_past_the_lock(tmp_path):
    hasher = CountingHasher()
    accounts = Accounts(tmp_path / "accounts.sqlite", hasher=hasher)
    accounts.add("staff1", "staff", "right password")
    hasher.watched = accounts.db.execute("SELECT password_hash FROM users").fetchone()[0]
    with ThreadPoolExecutor(30) as pool:
        results = list(pool.map(lambda i: accounts.authenticate("staff1", f"guess {i}"), range(30)))
    assert not any(results)
    # each attempt is counted before argon2 runs, so the lock engaged after FREE_FAILURES of them
    # and the rest were refused unchecked (their time spent on a dummy hash, queued two at a time)
    assert hasher.verified == accounts.get("staff1").failed_count <= FREE_FAILURES + 1


def test_forty_parallel_unknown_name_logins_stay_within_300_mb(tmp_path):
    script = textwrap.dedent(f"""
        import sys, threading
        from pathlib import Path
        from concurrent.futures import ThreadPoolExecutor
        from assistant.access.accounts import Accounts

        def peak_mb():
            for line in open("/proc/self/status"):
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024

        accounts = Accounts(Path({str(tmp_path / "accounts.sqlite")!r}))
        accounts.add("member1", "member", "member-pass-1")
        before = peak_mb()
        with ThreadPoolExecutor(40) as pool:
            assert not any(pool.map(lambda i: accounts.authenticate(f"ghost{{i}}", "password", f"10.0.0.{{i}}"),
                                    range(40)))
        print(peak_mb() - before)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    assert float(out.stdout) <= 300  # two argon2 hashes (64 MiB each) at a time, not forty


def test_locked_unknown_and_wrong_take_as_long(tmp_path):
    accounts = Accounts(tmp_path / "accounts.sqlite")
    accounts.add("locked1", "member", "member-pass-1")
    accounts.add("member1", "member", "member-pass-1")
    for _ in range(FREE_FAILURES):
        accounts.authenticate("locked1", "guess")
    assert accounts.locked_for("locked1") > 0

    def quickest(name: str) -> float:
        times = []
        for _ in range(3):
            start = time.perf_counter()
            assert not accounts.authenticate(name, "wrong-password")
            times.append(time.perf_counter() - start)
        accounts.db.execute("UPDATE users SET failed_count=0, locked_until=0 WHERE name='member1'")
        return min(times)

    wrong, locked, unknown = quickest("member1"), quickest("locked1"), quickest("nobody")
    assert locked > 0.5 * wrong and unknown > 0.5 * wrong, (wrong, locked, unknown)


def test_one_address_cannot_lock_a_name_for_long_but_locks_itself(tmp_path):
    clock_now = [1_000_000.0]
    accounts = Accounts(tmp_path / "accounts.sqlite", hasher=FAST_ARGON2, clock=lambda: clock_now[0])
    accounts.add("member1", "member", "member-pass-1")
    for attempt in range(40):  # an attacker at one address, guessing every 5 s
        accounts.authenticate("member1", f"guess {attempt}", "203.0.113.9")
        clock_now[0] += 5
    assert accounts.address_locked_for("203.0.113.9") > 0  # the attacker's address is locked…
    assert accounts.get("member1").failed_count <= ADDRESS_FREE_FAILURES + 3  # …so few guesses reached the name
    assert accounts.locked_for("member1") <= MAX_LOCK_S
    clock_now[0] += MAX_LOCK_S
    assert accounts.authenticate("member1", "member-pass-1", "198.51.100.7")  # the owner gets in within a minute
    assert not accounts.authenticate("member1", "member-pass-1", "203.0.113.9")  # not from there


def test_web_login_counts_failures_per_client_address(make_assistant):
    assistant = make_assistant()
    assistant.accounts.hasher = FAST_ARGON2
    assistant.accounts.add("staff1", "staff", "staff-pass-1")
    with served(assistant) as url:
        for attempt in range(ADDRESS_FREE_FAILURES):
            reply = httpx.post(f"{url}/login", data={"username": f"ghost{attempt}", "password": "x" * 8}, timeout=60)
            assert reply.status_code == 400
        assert assistant.accounts.address_locked_for("127.0.0.1") > 0
        reply = httpx.post(f"{url}/login", data={"username": "staff1", "password": "staff-pass-1"}, timeout=60)
        assert reply.status_code == 400  # this address is locked for now
    assert assistant.accounts.get("staff1").failed_count == 0  # …without the account being blamed
