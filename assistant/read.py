"""Read source files (PDF, DOCX, TXT/MD, HTML) into :class:`RawDocument`.

The file type is decided by content (magic bytes, ZIP members, HTML markers), with the
file extension only as a hint. Every failure is reported as :class:`ReadError` whose
message is a single human-readable line.
"""

from __future__ import annotations

import codecs
import html as html_lib
import io
import logging
import re
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from assistant.models import Page, RawDocument

SUPPORTED_SUFFIXES = (".pdf", ".docx", ".txt", ".md", ".html", ".htm")
TEXT_SUFFIXES = (".txt", ".md", "")
HTML_SUFFIXES = (".html", ".htm")

_MB = 1024 * 1024
_HTML_MARKERS = (b"<!doctype html", b"<html", b"<body", b"<head")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_TEXTLIKE_RE = re.compile(
    r"[\t\n\r\x20-\x7e\u00a0-\u024f\u2000-\u206f\u2190-\u25ff\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]"
)
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

_KIND_NAMES = {"pdf": "PDF", "docx": "DOCX", "html": "HTML", "text": "plain text"}


class ReadError(Exception):
    """A file could not be read; ``str(error)`` is a one-line human reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(" ".join(str(reason).split()) or "unreadable file")


def sniff_kind(data: bytes, suffix: str) -> str | None:
    """Detect the content kind: "pdf", "docx", "html", "text" or None (unknown/binary).

    ``suffix`` (e.g. ".html") is only a hint, used to accept markup without an explicit
    ``<html>`` marker when the extension says HTML.
    """
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "docx" if _zip_has_docx(data) else None
    if b"\x00" in data[:8192] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    lowered = head.lstrip(codecs.BOM_UTF8).lstrip().lower()
    if any(marker in lowered for marker in _HTML_MARKERS):
        return "html"
    if suffix.lower() in HTML_SUFFIXES and lowered.startswith(b"<"):
        return "html"
    return "text"


def read_file(path: Path, max_bytes: int = 50 * _MB) -> RawDocument:
    """Read one file into pages of raw text plus a title hint; raise ReadError on failure."""
    path = Path(path)
    suffix = path.suffix.lower()
    data = _load_bytes(path, max_bytes)
    kind = sniff_kind(data, suffix)
    expected = {".pdf": "pdf", ".docx": "docx"}.get(suffix)
    if expected and kind != expected:
        raise ReadError(f"not a {_KIND_NAMES[expected]}: content is {_describe(data, kind)}")
    if kind == "pdf":
        return _read_pdf(data, path)
    if kind == "docx":
        return _read_docx(data, path)
    if kind == "html":
        return _read_html(data, path)
    if kind == "text" and suffix in TEXT_SUFFIXES + HTML_SUFFIXES:
        return _read_text(data, path, markdown=suffix == ".md")
    raise ReadError(f"unsupported file type: {suffix or _describe(data, kind)}")


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


def _zip_has_docx(data: bytes) -> bool:
    """True when the ZIP archive contains a Word main document part."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _describe(data: bytes, kind: str | None) -> str:
    """A short description of what the content is, for error messages."""
    if kind in _KIND_NAMES:
        return _KIND_NAMES[kind]
    if data.startswith(b"PK\x03\x04"):
        return "a ZIP archive (not DOCX)"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return "an old Office (OLE) file"
    if data.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
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


def _read_pdf(data: bytes, path: Path) -> RawDocument:
    """Extract one Page per PDF page with pypdf."""
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
            pages = tuple(Page(i + 1, page.extract_text() or "") for i, page in enumerate(reader.pages))
            title = _pdf_title(reader)
        except ReadError:
            raise
        except FileNotDecryptedError:
            raise ReadError("encrypted PDF (password protected)") from None
        except Exception as exc:  # pypdf raises many exception types on damaged files
            raise ReadError(f"broken PDF: {_short_message(exc)}") from None
    if not pages:
        raise ReadError("broken PDF: no pages")
    if not any(page.text.strip() for page in pages):
        raise ReadError("no extractable text (scanned PDF?)")
    return RawDocument(path=str(path), pages=pages, title_hint=title)


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


def _read_docx(data: bytes, path: Path) -> RawDocument:
    """Paragraphs and tables of a DOCX body, in document order, as one unnumbered page."""
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
    """One line per table row, cells joined by " | " (merged cells counted once)."""
    for row in table.rows:  # type: ignore[attr-defined]
        cells: list[str] = []
        seen: list[object] = []
        for cell in row.cells:
            if any(cell._tc is other for other in seen):
                continue
            seen.append(cell._tc)
            cells.append(" ".join(cell.text.split()))
        if any(cells):
            yield " | ".join(cells)


def decode_text(data: bytes) -> str:
    """Decode text bytes: UTF-8 (BOM stripped), UTF-16 with BOM, else clean GB18030."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ReadError("text is not UTF-8 or GB18030") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise ReadError("text is not UTF-8 or GB18030") from None
    if not looks_like_text(text):
        raise ReadError("text is not UTF-8 or GB18030")
    return text


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
    markup = decode_html(data)
    text = html_main_text(markup)
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
