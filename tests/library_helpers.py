"""Shared by the library tests: sample PDF/DOCX files and an app served on a free port with logins."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from assistant.service import Assistant

from .conftest import free_port

FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
PASSWORDS = {"staff": "staff-pass-1", "member": "member-pass-1", "admin": "admin-pass-1"}

PDF_TITLE = "关于推进江州市低空经济产业园建设的提案"
PDF_PARAGRAPHS = [
    "一、现状与问题。江州市低空经济起步较晚，无人机起降点布局分散，低空飞行服务站尚未建成。",
    "二、建议。统筹规划低空经济产业园，建设无人机物流配送示范航线，设立低空飞行服务保障中心。",
]
DOCX_TITLE = "江州市古桥保护与活化利用情况的调研报告"
DOCX_PARAGRAPHS = [
    "全市现存明清古石桥四十七座，其中十一座存在桥墩冲刷、栏板缺失等险情。",
    "建议建立古桥保护名录和桥长制，对险情古桥实施抢救性修缮，结合绿道建设推动古桥活化利用。",
]


def make_pdf(path: Path, title: str = PDF_TITLE, paragraphs: list[str] = PDF_PARAGRAPHS) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("WQY", str(FONT), subfontIndex=0))
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.setTitle(title)
    pdf.setFont("WQY", 16)
    pdf.drawString(60, 780, title)
    pdf.setFont("WQY", 11)
    y = 740
    for paragraph in paragraphs:
        for start in range(0, len(paragraph), 38):
            pdf.drawString(60, y, paragraph[start : start + 38])
            y -= 20
        y -= 10
    pdf.save()
    return path


def make_docx(path: Path, title: str = DOCX_TITLE, paragraphs: list[str] = DOCX_PARAGRAPHS) -> Path:
    import docx

    document = docx.Document()
    document.add_heading(title, level=1)
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    document.save(str(path))
    return path


def make_text_as_pdf(path: Path, text: str) -> Path:
    """A plain-text file named .pdf: an upload whose content does not match its extension."""
    path.write_text(text, encoding="utf-8")
    return path


def make_oversized_pdf(path: Path, size_mb: int = 60) -> Path:
    """A sparse file of ``size_mb`` MiB with a PDF header: an upload over the size limit."""
    with path.open("wb") as fh:
        fh.write(b"%PDF-1.4\n")
        fh.truncate(size_mb * 1024 * 1024)
    return path


def add_users(assistant: Assistant, *roles: str) -> None:
    for role in roles or ("member", "staff", "admin"):
        assistant.accounts.add(f"{role}1", role, PASSWORDS[role])


def login(role: str) -> tuple[str, str]:
    return f"{role}1", PASSWORDS[role]


@contextmanager
def served(assistant: Assistant, open_access: bool = False):
    """The web app as ``assistant serve`` builds it, on a free port; yields its URL."""
    from assistant.web.app import build_app, launch_options, login_required

    effective_open = not login_required(assistant, open_access)
    app = build_app(assistant, open_access=effective_open)
    port = free_port()
    app.queue().launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=port, quiet=True,
                       **launch_options(assistant, effective_open))
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        app.close()
