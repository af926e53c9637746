"""Read OFD files (GB/T 33190, the national format for electronic 公文) into pages of text.

An OFD file is a ZIP package: ``OFD.xml`` names each document's root (``DocRoot``, e.g.
``Doc_0/Document.xml``), which lists its pages (``Pages/Page/@BaseLoc`` → ``Content.xml``). A
page's text is in ``TextObject`` elements (``Boundary="x y w h"``) holding ``TextCode`` runs
(``X``/``Y`` offsets inside the boundary). Runs are put in reading order — top to bottom, lines
grouped by baseline, left to right inside a line — one text line per visual line.

Only the standard library and defusedxml: every XML part is parsed without DTDs or entities and
with a nesting limit; the package is checked for size, entry count and compression ratio first.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from assistant.ingest.bounded import DEFAULT_LIMITS, BoundsError, ReadLimits, children, descendants, local_name, open_zip, parse_xml, read_member

_WHAT = "OFD"


@dataclass(frozen=True)
class TextRun:
    x: float
    y: float
    size: float
    text: str


@dataclass(frozen=True)
class OfdText:
    pages: tuple[str, ...]  # text of each page, in page order
    title: str | None


def _floats(value: str | None, count: int) -> list[float]:
    parts = (value or "").replace(",", " ").split()
    numbers = []
    for part in parts[:count]:
        try:
            numbers.append(float(part))
        except ValueError:
            numbers.append(0.0)
    return numbers + [0.0] * (count - len(numbers))


def page_runs(page: Element) -> list[TextRun]:
    """Every TextCode of a page's content with its absolute position."""
    runs: list[TextRun] = []
    for obj in descendants(page, "TextObject"):
        bx, by, _, bh = _floats(obj.get("Boundary"), 4)
        size = _floats(obj.get("Size"), 1)[0] or bh or 3.5
        for code in children(obj, "TextCode"):
            text = "".join(code.itertext())
            if not text.strip():
                continue
            x, y = _floats(code.get("X"), 1)[0], _floats(code.get("Y"), 1)[0]
            runs.append(TextRun(bx + x, by + y, size, text))
    return runs


def runs_to_text(runs: list[TextRun]) -> str:
    """Runs in reading order: lines by baseline (within half a glyph), left to right."""
    lines: list[list[TextRun]] = []
    for run in sorted(runs, key=lambda r: (r.y, r.x)):
        if lines and abs(run.y - lines[-1][0].y) <= max(run.size, lines[-1][0].size) * 0.5:
            lines[-1].append(run)
        else:
            lines.append([run])
    return "\n".join("".join(r.text for r in sorted(line, key=lambda r: r.x)) for line in lines)


def _resolve(base_dir: str, location: str) -> str:
    location = location.strip().replace("\\", "/")
    path = location.lstrip("/") if location.startswith("/") else posixpath.join(base_dir, location)
    normal = posixpath.normpath(path)
    if normal.startswith("../") or normal == "..":
        raise BoundsError(f"broken {_WHAT}: part path {location[:60]} leaves the package")
    return normal


def read_ofd(data: bytes, limits: ReadLimits = DEFAULT_LIMITS) -> OfdText:
    """Text of every page of every document in the package; BoundsError on any problem."""
    archive = open_zip(data, _WHAT, limits)
    with archive:
        names = {name.lstrip("/"): name for name in archive.namelist()}

        def xml(path: str) -> Element:
            if path not in names:
                raise BoundsError(f"broken {_WHAT}: missing part {path[:80]}")
            return parse_xml(read_member(archive, names[path], _WHAT), f"{_WHAT} {path[:60]}", limits)

        root = xml("OFD.xml")
        if local_name(root.tag) != "OFD":
            raise BoundsError(f"broken {_WHAT}: OFD.xml has no OFD root element")
        title = None
        pages: list[str] = []
        for body in children(root, "DocBody"):
            for info in children(body, "DocInfo"):
                for node in children(info, "Title"):
                    title = title or "".join(node.itertext()).strip() or None
            for doc_root in children(body, "DocRoot"):
                doc_path = _resolve("", "".join(doc_root.itertext()))
                document = xml(doc_path)
                doc_dir = posixpath.dirname(doc_path)
                for pages_node in children(document, "Pages"):
                    for page in children(pages_node, "Page"):
                        location = page.get("BaseLoc")
                        if not location:
                            continue
                        pages.append(runs_to_text(page_runs(xml(_resolve(doc_dir, location)))))
        if not pages:
            raise BoundsError(f"broken {_WHAT}: no pages")
        return OfdText(tuple(pages), title)
