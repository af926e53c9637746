"""Real-looking files the tests and benchmarks make from ../shared texts: scanned pages (rendered
with a CJK font, blurred and slightly rotated), image-only and mixed PDFs, OFD packages written to
the standard's structure, and ZIP bombs. Nothing here is a mock: the readers get real files."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpus"
FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
A4_PT = (595, 842)


def shared_text(name: str) -> str:
    """A shared State Council text without its blank lines."""
    text = (SHARED / "statecouncil" / name).read_text(encoding="utf-8")
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def statecouncil_files() -> list[Path]:
    return sorted((SHARED / "statecouncil").glob("*.txt"))


def wrap(text: str, width: int) -> list[str]:
    """Hard-wrap paragraphs to ``width`` characters per printed line."""
    lines: list[str] = []
    for paragraph in text.splitlines():
        while len(paragraph) > width:
            lines.append(paragraph[:width])
            paragraph = paragraph[width:]
        lines.append(paragraph)
    return lines


def scan_pages(text: str, chars_per_line: int = 30, lines_per_page: int = 28, dpi: int = 200,
               blur: float = 0.6, rotate: float = 1.0) -> list[tuple]:
    """(PIL image, printed text) of A4 pages printed with ``text`` and scanned: grey paper, blur,
    rotation."""
    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    width, height = int(8.27 * dpi), int(11.69 * dpi)
    margin = int(0.9 * dpi)
    size = (width - 2 * margin) // chars_per_line
    font = ImageFont.truetype(FONT, size)
    lines = wrap(text, chars_per_line)
    pages = []
    for start in range(0, len(lines), lines_per_page):
        image = Image.new("L", (width, height), 250)
        draw = ImageDraw.Draw(image)
        for row, line in enumerate(lines[start:start + lines_per_page]):
            draw.text((margin, margin + int(row * size * 1.6)), line, font=font, fill=20)
        image = image.filter(ImageFilter.GaussianBlur(blur)).rotate(rotate, fillcolor=250, expand=False)
        pages.append((image, "\n".join(lines[start:start + lines_per_page])))
    return pages


def image_pdf(images: list, dpi: int = 200) -> bytes:
    """An image-only PDF (no text layer), one page per image."""
    buffer = io.BytesIO()
    first, *rest = [image.convert("RGB") for image in images]
    first.save(buffer, format="PDF", save_all=True, append_images=rest, resolution=dpi)
    return buffer.getvalue()


def text_pdf_page(text: str) -> bytes:
    """A one-page PDF with a real text layer (reportlab, CJK CID font)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setFont("STSong-Light", 12)
    y = 800
    for line in wrap(text, 38):
        pdf.drawString(50, y, line)
        y -= 18
    pdf.save()
    return buffer.getvalue()


def mixed_pdf(text_page: str, scanned_page_image) -> bytes:
    """Page 1 with a text layer, page 2 a scan."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for part in (text_pdf_page(text_page), image_pdf([scanned_page_image])):
        for page in PdfReader(io.BytesIO(part)).pages:
            writer.add_page(page)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


_OFD_NS = "http://www.ofdspec.org/2016"


def ofd_bytes(pages: list[str], title: str | None = None, chars_per_line: int = 28, font_mm: float = 5.0,
              split_runs: bool = True) -> bytes:
    """An OFD package (GB/T 33190): OFD.xml → Doc_0/Document.xml → Pages/Page_N/Content.xml.

    Each printed line is a TextObject; with ``split_runs`` every line is written as two
    TextCodes in reverse order (right half first), as generators often do, so the reader must
    order runs by position. Text is XML-escaped.
    """
    from xml.sax.saxutils import escape

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        info = f"<ofd:DocInfo><ofd:Title>{escape(title)}</ofd:Title></ofd:DocInfo>" if title else "<ofd:DocInfo/>"
        archive.writestr("OFD.xml", f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="{_OFD_NS}" '
                         f'Version="1.0" DocType="OFD"><ofd:DocBody>{info}<ofd:DocRoot>Doc_0/Document.xml'
                         "</ofd:DocRoot></ofd:DocBody></ofd:OFD>")
        page_refs = "".join(f'<ofd:Page ID="{n + 10}" BaseLoc="Pages/Page_{n}/Content.xml"/>' for n in range(len(pages)))
        archive.writestr("Doc_0/Document.xml", f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document '
                         f'xmlns:ofd="{_OFD_NS}"><ofd:CommonData><ofd:MaxUnitID>999</ofd:MaxUnitID><ofd:PageArea>'
                         '<ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea></ofd:CommonData>'
                         f"<ofd:Pages>{page_refs}</ofd:Pages></ofd:Document>")
        for n, text in enumerate(pages):
            objects = []
            for row, line in enumerate(wrap(text, chars_per_line)):
                if not line:
                    continue
                y = 25 + row * font_mm * 1.5
                half = len(line) // 2 if split_runs and len(line) > 1 else len(line)
                runs = [(0.0, line[:half]), (half * font_mm, line[half:])]
                if split_runs:
                    runs.reverse()
                codes = "".join(f'<ofd:TextCode X="{x:.2f}" Y="{font_mm:.2f}">{escape(part)}</ofd:TextCode>'
                                for x, part in runs if part)
                objects.append(f'<ofd:TextObject ID="{n * 1000 + row + 100}" Boundary="20 {y:.2f} 170 {font_mm * 1.4:.2f}" '
                               f'Font="1" Size="{font_mm}">{codes}</ofd:TextObject>')
            archive.writestr(f"Doc_0/Pages/Page_{n}/Content.xml",
                             f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="{_OFD_NS}"><ofd:Content>'
                             f'<ofd:Layer ID="{n + 5}">{"".join(objects)}</ofd:Layer></ofd:Content></ofd:Page>')
    return buffer.getvalue()


def streamed_bomb(path: Path, members: dict[str, bytes], bomb_name: str, bomb_bytes: int,
                  filler: bytes = b" ") -> Path:
    """A ZIP package with ordinary ``members`` plus ``bomb_name`` inflating to ``bomb_bytes``,
    written by streaming (never holding the payload in memory)."""
    block = filler * (1024 * 1024)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        with archive.open(bomb_name, "w", force_zip64=True) as handle:
            handle.write(b'<?xml version="1.0"?><w:document xmlns:w="x"><w:body><w:p><w:r><w:t>')
            written = 0
            while written < bomb_bytes:
                handle.write(block)
                written += len(block)
    return path


def deep_xml(depth: int, tag: str = "w:p", root: str = "w:document",
             namespace: str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main") -> bytes:
    prefix = root.split(":")[0]
    return (f'<?xml version="1.0"?><{root} xmlns:{prefix}="{namespace}">'.encode()
            + f"<{tag}>".encode() * depth + f"</{tag}>".encode() * depth + f"</{root}>".encode())


def without_space(text: str) -> str:
    return re.sub(r"\s+", "", text)


def char_accuracy(expected: str, got: str) -> float:
    """1 − (edit operations ÷ expected length), whitespace ignored. The edits are difflib's opcodes
    (each replaced/deleted/inserted stretch counts its longer side): an upper bound of the
    Levenshtein distance, fast on the near-identical texts compared here."""
    from difflib import SequenceMatcher

    a, b = without_space(expected), without_space(got)
    if not a:
        return 1.0 if not b else 0.0
    edits = sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in
                SequenceMatcher(None, a, b, autojunk=False).get_opcodes() if tag != "equal")
    return max(0.0, 1 - edits / len(a))
