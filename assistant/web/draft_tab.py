"""Placeholder tab, replaced by its feature's implementation."""

from __future__ import annotations

import gradio as gr

from .context import WebContext


def build(ctx: WebContext) -> None:
    gr.Markdown("建设中。")
