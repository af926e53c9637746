"""What every tab of the web app shares: the service and the caller's identity."""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import gradio as gr

from assistant.models import LOCAL_ADMIN, User
from assistant.service import Assistant


DOWNLOAD_TTL_S = 24 * 3600  # exported drafts and check reports are kept this long


@dataclass
class WebContext:
    assistant: Assistant
    open_access: bool  # no login: the single local user has every role
    downloads: tempfile.TemporaryDirectory = field(
        default_factory=lambda: tempfile.TemporaryDirectory(prefix="assistant-downloads-"))  # removed at exit

    def download_folder(self, prefix: str) -> Path:
        """A new folder for one request's downloadable files; folders older than a day are removed."""
        root = Path(self.downloads.name)
        cutoff = time.time() - DOWNLOAD_TTL_S
        for old in root.iterdir():
            if old.stat().st_mtime < cutoff:
                shutil.rmtree(old, ignore_errors=True)
        return Path(tempfile.mkdtemp(prefix=prefix, dir=root))

    def viewer(self, request: gr.Request | None) -> User:
        """The logged-in user of a request (role looked up on the server, never taken from the client)."""
        if self.open_access or request is None or not getattr(request, "username", None):
            return LOCAL_ADMIN if self.open_access else User("anonymous", "member")
        return self.assistant.user(request.username) or User("anonymous", "member")
