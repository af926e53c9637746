"""The optional generative model: any OpenAI-compatible chat endpoint, through llama-index.

``ChatModel.stream`` yields text deltas. Every failure — endpoint down, HTTP error, a reply
slower than ``llm_timeout`` — surfaces as ``ModelUnavailable`` with a short Chinese reason, which
the answer layer turns into a notice plus the extractive answer. Prompts are editable Markdown
templates in the ``prompts`` folder (``answer_system.md``, ``answer_user.md``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.config import Settings

_BUNDLED_PROMPTS = Path(__file__).resolve().parents[2] / "prompts"


class ModelUnavailable(RuntimeError):
    """The model could not give an answer; ``str(exc)`` is a short reason fit to show a member."""


@dataclass(frozen=True)
class Message:
    role: str  # "system" | "user" | "assistant"
    content: str


def load_prompt(settings: Settings, name: str) -> str:
    """A prompt template from ``settings.prompts``, else from the prompts shipped with the project."""
    for folder in (settings.prompts, _BUNDLED_PROMPTS):
        path = Path(folder) / name
        if path.is_file():
            return path.read_text(encoding="utf-8")
    raise FileNotFoundError(f"prompt template {name} not found in {settings.prompts} or {_BUNDLED_PROMPTS}")


_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_SOURCE_TAG = re.compile(r"<(\s*/?\s*)资料")
SOURCE_TAG = "资料"


def fill(template: str, **values: str) -> str:
    """Replace ``{name}`` placeholders of the template in one pass; other braces are left alone.

    Substituted text is never scanned again: a ``{question}`` inside a source stays as it is."""
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)] if m.group(1) in values else m.group(0), template)


def source_block(n: int, where: str, text: str) -> str:
    """One source for a prompt, delimited as ``<资料 n="1" 出处="…">…</资料>``.

    Tags inside the document's own text (or its title) are neutralised, so a document cannot
    close its source early and speak outside it."""
    where = _SOURCE_TAG.sub(r"＜\1资料", where).replace('"', "”")
    body = _SOURCE_TAG.sub(r"＜\1资料", text)
    return f'<{SOURCE_TAG} n="{n}" 出处="{where}">\n{body}\n</{SOURCE_TAG}>'


class ChatModel:
    """A chat endpoint at ``settings.llm_url`` (e.g. ``http://127.0.0.1:8001/v1``)."""

    def __init__(self, settings: Settings):
        if not settings.llm_url:
            raise ValueError("llm_url is not configured")
        from llama_index.llms.openai_like import OpenAILike

        self.timeout = settings.llm_timeout
        self._llm = OpenAILike(
            model=settings.llm_model,
            api_base=settings.llm_url.rstrip("/"),
            api_key=settings.llm_api_key or "none",
            is_chat_model=True,
            temperature=settings.llm_temperature,
            timeout=settings.llm_timeout,
            max_retries=0,
        )

    def stream(self, messages: Sequence[Message]) -> Iterator[str]:
        """Text deltas of the reply; raises ``ModelUnavailable`` on any failure or past the timeout."""
        from llama_index.core.llms import ChatMessage

        chat = [ChatMessage(role=m.role, content=m.content) for m in messages]
        deadline = time.monotonic() + self.timeout
        try:
            for response in self._llm.stream_chat(chat):
                if time.monotonic() > deadline:
                    raise ModelUnavailable("生成模型响应超时")
                if response.delta:
                    yield response.delta
        except ModelUnavailable:
            raise
        except Exception as exc:  # the openai client's and httpx's errors alike
            raise ModelUnavailable(_reason(exc)) from exc

    def complete(self, messages: Sequence[Message]) -> str:
        """The whole reply at once (non-streaming request)."""
        from llama_index.core.llms import ChatMessage

        chat = [ChatMessage(role=m.role, content=m.content) for m in messages]
        try:
            response = self._llm.chat(chat)
        except Exception as exc:
            raise ModelUnavailable(_reason(exc)) from exc
        return response.message.content or ""


def _reason(exc: Exception) -> str:
    name = type(exc).__name__
    if "Timeout" in name:
        return "生成模型响应超时"
    if "Connection" in name:
        return "无法连接生成模型服务"
    status = getattr(exc, "status_code", None)
    if status:
        return f"生成模型服务返回错误（HTTP {status}）"
    return "生成模型服务出错"
