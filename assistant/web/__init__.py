"""The Gradio web app: a thin shell over ``assistant.service``."""

from assistant.web.gradio_import import skip_stub_writing

skip_stub_writing()  # before anything below imports gradio (half of its import time)

from assistant.web.app import build_app, serve  # noqa: E402

__all__ = ["build_app", "serve"]
