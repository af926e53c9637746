"""Export a kept conversation to Markdown or Word (DOCX): every question, its answer and its sources."""

from __future__ import annotations

import io
import time
from collections.abc import Sequence

from assistant.answers.conversations import Conversation, Turn
from assistant.drafting.export import BODY_FALLBACK, BODY_FONT, HEADING_FONT, TITLE_FALLBACK, TITLE_FONT, _set_font
from assistant.models import GENRE_LABELS, Source

STATUS_WARNINGS = {"已废止": "该文件已废止", "已失效": "该文件已失效"}


def source_reference(source: Source) -> str:
    """"[2] 《title》（答复，江住建提复〔2024〕15号，2024-06-18，第2页，一、…）"."""
    details = [GENRE_LABELS.get(source.genre, source.genre), source.doc_number, source.date,
               f"第{source.page}页" if source.page else None, source.heading or None,
               STATUS_WARNINGS.get(source.status or "")]
    return f"[{source.n}] 《{source.title}》（{'，'.join(d for d in details if d)}）"


def _header(conversation: Conversation) -> str:
    return f"导出时间：{time.strftime('%Y-%m-%d %H:%M')}　提问人：{conversation.user}"


def conversation_markdown(conversation: Conversation, turns: Sequence[Turn]) -> str:
    lines = [f"# {conversation.title}", "", _header(conversation), ""]
    for number, turn in enumerate(turns, start=1):
        answer = turn.answer
        lines += [f"## {number}. {turn.question}", "", f"*{turn.when}*", ""]
        if answer.notice:
            lines += [f"> {answer.notice}", ""]
        if answer.caveats:
            lines += ["**注意：**", ""] + [f"- {c}" for c in answer.caveats] + [""]
        lines += [answer.answer, ""]
        if answer.sources:
            lines += ["最接近的文档：" if answer.refused else "出处：", ""]
            for source in answer.sources:
                lines += [f"{source_reference(source)}  ", f"> {' '.join(source.text.split())}", ""]
    return "\n".join(lines)


def conversation_docx(conversation: Conversation, turns: Sequence[Turn]) -> bytes:
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    document = docx.Document()

    def paragraph(text: str, size: float = 12, bold: bool = False, east: str = BODY_FONT, other: str = BODY_FALLBACK,
                  indent: float | None = None):
        p = document.add_paragraph()
        if indent:
            p.paragraph_format.left_indent = Pt(indent)
        _set_font(p.add_run(text), east, other, size, bold)
        return p

    title = paragraph(conversation.title, 18, True, TITLE_FONT, TITLE_FALLBACK)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph(_header(conversation), 10)
    for number, turn in enumerate(turns, start=1):
        answer = turn.answer
        paragraph(f"{number}. 问：{turn.question}", 14, True, HEADING_FONT, TITLE_FALLBACK)
        if answer.notice:
            paragraph(answer.notice, 10)
        for caveat in answer.caveats:
            paragraph(f"注意：{caveat}", 11, True)
        for line in answer.answer.split("\n"):
            if line.strip():
                paragraph(line, 12)
        if answer.sources:
            paragraph("最接近的文档：" if answer.refused else "出处：", 11, True)
            for source in answer.sources:
                paragraph(source_reference(source), 10.5, True)
                paragraph(" ".join(source.text.split()), 10.5, indent=18)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
