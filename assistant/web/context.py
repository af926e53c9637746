"""What every tab of the web app shares: the service and the caller's identity."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from ..models import LOCAL_ADMIN, User
from ..service import Assistant


@dataclass
class WebContext:
    assistant: Assistant
    open_access: bool  # no login: the single local user has every role

    def viewer(self, request: gr.Request | None) -> User:
        """The logged-in user of a request (role looked up on the server, never taken from the client)."""
        if self.open_access or request is None or not getattr(request, "username", None):
            return LOCAL_ADMIN if self.open_access else User("anonymous", "member")
        return self.assistant.user(request.username) or User("anonymous", "member")
