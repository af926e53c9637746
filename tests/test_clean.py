"""Tests for assistant.clean: small pure functions plus acceptance on real shared inputs."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

from assistant.ingest.clean import (
    Line,
    clean_pages,
    drop_page_numbers,
    drop_running_furniture,
    ends_sentence,
    is_hard_wrapped,
    is_page_number_line,
    is_standalone,
    join_lines,
    normalize_chars,
    normalize_spaces,
    page_lines,
    starts_heading,
    visual_width,
)
from assistant.models import Page
from assistant.ingest.read import read_file

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpus"
PDF = SHARED / "pdf" / "发改办财金规〔2019〕860号.pdf"
REFERENCE = SHARED / "pdf" / "发改办财金规〔2019〕860号.reference.txt"
SPEECHES = next((SHARED / "speeches").glob("*.txt"))
FOOTER_RE = re.compile(r"^[-—–－]+\s*\d+\s*[-—–－]+$")


def _strip_ws(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_page_number_lines() -> None:
    for footer in ("— 1 —", "- 2 -", "－3－", "第 3 页 共 5 页", "第3页", "共5页 第2页", "Page 4 of 9"):
        assert is_page_number_line(footer, at_page_edge=False), footer
    assert is_page_number_line("12", at_page_edge=True)
    assert not is_page_number_line("12", at_page_edge=False)
    assert not is_page_number_line("第三条 本办法自公布之日起施行。", at_page_edge=True)


def test_drop_page_numbers_only_at_edges() -> None:
    lines = ["正文第一行", "正文第二行", "3", "正文第三行", "正文第四行", "7"]
    assert drop_page_numbers(lines, paginated=True) == lines[:-1]
    assert drop_page_numbers(["正文", "— 2 —"], paginated=False) == ["正文"]


def test_drop_running_heads_and_footers() -> None:
    bodies = ["春季工作安排。", "夏季防汛准备。", "秋季收购计划。", "冬季供暖保障。"]
    pages = [["某某市人民政府公报 2024年第1期", body, f"内部资料 第{i}页"] for i, body in enumerate(bodies, 1)]
    cleaned = drop_running_furniture(pages)
    assert cleaned == [[body] for body in bodies]
    two_pages = [["标题", "正文。"], ["标题", "正文。"]]
    assert drop_running_furniture(two_pages) == [list(p) for p in two_pages]


def test_normalize_chars_keeps_chinese_punctuation() -> None:
    text = normalize_chars("ＡＢＣ１２３，。（）：；！？\u3000\xa0x\u200by（2014\xad2020年）⾏\r\n")
    assert text.startswith("ABC123，。（）：；！？")
    assert "\u200b" not in text and "xy" in text
    assert "2014-2020" in text
    assert "行" in text and "⾏" not in text
    assert text.endswith("\n") and "\r" not in text


def test_normalize_spaces() -> None:
    assert normalize_spaces("国 务 院 办 公 厅") == "国务院办公厅"
    assert normalize_spaces("2019 年 8 月 20 日") == "2019年8月20日"
    assert normalize_spaces("Hello  world and 2024 data") == "Hello world and 2024 data"
    assert normalize_spaces("\u3000\u3000第一章\u3000总\u3000则") == "第一章 总则"
    assert normalize_spaces("第十条  为了规范") == "第十条 为了规范"
    assert normalize_spaces("## 第二章 监督 管理") == "## 第二章 监督管理"
    assert normalize_spaces("总理\u3000\u3000李克强") == "总理 李克强"
    assert normalize_spaces("主  任：孙春兰\u3000\u3000国务院副总理") == "主任：孙春兰 国务院副总理"  # a spaced label
    assert normalize_spaces("\t a\tb ") == "a b"


def test_visual_width() -> None:
    assert visual_width("中文") == 2
    assert visual_width("ab12") == 2
    assert visual_width("“中”") == 3


def test_line_classes() -> None:
    assert ends_sentence("这是一句话。")
    assert ends_sentence("他说：“好。”")
    assert ends_sentence("如下：")
    assert not ends_sentence("这是半句话，")
    assert not ends_sentence("一、总体要求")
    for heading in ("第三章 附则", "第十条 内容", "一、总体要求", "（一）加强领导", "1.材料", "（2）说明", "## 标题"):
        assert starts_heading(heading), heading
    assert not starts_heading("2019年1月1日起施行")
    assert not starts_heading("2.5亿元资金")
    for line in ("国办函〔2006〕82号", "2019年8月20日", "二〇〇四年八月十二日", "（此件公开发布）", "刘玲（某区政协主席）"):
        assert is_standalone(line), line
    assert not is_standalone("各省、自治区、直辖市人民政府：")


def _wrapped(lines: list[str]) -> list[Line]:
    return [Line(text, 1) for text in lines]


def test_join_lines_in_hard_wrapped_text() -> None:
    lines = _wrapped(
        [
            "关于加强示例工作的通知",
            "为进一步做好示例工作，现就有关事项通知如下：",
            "一、总体要求",
            "各地区要充分认识示例工作的重要意义，切实加强",
            "组织领导，明确工作责任，确保各项任务落到实处，",
            "推动工作取得实效。",
            "（一）加强统筹协调",
            "各部门要建立协调机制，及时研究解决工作中遇到",
            "的困难和问题。",
            "某某市人民政府办公厅",
            "2024年5月16日",
        ]
    )
    paragraphs = ["".join(line.text for line in group) for group in join_lines(lines, hard_wrapped=True)]
    assert paragraphs == [
        "关于加强示例工作的通知",
        "为进一步做好示例工作，现就有关事项通知如下：",
        "一、总体要求",
        "各地区要充分认识示例工作的重要意义，切实加强组织领导，明确工作责任，确保各项任务落到实处，推动工作取得实效。",
        "（一）加强统筹协调",
        "各部门要建立协调机制，及时研究解决工作中遇到的困难和问题。",
        "某某市人民政府办公厅",
        "2024年5月16日",
    ]


def test_one_paragraph_per_line_text_is_not_joined() -> None:
    text = "国务院办公厅关于调整\n示例委员会组成人员的通知\n国办发〔2018〕1号\n主任：张三\u3000\u3000某部部长\n副主任：李四\u3000\u3000某局局长\n王五\u3000\u3000某委副主任\n"
    lines = page_lines([Page(None, text)])
    assert not is_hard_wrapped(lines)
    cleaned = clean_pages([Page(None, text)])
    assert cleaned.text.split("\n")[3:] == ["主任：张三 某部部长", "副主任：李四 某局局长", "王五 某委副主任"]


def test_page_map_and_blank_lines() -> None:
    pages = [Page(1, "第一页的内容。\n\n\n— 1 —"), Page(2, "第二页的内容。\n— 2 —")]
    cleaned = clean_pages(pages)
    assert cleaned.text == "第一页的内容。\n第二页的内容。"
    assert cleaned.page_at(0) == 1
    assert cleaned.page_at(cleaned.text.index("第二页")) == 2
    assert clean_pages([]).text == ""


def test_pdf_matches_reference() -> None:
    cleaned = clean_pages(read_file(PDF).pages)
    reference = REFERENCE.read_text(encoding="utf-8")
    ours, theirs = _strip_ws(cleaned.text), _strip_ws(reference)
    ratio = difflib.SequenceMatcher(None, ours, theirs, autojunk=False).ratio()
    assert ratio >= 0.98, ratio
    lines = cleaned.text.split("\n")
    assert not any(FOOTER_RE.match(line.strip()) for line in lines)
    assert "— 1 —" not in cleaned.text
    # Every line that stops mid-sentence must stop where a reference line stops too.
    reference_ends = [_strip_ws(line).rstrip("。") for line in reference.split("\n") if line.strip()]
    for line in lines:
        if not ends_sentence(line):
            assert any(_strip_ws(line).endswith(end) for end in reference_ends), line
    # Page map: page 2 starts where the second page's text starts.
    starts = dict((number, offset) for offset, number in cleaned.page_starts)
    assert sorted(starts) == [1, 2, 3, 4, 5]
    assert cleaned.text[starts[2] :].startswith("经济发展")


def test_newspaper_speeches_become_paragraphs() -> None:
    raw = SPEECHES.read_text(encoding="utf-8")
    cleaned = clean_pages(read_file(SPEECHES).pages)
    raw_lines = [line for line in raw.split("\n") if line.strip()]
    lines = cleaned.text.split("\n")
    assert len(lines) * 5 < len(raw_lines)
    assert "\n\n" not in cleaned.text
    speaker = re.compile(r"^[\u4e00-\u9fff]{2,4}（[^（）]+）$")
    ok = 0
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if ends_sentence(line) or speaker.match(line) or speaker.match(following) or index == 0:
            ok += 1
    assert ok / len(lines) >= 0.95
    assert _strip_ws(cleaned.text) == _strip_ws(raw)  # nothing lost, only line breaks and spaces
