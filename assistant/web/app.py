"""Build and serve the Gradio Blocks app: 问答, 起草, 审查与查重 and (for staff) 文库管理."""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr

from ..config import Settings
from ..service import Assistant
from . import chat_tab, draft_tab, library_tab
from .context import WebContext

TITLE = "提案助手"


def build_app(assistant: Assistant, open_access: bool = False) -> gr.Blocks:
    ctx = WebContext(assistant=assistant, open_access=open_access)
    with gr.Blocks(title=TITLE) as app:
        gr.Markdown(f"# {TITLE}\n政协委员的提案、社情民意与协商建议知识库")
        with gr.Tabs():
            with gr.Tab("问答", id="chat"):
                chat_tab.build(ctx)
            with gr.Tab("起草", id="draft"):
                draft_tab.build(ctx)
            with gr.Tab("文库管理", id="library"):
                library_tab.build(ctx)
    return app


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860, open_access: bool = False) -> None:
    assistant = Assistant(settings)
    app = build_app(assistant, open_access=open_access)
    app.queue().launch(server_name=host, server_port=port, show_error=False)
