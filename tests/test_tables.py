"""Tables become rows that keep their header, in DOCX, HTML, PDF (ruled, pdfplumber) and XLSX, merged
headers included; a question about a row finds that row with its header. Tables are our own."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest

from assistant.ingest.read import read_file
from assistant.ingest.tables import table_lines

FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
TITLE = "江州市既有住宅加装电梯财政补助标准"
INTRO = "为推进既有住宅加装电梯工作，现将市级财政补助标准公布如下。"
ROWS = [  # 补助对象 | 补助标准（新建） | 补助标准（改造）  — the first header cell spans two rows
    ["老旧小区加装电梯", "每台20万元", "每台15万元"],
    ["无障碍坡道", "每处3万元", "每处2万元"],
]
ROW_LINE = "补助对象：老旧小区加装电梯；补助标准（新建）：每台20万元；补助标准（改造）：每台15万元"
OUTRO = "补助资金由区财政部门在验收合格后拨付。"


def test_table_lines_keep_headers_merged_headers_and_section_rows() -> None:
    assert table_lines([["项目", "金额"], ["补贴", "100元"]]) == ["项目：补贴；金额：100元"]
    merged = [["补助对象", "补助标准", "补助标准"], ["补助对象", "新建", "改造"], *ROWS]
    assert table_lines(merged)[0] == ROW_LINE
    with_gaps = [["补助对象", "补助标准", None], [None, "新建", "改造"], *ROWS]  # what pdfplumber/openpyxl give
    assert table_lines(with_gaps)[0] == ROW_LINE
    sections = [["序号", "任务", "牵头单位"], ["一、城镇", "一、城镇", "一、城镇"], ["1", "加装电梯", "市住建局"]]
    assert table_lines(sections) == ["一、城镇", "序号：1；任务：加装电梯；牵头单位：市住建局"]
    assert table_lines([["2023", "15"], ["2024", "18"]]) == ["2023 | 15", "2024 | 18"]  # no header: cells as they are


def _docx(path: Path) -> Path:
    document = docx.Document()
    document.add_paragraph(TITLE)
    document.add_paragraph(INTRO)
    table = document.add_table(rows=2 + len(ROWS), cols=3)
    table.cell(0, 0).merge(table.cell(1, 0)).text = "补助对象"
    table.cell(0, 1).merge(table.cell(0, 2)).text = "补助标准"
    table.cell(1, 1).text, table.cell(1, 2).text = "新建", "改造"
    for r, row in enumerate(ROWS, start=2):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.add_paragraph(OUTRO)
    document.save(path)
    return path


def _pdf(path: Path) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(TTFont("WQY", FONT, subfontIndex=0))
    style = ParagraphStyle("cn", fontName="WQY", fontSize=11, leading=16, wordWrap="CJK")
    grid = [["补助对象", "补助标准", ""], ["", "新建", "改造"], *ROWS]
    table = Table(grid, colWidths=[150, 120, 120])
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), "WQY"), ("GRID", (0, 0), (-1, -1), 0.5, "black"),
                               ("SPAN", (0, 0), (0, 1)), ("SPAN", (1, 0), (2, 0))]))
    SimpleDocTemplate(str(path), pagesize=A4).build([Paragraph(TITLE, style), Paragraph(INTRO, style), table,
                                                      Paragraph(OUTRO, style)])
    return path


def _html(path: Path) -> Path:
    rows = "".join(f"<tr>{''.join(f'<td>{v}</td>' for v in row)}</tr>" for row in ROWS)
    path.write_text(f"<html><head><title>{TITLE}</title></head><body><article><h1>{TITLE}</h1><p>{INTRO}</p>"
                    '<table><tr><th rowspan="2">补助对象</th><th colspan="2">补助标准</th></tr>'
                    f"<tr><th>新建</th><th>改造</th></tr>{rows}</table><p>{OUTRO}</p></article></body></html>",
                    encoding="utf-8")
    return path


def _xlsx(path: Path) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["补助对象", "补助标准", None])
    sheet.append([None, "新建", "改造"])
    for row in ROWS:
        sheet.append(row)
    sheet.merge_cells("A1:A2")
    sheet.merge_cells("B1:C1")
    workbook.save(path)
    return path


@pytest.mark.parametrize("make", [_docx, _pdf, _html, _xlsx], ids=["docx", "pdf", "html", "xlsx"])
def test_each_format_reads_table_rows_with_their_header(make, tmp_path) -> None:
    suffix = {"_docx": ".docx", "_pdf": ".pdf", "_html": ".html", "_xlsx": ".xlsx"}[make.__name__]
    text = "\n".join(page.text for page in read_file(make(tmp_path / f"补助标准{suffix}")).pages)
    assert ROW_LINE in text, text
    assert "补助对象：无障碍坡道；补助标准（新建）：每处3万元；补助标准（改造）：每处2万元" in text
    if suffix != ".xlsx":
        assert text.index(INTRO) < text.index(ROW_LINE) < text.index(OUTRO)


def test_a_question_about_a_row_finds_the_row_with_its_header(make_assistant, tmp_path) -> None:
    assistant = make_assistant()
    report = assistant.ingest([_pdf(tmp_path / "补助标准.pdf"), _xlsx(tmp_path / "补助标准表.xlsx")])
    assert not report.failed, report.failed
    hits = assistant.search("老旧小区加装电梯改造的补助标准是多少", k=3)
    assert ROW_LINE in hits[0].text
