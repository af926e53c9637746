"""Build and serve the Gradio Blocks app: 问答, 起草, 审查与查重 and (for staff) 文库管理."""

from __future__ import annotations

import os
import threading

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import anyio
import gradio as gr

from ..config import Settings
from ..service import Assistant
from . import chat_tab, check_tab, draft_tab, library_tab
from .context import WebContext

TITLE = "提案助手"


def build_app(assistant: Assistant, open_access: bool = False) -> gr.Blocks:
    ctx = WebContext(assistant=assistant, open_access=open_access)
    with gr.Blocks(title=TITLE, delete_cache=(3600, 24 * 3600)) as app:  # uploads and downloads: a day
        gr.Markdown(f"# {TITLE}\n政协委员的提案、社情民意与协商建议知识库")
        with gr.Tabs():
            with gr.Tab("问答", id="chat"):
                chat_tab.build(ctx)
            with gr.Tab("起草", id="draft"):
                draft_tab.build(ctx)
            with gr.Tab("审查与查重", id="check"):
                check_tab.build(ctx)
            with gr.Tab("文库管理", id="library"):
                library_tab.build(ctx)
    return app


def login_required(assistant: Assistant, open_access: bool = False) -> bool:
    """Login is required once any account exists, unless served with ``--open``."""
    return not open_access and assistant.accounts.has_users()


def _authenticator(assistant: Assistant):
    """Gradio awaits an async ``auth`` in its event loop: argon2 runs in a worker thread, not blocking it."""

    async def authenticate(username: str, password: str) -> bool:
        return await anyio.to_thread.run_sync(assistant.authenticate, username, password)

    return authenticate


def launch_options(assistant: Assistant, open_access: bool = False) -> dict:
    """Keyword arguments for ``Blocks.launch``: login when required, a hard cap on request size.

    Gradio's own cap is twice ``max_upload_mb``, so an oversized file up to that still reaches
    the upload checks and gets their clear refusal; anything larger is cut off at the door.
    """
    options: dict = {"max_file_size": int(assistant.settings.max_upload_mb * 2 * 1024 * 1024)}
    if login_required(assistant, open_access):
        options["auth"] = _authenticator(assistant)
        options["auth_message"] = "请用工作人员为您创建的账号登录。连续输错密码后需等待片刻再试。"
    return options


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860, open_access: bool = False) -> None:
    assistant = Assistant(settings)
    # the keyword index (a memory-mapped snapshot plus what changed since) loads while Gradio starts
    threading.Thread(target=assistant.index.keywords, name="keyword-index", daemon=True).start()
    if not login_required(assistant, open_access) and not open_access:
        print("尚未创建账号，网页无需登录、本机用户拥有全部权限；用 `assistant users add` 创建账号后即需登录。")
    open_access = not login_required(assistant, open_access)
    app = build_app(assistant, open_access=open_access)
    app.queue().launch(server_name=host, server_port=port, show_error=False, **launch_options(assistant, open_access))
