"""The Gradio web app: a thin shell over ``assistant.service``."""

from .app import build_app, serve

__all__ = ["build_app", "serve"]
