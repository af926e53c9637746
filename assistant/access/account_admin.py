"""Account management as plain calls with a caller: admins add, disable, enable, reset and remove
accounts; everyone with an account changes their own password. Every change is audited, and a
changed password, a disabled or a removed account ends that user's open web sessions
(``Accounts.session_valid``, checked by the web app on every request)."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.access.accounts import ROLE_LABELS, Account, AccountError
from assistant.access.library import require_admin as library_require_admin
from assistant.models import User
from assistant.service import Assistant


def require_admin(user: User) -> None:
    library_require_admin(user, "账号管理仅限管理员")


@dataclass(frozen=True)
class AccountRow:
    name: str
    role: str
    disabled: bool
    last_login: float | None

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)


class AccountAdmin:
    def __init__(self, assistant: Assistant):
        self.accounts = assistant.accounts
        self.audit = assistant.audit

    def list(self, user: User) -> list[AccountRow]:
        require_admin(user)
        disabled = self.accounts.disabled_names()
        return [AccountRow(a.name, a.role, a.name in disabled, a.last_login) for a in self.accounts.list()]

    def add(self, user: User, name: str, role: str, password: str) -> Account:
        require_admin(user)
        account = self.accounts.add(name, role, password)
        self.audit.record(user.name, "user_add", account.name, role=account.role)
        return account

    def set_disabled(self, user: User, name: str, disabled: bool) -> None:
        require_admin(user)
        if disabled and name == user.name:
            raise AccountError("不能停用自己的账号")
        self.accounts.set_disabled(name, disabled)
        self.audit.record(user.name, "user_disable" if disabled else "user_enable", name)

    def reset_password(self, user: User, name: str, password: str) -> None:
        require_admin(user)
        if self.accounts.get(name) is None:
            raise AccountError(f"没有用户 {name}")
        self.accounts.set_password(name, password)
        self.audit.record(user.name, "user_passwd", name)

    def remove(self, user: User, name: str) -> None:
        require_admin(user)
        if name == user.name:
            raise AccountError("不能删除自己的账号")
        if not self.accounts.remove(name):
            raise AccountError(f"没有用户 {name}")
        self.audit.record(user.name, "user_remove", name)

    def change_own_password(self, user: User, old: str, new: str, repeat: str) -> None:
        """The logged-in user's own password; the old one is checked (and failures counted)."""
        if self.accounts.get(user.name) is None:
            raise AccountError("当前没有登录账号，无需密码")
        if new != repeat:
            raise AccountError("两次输入的新密码不一致")
        if not self.accounts.authenticate(user.name, old or ""):
            raise AccountError("原密码不正确")
        self.accounts.set_password(user.name, new)
        self.audit.record(user.name, "user_passwd", user.name)
