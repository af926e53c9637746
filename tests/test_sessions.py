"""Sessions that end with their account, account administration, CLI parity, line progress and inert text."""

from __future__ import annotations

import io
import json
import sys

import pytest

from assistant.access.account_admin import AccountAdmin
from assistant.access.accounts import AccountError, Accounts
from assistant.cli import TerminalProgress, main
from assistant.models import User
from assistant.web.inert import inert_markdown, inert_text
from assistant.web.sessions import SessionTokens


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


def test_sessions_end_on_password_change_disable_and_removal(tmp_path):
    clock = Clock()
    accounts = Accounts(tmp_path / "accounts.sqlite", clock=clock)
    for name in ("a", "b", "c"):
        accounts.add(name, "member", "password-1")
    tokens = SessionTokens(accounts, clock=clock)
    tokens["ta"], tokens["tb"], tokens["tc"], tokens["tc2"] = "a", "b", "c", "c"
    assert [tokens.get(t) for t in ("ta", "tb", "tc", "tc2")] == ["a", "b", "c", "c"]

    other = Accounts(tmp_path / "accounts.sqlite", clock=clock)  # another process: the CLI
    other.set_password("a", "password-2")
    other.set_disabled("b", True)
    other.remove("c")
    assert [tokens.get(t) for t in ("ta", "tb", "tc", "tc2")] == [None, None, None, None]
    assert "ta" not in tokens  # forgotten, not only refused

    tokens["ta-new"] = "a"  # logging in again after the change works
    assert tokens.get("ta-new") == "a"
    other.set_disabled("b", False)
    tokens["tb-new"] = "b"
    assert tokens.get("tb-new") == "b"


def test_account_admin_is_for_admins_and_audited(make_assistant):
    assistant = make_assistant()
    admin = AccountAdmin(assistant)
    boss, member = User("boss", "admin"), User("m", "member")
    assistant.accounts.add("boss", "admin", "boss-password")
    admin.add(boss, "m", "member", "member-password")
    with pytest.raises(PermissionError, match="无权限"):
        admin.add(member, "x", "admin", "whatever-password")
    with pytest.raises(PermissionError):
        admin.list(member)
    admin.set_disabled(boss, "m", True)
    assert [(r.name, r.disabled) for r in admin.list(boss)] == [("boss", False), ("m", True)]
    assert not assistant.authenticate("m", "member-password")  # a disabled account never logs in
    admin.set_disabled(boss, "m", False)
    assert assistant.authenticate("m", "member-password")
    with pytest.raises(AccountError, match="不能停用自己"):
        admin.set_disabled(boss, "boss", True)
    with pytest.raises(AccountError, match="原密码不正确"):
        admin.change_own_password(member, "wrong-password", "new-password-1", "new-password-1")
    with pytest.raises(AccountError, match="不一致"):
        admin.change_own_password(member, "member-password", "new-password-1", "new-password-2")
    admin.change_own_password(User("m", "member"), "member-password", "new-password-1", "new-password-1")
    assert assistant.authenticate("m", "new-password-1")
    admin.reset_password(boss, "m", "reset-password-1")
    admin.remove(boss, "m")
    actions = [e.action for e in assistant.audit.entries(None)]
    assert actions == ["user_remove", "user_passwd", "user_passwd", "user_enable", "user_disable", "user_add"]


def test_cli_users_disable_and_enable(tmp_path, monkeypatch, capsys):
    index = str(tmp_path / "index")
    monkeypatch.setattr(sys, "stdin", io.StringIO("member-password\n"))
    assert main(["users", "add", "王委员", "--role", "member", "--password-stdin", "--index", index]) == 0
    assert main(["users", "disable", "王委员", "--index", index]) == 0
    assert "已停用 王委员" in capsys.readouterr().out
    assert main(["users", "list", "--index", index]) == 0
    assert "王委员\t委员\t已停用" in capsys.readouterr().out
    assert main(["users", "enable", "王委员", "--index", index]) == 0
    assert main(["users", "list", "--json", "--index", index]) == 0
    out = capsys.readouterr().out
    assert json.loads(out[out.index("["):])[0]["disabled"] is False
    assert main(["users", "disable", "nobody", "--index", index]) == 2
    assert "没有用户 nobody" in capsys.readouterr().err


def test_progress_prints_lines_when_not_on_a_terminal():
    class Ticks:
        now = 0.0

        def __call__(self):
            return self.now

    out, ticks = io.StringIO(), Ticks()
    progress = TerminalProgress(stream=out, clock=ticks)
    for done in range(1, 201):
        progress("embed", done, 200)
    lines = out.getvalue().splitlines()
    assert lines[0] == "向量化：1/200（0%）" and lines[-1] == "向量化：200/200（100%）"
    assert 19 <= len(lines) <= 22  # every 5 %
    out.truncate(0), out.seek(0)
    progress("files", 1, 10_000)
    progress("files", 2, 10_000)  # too soon, too little
    ticks.now = 11.0
    progress("files", 3, 10_000)  # ten seconds later: a line even without 5 % more
    assert out.getvalue().splitlines() == ["文件：1/10000（0%）", "文件：3/10000（0%）"]


def test_inert_text_shows_markup_literally():
    assert inert_text("<img src=x>") == "&lt;img src=x&gt;"
    assert inert_text("![b](http://h/beacon)") == "\\!\\[b\\]\\(http://h/beacon\\)"
    assert inert_text("&lt;img&gt; **粗体**") == "&amp;lt;img&amp;gt; \\*\\*粗体\\*\\*"
    assert inert_markdown("# 标题 <img src=x>\n> 引文 ![a](u) &amp;") == "# 标题 &lt;img src=x>\n> 引文 !\\[a](u) &amp;amp;"
