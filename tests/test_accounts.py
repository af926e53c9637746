"""Accounts: argon2id hashes, roles, login throttling, the CLI and the web login rule."""

from __future__ import annotations

import asyncio
import io
import sqlite3
import sys

import pytest

from assistant.access.accounts import FREE_FAILURES, AccountError, Accounts, lock_seconds
from assistant.cli import main
from assistant.models import User


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_passwords_are_stored_only_as_argon2id_hashes(tmp_path):
    accounts = Accounts(tmp_path / "accounts.sqlite")
    accounts.add("王委员", "member", "correct horse")
    stored = sqlite3.connect(tmp_path / "accounts.sqlite").execute("SELECT password_hash FROM users").fetchone()[0]
    assert stored.startswith("$argon2id$") and "m=65536" in stored and "correct horse" not in stored
    assert accounts.authenticate("王委员", "correct horse")
    assert not accounts.authenticate("王委员", "wrong horse")
    assert not accounts.authenticate("nobody", "correct horse")
    assert accounts.get("王委员").user == User("王委员", "member")


def test_roles_names_and_passwords_are_checked(tmp_path):
    accounts = Accounts(tmp_path / "a.sqlite")
    with pytest.raises(AccountError, match="未知角色"):
        accounts.add("x", "boss", "long enough")
    with pytest.raises(AccountError, match="至少"):
        accounts.add("x", "staff", "short")
    with pytest.raises(AccountError, match="用户名"):
        accounts.add("../x", "staff", "long enough")
    accounts.add("x", "staff", "long enough")
    with pytest.raises(AccountError, match="已存在"):
        accounts.add("x", "admin", "long enough")
    accounts.set_password("x", "another password")
    assert accounts.authenticate("x", "another password") and not accounts.authenticate("x", "long enough")
    assert accounts.remove("x") and accounts.get("x") is None and not accounts.has_users()


def test_repeated_failures_lock_the_account_with_growing_delays(tmp_path):
    clock = Clock()
    accounts = Accounts(tmp_path / "a.sqlite", clock=clock)
    accounts.add("staff1", "staff", "right password")
    for _ in range(FREE_FAILURES):
        assert not accounts.authenticate("staff1", "guess")
    first = accounts.locked_for("staff1")
    assert first == lock_seconds(FREE_FAILURES) > 0
    # while locked even the right password is refused, and the lock survives a restart
    assert not Accounts(tmp_path / "a.sqlite", clock=clock).authenticate("staff1", "right password")
    clock.now += first + 0.1
    assert not accounts.authenticate("staff1", "guess")
    assert accounts.locked_for("staff1") == pytest.approx(2 * first)
    clock.now += 2 * first + 0.1
    assert accounts.authenticate("staff1", "right password")
    assert accounts.locked_for("staff1") == 0 and accounts.get("staff1").failed_count == 0
    assert lock_seconds(100) == 60  # the ceiling: a stranger cannot shut an account's owner out for long


def test_cli_users_and_audit(tmp_path, monkeypatch, capsys):
    index = str(tmp_path / "index")
    monkeypatch.setenv("USER", "clerk")
    monkeypatch.setattr(sys, "stdin", io.StringIO("staff-password\n"))
    assert main(["users", "add", "李工作人员", "--role", "staff", "--password-stdin", "--index", index]) == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO("x\n"))
    assert main(["users", "add", "weak", "--role", "member", "--password-stdin", "--index", index]) == 2
    assert "密码至少需要 8 个字符" in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", io.StringIO("new-password-2\n"))
    assert main(["users", "passwd", "李工作人员", "--password-stdin", "--index", index]) == 0
    capsys.readouterr()
    assert main(["users", "list", "--index", index]) == 0
    assert "李工作人员\t工作人员" in capsys.readouterr().out
    assert main(["users", "remove", "李工作人员", "--index", index]) == 0
    assert main(["users", "remove", "李工作人员", "--index", index]) == 2
    capsys.readouterr()
    assert main(["audit", "--json", "--index", index]) == 0
    import json

    entries = json.loads(capsys.readouterr().out)
    assert [(e["actor"], e["action"], e["target"]) for e in entries] == [
        ("clerk", "user_remove", "李工作人员"), ("clerk", "user_passwd", "李工作人员"), ("clerk", "user_add", "李工作人员")]


def test_web_login_is_required_once_an_account_exists(make_assistant):
    from assistant.web.app import launch_options, login_required

    assistant = make_assistant()
    assert not login_required(assistant) and "auth" not in launch_options(assistant)
    assistant.accounts.add("admin1", "admin", "admin-pass-1")
    check = launch_options(assistant)["auth"]
    assert login_required(assistant) and asyncio.run(check("admin1", "admin-pass-1"))
    assert not asyncio.run(check("admin1", "wrong-pass-1"))
    assert not login_required(assistant, open_access=True) and "auth" not in launch_options(assistant, True)
    assert assistant.user("admin1") == User("admin1", "admin") and assistant.user("ghost") is None
