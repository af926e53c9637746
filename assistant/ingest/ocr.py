"""Offline OCR for scanned pages: rapidocr 3.x (PP-OCR models bundled in the wheel) on onnxruntime.

Why rapidocr 3.x rather than rapidocr-onnxruntime 1.4.4: on rendered scans of the shared texts it
was as fast on 2 cores and more accurate (see docs/benchmarks.md), it installs
``opencv-python-headless`` (no GUI libraries) and it has no Python < 3.13 limit.

``ocr_image`` returns one text line per visual line (boxes grouped by their vertical centre,
ordered left to right), with two ideographic spaces in front of a line that starts indented, so
the ordinary cleaning (:func:`assistant.clean.clean_pages`) joins lines into paragraphs as it
does for text PDFs. ``pdf_page_needs_ocr`` decides per page whether the text layer is good.
"""

from __future__ import annotations

import io
import re
import time
from functools import lru_cache

OCR_DPI = 150  # rendering resolution for PDF pages (see docs/benchmarks.md: speed vs accuracy)
_INDENT = "\u3000\u3000"
_GOOD_CHAR_RE = re.compile(
    r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffefA-Za-z0-9\s.,;:!?()\[\]%/\-+“”‘’《》、—…·]"
)


class OcrError(Exception):
    """OCR could not run or took too long; ``str(error)`` is a one-line reason."""


@lru_cache(maxsize=1)
def _engine():
    """The OCR engine, loaded once per process (a few hundred ms; the reader worker keeps it)."""
    try:
        from rapidocr import RapidOCR
    except ImportError:
        raise OcrError("OCR is not installed: pip install rapidocr onnxruntime") from None
    import logging

    # Upright scans: no angle classifier. Detection on the page scaled to at most 960 px (text lines
    # are still found; recognition reads the crops at full resolution): about 20% less CPU per page.
    engine = RapidOCR(params={"Global.log_level": "critical", "Global.use_cls": False,
                              "Det.limit_type": "max", "Det.limit_side_len": 960})
    logging.getLogger("RapidOCR").setLevel(logging.CRITICAL)
    return engine


def text_layer_is_good(text: str) -> bool:
    """True when a PDF page's extracted text is real text, not empty or encoding garbage."""
    compact = "".join(text.split())
    if len(compact) < 10:
        return False
    good = len(_GOOD_CHAR_RE.findall(compact))
    return good / len(compact) >= 0.85


def lines_from_boxes(boxes: list, texts: list[str]) -> str:
    """Group OCR boxes (4 corner points each) into visual lines, top to bottom, left to right."""
    items = []
    for box, text in zip(boxes, texts):
        ys = [point[1] for point in box]
        xs = [point[0] for point in box]
        items.append((sum(ys) / 4, max(ys) - min(ys), min(xs), text))
    if not items:
        return ""
    lines: list[list[tuple]] = []
    for item in sorted(items, key=lambda i: (i[0], i[2])):
        if lines and abs(item[0] - lines[-1][0][0]) <= 0.5 * max(item[1], lines[-1][0][1]):
            lines[-1].append(item)
        else:
            lines.append([item])
    heights = sorted(item[1] for item in items)
    char = heights[len(heights) // 2] or 1.0  # a character is about as wide as a line is high
    left = min(min(item[2] for item in line) for line in lines)
    out = []
    for line in lines:
        line.sort(key=lambda i: i[2])
        text = "".join(item[3] for item in line)
        out.append((_INDENT if line[0][2] - left >= 1.5 * char else "") + text)
    return "\n".join(out)


def ocr_image(image) -> str:
    """Text of one page image (PIL image or numpy array)."""
    import numpy as np

    array = np.asarray(image.convert("RGB")) if hasattr(image, "convert") else image
    try:
        result = _engine()(array)
    except OcrError:
        raise
    except Exception as exc:  # onnxruntime / opencv errors on odd images
        raise OcrError(f"OCR failed: {str(exc).splitlines()[0][:100] if str(exc) else type(exc).__name__}") from None
    if result is None or result.boxes is None or not result.txts:
        return ""
    return lines_from_boxes(result.boxes.tolist(), list(result.txts))


def check_deadline(deadline: float | None, done: int, total: int) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise OcrError(f"OCR took longer than the time limit ({done} of {total} pages read)")


def image_frames(data: bytes) -> list:
    """The pages of a PNG/JPEG/TIFF file as PIL images (multi-page TIFF gives several)."""
    from PIL import Image, ImageSequence

    Image.MAX_IMAGE_PIXELS = 120_000_000  # about A0 at 300 dpi; larger is refused as a bomb
    try:
        image = Image.open(io.BytesIO(data))
        frames = [frame.convert("RGB") for frame in ImageSequence.Iterator(image)]
    except Image.DecompressionBombError:
        raise OcrError("image too large (decompression bomb?)") from None
    except Exception as exc:  # PIL raises many types on damaged images
        raise OcrError(f"broken image: {str(exc).splitlines()[0][:100] if str(exc) else type(exc).__name__}") from None
    return frames


def render_pdf_page(data: bytes, index: int, dpi: int = OCR_DPI):
    """One PDF page rendered to a PIL image with pdfium."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    try:
        page = document[index]
        return page.render(scale=dpi / 72, grayscale=True).to_pil()
    finally:
        document.close()
