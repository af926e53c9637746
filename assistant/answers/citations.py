"""Citation markers in answers: parse ``[n]``, check them against the sources given, mark gaps.

Pure functions over text. An answer may only cite the numbered sources it was given: a marker
that points nowhere is removed, and a sentence without any marker is labelled ``（无出处）`` so a
member can tell a sourced statement from an unsourced one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

UNSUPPORTED = "（无出处）"

# Markers as models write them: [1], [1, 2], [1][2], full-width ［1］ and 【1】.
_ANY_MARKER = re.compile(r"[\[［【]\s*(\d+(?:\s*[,，、]\s*\d+)*)\s*[\]］】]")
MARKER = re.compile(r"\[(\d+)\]")
# A sentence ends at these; a marker written right after the terminator still belongs to it.
_SENTENCE = re.compile(r"[^。！？!?；;\n]*(?:[。！？!?；;]+(?:[ \t]*\[\d+\])*|\n|$)")
_WORD = re.compile(r"[\u3400-\u9fffA-Za-z0-9]")
_MIN_CLAIM_CHARS = 8  # shorter fragments (headings, "综上：") are not claims that need a source


@dataclass(frozen=True)
class Checked:
    """An answer after verification: ``cited`` in order of first use, ``removed`` the invalid numbers."""

    text: str
    cited: tuple[int, ...]
    removed: tuple[int, ...]
    unsupported: int  # sentences that carry no marker


def normalize_markers(text: str) -> str:
    """Rewrite every marker form as plain ``[n]``: ``【1、2】`` → ``[1][2]``."""

    def plain(match: re.Match) -> str:
        return "".join(f"[{n}]" for n in re.findall(r"\d+", match.group(1)))

    return _ANY_MARKER.sub(plain, text)


def parse_markers(text: str) -> list[int]:
    """Source numbers cited in ``text``, in order of first appearance, without repeats."""
    seen: list[int] = []
    for match in MARKER.finditer(normalize_markers(text)):
        n = int(match.group(1))
        if n not in seen:
            seen.append(n)
    return seen


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` with their terminators and trailing markers; concatenation is ``text``."""
    return [m.group() for m in _SENTENCE.finditer(text) if m.group()]


def _is_claim(sentence: str) -> bool:
    body = MARKER.sub("", sentence).strip()
    if body.endswith(("：", ":")) or body.startswith(("#", "（无出处）")):
        return False
    return len(_WORD.findall(body)) >= _MIN_CLAIM_CHARS


def _mark(sentence: str) -> str:
    stripped = sentence.rstrip("\n")
    return stripped + UNSUPPORTED + sentence[len(stripped):]


def verify(text: str, source_count: int, mark_unsupported: bool = True) -> Checked:
    """Drop markers outside ``1..source_count``, collapse repeats, and mark sentences without a marker."""
    text = normalize_markers(text)
    removed: list[int] = []

    def keep(match: re.Match) -> str:
        n = int(match.group(1))
        if 1 <= n <= source_count:
            return match.group()
        if n not in removed:
            removed.append(n)
        return ""

    text = MARKER.sub(keep, text)
    text = re.sub(r"(\[\d+\])(?:\1)+", r"\1", text)  # [1][1] → [1]
    unsupported = 0
    sentences = []
    for sentence in split_sentences(text):
        if mark_unsupported and not MARKER.search(sentence) and _is_claim(sentence):
            sentence = _mark(sentence)
            unsupported += 1
        sentences.append(sentence)
    text = "".join(sentences)
    return Checked(text=text, cited=tuple(parse_markers(text)), removed=tuple(removed), unsupported=unsupported)


def renumber(text: str, mapping: dict[int, int]) -> str:
    """Replace ``[old]`` by ``[mapping[old]]``; markers missing from ``mapping`` are removed."""
    return MARKER.sub(lambda m: f"[{mapping[int(m.group(1))]}]" if int(m.group(1)) in mapping else "", text)
