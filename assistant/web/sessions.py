"""Web sessions that end with their account: a changed password, a disabled or removed account.

Gradio keeps its login tokens in ``App.tokens`` (token → user name) and looks every request's
cookie up there with ``tokens.get``. ``SessionTokens`` replaces that dict: it remembers when each
token was issued and, on every lookup, asks the account database whether a session that old may
go on (``Accounts.session_valid``). The database is the one the CLI writes, so `assistant users
passwd|disable|remove` in another process ends the sessions of a running server at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from assistant.access.accounts import Accounts


class SessionTokens(dict):
    """``App.tokens`` whose entries vanish once their account says the session is over."""

    def __init__(self, accounts: Accounts, clock: Callable[[], float] = time.time, existing: dict | None = None):
        super().__init__()
        self.accounts = accounts
        self.clock = clock
        self.issued: dict[str, float] = {}
        self._lock = threading.Lock()
        for token, name in (existing or {}).items():
            self[token] = name

    def __setitem__(self, token, name) -> None:
        with self._lock:
            self.issued[token] = self.clock()
            super().__setitem__(token, name)

    def __delitem__(self, token) -> None:
        with self._lock:
            self.issued.pop(token, None)
            super().__delitem__(token)

    def get(self, token, default=None):
        name = super().get(token)
        if name is None:
            return default
        if not self.accounts.session_valid(name, self.issued.get(token, 0.0)):
            with self._lock:
                self.issued.pop(token, None)
                super().pop(token, None)
            return default
        return name


def guard_sessions(app, accounts: Accounts) -> SessionTokens:
    """Install ``SessionTokens`` on a launched Gradio app (``Blocks.server_app``)."""
    server = app.server_app
    if not isinstance(server.tokens, SessionTokens):
        server.tokens = SessionTokens(accounts, existing=server.tokens)
    return server.tokens
