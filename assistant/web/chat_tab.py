"""问答 tab: chat with the corpus; every answer carries [n] markers and a card per source.

Also registers the named API endpoint ``ask`` (one text argument → the answer object as JSON),
which answers with the caller's visibility, like the page.
"""

from __future__ import annotations

import datetime

import html
import re
from collections.abc import Iterable, Sequence

import gradio as gr

from ..answer import Answer
from ..models import GENRE_LABELS, Source, User, filters_for
from ..registry import DocumentRecord
from ..tokenize import query_terms
from .context import WebContext

CONTEXT_CHARS = 400  # characters of the document shown before and after a cited passage

EMPTY_CHAT = ("**向文库提问**：回答只依据文库中的文档，每句话后的 [1]、[2] 指向右侧的出处；"
              "文库里没有依据时会明确告诉您，并列出最接近的文档。可以接着追问，例如“那第二条具体怎么规定？”。")
EMPTY_SOURCES = '<div class="chat-sources-empty">提问后，这里显示回答所依据的原文出处。</div>'

CSS = """
.source-card {border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 10px 12px; margin-bottom: 10px;}
.source-card .source-title {font-weight: 600;}
.source-card .source-meta {color: var(--body-text-color-subdued); font-size: 0.85em; margin: 4px 0;}
.source-card .source-meta span {margin-right: 8px;}
.source-card .source-text {white-space: pre-wrap; line-height: 1.6;}
.source-card details {margin-top: 6px;}
.source-card .source-context {white-space: pre-wrap; line-height: 1.6; font-size: 0.9em; max-height: 320px; overflow-y: auto;}
.source-card .source-context .cited {background: var(--color-accent-soft);}
.source-card mark {padding: 0 1px;}
"""


# -- pure helpers ----------------------------------------------------------------------

def highlight(text: str, terms: Iterable[str]) -> str:
    """``text`` as escaped HTML with every occurrence of ``terms`` (longest first) wrapped in ``<mark>``."""
    words = sorted({t for t in terms if t}, key=len, reverse=True)
    if not words:
        return html.escape(text)
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(html.escape(text[last : match.start()]))
        out.append(f"<mark>{html.escape(match.group())}</mark>")
        last = match.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def _topic(title: str) -> str:
    topic = re.sub(r"^.*?关于印发", "", title)
    topic = re.sub(r"的通知$", "", topic)
    topic = re.sub(r"^关于", "", topic)
    topic = re.sub(r"的(提案|建议|意见|反映|情况反映)$", "", topic)
    return topic.strip("《》")


def example_questions(records: Sequence[DocumentRecord], limit: int = 4) -> list[str]:
    """Questions the library can answer, made from the titles of its newest public policies and proposals."""
    public = [r for r in records if r.meta.visibility == "public"]
    newest = sorted(public, key=lambda r: r.meta.date or str(r.meta.year or ""), reverse=True)
    policies = [f"《{_topic(r.meta.title)}》有哪些主要规定？" for r in newest if r.meta.genre in ("policy", "law")]
    proposals = [f"有委员提过{_topic(r.meta.title)}吗？" for r in newest if r.meta.genre == "proposal"]
    mixed = [q for pair in zip(policies, proposals) for q in pair] + policies[len(proposals):] + proposals[len(policies):]
    return [q for q in mixed if 6 <= len(q) <= 40][:limit]


def render_answer(answer: Answer) -> str:
    """The chat message of an answer: notice, text with [n] markers, and for a refusal the closest documents."""
    parts = []
    if answer.notice:
        parts.append(f"> {answer.notice}")
    text = answer.answer if answer.final or answer.answer else "正在生成回答…"
    parts.append(text)
    if answer.refused and answer.sources:
        parts.append("\n".join(f"- {s.title}" for s in answer.sources))
    return "\n\n".join(parts)


def source_card(source: Source, terms: Sequence[str], document_text: str = "", refused: bool = False) -> str:
    """One source as an HTML card: title, genre, 文号, date, page, heading, highlighted passage, context."""
    meta = [GENRE_LABELS.get(source.genre, source.genre), source.doc_number, source.date,
            f"第{source.page}页" if source.page else None, source.heading,
            f"另有{len(source.near_duplicates)}份文件含几乎相同的段落" if source.near_duplicates else None]
    meta_html = "".join(f"<span>{html.escape(m)}</span>" for m in meta if m)
    label = "相关文档" if refused else f"[{source.n}]"
    context = ""
    if document_text and source.end > source.start:
        before = document_text[max(0, source.start - CONTEXT_CHARS) : source.start]
        cited = document_text[source.start : source.end]
        after = document_text[source.end : source.end + CONTEXT_CHARS]
        context = (
            "<details><summary>查看上下文</summary><div class=\"source-context\">"
            f"{'…' if source.start > CONTEXT_CHARS else ''}{html.escape(before)}"
            f"<span class=\"cited\">{highlight(cited, terms)}</span>{html.escape(after)}"
            f"{'…' if source.end + CONTEXT_CHARS < len(document_text) else ''}</div></details>"
        )
    return (
        f'<div class="source-card" data-n="{source.n}">'
        f'<div class="source-title">{label} {html.escape(source.title)}</div>'
        f'<div class="source-meta">{meta_html}</div>'
        f'<div class="source-text">{highlight(source.text, terms)}</div>{context}</div>'
    )


def render_sources(answer: Answer, texts: dict[str, str]) -> str:
    """The sources panel; ``texts`` maps doc_id to the document's full text (for the context view)."""
    if not answer.sources:
        return EMPTY_SOURCES
    terms = query_terms(answer.query)
    heading = "最接近的文档（未找到直接依据）" if answer.refused else "出处"
    cards = "".join(source_card(s, terms, texts.get(s.doc_id, ""), answer.refused) for s in answer.sources)
    return f'<div class="chat-sources"><h3>{heading}</h3>{cards}</div>'


def _year(value) -> int | None:
    """A year bound from a year field; empty, 0 or "不限" means no bound."""
    try:
        year = int(value) if value not in (None, "") else 0
    except (TypeError, ValueError):
        return None
    return year if year > 0 else None


# -- the tab -----------------------------------------------------------------------------

def build(ctx: WebContext) -> None:
    assistant = ctx.assistant
    try:
        examples = example_questions(assistant.documents())
    except Exception:  # an unreadable library must not take the page down
        examples = []

    def filters(user: User, genres, year_from, year_to, in_force=False):
        low, high = _year(year_from), _year(year_to)
        if low and high and low > high:
            low, high = high, low
        return filters_for(user, genres=tuple(genres or ()), year_from=low, year_to=high, in_force_only=bool(in_force))

    def texts_of(answer: Answer) -> dict[str, str]:
        out = {}
        for s in answer.sources:
            if s.doc_id not in out:
                try:
                    out[s.doc_id] = assistant.document_text(s.doc_id)
                except Exception:
                    out[s.doc_id] = ""
        return out

    def respond(message, chat, previous, genres, year_from, year_to, in_force, request: gr.Request):
        question = (message or "").strip()
        chat = list(chat or [])
        previous = list(previous or [])
        if not question:
            yield chat, previous, gr.skip(), gr.skip()
            return
        user = ctx.viewer(request)
        chat += [{"role": "user", "content": question}, {"role": "assistant", "content": "正在检索文库…"}]
        yield chat, previous, "", gr.skip()
        answer = None
        try:
            for answer in assistant.ask(question, history=previous, filters=filters(user, genres, year_from, year_to, in_force),
                                        stream=True):
                chat[-1] = {"role": "assistant", "content": render_answer(answer)}
                panel = render_sources(answer, texts_of(answer)) if answer.final else gr.skip()
                yield chat, previous, "", panel
        except Exception:  # never a stack trace in front of a member
            chat[-1] = {"role": "assistant", "content": "抱歉，检索出错，请稍后重试。"}
            yield chat, previous, "", EMPTY_SOURCES
            return
        yield chat, previous + [question], "", gr.skip()

    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            chatbot = gr.Chatbot(
                label="问答", height=560, elem_id="chat-log", placeholder=EMPTY_CHAT,
                examples=[{"text": q} for q in examples] or None, buttons=["copy"], feedback_options=None,
            )
            with gr.Row():
                box = gr.Textbox(show_label=False, placeholder="输入问题，按回车提问", scale=6, elem_id="chat-input",
                                 max_lines=4)
                send = gr.Button("提问", variant="primary", scale=1, min_width=80, elem_id="chat-send")
            clear = gr.Button("清空对话", size="sm", elem_id="chat-clear")
        with gr.Column(scale=2):
            with gr.Accordion("检索范围", open=True):
                genres = gr.Dropdown(choices=[(label, g) for g, label in GENRE_LABELS.items()], multiselect=True,
                                     label="文种", elem_id="chat-genres")
                years = ["不限", *map(str, range(datetime.date.today().year, 1949, -1))]
                with gr.Row():
                    year_from = gr.Dropdown(years, value="不限", label="起始年份", allow_custom_value=True,
                                            elem_id="chat-year-from")
                    year_to = gr.Dropdown(years, value="不限", label="截止年份", allow_custom_value=True,
                                          elem_id="chat-year-to")
                in_force = gr.Checkbox(False, label="仅现行有效", elem_id="chat-in-force",
                                       info="不检索已废止、已失效或已修订的文件")
            sources = gr.HTML(EMPTY_SOURCES, elem_id="chat-sources", css_template=CSS)
    previous = gr.State([])

    inputs = [box, chatbot, previous, genres, year_from, year_to, in_force]
    outputs = [chatbot, previous, box, sources]
    box.submit(respond, inputs, outputs, api_visibility="private")
    send.click(respond, inputs, outputs, api_visibility="private")
    def pick_example(evt: gr.SelectData) -> str:
        return evt.value["text"] if isinstance(evt.value, dict) else str(evt.value)

    chatbot.example_select(pick_example, None, box, api_visibility="private").then(
        respond, inputs, outputs, api_visibility="private")
    clear.click(lambda: ([], [], EMPTY_SOURCES, ""), None, [chatbot, previous, sources, box], api_visibility="private")

    def ask(question: str, request: gr.Request) -> dict:
        """Answer a question from the library; returns {answer, mode, refused, sources[...], notice, query}."""
        return assistant.ask(question, filters=filters_for(ctx.viewer(request))).to_json()

    gr.api(ask, api_name="ask")
