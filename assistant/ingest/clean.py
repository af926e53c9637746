"""Clean extracted page text into paragraphs.

Pipeline (each step a small pure function): normalise characters → split lines →
drop page furniture (page-number footers, running heads/footers) → normalise spaces →
decide whether the text is hard-wrapped → join lines broken inside sentences → build the
final text (one paragraph per line) with a page map.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.models import CleanText, Page

# --- character classes -------------------------------------------------------------

_CJK = r"\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff01-\uff5e“”‘’—…·"
_SPACE_BETWEEN_CJK_RE = re.compile(rf"(?<=[{_CJK}]) (?=[{_CJK}A-Za-z0-9])|(?<=[{_CJK}A-Za-z0-9]) (?=[{_CJK}])")
_SPACED_LABEL_RE = re.compile(r"^([\u4e00-\u9fff])[ \u3000]+([\u4e00-\u9fff])(?=[ \u3000]*[：:])")
_WIDE_GAP_RE = re.compile(r"[ \u3000]{2,}")
_MULTI_SPACE_RE = re.compile(r" {2,}")
_ZERO_WIDTH_RE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")
_SOFT_HYPHEN_DIGITS_RE = re.compile(r"(?<=\d)\u00ad(?=\d)")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_ODD_SPACES_RE = re.compile(r"[\t\xa0\u1680\u2000-\u200a\u202f\u205f]")
_LINE_BREAKS_RE = re.compile(r"\r\n?|[\x0c\x0b\u2028\u2029\x85]")
_FULLWIDTH_ALNUM_RE = re.compile(r"[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
_COMPAT_CJK_RE = re.compile(r"[\u2e80-\u2fdf\uf900-\ufaff\ufb00-\ufb06]")

# --- line classes ------------------------------------------------------------------

_CN_NUM = "一二三四五六七八九十百千零〇两"
SENTENCE_END_RE = re.compile(r"[。！？!?；;：:…][”’」』）)\"'》]*$|[。！？!?][”’」』\"']?[）)]$")
HEADING_START_RE = re.compile(
    rf"^(?:第[{_CN_NUM}\d]+[编章节条部]"
    rf"|[{_CN_NUM}]+[、．.]"
    rf"|[（(][{_CN_NUM}]+[）)]"
    r"|\d{1,3}[.．、](?!\d)"
    r"|[（(]\d{1,3}[）)]"
    r"|[①-⑳]"
    r"|#{1,6}\s"
    r"|[一二三四五六七八九十]是[，,：:]"
    r"|附件\s*\d*[:：]?$|附件\d*[:：]"
    r")"
)
_ARTICLE_LINE_RE = re.compile(rf"^第[{_CN_NUM}\d]+条\s*\S")  # an article's first line: prose, not a bare heading
_LABEL_PREFIX_RE = re.compile(rf"^(?:#{{1,6}} )?(?:第[{_CN_NUM}\d]+(?:[编章节条]|部分) )?")
_DOC_NUMBER_LINE_RE = re.compile(r"^[\u4e00-\u9fff]{1,20}[〔\[［【(（]\s*\d{4}\s*[〕\]］】)）]\s*第?\s*\d+\s*号$")
_ORDER_NUMBER_LINE_RE = re.compile(r"^(?:[\u4e00-\u9fff]{0,20}令)?第\s*\d+\s*号$")
_DATE_LINE_RE = re.compile(
    r"^(?:\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|[一二三四五六七八九〇零○]{4}年[一二三四五六七八九十]{1,3}月[一二三四五六七八九十]{1,3}日)"
    r"(?:\s*印发|\s*发布|\s*公布)?$"
)
_PAREN_LINE_RE = re.compile(r"^[（(][^（）()]{1,60}[）)]$")
_SPEAKER_LINE_RE = re.compile(r"^[\u4e00-\u9fff·]{2,5}\s*[（(][^（）()]{2,40}[）)]$")

# --- markup left by web-page converters ------------------------------------------------

_MD_IMAGE_RE = re.compile(r"!\[[^\]]*\]\((?:[^()\s]|\([^()]*\))*(?:\s+\"[^\"]*\")?\)")
_MD_LINK_RE = re.compile(r"\[([^\[\]]*)\]\((?:[^()\s]|\([^()]*\))*(?:\s+\"[^\"]*\")?\)")
_MD_EMPHASIS_RE = re.compile(r"\*\*([^*]+)\*\*|__([^_]+)__|(?<![A-Za-z0-9])_([^_]+)_(?![A-Za-z0-9])")
_BARE_URL_LINE_RE = re.compile(r"^[\s*\-+>|]*(?:https?://|javascript:|www\.)\S*[\s|]*$", re.I)


def strip_markup(line: str) -> str | None:
    """One line without Markdown image embeds and link targets (a link keeps its text); None for a
    line that was only navigation — links, images and separators with next to no text of its own.

    Web pages saved as Markdown keep their menus, breadcrumbs and footers as link lists
    ("* [**首页**_Home_](http://…)", "[![Image 8](…)](…)"); quoting them helps nobody.
    """
    if "](" not in line and not _BARE_URL_LINE_RE.match(line):
        return line
    if _BARE_URL_LINE_RE.match(line):
        return None
    without_images = _MD_IMAGE_RE.sub("", line)
    links = _MD_LINK_RE.findall(without_images)
    outside = _MD_LINK_RE.sub("", without_images)
    text = _MD_LINK_RE.sub(lambda m: m.group(1), without_images)
    text = _MD_EMPHASIS_RE.sub(lambda m: next(g for g in m.groups() if g is not None), text)
    own_words = len(re.findall(r"[\u3400-\u9fffA-Za-z0-9]", outside))
    if (links or without_images != line) and own_words < 6:
        return None
    return text


# --- page furniture ----------------------------------------------------------------

_DASHED_PAGE_NO_RE = re.compile(r"^[-—–－‒―~～]+\s*\d{1,4}\s*[-—–－‒―~～]+$")
_PAGE_OF_RE = re.compile(
    r"^(?:第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
    r"|共\s*\d{1,4}\s*页\s*[,，]?\s*第\s*\d{1,4}\s*页"
    r"|(?:page|p\.)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?)$",
    re.I,
)
_LONE_NUMBER_RE = re.compile(r"^[-—–－\s]*\d{1,4}(?:\s*/\s*\d{1,4})?[-—–－\s]*$")
_EDGE_LINES = 2
_PROSE_PUNCT_RE = re.compile(r"[，。；]")
_WIDE_AMBIGUOUS = frozenset("“”‘’—…·※")
_INDENT_WIDTH = 2.0  # a printed paragraph's first line is indented by two characters


@dataclass(frozen=True)
class Line:
    """One normalised, stripped source line with its page, indentation and blank-line flags."""

    text: str
    page: int | None
    indented: bool = False
    blank_before: bool = False


# --- characters and spaces ---------------------------------------------------------


def normalize_chars(text: str) -> str:
    """Normalise line breaks, odd spaces, zero-width marks, full-width letters/digits.

    Chinese punctuation (，。（）：；！？) is deliberately left full-width; only compatibility
    ideographs, Kangxi radicals and ligatures get NFKC.
    """
    text = _LINE_BREAKS_RE.sub("\n", text)
    text = _SOFT_HYPHEN_DIGITS_RE.sub("-", text)
    text = _ZERO_WIDTH_RE.sub("", text)
    text = _ODD_SPACES_RE.sub(" ", text)
    text = _CONTROL_RE.sub("", text)
    text = _FULLWIDTH_ALNUM_RE.sub(lambda m: chr(ord(m.group()) - 0xFEE0), text)
    return _COMPAT_CJK_RE.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)


def normalize_spaces(line: str) -> str:
    """Collapse spaces in one line; drop spaces that extraction puts between Chinese characters.

    "国 务 院" → "国务院", "2019 年 8 月" → "2019年8月", "主  任：" → "主任："; spaces between Latin words or numbers
    stay, a wide gap (two or more spaces) between Chinese words becomes one space, and the
    space after a leading "第X章"/"第X条"/Markdown "#" label is kept.
    """
    line = line.replace("\t", " ").strip(" \u3000")
    line = _SPACED_LABEL_RE.sub(r"\1\2", line)  # "主  任：孙春兰" → "主任：孙春兰"
    label = _LABEL_PREFIX_RE.match(_MULTI_SPACE_RE.sub(" ", line.replace("\u3000", " ")))
    prefix = ""
    if label and label.group():
        prefix = label.group()
        line = line.replace("\u3000", " ")
        line = _MULTI_SPACE_RE.sub(" ", line)[len(prefix) :].lstrip()
    parts = [_SPACE_BETWEEN_CJK_RE.sub("", part.replace("\u3000", " ")) for part in _WIDE_GAP_RE.split(line)]
    return prefix + " ".join(part.strip() for part in parts if part.strip())


def visual_width(text: str) -> float:
    """Display width: wide (CJK/full-width) characters count 1, others 0.5."""
    return sum(1.0 if ch in _WIDE_AMBIGUOUS or unicodedata.east_asian_width(ch) in "WF" else 0.5 for ch in text)


# --- page furniture ----------------------------------------------------------------


def is_page_number_line(line: str, at_page_edge: bool) -> bool:
    """True for page-number footers: "— 1 —", "第 3 页 共 5 页", and lone numbers at page edges."""
    text = line.strip()
    if not text:
        return False
    if _DASHED_PAGE_NO_RE.match(text) or _PAGE_OF_RE.match(text):
        return True
    return at_page_edge and bool(_LONE_NUMBER_RE.match(text))


def edge_indices(lines: Sequence[str], count: int = _EDGE_LINES) -> set[int]:
    """Indices of the first and last ``count`` non-blank lines."""
    nonblank = [i for i, line in enumerate(lines) if line.strip()]
    return set(nonblank[:count]) | set(nonblank[-count:])


def drop_page_numbers(lines: Sequence[str], paginated: bool) -> list[str]:
    """Remove page-number lines; lone numbers only at the top or bottom of a real page."""
    edges = edge_indices(lines) if paginated else set()
    return [line for i, line in enumerate(lines) if not is_page_number_line(line, i in edges)]


def furniture_key(line: str) -> str:
    """Comparison key for running heads/footers: no spaces, digits folded to '#'."""
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", line))


def repeated_edge_keys(pages: Sequence[Sequence[str]], min_share: float = 0.6) -> set[str]:
    """Keys of lines that recur at the top or bottom of most pages (running heads/footers)."""
    if len(pages) < 3:
        return set()
    counts: Counter[str] = Counter()
    for lines in pages:
        counts.update({furniture_key(lines[i]) for i in edge_indices(lines)})
    needed = max(3, math.ceil(min_share * len(pages)))
    return {key for key, n in counts.items() if n >= needed and key}


def drop_running_furniture(pages: Sequence[Sequence[str]]) -> list[list[str]]:
    """Remove running heads/footers repeated at the top or bottom of most pages."""
    keys = repeated_edge_keys(pages)
    if not keys:
        return [list(lines) for lines in pages]
    result = []
    for lines in pages:
        edges = edge_indices(lines)
        result.append([line for i, line in enumerate(lines) if not (i in edges and furniture_key(line) in keys)])
    return result


# --- line classification -----------------------------------------------------------


def ends_sentence(line: str) -> bool:
    """True when the line ends with sentence-final punctuation (optionally closing quotes)."""
    return bool(SENTENCE_END_RE.search(line.rstrip()))


def starts_heading(line: str) -> bool:
    """True when the line starts with a heading or list-item marker."""
    return bool(HEADING_START_RE.match(line.lstrip()))


def is_standalone(line: str) -> bool:
    """Lines that are never joined with neighbours: 文号, dates, (notes), speaker lines."""
    text = line.strip()
    return bool(
        _DOC_NUMBER_LINE_RE.match(text)
        or _ORDER_NUMBER_LINE_RE.match(text)
        or _DATE_LINE_RE.match(text)
        or _PAREN_LINE_RE.match(text)
        or _SPEAKER_LINE_RE.match(text)
    )


def local_widths(widths: Sequence[float], radius: int = 8) -> list[float]:
    """For each line, the upper-quartile width of the lines around it (the local column width)."""
    result = []
    for i in range(len(widths)):
        window = sorted(widths[max(0, i - radius) : i + radius + 1])
        result.append(window[(3 * (len(window) - 1)) // 4])
    return result


def is_full_line(width: float, column_width: float, tolerance: float = 0.85) -> bool:
    """True when a line fills (almost) the whole local column width."""
    return column_width > 0 and width >= tolerance * column_width


def is_hard_wrapped(lines: Sequence[Line]) -> bool:
    """Detect hard-wrapped text (PDF/newspaper layout) rather than one paragraph per line.

    Hard-wrapped text has many lines that stop without sentence-final punctuation while
    filling the local column width, those lines are prose (they contain commas or full
    stops, unlike name lists or tables), and columns are narrow enough to be a printed line.
    """
    texts = [line.text for line in lines if line.text]
    if len(texts) < 4:
        return False
    widths = [visual_width(text) for text in texts]
    columns = local_widths(widths)
    open_full = [
        text
        for text, width, column in zip(texts, widths, columns)
        if not ends_sentence(text) and (not starts_heading(text) or _ARTICLE_LINE_RE.match(text))
        and is_full_line(width, column)
    ]
    prose = sum(1 for text in open_full if _PROSE_PUNCT_RE.search(text))
    median = sorted(widths)[len(widths) // 2]
    return (
        len(open_full) >= 3
        and len(open_full) / len(texts) >= 0.3
        and prose / len(open_full) >= 0.4
        and median <= 60
    )


def should_join(
    current: Line, nxt: Line, current_width: float, column_width: float, indent_is_signal: bool, para_start: bool
) -> bool:
    """Decide whether ``nxt`` continues the sentence of ``current`` in hard-wrapped text.

    ``para_start`` says ``current`` opens a paragraph; printed first lines are indented, so
    such a line counts as full two characters earlier (unless it is a heading).
    """
    if ends_sentence(current.text) or starts_heading(nxt.text):
        return False
    if is_standalone(current.text) or is_standalone(nxt.text):
        return False
    if indent_is_signal and nxt.indented:
        return False
    if para_start and not starts_heading(current.text):
        current_width += _INDENT_WIDTH
    return is_full_line(current_width, column_width)


def join_text(left: str, right: str) -> str:
    """Join two line fragments: a space only between Latin letters/digits."""
    if left and right and left[-1].isascii() and left[-1].isalnum() and right[0].isascii() and right[0].isalnum():
        return left + " " + right
    return left + right


# --- assembling --------------------------------------------------------------------


def page_lines(pages: Sequence[Page]) -> list[Line]:
    """Split pages into normalised lines, dropping page numbers and running heads/footers."""
    paginated = any(page.number is not None for page in pages)
    raw = [[kept for line in normalize_chars(page.text).split("\n") if (kept := strip_markup(line)) is not None]
           for page in pages]
    raw = [drop_page_numbers(lines, paginated) for lines in raw]
    if paginated:
        raw = drop_running_furniture(raw)
    result: list[Line] = []
    blank = False
    for page, lines in zip(pages, raw):
        for source in lines:
            text = normalize_spaces(source)
            if not text:
                blank = True
                continue
            indented = source[:1] in (" ", "\u3000")
            result.append(Line(text, page.number, indented, blank))
            blank = False
    return result


_UNIT_START_RE = re.compile(r"^(?:万元|亿元|万|亿|元|%|‰|个工作日|工作日|台|户|人次|人|平方米|公里|米|岁|倍|小时|天|年|月|日)")


def breaks_number(current: Line, nxt: Line) -> bool:
    """A line break between a number and its unit ("每台15" / "万元给予补助") is never a paragraph end."""
    return (current.text[-1:].isdigit() and bool(_UNIT_START_RE.match(nxt.text))
            and not is_standalone(current.text) and not nxt.blank_before)


def join_lines(lines: Sequence[Line], hard_wrapped: bool) -> list[list[Line]]:
    """Group lines into paragraphs; in hard-wrapped text, sentence-internal breaks are joined.

    A number split from its unit is joined whatever the layout."""
    if not lines:
        return []
    if not hard_wrapped:
        paragraphs: list[list[Line]] = [[lines[0]]]
        for previous, line in zip(lines, lines[1:]):
            if breaks_number(previous, line):
                paragraphs[-1].append(line)
            else:
                paragraphs.append([line])
        return paragraphs
    widths = [visual_width(line.text) for line in lines]
    columns = local_widths(widths)
    indent_share = sum(line.indented for line in lines) / len(lines)
    indent_is_signal = indent_share < 0.3
    paragraphs = [[lines[0]]]
    for i in range(1, len(lines)):
        previous = lines[i - 1]
        para_start = len(paragraphs[-1]) == 1
        if breaks_number(previous, lines[i]) or should_join(previous, lines[i], widths[i - 1], columns[i - 1],
                                                            indent_is_signal, para_start):
            paragraphs[-1].append(lines[i])
        else:
            paragraphs.append([lines[i]])
    return paragraphs


def assemble(paragraphs: Sequence[Sequence[Line]], first_page: int | None) -> CleanText:
    """Build the final text (paragraphs separated by one newline) and its page map."""
    parts: list[str] = []
    page_starts: list[tuple[int, int | None]] = [(0, first_page)]
    offset = 0
    current_page = first_page
    for paragraph in paragraphs:
        text = ""
        for line in paragraph:
            joined = join_text(text, line.text)
            if line.page != current_page:
                start = offset + len(joined) - len(line.text)
                if page_starts[-1][0] == start:
                    page_starts[-1] = (start, line.page)
                else:
                    page_starts.append((start, line.page))
                current_page = line.page
            text = joined
        parts.append(text)
        offset += len(text) + 1
    return CleanText("\n".join(parts), tuple(page_starts))


def clean_pages(pages: Sequence[Page], hard_wrapped: bool | None = None) -> CleanText:
    """Clean extracted pages into paragraphs with a page map.

    ``hard_wrapped`` forces or disables line joining; by default it is detected.
    """
    first_page = pages[0].number if pages else None
    lines = page_lines(pages)
    wrapped = is_hard_wrapped(lines) if hard_wrapped is None else hard_wrapped
    return assemble(join_lines(lines, wrapped), first_page)
