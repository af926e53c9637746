"""Render the sample corpus's PDF and DOCX documents from their Markdown sources.

Sources live in scripts/corpus_sources/<genre>/<name>.md (outside corpus/, so the
indexer never sees them twice); each is rendered to corpus/<genre>/<name>.pdf or
.docx as listed in FORMATS. Output is deterministic: running the script twice
gives byte-identical files.

Source conventions (one paragraph per line, blank lines ignored):
    # 标题          document title (a second "# " line starts a new page: the attachment)
    > 文号          centred line under the title (文号, issuing office and date)
    ## 一、…        section heading (bold in DOCX, Heading 2)
    ### 第一章 …    centred heading (chapters), Heading 3 in DOCX
    -> 文字         right-aligned line (issuer, date)
    | a | b |       table row; the first row is the header, "| --- |" rows are skipped
    anything else   body paragraph, first line indented two characters

Usage: python scripts/make_corpus_files.py
"""

from __future__ import annotations

import datetime as dt
import io
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "scripts" / "corpus_sources"
CORPUS = ROOT / "corpus"
FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
FIXED_TIME = dt.datetime(2025, 7, 1, 9, 0, 0)  # zip entry times; fallback document date

FORMATS = {
    "policies/江政办规〔2023〕5号_江州市既有住宅加装电梯管理办法.md": "pdf",
    "policies/江民规〔2024〕3号_江州市居家社区养老助餐服务管理办法.md": "pdf",
    "replies/2024_江住建提复15号_关于市政协十四届三次会议第0123号提案的答复.md": "pdf",
    "social_reports/2024-03_关于城区无障碍设施被占用和建而不通问题的反映.md": "pdf",
    "consultations/2024-04_有事好商量协商议事会_普惠托育.md": "pdf",
    "proposals/2024-0260_关于提升城市排水防涝能力解决城市内涝问题的提案.md": "pdf",
    "policies/江政办发〔2023〕28号_江州市城市内涝治理实施方案（2023—2025年）.md": "docx",
    "policies/江发改规〔2024〕2号_关于加快居民小区新能源汽车充电基础设施建设的实施意见.md": "docx",
    "replies/2023_江民提复22号_关于市政协十四届二次会议第0087号提案的答复.md": "docx",
    "replies/2024_江文旅提复9号_关于市政协十四届三次会议第0072号提案的答复.md": "docx",
    "proposals/2024-0072_关于加强非物质文化遗产活态传承的提案.md": "docx",
    "speeches/2024-01_大会发言_以文旅融合赋能乡村振兴.md": "docx",
}


def parse(text: str) -> list[tuple[str, object]]:
    """Turn a source into blocks: (kind, text) or ("table", rows)."""
    blocks: list[tuple[str, object]] = []
    rows: list[list[str]] = []
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if not all(set(c) <= set("-: ") for c in cells):
                rows.append(cells)
            continue
        if rows:
            blocks.append(("table", rows))
            rows = []
        if not line:
            continue
        for prefix, kind in (("### ", "center"), ("## ", "heading"), ("# ", "title"),
                             ("> ", "docno"), ("-> ", "right")):
            if line.startswith(prefix):
                blocks.append((kind, line[len(prefix):].strip()))
                break
        else:
            blocks.append(("body", line))
    if rows:
        blocks.append(("table", rows))
    return blocks


# --------------------------------------------------------------------------- PDF

def render_pdf(blocks, title: str, out: Path) -> None:
    from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import (BaseDocTemplate, Frame, PageBreak, PageTemplate, Paragraph, Spacer,
                                    Table, TableStyle)
    from xml.sax.saxutils import escape

    if "WQY" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("WQY", FONT_PATH, subfontIndex=0))

    body_size = 12
    base = dict(fontName="WQY", wordWrap="CJK")
    styles = {
        "title": ParagraphStyle("title", fontSize=18, leading=28, alignment=TA_CENTER,
                                spaceBefore=6, spaceAfter=8, **base),
        "docno": ParagraphStyle("docno", fontSize=body_size, leading=20, alignment=TA_CENTER,
                                spaceAfter=10, **base),
        "heading": ParagraphStyle("heading", fontSize=13.5, leading=24, spaceBefore=6,
                                  spaceAfter=2, **base),
        "center": ParagraphStyle("center", fontSize=13.5, leading=24, alignment=TA_CENTER,
                                 spaceBefore=6, spaceAfter=4, **base),
        "right": ParagraphStyle("right", fontSize=body_size, leading=21, alignment=TA_RIGHT,
                                rightIndent=2 * body_size, **base),
        "body": ParagraphStyle("body", fontSize=body_size, leading=21, alignment=TA_JUSTIFY,
                               firstLineIndent=2 * body_size, spaceAfter=2, **base),
        "cell": ParagraphStyle("cell", fontSize=10.5, leading=15, **base),
    }

    story = []
    seen_title = False
    for kind, content in blocks:
        if kind == "table":
            data = [[Paragraph(escape(c), styles["cell"]) for c in row] for row in content]
            table = Table(data, repeatRows=1, hAlign="CENTER")
            table.setStyle(TableStyle([
                ("GRID", (0, 0), (-1, -1), 0.5, "black"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]))
            story.append(table)
            continue
        if kind == "title":
            if seen_title:
                story.append(PageBreak())
            seen_title = True
        story.append(Paragraph(escape(content), styles[kind]))
        if kind == "right" and content[:1].isdigit():
            story.append(Spacer(1, 6))

    pdf_date = _doc_date(blocks).strftime("D:%Y%m%d%H%M%S+08'00'")

    def footer(canvas, doc):
        # Drawn when the page ends, so the page number extracts after the body, as in real notices.
        canvas.saveState()
        canvas.setDateFormatter(lambda *_: pdf_date)
        canvas.setFont("WQY", 11)
        canvas.drawCentredString(A4[0] / 2, 14 * mm, f"— {doc.page} —")
        canvas.restoreState()

    buf = io.BytesIO()
    doc = BaseDocTemplate(
        buf, pagesize=A4, leftMargin=28 * mm, rightMargin=26 * mm, topMargin=30 * mm,
        bottomMargin=28 * mm, title=title, author="江州市", creator="提案助手示例语料",
        subject=title, invariant=1,
    )
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body")
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPageEnd=footer)])
    doc.build(story)
    out.write_bytes(buf.getvalue())


def _doc_date(blocks) -> dt.datetime:
    """The document's own date (its last "2024年6月18日"-style signature line), 09:00."""
    import re

    found = None
    for kind, content in blocks:
        if kind == "table":
            continue
        m = re.search(r"(20\d\d)年(\d{1,2})月(?:(\d{1,2})日)?", str(content))
        if m and (kind in ("right", "docno") or found is None):
            found = m
    if not found:
        return FIXED_TIME
    y, mo, d = (int(g or 1) for g in found.groups())
    return dt.datetime(y, mo, d, 9, 0, 0)


# -------------------------------------------------------------------------- DOCX

def _set_fonts(style_or_run, latin: str, east_asian: str) -> None:
    from docx.oxml.ns import qn

    style_or_run.font.name = latin
    rpr = style_or_run.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(rfonts)
    rfonts.set(qn("w:eastAsia"), east_asian)


def render_docx(blocks, title: str, out: Path) -> None:
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.shared import Pt, RGBColor

    doc = Document()
    normal = doc.styles["Normal"]
    _set_fonts(normal, "Times New Roman", "仿宋")
    normal.font.size = Pt(14)
    for name, size in (("Heading 2", 15), ("Heading 3", 15)):
        st = doc.styles[name]
        _set_fonts(st, "Times New Roman", "黑体")
        st.font.size = Pt(size)
        st.font.bold = True
        st.font.color.rgb = RGBColor(0, 0, 0)

    seen_title = False
    for kind, content in blocks:
        if kind == "table":
            table = doc.add_table(rows=0, cols=len(content[0]))
            table.style = "Table Grid"
            table.alignment = WD_TABLE_ALIGNMENT.CENTER
            for i, row in enumerate(content):
                cells = table.add_row().cells
                for cell, text in zip(cells, row):
                    run = cell.paragraphs[0].add_run(text)
                    run.font.size = Pt(11)
                    run.bold = i == 0
            continue
        if kind == "title":
            p = doc.add_paragraph()
            if seen_title:
                p.add_run().add_break(WD_BREAK.PAGE)
            seen_title = True
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = p.add_run(content)
            run.bold = True
            run.font.size = Pt(20)
            _set_fonts(run, "Times New Roman", "方正小标宋简体")
        elif kind == "docno":
            p = doc.add_paragraph(content)
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif kind == "heading":
            doc.add_paragraph(content, style="Heading 2")
        elif kind == "center":
            p = doc.add_paragraph(content, style="Heading 3")
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif kind == "right":
            p = doc.add_paragraph(content)
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        else:
            p = doc.add_paragraph(content)
            p.paragraph_format.first_line_indent = Pt(28)

    props = doc.core_properties
    props.title = title
    props.author = "江州市"
    props.last_modified_by = "江州市"
    props.created = props.modified = props.last_printed = _doc_date(blocks)
    props.revision = 1

    buf = io.BytesIO()
    doc.save(buf)
    out.write_bytes(_normalise_zip(buf.getvalue()))


def _normalise_zip(data: bytes) -> bytes:
    """python-docx stamps zip entries with the current time; pin them for reproducible bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return buf.getvalue()


# ------------------------------------------------------------------------ checks

def check_pdf(path: Path, blocks) -> int:
    """Fail loudly if the PDF's text does not extract as the Chinese we wrote."""
    from pypdf import PdfReader

    reader = PdfReader(path)
    text = "".join(page.extract_text() or "" for page in reader.pages)
    flat = "".join(text.split())
    for kind, content in blocks:
        if kind in ("title", "docno", "heading"):
            want = "".join(str(content).split())
            if want not in flat:
                raise SystemExit(f"{path}: extracted text lacks {want!r}")
    for i, page in enumerate(reader.pages, 1):
        if f"— {i} —" not in (page.extract_text() or ""):
            raise SystemExit(f"{path}: page {i} has no footer")
    return len(reader.pages)


def main() -> int:
    missing = [rel for rel in FORMATS if not (SOURCES / rel).is_file()]
    unlisted = sorted(str(p.relative_to(SOURCES)) for p in SOURCES.rglob("*.md")
                      if str(p.relative_to(SOURCES)) not in FORMATS)
    if missing or unlisted:
        raise SystemExit(f"sources missing: {missing}; sources without a format: {unlisted}")

    for rel, fmt in sorted(FORMATS.items()):
        src = SOURCES / rel
        blocks = parse(src.read_text(encoding="utf-8"))
        title = next(c for k, c in blocks if k == "title")
        out = CORPUS / Path(rel).with_suffix("." + fmt)
        out.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "pdf":
            render_pdf(blocks, title, out)
            note = f"{check_pdf(out, blocks)} pages"
        else:
            render_docx(blocks, title, out)
            note = "docx"
        print(f"{out.relative_to(ROOT)}  ({out.stat().st_size} bytes, {note})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
