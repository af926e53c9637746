"""Split cleaned text into retrieval chunks that follow the document's structure.

Headings (第X编/章/节, 第X条, 一、, （一）, 1., （1）, Markdown #) open new chunks and form each
chunk's heading path; paragraphs under one heading are packed up to ``target_chars``;
long paragraphs are cut only at sentence ends. Offsets are exact into the input text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from assistant.models import ChunkSpan

_CN = "一二三四五六七八九十百千零〇两"
_STRUCT_RE = re.compile(rf"^第[{_CN}\d]+([编章节])(?![\u4e00-\u9fff]{{0,1}}[的之中条])")
_ARTICLE_RE = re.compile(rf"^第[{_CN}\d]+条(?:之[{_CN}]+)?(?=[\s\u3000]|[\u4e00-\u9fff“《（(]|$)")
_CN_ITEM_RE = re.compile(rf"^[{_CN}]+[、．]")
_CN_PAREN_RE = re.compile(rf"^[（(][{_CN}]+[）)]")
_NUM_ITEM_RE = re.compile(r"^\d{1,2}[.．、](?!\d)")
_NUM_PAREN_RE = re.compile(r"^[（(]\d{1,2}[）)]")
_MARKDOWN_RE = re.compile(r"^(#{1,6})\s+(\S.*?)\s*#*\s*$")
_SENTENCE_RE = re.compile(r"[^。！？!?；;…]*(?:[。！？!?；;]+|…+)[”’」』）)\"']*")
_HEADING_TEXT_END_RE = re.compile(r"[。：:；;！？!?]")
_LINE_RE = re.compile(r"[^\n]+")

LEVEL_PART, LEVEL_CHAPTER, LEVEL_SECTION, LEVEL_ARTICLE = 1, 2, 3, 4
LEVEL_CN_ITEM, LEVEL_CN_PAREN, LEVEL_NUM_ITEM, LEVEL_NUM_PAREN = 5, 6, 7, 8
_STRUCT_LEVELS = {"编": LEVEL_PART, "章": LEVEL_CHAPTER, "节": LEVEL_SECTION}
_HEADING_ONLY_MAX = 50
_HEADING_TEXT_MAX = 40


@dataclass(frozen=True)
class _Unit:
    """One paragraph cut into sentence pieces, with its heading path and boundary kind."""

    pieces: tuple[tuple[int, int], ...]
    headings: tuple[str, ...]
    new_section: bool
    hard: bool


def heading_level(line: str) -> int | None:
    """Heading level of a line: 编/章/节 1–3, 第X条 4, 一、 5, （一） 6, 1. 7, （1） 8.

    Markdown headings use the level of their text when it is structural (## 第一章 → 2),
    otherwise the number of '#'. Returns None for ordinary paragraphs.
    """
    text = line.strip()
    markdown = _MARKDOWN_RE.match(text)
    if markdown:
        inner = heading_level(markdown.group(2))
        return inner if inner is not None and inner <= LEVEL_ARTICLE else len(markdown.group(1))
    struct = _STRUCT_RE.match(text)
    if struct:
        return _STRUCT_LEVELS[struct.group(1)]
    if _ARTICLE_RE.match(text):
        return LEVEL_ARTICLE
    for pattern, level in (
        (_CN_ITEM_RE, LEVEL_CN_ITEM),
        (_CN_PAREN_RE, LEVEL_CN_PAREN),
        (_NUM_ITEM_RE, LEVEL_NUM_ITEM),
        (_NUM_PAREN_RE, LEVEL_NUM_PAREN),
    ):
        if pattern.match(text):
            return level
    return None


def heading_text(line: str, level: int) -> str:
    """The label used in heading paths: the article label for 第X条, else the heading itself."""
    text = line.strip()
    markdown = _MARKDOWN_RE.match(text)
    if markdown:
        text = markdown.group(2)
    if level == LEVEL_ARTICLE:
        match = _ARTICLE_RE.match(text)
        return match.group() if match else text
    cut = _HEADING_TEXT_END_RE.search(text)
    text = text[: cut.start()] if cut else text
    return text[:_HEADING_TEXT_MAX].strip()


def is_heading_only(line: str, level: int | None) -> bool:
    """True for a short line that is only a heading (glued to the following text)."""
    if level is None:
        return False
    text = line.strip()
    if _MARKDOWN_RE.match(text) or (level <= LEVEL_SECTION and len(text) <= _HEADING_ONLY_MAX):
        return True
    if level == LEVEL_ARTICLE:
        return bool(_ARTICLE_RE.fullmatch(text))
    return len(text) <= 30 and not _HEADING_TEXT_END_RE.search(text[:-1])


def sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split ``text[start:end]`` into sentence spans (stripped), ending at 。！？；… and quotes."""
    spans: list[tuple[int, int]] = []
    position = start
    for match in _SENTENCE_RE.finditer(text, start, end):
        if match.end() > match.start():
            spans.append((match.start(), match.end()))
            position = match.end()
    if position < end:
        spans.append((position, end))
    return [stripped for stripped in (_strip_span(text, s, e) for s, e in spans) if stripped[1] > stripped[0]]


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink a span so it neither starts nor ends with whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _paragraphs(text: str) -> Iterator[tuple[int, int]]:
    """Spans of the non-blank lines of ``text`` (stripped)."""
    for match in _LINE_RE.finditer(text):
        start, end = _strip_span(text, match.start(), match.end())
        if end > start:
            yield start, end


def _units(text: str) -> list[_Unit]:
    """Turn paragraphs into units: heading-only lines glued to the next paragraph."""
    units: list[_Unit] = []
    stack: list[tuple[int, str]] = []
    pending_start: int | None = None
    pending_end = 0
    pending_hard = False
    first = True
    for start, end in _paragraphs(text):
        line = text[start:end]
        level = heading_level(line)
        is_title = first and level is not None and line.startswith("# ")
        first = False
        if level is not None and not is_title:
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, heading_text(line, level)))
        hard = level is not None and level <= LEVEL_CN_ITEM and not is_title
        if is_title or is_heading_only(line, level):
            if pending_start is None:
                pending_start = start
            pending_end, pending_hard = end, pending_hard or hard
            continue
        pieces = sentence_spans(text, start, end)
        new_section = level is not None or pending_start is not None
        if pending_start is not None:
            pieces[0] = (pending_start, pieces[0][1])
        units.append(_Unit(tuple(pieces), tuple(h for _, h in stack), new_section, hard or pending_hard))
        pending_start, pending_hard = None, False
    if pending_start is not None:
        units.append(_Unit(((pending_start, pending_end),), tuple(h for _, h in stack), True, pending_hard))
    return units


def _pack(units: list[_Unit], target_chars: int) -> list[tuple[int, int, tuple[str, ...], bool]]:
    """Greedily pack sentence pieces into chunks of about ``target_chars`` within sections."""
    chunks: list[tuple[int, int, tuple[str, ...], bool]] = []
    current: list = []  # [start, end, headings, hard]
    for unit in units:
        if unit.new_section and current:
            chunks.append(tuple(current))  # type: ignore[arg-type]
            current = []
        for index, (start, end) in enumerate(unit.pieces):
            if current and end - current[0] > target_chars:
                chunks.append(tuple(current))  # type: ignore[arg-type]
                current = []
            if not current:
                current = [start, end, unit.headings, unit.hard and index == 0]
            else:
                current[1] = end
    if current:
        chunks.append(tuple(current))  # type: ignore[arg-type]
    return chunks


def _merge_small(
    chunks: list[tuple[int, int, tuple[str, ...], bool]], min_chars: int, max_chars: int
) -> list[tuple[int, int, tuple[str, ...], bool]]:
    """Merge chunks shorter than ``min_chars`` into their predecessor when it stays ≤ max_chars.

    Chunks that start at a major heading (编/章/节/条/一、) are never merged backwards.
    """
    merged: list[tuple[int, int, tuple[str, ...], bool]] = []
    for chunk in chunks:
        if merged:
            previous = merged[-1]
            small = chunk[1] - chunk[0] < min_chars or previous[1] - previous[0] < min_chars
            if small and not chunk[3] and chunk[1] - previous[0] <= max_chars:
                merged[-1] = (previous[0], chunk[1], previous[2], previous[3])
                continue
        merged.append(chunk)
    return merged


def split_chunks(text: str, target_chars: int = 350, max_chars: int = 500, min_chars: int = 80) -> list[ChunkSpan]:
    """Split cleaned text into ordered, non-overlapping chunk spans with heading paths.

    Every non-whitespace character belongs to exactly one chunk; chunks end at a sentence
    end or a paragraph end, and exceed ``max_chars`` only when one sentence is longer.
    """
    target = min(target_chars, max_chars)
    packed = _pack(_units(text), target)
    return [ChunkSpan(start, end, headings) for start, end, headings, _ in _merge_small(packed, min_chars, max_chars)]
