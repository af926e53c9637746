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

from assistant.answers.answer import Answer
from assistant.answers.conversation_export import conversation_docx, conversation_markdown
from assistant.answers.conversations import Conversation, ConversationNotFound, Turn
from assistant.answers.feedback import REASONS
from assistant.models import GENRE_LABELS, Source, User, filters_for
from assistant.index.registry import DocumentRecord
from assistant.index.tokenize import query_terms
from assistant.web.context import WebContext
from assistant.web.inert import inert_text

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
.source-card.active {outline: 2px solid var(--color-accent); background: var(--color-accent-soft);}
.source-card .source-status {color: var(--error-text-color, #b91c1c); font-weight: 600; font-size: 0.9em;}
.turn-sources h3 .turn-label {font-weight: 400; font-size: 0.8em; margin-left: 8px; color: var(--body-text-color-subdued);}
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


_MARKUP = re.compile(r"[<>]|!\[|\]\(")  # a title carrying markup never becomes a clickable example


def example_questions(records: Sequence[DocumentRecord], limit: int = 4) -> list[str]:
    """Questions the library can answer, made from the titles of its newest public policies and proposals."""
    public = [r for r in records if r.meta.visibility == "public" and not _MARKUP.search(r.meta.title)]
    newest = sorted(public, key=lambda r: r.meta.date or str(r.meta.year or ""), reverse=True)
    policies = [f"《{_topic(r.meta.title)}》有哪些主要规定？" for r in newest if r.meta.genre in ("policy", "law")]
    proposals = [f"有委员提过{_topic(r.meta.title)}吗？" for r in newest if r.meta.genre == "proposal"]
    mixed = [q for pair in zip(policies, proposals) for q in pair] + policies[len(proposals):] + proposals[len(policies):]
    return [q for q in mixed if 6 <= len(q) <= 40][:limit]


STATUS_WARNINGS = {"已废止": "该文件已废止", "已失效": "该文件已失效"}
_MARKER = re.compile(r"\[(\d+)\]")


def cited_markdown(text: str, turn: int) -> str:
    """Answer text as inert Markdown whose ``[n]`` markers link to source card n of answer ``turn``."""
    out, last = [], 0
    for match in _MARKER.finditer(text):
        out.append(inert_text(text[last : match.start()]))
        out.append(f"[\\[{match.group(1)}\\]](#cite-{turn}-{match.group(1)})")
        last = match.end()
    out.append(inert_text(text[last:]))
    return "".join(out)


def feedback_links(turn_id: int) -> str:
    """The 赞同 / 不赞同 links under a kept answer (handled in the page, see ``CITE_JS``)."""
    return f"\n\n[赞同](#feedback-up-{turn_id}) · [不赞同](#feedback-down-{turn_id})"


def render_answer(answer: Answer, turn: int = 0) -> str:
    """The chat message of an answer: notice, caveats (注意), text with linked [n] markers, and for a
    refusal the closest documents. Every piece of document text is inert."""
    parts = []
    if answer.notice:
        parts.append(f"> {inert_text(answer.notice)}")
    if answer.caveats:
        parts.append("\n".join(["**注意：**"] + [f"- {inert_text(c)}" for c in answer.caveats]))
    if answer.refused:
        parts.append("**文库中没有找到依据**")
    text = answer.answer if answer.final or answer.answer else "正在生成回答…"
    parts.append(cited_markdown(text, turn))
    if answer.refused and answer.sources:
        parts.append("\n".join(f"- {inert_text(s.title)}" for s in answer.sources))
    return "\n\n".join(parts)


def source_card(source: Source, terms: Sequence[str], document_text: str = "", refused: bool = False) -> str:
    """One source as an HTML card: title, genre, 文号, date, page, heading, highlighted passage, context."""
    meta = [GENRE_LABELS.get(source.genre, source.genre), source.doc_number, source.date,
            f"第{source.page}页" if source.page else None, source.heading,
            f"另有{len(source.near_duplicates)}份文件含几乎相同的段落" if source.near_duplicates else None]
    meta_html = "".join(f"<span>{html.escape(m)}</span>" for m in meta if m)
    warning = STATUS_WARNINGS.get(source.status or "")
    warning_html = f'<div class="source-status">{warning}</div>' if warning else ""
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
        f'<div class="source-title">{label} {html.escape(source.title)}</div>{warning_html}'
        f'<div class="source-meta">{meta_html}</div>'
        f'<div class="source-text">{highlight(source.text, terms)}</div>{context}</div>'
    )


def _turn_sources(answer: Answer, texts: dict[str, str], turn: int, visible: bool, label: str) -> str:
    terms = query_terms(answer.query)
    heading = "最接近的文档（未找到直接依据）" if answer.refused else "出处"
    cards = "".join(source_card(s, terms, texts.get(s.doc_id, ""), answer.refused) for s in answer.sources)
    style = "" if visible else ' style="display:none"'
    return (f'<div class="turn-sources" data-turn="{turn}"{style}><h3>{heading}'
            f'<span class="turn-label">{html.escape(label)}</span></h3>{cards}</div>')


def render_sources(answer: Answer, texts: dict[str, str]) -> str:
    """The sources panel of one answer; ``texts`` maps doc_id to the document's full text (for the context view)."""
    return render_conversation_sources([answer], texts)


def render_conversation_sources(answers: Sequence[Answer], texts: dict[str, str],
                                questions: Sequence[str] = ()) -> str:
    """Every answer's sources, one group per answer (``data-turn``): the latest shown, the others
    opened by clicking an ``[n]`` in their answer."""
    if not any(a.sources for a in answers):
        return EMPTY_SOURCES
    groups = []
    for turn, answer in enumerate(answers):
        if not answer.sources:
            continue
        question = questions[turn] if turn < len(questions) else ""
        label = f"第{turn + 1}问：{question[:24]}{'…' if len(question) > 24 else ''}" if question else ""
        groups.append(_turn_sources(answer, texts, turn, turn == len(answers) - 1, label))
    if not answers[-1].sources:
        groups.insert(0, '<div class="chat-sources-empty">最近一次回答没有出处。点击其他回答中的 [n] 查看其出处。</div>')
    return f'<div class="chat-sources">{"".join(groups)}</div>'


def _year(value) -> int | None:
    """A year bound from a year field; empty, 0 or "不限" means no bound."""
    try:
        year = int(value) if value not in (None, "") else 0
    except (TypeError, ValueError):
        return None
    return year if year > 0 else None


# -- the tab -----------------------------------------------------------------------------

CITE_JS = """
if (!window.__assistantCitations) {
  window.__assistantCitations = true;
  document.addEventListener('click', function (event) {
    const link = event.target.closest ? event.target.closest('a[href^="#cite-"]') : null;
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    const match = (link.getAttribute('href') || '').match(/^#cite-(\\d+)-(\\d+)$/);
    const panel = document.getElementById('chat-sources');
    if (!match || !panel) return;
    panel.querySelectorAll('.turn-sources').forEach(function (group) {
      group.style.display = group.dataset.turn === match[1] ? '' : 'none';
    });
    panel.querySelectorAll('.source-card.active').forEach(function (card) { card.classList.remove('active'); });
    const card = panel.querySelector('.turn-sources[data-turn="' + match[1] + '"] .source-card[data-n="' + match[2] + '"]');
    if (card) {
      card.classList.add('active');
      card.scrollIntoView({block: 'center'});
    }
  }, true);
  document.addEventListener('click', function (event) {
    const link = event.target.closest ? event.target.closest('a[href^="#feedback-"]') : null;
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    const match = (link.getAttribute('href') || '').match(/^#feedback-(up|down)-(\\d+)$/);
    const bridge = document.querySelector('#feedback-bridge textarea, #feedback-bridge input');
    if (!match || !bridge) return;
    bridge.value = match[1] + ':' + match[2] + ':' + Date.now();  // unique, so every click is a change
    bridge.dispatchEvent(new Event('input', {bubbles: true}));
    setTimeout(function () {
      const send = document.getElementById('feedback-bridge-send');
      if (send) send.click();
    }, 50);
  }, true);
}
"""

FEEDBACK_REASONS = [(r, r) for r in REASONS]


def _feedback_choices(turns: Sequence[Turn]) -> list[tuple[str, int]]:
    return [(f"第{i}问：{t.question[:30]}", t.id) for i, t in enumerate(turns, start=1)]


def build(ctx: WebContext) -> None:
    assistant = ctx.assistant
    store = assistant.conversations
    try:
        examples = example_questions(assistant.documents())
    except Exception:  # an unreadable library must not take the page down
        examples = []

    def filters(user: User, genres, year_from, year_to, in_force=False):
        low, high = _year(year_from), _year(year_to)
        if low and high and low > high:
            low, high = high, low
        return filters_for(user, genres=tuple(genres or ()), year_from=low, year_to=high, in_force_only=bool(in_force))

    def texts_of(answers: Sequence[Answer]) -> dict[str, str]:
        out: dict[str, str] = {}
        for answer in answers:
            for s in answer.sources:
                if s.doc_id not in out:
                    try:
                        out[s.doc_id] = assistant.document_text(s.doc_id)
                    except Exception:
                        out[s.doc_id] = ""
        return out

    def messages(turns: Sequence[Turn]) -> list[dict]:
        chat = []
        for number, turn in enumerate(turns):
            chat += [{"role": "user", "content": inert_text(turn.question)},
                     {"role": "assistant", "content": render_answer(turn.answer, number) + feedback_links(turn.id)}]
        return chat

    def exports(conversation: Conversation | None, turns: Sequence[Turn]):
        if conversation is None or not turns:
            return gr.update(value=None, visible=False), gr.update(value=None, visible=False)
        folder = ctx.download_folder("chat-")
        stem = "".join(ch for ch in conversation.title if ch.isalnum())[:30] or "conversation"
        md_path, docx_path = folder / f"{stem}.md", folder / f"{stem}.docx"
        md_path.write_text(conversation_markdown(conversation, turns), encoding="utf-8")
        docx_path.write_bytes(conversation_docx(conversation, turns))
        return gr.update(value=str(md_path), visible=True), gr.update(value=str(docx_path), visible=True)

    def view(user: User, conversation: Conversation | None):
        """Everything the page shows of one conversation (or of none)."""
        turns = store.turns(user.name, conversation.id) if conversation else []
        answers = [t.answer for t in turns]
        panel = (render_conversation_sources(answers, texts_of(answers), [t.question for t in turns])
                 if turns else EMPTY_SOURCES)
        listing = gr.update(choices=[(c.title, c.id) for c in store.list(user.name)],
                            value=conversation.id if conversation else None)
        feedback_turns = gr.update(choices=_feedback_choices(turns), value=turns[-1].id if turns else None)
        md, docx = exports(conversation, turns)
        return (messages(turns), conversation.id if conversation else None, listing, panel, feedback_turns,
                conversation.title if conversation else "", md, docx)

    def load(request: gr.Request):
        user = ctx.viewer(request)
        return view(user, store.current(user.name))

    def open_conversation(conversation_id, request: gr.Request):
        user = ctx.viewer(request)
        try:
            conversation = store.set_current(user.name, conversation_id) if conversation_id else None
        except ConversationNotFound:
            conversation = store.current(user.name)
        return view(user, conversation)

    def new_conversation(request: gr.Request):
        user = ctx.viewer(request)
        return view(user, store.create(user.name))

    def rename_conversation(conversation_id, title, request: gr.Request):
        user = ctx.viewer(request)
        try:
            if not conversation_id:
                raise ValueError("请先选择或新建一个对话")
            conversation = store.rename(user.name, conversation_id, title)
        except (ValueError, ConversationNotFound) as exc:
            gr.Warning(str(exc), title="无法重命名")  # a warning: an error would mark every output as failed
            return view(user, store.current(user.name))
        gr.Info(f"已重命名为：{conversation.title}", title="提示")
        return view(user, conversation)

    def delete_conversation(conversation_id, request: gr.Request):
        user = ctx.viewer(request)
        if conversation_id:
            try:
                title = store.get(user.name, conversation_id).title
                store.delete(user.name, conversation_id)
                gr.Info(f"已删除对话：{title}", title="提示")
            except ConversationNotFound:
                pass
        return view(user, store.current(user.name))

    def respond(message, conversation_id, genres, year_from, year_to, in_force, request: gr.Request):
        question = (message or "").strip()
        user = ctx.viewer(request)
        if not question:
            yield (gr.skip(),) * 8 + (gr.skip(),)
            return
        try:
            conversation = store.get(user.name, conversation_id) if conversation_id else None
        except ConversationNotFound:
            conversation = None
        conversation = conversation or store.create(user.name)
        turns = store.turns(user.name, conversation.id)
        chat = messages(turns)
        number = len(turns)
        chat += [{"role": "user", "content": inert_text(question)},
                 {"role": "assistant", "content": "正在检索文库…"}]
        skips = (gr.skip(),) * 6
        yield (chat, conversation.id) + skips + ("",)
        answer = None
        try:
            for answer in assistant.ask(question, history=[t.question for t in turns],
                                        filters=filters(user, genres, year_from, year_to, in_force), stream=True):
                chat[-1] = {"role": "assistant", "content": render_answer(answer, number)}
                yield (chat, conversation.id) + skips + ("",)
        except Exception:  # never a stack trace in front of a member
            chat[-1] = {"role": "assistant", "content": "抱歉，检索出错，请稍后重试。"}
            yield (chat, conversation.id) + skips + ("",)
            return
        if answer is not None:
            store.add_turn(user.name, conversation.id, question, answer)
        yield view(user, store.get(user.name, conversation.id)) + ("",)

    def inline_feedback(value: str, request: gr.Request):
        """A 赞同/不赞同 link under an answer: recorded at once; the form opens on that answer for a reason."""
        match = re.match(r"^(up|down):(\d+):", value or "")
        if not match:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        rating, turn_id = match.group(1), int(match.group(2))
        status, _, _ = give_feedback(rating, turn_id, "", "", request)
        if not isinstance(status, str):  # refused (another user's answer…): the warning says why
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        if rating == "down":
            status += " 可在下方选择原因、补充说明后再点“不赞同”提交。"
        return gr.update(open=True), gr.update(value=turn_id), status, None, ""

    def give_feedback(rating: str, turn_id, reason, comment, request: gr.Request):
        user = ctx.viewer(request)
        try:
            if turn_id in (None, ""):
                raise ValueError("请先选择要评价的回答")
            turn = store.turn(user.name, int(turn_id))
            entry = assistant.feedback.record(turn, user.name, rating, (reason or "") if rating == "down" else "",
                                              comment or "")
        except (ValueError, ConversationNotFound) as exc:
            gr.Warning(str(exc), title="无法提交评价")
            return gr.skip(), gr.skip(), gr.skip()
        detail = "、".join(x for x in (entry.reason, entry.comment) if x)
        return f"已记录您的评价：{entry.label}" + (f"（{inert_text(detail)}）" if detail else "") + "。谢谢！", None, ""

    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=200, elem_id="chat-sidebar"):
            new_button = gr.Button("新建对话", variant="secondary", size="sm", elem_id="chat-new")
            conversation_list = gr.Radio(choices=[], label="我的对话", elem_id="chat-conversations")
            with gr.Accordion("管理当前对话", open=False, elem_id="chat-manage"):
                rename_box = gr.Textbox(label="对话名称", max_lines=1, elem_id="chat-rename")
                rename_button = gr.Button("重命名", size="sm", elem_id="chat-rename-button")
                delete_button = gr.Button("删除对话", size="sm", variant="stop", elem_id="chat-delete")
                md_button = gr.DownloadButton("导出 Markdown", visible=False, size="sm", elem_id="chat-export-md")
                docx_button = gr.DownloadButton("导出 Word", visible=False, size="sm", elem_id="chat-export-docx")
        with gr.Column(scale=3):
            chatbot = gr.Chatbot(
                label="问答", height=560, elem_id="chat-log", placeholder=EMPTY_CHAT,
                examples=[{"text": q} for q in examples] or None, buttons=["copy"], feedback_options=None,
                latex_delimiters=[],
            )
            with gr.Row():
                box = gr.Textbox(show_label=False, placeholder="输入问题，按回车提问", scale=6, elem_id="chat-input",
                                 max_lines=4)
                send = gr.Button("提问", variant="primary", scale=1, min_width=80, elem_id="chat-send")
            bridge = gr.Textbox(visible="hidden", elem_id="feedback-bridge")  # set by the links' script
            bridge_send = gr.Button(visible="hidden", elem_id="feedback-bridge-send")
            with gr.Accordion("评价回答", open=False, elem_id="chat-feedback") as feedback_panel:
                with gr.Row():
                    feedback_turn = gr.Dropdown(choices=[], label="评价哪条回答", elem_id="feedback-turn", scale=2)
                    feedback_reason = gr.Radio(FEEDBACK_REASONS, label="不赞同的原因（可选）", elem_id="feedback-reason",
                                               scale=3)
                feedback_comment = gr.Textbox(label="补充说明（可选）", max_lines=3, elem_id="feedback-comment")
                with gr.Row():
                    agree = gr.Button("赞同", size="sm", elem_id="feedback-up")
                    disagree = gr.Button("不赞同", size="sm", elem_id="feedback-down")
                feedback_status = gr.Markdown(elem_id="feedback-status")
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
                                       info="不看已废止、已失效或已修订的文件")
            sources = gr.HTML(EMPTY_SOURCES, elem_id="chat-sources", css_template=CSS, js_on_load=CITE_JS)
    current = gr.State(None)

    private = {"api_visibility": "private"}
    view_outputs = [chatbot, current, conversation_list, sources, feedback_turn, rename_box, md_button, docx_button]
    inputs = [box, current, genres, year_from, year_to, in_force]
    outputs = view_outputs + [box]
    gr.on(triggers=None, fn=load, inputs=None, outputs=view_outputs, show_progress="hidden", **private)
    box.submit(respond, inputs, outputs, **private)
    send.click(respond, inputs, outputs, **private)

    def pick_example(evt: gr.SelectData) -> str:
        return evt.value["text"] if isinstance(evt.value, dict) else str(evt.value)

    chatbot.example_select(pick_example, None, box, **private).then(respond, inputs, outputs, **private)
    quiet = {**private, "show_progress": "hidden"}
    new_button.click(new_conversation, None, view_outputs, **quiet)
    chatbot.clear(new_conversation, None, view_outputs, **quiet)  # the log's own 清空 starts a new conversation
    conversation_list.input(open_conversation, conversation_list, view_outputs, **quiet)
    rename_button.click(rename_conversation, [current, rename_box], view_outputs, **quiet)
    delete_button.click(delete_conversation, current, view_outputs, **quiet)
    feedback_outputs = [feedback_status, feedback_reason, feedback_comment]

    def agree_with(turn_id, reason, comment, request: gr.Request):
        return give_feedback("up", turn_id, reason, comment, request)

    def disagree_with(turn_id, reason, comment, request: gr.Request):
        return give_feedback("down", turn_id, reason, comment, request)

    bridge_send.click(inline_feedback, bridge, [feedback_panel, feedback_turn, feedback_status, feedback_reason,
                                           feedback_comment], **quiet)
    feedback_inputs = [feedback_turn, feedback_reason, feedback_comment]
    agree.click(agree_with, feedback_inputs, feedback_outputs, **private)
    disagree.click(disagree_with, feedback_inputs, feedback_outputs, **private)

    def ask(question: str, request: gr.Request) -> dict:
        """Answer a question from the library; returns {answer, mode, refused, sources[...], notice, query, caveats}."""
        return assistant.ask(question, filters=filters_for(ctx.viewer(request))).to_json()

    gr.api(ask, api_name="ask")
