"""Tables as text rows that keep their header: "补助对象：老旧小区；标准：每台18万元".

A table arrives as a grid of cell texts with merged cells already expanded (the same text in
every grid position a merged cell covers, or "" where a reader cannot tell). ``table_lines``
finds the header rows — one, or two when the first row has horizontally merged cells over
sub-headers ("补助标准" over "新建 | 改造" → "补助标准（新建）") — and turns every body row into
one line of "header：value" pairs. Rows that are one merged cell (section rows) stay as they
are; a grid without a usable header (single column, numeric first row) is written cell by cell.

Readers: DOCX (read.py), HTML (``html_tables_to_paragraphs``), PDF (pdfplumber, read.py) and
XLSX (``read_xlsx``: openpyxl read-only, inside the ZIP limits).
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Sequence

from assistant.ingest.bounded import DEFAULT_LIMITS, BoundsError, ReadLimits, open_zip, refuse_dtds

_NUMBER_RE = re.compile(r"^[\d\s.,，%％+\-－/元万亿年月日个台人次]*$")
_TABLE_RE = re.compile(r"<table\b.*?</table\s*>", re.S | re.I)
_MAX_TABLE_CELLS = 200_000


def _clean(cell: object) -> str:
    return " ".join(str(cell if cell is not None else "").split())


def _is_label(cell: str) -> bool:
    return bool(cell) and not _NUMBER_RE.match(cell) and len(cell) <= 40


def fill_merged(rows: Sequence[Sequence[object]]) -> list[list[str]]:
    """Square the grid and fill cells a reader left empty under/after a merged header cell.

    Only header-like rows (the first two) are filled from the left; body cells stay as given.
    """
    width = max((len(row) for row in rows), default=0)
    grid = [[_clean(cell) for cell in row] + [""] * (width - len(row)) for row in rows]
    for row in grid[:2]:
        for i in range(1, width):
            if not row[i] and row[i - 1]:
                row[i] = row[i - 1]
    return grid


def header_of(grid: list[list[str]]) -> tuple[list[str], int]:
    """(column names, number of header rows); ([], 0) when the first row is not a header."""
    if not grid or len(grid[0]) < 2:
        return [], 0
    first = grid[0]
    if sum(_is_label(cell) for cell in first) < max(2, len(first) - 1) or len(set(first)) < 2:
        return [], 0
    merged = any(first[i] == first[i - 1] for i in range(1, len(first)))
    if merged and len(grid) > 2:
        second = grid[1]
        if all(_is_label(cell) or not cell for cell in second) and any(
            second[i] != first[i] for i in range(len(first)) if second[i]
        ):
            names = []
            for top, sub in zip(first, second):
                names.append(top if not sub or sub == top else (f"{top}（{sub}）" if top else sub))
            return names, 2
    return list(first), 1


def table_lines(rows: Sequence[Sequence[object]]) -> list[str]:
    """One text line per body row, each value labelled with its column header."""
    grid = [row for row in fill_merged(rows) if any(row)]
    if not grid:
        return []
    names, skip = header_of(grid)
    if not names:
        return [" | ".join(_dedupe(row)) for row in grid]
    lines = []
    for row in grid[skip:]:
        values = _dedupe(row)
        if len(values) == 1 and len(row) > 2:  # a merged section row ("一、城镇老旧小区")
            lines.append(values[0])
            continue
        pairs = []
        used: set[int] = set()
        for i, (name, value) in enumerate(zip(names, row)):
            if not value or i in used:
                continue
            if i and row[i - 1] == value and names[i - 1] != name and i - 1 in used:
                continue  # a body cell merged across columns: said once
            used.add(i)
            pairs.append(value if value == name else f"{name}：{value}")
        if pairs:
            lines.append("；".join(pairs))
    return lines


def _dedupe(row: Sequence[str]) -> list[str]:
    """Cells of a row with horizontally repeated (merged) values said once."""
    out: list[str] = []
    for cell in row:
        if cell and (not out or out[-1] != cell):
            out.append(cell)
    return out


# --- HTML --------------------------------------------------------------------------------

def html_grid(table_markup: str) -> list[list[str]]:
    """The cell grid of one HTML table, colspan/rowspan expanded (nested tables flattened)."""
    from lxml import html as lxml_html

    try:
        table = lxml_html.fragment_fromstring(table_markup)
    except Exception:  # lxml raises on odd fragments; the caller keeps the markup
        return []
    grid: list[list[str]] = []
    pending: dict[tuple[int, int], str] = {}
    for r, tr in enumerate(table.iter("tr")):
        row: list[str] = []
        c = 0
        for cell in tr:
            if cell.tag not in ("td", "th"):
                continue
            while (r, c) in pending:
                row.append(pending.pop((r, c)))
                c += 1
            text = _clean(cell.text_content())
            span = _span(cell.get("colspan"))
            down = _span(cell.get("rowspan"))
            for k in range(span):
                row.append(text)
                for d in range(1, down):
                    pending[(r + d, c + k)] = text
            c += span
            if len(grid) * max(len(row), 1) > _MAX_TABLE_CELLS:
                return grid
        while (r, c) in pending:
            row.append(pending.pop((r, c)))
            c += 1
        grid.append(row)
    return grid


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 50))
    except ValueError:
        return 1


def html_tables_to_paragraphs(markup: str) -> str:
    """Replace every (outermost) <table> by <p> rows that keep their header."""

    def replace(match: re.Match) -> str:
        lines = table_lines(html_grid(match.group(0)))
        if not lines:
            return match.group(0)
        return "".join(f"<p>{html_lib.escape(line)}</p>" for line in lines)

    return _TABLE_RE.sub(replace, markup)


# --- XLSX --------------------------------------------------------------------------------

def read_xlsx(data: bytes, limits: ReadLimits = DEFAULT_LIMITS) -> str:
    """Every sheet as table rows (openpyxl read-only, values not formulas), sheets in order."""
    with open_zip(data, "XLSX", limits) as archive:
        refuse_dtds(archive, "XLSX")
    import io

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types on damaged packages
        raise BoundsError(f"broken XLSX: {str(exc).splitlines()[0][:100] if str(exc) else type(exc).__name__}") from None
    parts: list[str] = []
    chars = 0
    try:
        sheets = workbook.worksheets
        for sheet in sheets:
            rows: list[list[object]] = []
            for row in sheet.iter_rows(values_only=True):
                rows.append(list(row))
                chars += sum(len(str(v)) for v in row if v is not None)
                if chars > limits.max_text_chars or len(rows) * max(len(row), 1) > 5 * _MAX_TABLE_CELLS:
                    raise BoundsError(f"XLSX sheet {sheet.title[:40]} too large to read")
            lines = table_lines(_trim(rows))
            if lines:
                if len(sheets) > 1:
                    parts.append(sheet.title)
                parts.extend(lines)
    finally:
        workbook.close()
    if not parts:
        raise BoundsError("no text in XLSX (empty sheets)")
    return "\n".join(parts)


def _trim(rows: list[list[object]]) -> list[list[object]]:
    """Drop empty trailing columns (read-only sheets report their whole dimension)."""
    width = 0
    for row in rows:
        for i in range(len(row) - 1, -1, -1):
            if row[i] not in (None, ""):
                width = max(width, i + 1)
                break
    return [row[:width] for row in rows if any(v not in (None, "") for v in row[:width])]

