"""Text from documents shown inert: no tag, image or link in a document ever reaches the page as markup.

``inert_text`` escapes a piece of text for a Markdown message (chat log) so that it shows exactly
as written: HTML-significant characters become entities and Markdown punctuation is
backslash-escaped. ``inert_markdown`` keeps the structure of Markdown the app itself wrote
(headings, lists, quotes) while disarming what pieces of documents inside it could do: raw HTML
and images. For HTML, ``html.escape`` is used everywhere.
"""

from __future__ import annotations

import re

_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_MARKDOWN = set("\\`*_{}[]()#+-.!|~$\"'")


def inert_text(text: str) -> str:
    """``text`` for a Markdown renderer that shows it literally (no HTML, links, images, emphasis)."""
    out = []
    for ch in text or "":
        if ch in _HTML:
            out.append(_HTML[ch])
        elif ch in _MARKDOWN:
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


_IMAGE = re.compile(r"!\[")


def inert_markdown(markdown: str) -> str:
    """App-written Markdown with document text inside: structure kept, HTML and images disarmed."""
    text = (markdown or "").replace("&", "&amp;").replace("<", "&lt;")
    return _IMAGE.sub(r"!\\[", text)
