"""Export a draft as Word (DOCX) or Markdown.

The DOCX looks like an official submission: centered title, 仿宋 body (``仿宋_GB2312`` for CJK
text, ``FangSong`` for the other scripts, so a machine without 仿宋_GB2312 falls back to 仿宋),
first-line indents, numbered suggestions, placeholders highlighted, and a list of the cited
documents at the end. Drafting aids (政策依据, 以往相关提案) follow under "附：起草参考".
"""

from __future__ import annotations

import io
import re

from assistant.drafting.draft import Draft, Paragraph, Section
from assistant.models import GENRE_LABELS
from assistant.numerals import cn_number

BODY_FONT = "仿宋_GB2312"
BODY_FALLBACK = "FangSong"
TITLE_FONT = "方正小标宋简体"
TITLE_FALLBACK = "SimHei"
HEADING_FONT = "黑体"
_MARKER = re.compile(r"(\[\d+\])")


def heading_label(heading: str) -> str | None:
    """The section headings of a passage's heading path, whole: a numbered item cut into a heading is left out."""
    parts = [part.strip() for part in heading.split(" > ") if part.strip()]
    kept = [part for part in parts if len(part) <= 20 and not re.search(r"[。；，,]", part)]
    return " > ".join(kept) or None


def source_line(source) -> str:
    """"[3] 《title》（答复，江住建提复〔2024〕15号，2024年，第2页）" — one line per cited document."""
    details = [GENRE_LABELS.get(source.genre, source.genre), source.doc_number,
               f"{source.year}年" if source.year else None, f"第{source.page}页" if source.page else None,
               heading_label(source.heading or "")]
    return f"[{source.n}] 《{source.title}》（{'，'.join(d for d in details if d)}）"


def _sections(draft: Draft, reference: bool) -> list[Section]:
    return [s for s in draft.sections if s.reference == reference]


def to_markdown(draft: Draft) -> str:
    lines = [f"# {draft.title}", ""]
    if draft.coverage:
        lines += [f"> 起草说明（提交前请删除）：{draft.coverage}", ""]
    lines += [f"{name}：{value}  " for name, value in draft.fields]
    if draft.fields:
        lines.append("")
    for group, heading in ((False, ""), (True, "附：起草参考（提交前请删除）")):
        sections = _sections(draft, group)
        if group and sections:
            lines += ["---", "", f"**{heading}**", ""]
        for section in sections:
            lines += [f"## {section.name}", ""]
            for paragraph in section.paragraphs:
                lines += [paragraph.text, ""]
    if draft.sources:
        lines += ["## 引用材料", ""]
        lines += [f"{source_line(s)}  " for s in draft.sources]
        lines.append("")
    return "\n".join(lines)


def _set_font(run, east_asian: str, other: str, size_pt: float | None = None, bold: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = other
    run.bold = bold
    if size_pt:
        run.font.size = Pt(size_pt)
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), east_asian)
    fonts.set(qn("w:ascii"), other)
    fonts.set(qn("w:hAnsi"), other)


def _body_paragraph(document, paragraph: Paragraph, indent: bool = True):
    from docx.enum.text import WD_COLOR_INDEX
    from docx.shared import Pt

    p = document.add_paragraph()
    p.paragraph_format.first_line_indent = Pt(32) if indent else None
    p.paragraph_format.line_spacing = Pt(28)
    for piece in _MARKER.split(paragraph.text):
        if not piece:
            continue
        run = p.add_run(piece)
        _set_font(run, BODY_FONT, BODY_FALLBACK, 16)
        if _MARKER.fullmatch(piece):
            run.font.superscript = True
        elif paragraph.kind == "placeholder" or "【" in piece:
            run.font.highlight_color = WD_COLOR_INDEX.YELLOW
    return p


def to_docx(draft: Draft) -> bytes:
    """The draft as DOCX bytes."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = document.styles["Normal"]
    normal.font.name = BODY_FALLBACK
    normal.font.size = Pt(16)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    document.core_properties.title = draft.title

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_after = Pt(16)
    _set_font(title.add_run(draft.title), TITLE_FONT, TITLE_FALLBACK, 22)

    if draft.coverage:
        note = _body_paragraph(document, Paragraph(f"起草说明（提交前请删除）：{draft.coverage}", (), "template"),
                               indent=False)
        for run in note.runs:
            run.font.size = Pt(12)
    for name, value in draft.fields:
        _body_paragraph(document, Paragraph(f"{name}：{value}", (), "placeholder" if "【" in value else "member"),
                        indent=False)

    def heading(text: str) -> None:
        p = document.add_paragraph()
        p.paragraph_format.space_before = Pt(12)
        _set_font(p.add_run(text), HEADING_FONT, "SimHei", 16)

    for number, section_ in enumerate(_sections(draft, False), start=1):
        heading(f"{cn_number(number)}、{section_.name}")
        for paragraph in section_.paragraphs:
            _body_paragraph(document, paragraph)
    references = _sections(draft, True)
    if references:
        heading("附：起草参考（提交前请删除）")
        for section_ in references:
            heading(section_.name)
            for paragraph in section_.paragraphs:
                _body_paragraph(document, paragraph)
    if draft.sources:
        heading("引用材料")
        for source in draft.sources:
            p = document.add_paragraph()
            _set_font(p.add_run(source_line(source)), BODY_FONT, BODY_FALLBACK, 12)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


