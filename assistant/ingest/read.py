"""Read source files (PDF, DOCX, XLSX, OFD, DOC/WPS/ET, images, TXT/MD, HTML) into :class:`RawDocument`.

The file type is decided by content (magic bytes, ZIP members, HTML markers), with the
file extension only as a hint. Every failure is reported as :class:`ReadError` whose
message is a single human-readable line. ZIP packages and XML are read within the limits of
:mod:`assistant.bounded`; :mod:`assistant.read_worker` runs this module in a separate process
with memory and time limits, which is how the ingest pipeline calls it.
"""

from __future__ import annotations

import codecs
import html as html_lib
import io
import logging
import re
import warnings
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from assistant.ingest.bounded import DEFAULT_LIMITS, BoundsError, ReadLimits, check_text_length, open_zip, refuse_dtds
from assistant.models import Page, RawDocument

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff")
SUPPORTED_SUFFIXES = (".pdf", ".docx", ".txt", ".md", ".html", ".htm", ".ofd", ".xlsx", ".doc", ".wps", ".et",
                      *IMAGE_SUFFIXES)
TEXT_SUFFIXES = (".txt", ".md", "")
HTML_SUFFIXES = (".html", ".htm")
OLE_SUFFIXES = (".doc", ".wps", ".et")
ProgressFn = Callable[[str, int, int], None]  # (stage, done, total), as store.ProgressFn

_MB = 1024 * 1024
_HTML_MARKERS = (b"<!doctype html", b"<html", b"<body", b"<head")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_TEXTLIKE_RE = re.compile(
    r"[\t\n\r\x20-\x7e\u00a0-\u024f\u2000-\u206f\u2190-\u25ff\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]"
)
_CJK_CHAR_RE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
_CHARSET_RE = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_MD_COMMENT_RE = re.compile(r"<!--.*?-->", re.S)
_MD_FRONT_MATTER_RE = re.compile(r"\A---\n.*?\n---[ \t]*(?:\n|\Z)", re.S)
_MD_TITLE_RE = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.M)
_JUNK_TITLE_RE = re.compile(
    r"^(?:untitled|无标题|microsoft word|document\d*|文档\d*|slide \d+|powerpoint presentation)$"
    r"|\.(?:docx?|pdf|wps|rtf|txt|html?)$",
    re.I,
)
_WORD_PREFIX_RE = re.compile(r"^microsoft\s+word\s*-\s*", re.I)
_SITE_SUFFIX_RE = re.compile(r"\s*[-_|—–]+\s*([^-_|—–]*(?:网站|门户|政府网|官网|人民政府|政务网)\s*)$")
_CHROME_LINE_RE = re.compile(
    r"字体大小|字号[:：]?\s*[【\[]?\s*[大中小]|【\s*打印\s*】|【\s*关闭\s*】|分享到[:：]?|扫一扫|当前位置[:：]|"
    r"^\s*(?:打印|关闭|返回顶部|上一篇|下一篇)\s*$"
)
_BULLET_LINE_RE = re.compile(r"^\s*[·•]\s*\S.{0,25}$")
_TAG_BLOCK_RE = re.compile(r"<(script|style|noscript|nav|header|footer|aside|form|template)\b.*?</\1\s*>", re.S | re.I)
_CONTAINER_RES = tuple(
    re.compile(rf"<{tag}\b[^>]*>(.*?)</{tag}\s*>", re.S | re.I) for tag in ("article", "main", "body")
)
_BLOCK_TAG_RE = re.compile(r"<\s*/?\s*(?:p|div|br|li|tr|h[1-6]|table|section|ul|ol|dd|dt|blockquote)\b[^>]*>", re.I)
_CELL_TAG_RE = re.compile(r"<\s*/\s*t[dh]\s*>", re.I)
_ANY_TAG_RE = re.compile(r"<[^>]+>")
_COMMENT_RE = re.compile(r"<!--.*?-->", re.S)
_H1_RE = re.compile(r"<h1\b[^>]*>(.*?)</h1\s*>", re.S | re.I)
_TITLE_TAG_RE = re.compile(r"<title\b[^>]*>(.*?)</title\s*>", re.S | re.I)

_KIND_NAMES = {"pdf": "PDF", "docx": "DOCX", "xlsx": "XLSX", "ofd": "OFD", "ole": "an old Office/WPS (OLE) file",
               "image": "an image", "html": "HTML", "text": "plain text"}
_EXPECTED_NAMES = {"pdf": "a PDF", "docx": "a DOCX", "xlsx": "an XLSX", "ofd": "an OFD",
                   "ole": "a Word/WPS (OLE) file", "image": "an image"}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_IMAGE_MAGICS = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")


class ReadError(Exception):
    """A file could not be read; ``str(error)`` is a one-line human reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(" ".join(str(reason).split()) or "unreadable file")


def sniff_kind(data: bytes, suffix: str) -> str | None:
    """Detect the content kind: "pdf", "docx", "xlsx", "ofd", "ole" (DOC/WPS/ET), "image", "html",
    "text" or None (unknown/binary).

    ``suffix`` (e.g. ".html") is only a hint, used to accept markup without an explicit
    ``<html>`` marker when the extension says HTML.
    """
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    if data.startswith(_OLE_MAGIC):
        return "ole"
    if data.startswith(_IMAGE_MAGICS):
        return "image"
    if b"\x00" in data[:8192] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "text" if utf16_without_bom(data) else None
    lowered = head.lstrip(codecs.BOM_UTF8).lstrip().lower()
    if any(marker in lowered for marker in _HTML_MARKERS):
        return "html"
    if suffix.lower() in HTML_SUFFIXES and lowered.startswith(b"<"):
        return "html"
    return "text"


def read_file(path: Path, max_bytes: int = 50 * _MB, limits: ReadLimits = DEFAULT_LIMITS,
              progress: ProgressFn | None = None, deadline: float | None = None) -> RawDocument:
    """Read one file into pages of raw text plus a title hint; raise ReadError on failure.

    ``progress`` hears about long steps (OCR: ``("ocr", page, pages)``); ``deadline`` (a
    ``time.monotonic()`` value) stops OCR and converters that would run past it.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    data = _load_bytes(path, max_bytes)
    kind = sniff_kind(data, suffix)
    expected = {".pdf": "pdf", ".docx": "docx", ".xlsx": "xlsx", ".ofd": "ofd"}.get(suffix)
    if suffix in OLE_SUFFIXES:
        expected = "ole"
    elif suffix in IMAGE_SUFFIXES:
        expected = "image"
    if (suffix in (".doc", ".wps") and kind == "docx") or (suffix == ".et" and kind == "xlsx"):
        expected = kind  # a newer format saved under the old extension is read as what it is
    if expected and kind != expected:
        raise ReadError(f"not {_EXPECTED_NAMES[expected]}: content is {_describe(data, kind)}")
    try:
        document = _read_kind(kind, data, path, suffix, limits, progress, deadline)
        check_text_length(sum(len(page.text) for page in document.pages), limits)
    except BoundsError as exc:
        raise ReadError(str(exc)) from None
    return document


def _read_kind(kind: str | None, data: bytes, path: Path, suffix: str, limits: ReadLimits,
               progress: ProgressFn | None, deadline: float | None) -> RawDocument:
    if kind == "pdf":
        return _read_pdf(data, path, limits, progress, deadline)
    if kind == "docx":
        return _read_docx(data, path, limits)
    if kind == "xlsx":
        from assistant.ingest.tables import read_xlsx

        return RawDocument(path=str(path), pages=(Page(None, read_xlsx(data, limits)),))
    if kind == "ofd":
        return _read_ofd(data, path, limits)
    if kind == "ole":
        from assistant.ingest.legacy_office import read_legacy

        return RawDocument(path=str(path), pages=(Page(None, read_legacy(path, suffix, deadline)),))
    if kind == "image":
        return _read_image(data, path, progress, deadline)
    if kind == "html":
        return _read_html(data, path)
    if kind == "text" and suffix in TEXT_SUFFIXES + HTML_SUFFIXES:
        return _read_text(data, path, markdown=suffix == ".md")
    if kind is None and suffix in TEXT_SUFFIXES + HTML_SUFFIXES:
        raise ReadError(f"not a text file: content is {_describe(data, kind)}")
    raise ReadError(f"unsupported file type: {suffix or _describe(data, kind)}")


def _read_ofd(data: bytes, path: Path, limits: ReadLimits) -> RawDocument:
    from assistant.ingest.ofd import read_ofd

    ofd = read_ofd(data, limits)
    pages = tuple(Page(number, text) for number, text in enumerate(ofd.pages, start=1))
    if not any(page.text.strip() for page in pages):
        raise ReadError("no extractable text in OFD (scanned pages?)")
    return RawDocument(path=str(path), pages=pages, title_hint=meaningful_title(ofd.title))


def _load_bytes(path: Path, max_bytes: int) -> bytes:
    """Return the file's bytes after existence, size and emptiness checks."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ReadError("file not found") from None
    except OSError as exc:
        raise ReadError(f"cannot access file: {exc.strerror or exc}") from None
    if not path.is_file():
        raise ReadError("not a regular file")
    if size > max_bytes:
        raise ReadError(f"file too large: {size / _MB:.1f} MB > {max_bytes / _MB:g} MB limit")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReadError(f"cannot read file: {exc.strerror or exc}") from None
    if not data.strip():
        raise ReadError("empty file")
    return data


def _zip_kind(data: bytes) -> str | None:
    """"docx", "xlsx" or "ofd" by the ZIP package's parts; None for other archives."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = {name.lstrip("/") for name in archive.namelist()}
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "OFD.xml" in names:
        return "ofd"
    return None


def _describe(data: bytes, kind: str | None) -> str:
    """A short description of what the content is, for error messages."""
    if kind in _KIND_NAMES:
        return _KIND_NAMES[kind]
    if data.startswith(b"PK\x03\x04"):
        return "a ZIP archive (not DOCX, XLSX or OFD)"
    if data.startswith(b"GIF8"):
        return "an image"
    return "binary data"


@contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """Silence pypdf's warnings and log records for the duration of the block."""
    logger = logging.getLogger("pypdf")
    previous = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(previous)


def _short_message(exc: BaseException) -> str:
    """First line of an exception message, truncated, falling back to its type name."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:120]


def _read_pdf(data: bytes, path: Path, limits: ReadLimits = DEFAULT_LIMITS, progress: ProgressFn | None = None,
              deadline: float | None = None) -> RawDocument:
    """One Page per PDF page: pypdf's text layer where it is good, OCR where a page has none or
    only garbage (scanned pages; mixed PDFs page by page)."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError

    with _quiet_pypdf():
        try:
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                try:
                    unlocked = reader.decrypt("")
                except (DependencyError, FileNotDecryptedError, NotImplementedError):
                    unlocked = 0
                if not unlocked:
                    raise ReadError("encrypted PDF (password protected)")
            texts: list[str] = []
            scanned: list[int] = []
            ruled: list[int] = []  # pages drawing enough lines to hold a table
            for i, page in enumerate(reader.pages):
                text = page.extract_text() or ""
                texts.append(text)
                check_text_length(sum(map(len, texts)), limits)
                if not _text_layer_good(text) and _page_has_images(page):
                    scanned.append(i)
                elif _page_has_rulings(page):
                    ruled.append(i)
            title = _pdf_title(reader)
        except (ReadError, BoundsError):
            raise
        except FileNotDecryptedError:
            raise ReadError("encrypted PDF (password protected)") from None
        except Exception as exc:  # pypdf raises many exception types on damaged files
            raise ReadError(f"broken PDF: {_short_message(exc)}") from None
    if not texts:
        raise ReadError("broken PDF: no pages")
    if ruled:
        texts = _pdf_tables(data, texts, ruled)
    if scanned:
        texts = _ocr_pdf_pages(data, texts, scanned, progress, deadline)
    pages = tuple(Page(i + 1, text) for i, text in enumerate(texts))
    if not any(page.text.strip() for page in pages):
        raise ReadError("no extractable text (scanned PDF without recognisable text?)" if scanned
                        else "no extractable text (empty PDF?)")
    return RawDocument(path=str(path), pages=pages, title_hint=title)


def _text_layer_good(text: str) -> bool:
    from assistant.ingest.ocr import text_layer_is_good

    return text_layer_is_good(text)


def _page_has_images(page: object) -> bool:
    """True when the page draws an image or a form (what a scanner produces)."""
    try:
        resources = page.get("/Resources") or {}  # type: ignore[attr-defined]
        xobjects = resources.get("/XObject") if hasattr(resources, "get") else None
        return bool(xobjects)
    except Exception:  # damaged resource dictionaries: let OCR decide
        return True


_RULING_RE = re.compile(rb"\s(?:re|l)\s")


def _page_has_rulings(page: object, minimum: int = 8) -> bool:
    """Cheap pre-check before table detection: the page draws at least ``minimum`` lines/rectangles."""
    try:
        contents = page.get_contents()  # type: ignore[attr-defined]
        data = contents.get_data() if contents is not None else b""
    except Exception:  # unreadable content stream: no tables found
        return False
    return len(_RULING_RE.findall(data[:2_000_000])) >= minimum


def _pdf_tables(data: bytes, texts: list[str], pages: list[int]) -> list[str]:
    """Pages with ruled tables re-read by pdfplumber: text above, between and below tables, and
    each table as rows that keep their header (tables.table_lines)."""
    try:
        import pdfplumber

        from assistant.ingest.tables import table_lines
    except ImportError:
        return texts
    texts = list(texts)
    try:
        with _quiet_pypdf(), pdfplumber.open(io.BytesIO(data)) as pdf:
            for index in pages:
                page = pdf.pages[index]
                tables = sorted(page.find_tables(), key=lambda t: t.bbox[1])
                tables = [t for t in tables if len(t.rows) >= 2 and len(t.rows[0].cells) >= 2]
                if not tables:
                    continue
                parts: list[str] = []
                top = 0.0
                for table in tables:
                    x0, y0, x1, y1 = table.bbox
                    if y0 > top:
                        parts.append(page.crop((0, top, page.width, y0)).extract_text() or "")
                    parts.extend(table_lines(table.extract()))
                    top = max(top, y1)
                if top < page.height:
                    parts.append(page.crop((0, top, page.width, page.height)).extract_text() or "")
                texts[index] = "\n".join(part for part in parts if part.strip())
    except Exception:  # pdfminer trouble: keep pypdf's text
        return texts
    return texts


def _ocr_pdf_pages(data: bytes, texts: list[str], scanned: list[int], progress: ProgressFn | None,
                   deadline: float | None) -> list[str]:
    """Replace the text of the ``scanned`` pages by OCR, reporting ("ocr", done, total)."""
    from assistant.ingest.ocr import OcrError, check_deadline, ocr_image, render_pdf_page

    texts = list(texts)
    try:
        for done, index in enumerate(scanned):
            if progress:
                progress("ocr", done, len(scanned))
            check_deadline(deadline, done, len(scanned))
            recognised = ocr_image(render_pdf_page(data, index))
            if len("".join(recognised.split())) >= len("".join(texts[index].split())):
                texts[index] = recognised
        if progress:
            progress("ocr", len(scanned), len(scanned))
    except OcrError as exc:
        raise ReadError(str(exc)) from None
    except Exception as exc:  # pdfium errors on pages pypdf could parse
        raise ReadError(f"broken PDF page for OCR: {_short_message(exc)}") from None
    return texts


def _read_image(data: bytes, path: Path, progress: ProgressFn | None, deadline: float | None) -> RawDocument:
    """A scanned image (PNG/JPEG/TIFF, multi-page TIFF too) read by OCR, one page per frame."""
    from assistant.ingest.ocr import OcrError, check_deadline, image_frames, ocr_image

    try:
        frames = image_frames(data)
        texts = []
        for done, frame in enumerate(frames):
            if progress:
                progress("ocr", done, len(frames))
            check_deadline(deadline, done, len(frames))
            texts.append(ocr_image(frame))
        if progress:
            progress("ocr", len(frames), len(frames))
    except OcrError as exc:
        raise ReadError(str(exc)) from None
    if not any(text.strip() for text in texts):
        raise ReadError("no text recognised in the image")
    return RawDocument(path=str(path), pages=tuple(Page(i + 1, t) for i, t in enumerate(texts)))


def _pdf_title(reader: object) -> str | None:
    """The PDF metadata title, if present and meaningful."""
    try:
        metadata = reader.metadata  # type: ignore[attr-defined]
        title = metadata.title if metadata else None
    except Exception:  # damaged info dictionaries are common and harmless
        return None
    return meaningful_title(title)


def meaningful_title(title: object) -> str | None:
    """Clean a format-level title; None when empty or boilerplate (file names, "Untitled")."""
    if not isinstance(title, str):
        return None
    text = " ".join(_WORD_PREFIX_RE.sub("", title).split())
    if len(text) < 2 or _JUNK_TITLE_RE.search(text):
        return None
    if not re.search(r"[\u4e00-\u9fff]{2}|[A-Za-z]{4}", text):
        return None
    return text


def _read_docx(data: bytes, path: Path, limits: ReadLimits = DEFAULT_LIMITS) -> RawDocument:
    """Paragraphs and tables of a DOCX body, in document order, as one unnumbered page."""
    with open_zip(data, "DOCX", limits) as archive:
        refuse_dtds(archive, "DOCX")
    try:
        import docx

        document = docx.Document(io.BytesIO(data))
        lines = list(_docx_block_lines(document.element.body, document))
        title = meaningful_title(document.core_properties.title)
    except ReadError:
        raise
    except Exception as exc:  # python-docx / lxml errors on damaged packages
        raise ReadError(f"broken DOCX: {_short_message(exc)}") from None
    text = "\n".join(lines).strip("\n")
    if not text.strip():
        raise ReadError("no extractable text (empty document)")
    return RawDocument(path=str(path), pages=(Page(None, text),), title_hint=title)


def _docx_block_lines(element: object, parent: object) -> Iterator[str]:
    """Yield text lines for the block-level children of a DOCX body or content control."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for child in element.iterchildren():  # type: ignore[attr-defined]
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            yield Paragraph(child, parent).text
        elif tag == "tbl":
            yield from _docx_table_lines(Table(child, parent))
        elif tag == "sdt":
            for content in child.iterchildren():
                if content.tag.rsplit("}", 1)[-1] == "sdtContent":
                    yield from _docx_block_lines(content, parent)


def _docx_table_lines(table: object) -> Iterator[str]:
    """One line per table row with each value labelled by its column header (tables.table_lines);
    merged cells appear in every grid position they cover."""
    from assistant.ingest.tables import table_lines

    grid = [[cell.text for cell in row.cells] for row in table.rows]  # type: ignore[attr-defined]
    yield from table_lines(grid)


def decode_text(data: bytes) -> str:
    """Decode text bytes: UTF-8 (BOM stripped), UTF-16 with BOM, else clean GB18030."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ReadError("text is not UTF-8 or GB18030") from None
    if b"\x00" in data[:8192]:  # UTF-8 allows NUL; UTF-16 of Latin text is full of them
        utf16 = utf16_without_bom(data)
        if utf16 is not None:
            return utf16
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    utf16 = utf16_without_bom(data)
    if utf16 is not None:
        return utf16
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise ReadError("text is not UTF-8, UTF-16 or GB18030") from None
    if not looks_like_text(text):
        raise ReadError("text is not UTF-8, UTF-16 or GB18030")
    return text


def utf16_without_bom(data: bytes) -> str | None:
    """The text, when the bytes are UTF-16 (LE or BE) without a byte-order mark; else None.

    Detected when one byte order decodes to ordinary text (``looks_like_text``) and, for text
    without NUL bytes (all CJK), when that text is mostly CJK — GB18030 reads of such bytes are not.
    """
    if len(data) < 4 or len(data) % 2:
        return None
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if not looks_like_text(text):
            continue
        sample = text[:20000]
        if b"\x00" in data[:8192] or len(_CJK_CHAR_RE.findall(sample)) >= 0.6 * len(sample.strip() or "x"):
            return text
    return None


def looks_like_text(text: str) -> bool:
    """True when nearly all characters are ordinary Latin/CJK text characters."""
    if not text:
        return False
    sample = text[:20000]
    if _CONTROL_RE.search(sample):
        return False
    ordinary = len(_TEXTLIKE_RE.findall(sample))
    return ordinary / len(sample) >= 0.97


def normalize_newlines(text: str) -> str:
    """Convert CRLF/CR line endings to LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _read_text(data: bytes, path: Path, markdown: bool) -> RawDocument:
    """Read a plain text or Markdown file as one unnumbered page."""
    text = normalize_newlines(decode_text(data)).lstrip("\ufeff")
    title = None
    if markdown:
        text = _MD_COMMENT_RE.sub("", _MD_FRONT_MATTER_RE.sub("", text))
        match = _MD_TITLE_RE.search(text)
        title = match.group(1).strip() if match else None
    if not text.strip():
        raise ReadError("empty file")
    return RawDocument(path=str(path), pages=(Page(None, text),), title_hint=title)


def decode_html(data: bytes) -> str:
    """Decode HTML bytes using the BOM, the declared charset, UTF-8 or GB18030."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    candidates: list[str] = []
    match = _CHARSET_RE.search(data[:4096])
    if match:
        candidates.append(match.group(1).decode("ascii").lower())
    candidates += ["utf-8", "gb18030"]
    for encoding in candidates:
        if encoding in ("gb2312", "gbk"):
            encoding = "gb18030"
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("utf-8", errors="replace")


def _read_html(data: bytes, path: Path) -> RawDocument:
    """Extract the main article text of an HTML page (not menus or footers)."""
    from assistant.ingest.tables import html_tables_to_paragraphs

    markup = decode_html(data)
    text = html_main_text(html_tables_to_paragraphs(markup))
    if not text.strip():
        raise ReadError("no extractable text in HTML page")
    return RawDocument(path=str(path), pages=(Page(None, text),), title_hint=html_title(markup))


def html_main_text(markup: str) -> str:
    """Main text via trafilatura (precision first, then recall), else a tag-stripping fallback."""
    import trafilatura

    text = ""
    for precision in (True, False):
        try:
            extracted = trafilatura.extract(
                markup,
                include_tables=True,
                include_comments=False,
                include_images=False,
                include_links=False,
                favor_precision=precision,
                deduplicate=False,
            )
        except Exception:  # trafilatura/lxml can choke on odd markup; fall back below
            extracted = None
        text = strip_page_chrome(extracted or "")
        if len(text) >= 200:
            break
    if not text.strip():
        text = strip_page_chrome(fallback_html_text(markup))
    return text


def strip_page_chrome(text: str) -> str:
    """Drop chrome lines left in extracted text: font-size/print widgets and link lists."""
    lines = [line for line in normalize_newlines(text).split("\n") if not _CHROME_LINE_RE.search(line)]
    kept: list[str] = []
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and _BULLET_LINE_RE.match(lines[j]):
            j += 1
        if j - i >= 4:  # a run of short bullet items is a link list (e.g. agency menus)
            i = j
            continue
        kept.append(lines[i])
        i += 1
    return "\n".join(kept).strip()


def fallback_html_text(markup: str) -> str:
    """Crude main text: the <article>, <main> or <body> content with tags stripped."""
    cleaned = _TAG_BLOCK_RE.sub(" ", _COMMENT_RE.sub(" ", markup))
    content = cleaned
    for pattern in _CONTAINER_RES:
        match = pattern.search(cleaned)
        if match:
            content = match.group(1)
            break
    content = _CELL_TAG_RE.sub(" | ", content)
    content = _BLOCK_TAG_RE.sub("\n", content)
    content = html_lib.unescape(_ANY_TAG_RE.sub("", content))
    lines = (" ".join(line.split()) for line in content.split("\n"))
    return "\n".join(line.strip(" |") for line in lines if line.strip(" |"))


def html_title(markup: str) -> str | None:
    """Page title: trafilatura metadata, else <h1>, else <title>; site-name suffixes removed."""
    import trafilatura

    candidates: list[str | None] = []
    try:
        metadata = trafilatura.extract_metadata(markup)
        candidates.append(metadata.title if metadata else None)
    except Exception:  # metadata extraction is best-effort
        pass
    for pattern in (_H1_RE, _TITLE_TAG_RE):
        match = pattern.search(markup)
        if match:
            candidates.append(html_lib.unescape(_ANY_TAG_RE.sub("", match.group(1))))
    for candidate in candidates:
        title = meaningful_title(_SITE_SUFFIX_RE.sub("", " ".join((candidate or "").split())))
        if title:
            return title
    return None
