"""Tests for assistant.chunk: structure, sizes, exact offsets, and real shared documents."""

from __future__ import annotations

import re
from pathlib import Path

from assistant.ingest.chunk import heading_level, sentence_spans, split_chunks
from assistant.ingest.clean import clean_pages
from assistant.models import ChunkSpan
from assistant.ingest.read import read_file

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpus"
FINAL = tuple("。！？!?；;…”’」』）)\"'")


def _check_invariants(text: str, spans: list[ChunkSpan]) -> None:
    """Offsets exact and stripped, ordered, non-overlapping, covering all non-whitespace text."""
    previous_end = 0
    for span in spans:
        chunk = text[span.start : span.end]
        assert chunk and chunk == chunk.strip()
        assert span.start >= previous_end
        assert not text[previous_end : span.start].strip(), text[previous_end : span.start]
        previous_end = span.end
    assert not text[previous_end:].strip()


def _ends_ok(text: str, span: ChunkSpan) -> bool:
    """A chunk ends at sentence-final punctuation or at a paragraph (line) end."""
    return text[span.end - 1] in FINAL or span.end == len(text) or text[span.end] == "\n"


def test_heading_levels() -> None:
    assert heading_level("第一编 总则") == 1
    assert heading_level("第二章 监督管理") == 2
    assert heading_level("第三节 一般规定") == 3
    assert heading_level("第十条 国家实行……") == 4
    assert heading_level("一、总体要求") == 5
    assert heading_level("（一）加强领导") == 6
    assert heading_level("1.材料") == 7 and heading_level("2、流程") == 7
    assert heading_level("（1）说明") == 8
    assert heading_level("## 第一章 总则") == 2
    assert heading_level("### 附录") == 3
    assert heading_level("2019年1月1日起施行。") is None
    assert heading_level("第二章的规定适用于本节。") is None
    assert heading_level("普通段落。") is None


def test_sentence_spans() -> None:
    text = "第一句。第二句！“第三句？”第四句没有结尾"
    spans = sentence_spans(text, 0, len(text))
    assert [text[s:e] for s, e in spans] == ["第一句。", "第二句！", "“第三句？”", "第四句没有结尾"]


LAW = """# 江州市示例条例
## 第一章 总则
第一条 为了规范示例管理，保障公民合法权益，根据有关法律，结合本市实际，制定本条例。
第二条 本条例适用于本市行政区域内的示例管理活动。
## 第二章 监督管理
第十条 市主管部门负责示例工作的监督管理。
区主管部门负责本辖区的具体工作。
第十一条 任何单位和个人不得妨碍监督检查。
"""


def test_law_articles_start_chunks_with_paths() -> None:
    spans = split_chunks(LAW)
    _check_invariants(LAW, spans)
    heads = [s.headings for s in spans]
    assert ("第二章 监督管理", "第十条") in heads
    assert ("第一章 总则", "第一条") in heads
    assert ("第二章 监督管理", "第十一条") in heads
    assert all("江州市示例条例" not in "".join(h) for h in heads)
    # Every article starts its own chunk; heading-only lines are glued to what follows.
    for span in spans:
        chunk = LAW[span.start : span.end]
        assert len(re.findall(r"^第[一二三四五六七八九十]+条", chunk, re.M)) <= 1
        assert not chunk.endswith(("总则", "监督管理"))
    tenth = next(s for s in spans if s.headings == ("第二章 监督管理", "第十条"))
    assert LAW[tenth.start : tenth.end].startswith("## 第二章 监督管理\n第十条")
    assert "区主管部门" in LAW[tenth.start : tenth.end]


POLICY = """关于加强示例工作的通知
各区人民政府：
一、总体要求
坚持统筹推进，注重实效。
（一）加强组织领导。各区要建立工作机制，明确责任分工，确保各项任务落实到位。
1.成立领导小组。由分管负责同志牵头，相关部门参加。
2.建立联络员制度。各部门确定一名联络员，负责日常联系。
（二）强化督促检查。市政府将适时组织督查。
二、保障措施
加大资金投入，落实经费保障。
"""


def test_policy_items_heading_paths() -> None:
    spans = split_chunks(POLICY, target_chars=60, max_chars=120, min_chars=10)
    _check_invariants(POLICY, spans)
    paths = [s.headings for s in spans]
    assert ("一、总体要求", "（一）加强组织领导") in paths
    assert any(p[:2] == ("一、总体要求", "（一）加强组织领导") and len(p) == 3 and p[2].startswith("1.") for p in paths)
    assert ("二、保障措施",) in paths
    for span in spans:
        assert _ends_ok(POLICY, span)
        assert span.end - span.start <= 120


def test_proposal_with_yishi_ershi_and_sizes() -> None:
    sentence = "一是加强顶层设计，统筹推进社区养老服务设施建设，完善配套政策；"
    text = "关于加快发展社区养老服务的提案\n" + "".join(
        s.replace("一是", prefix) for prefix, s in zip(["一是", "二是", "三是", "四是", "五是", "六是"], [sentence] * 6)
    ) * 4 + "\n以上建议，供参考。"
    spans = split_chunks(text, target_chars=120, max_chars=200, min_chars=40)
    _check_invariants(text, spans)
    assert len(spans) > 3
    for span in spans:
        assert span.end - span.start <= 200
        assert _ends_ok(text, span)


def test_long_paragraph_without_breaks() -> None:
    text = "".join(f"这是第{i}句比较长的示例句子，用来检验切分是否只发生在句末。" for i in range(200))
    spans = split_chunks(text)
    _check_invariants(text, spans)
    assert len(spans) > 10
    for span in spans:
        assert span.end - span.start <= 500
        assert text[span.end - 1] == "。"
    assert all(s.end - s.start >= 80 for s in spans)


def test_single_overlong_sentence_is_kept_whole() -> None:
    text = "短句。" + "很长" * 400 + "。" + "结尾。"
    spans = split_chunks(text)
    _check_invariants(text, spans)
    assert any(s.end - s.start > 500 and text[s.end - 1] == "。" for s in spans)


def test_markdown_headings() -> None:
    text = "# 指南标题\n导言段落。\n## 办理条件\n申请人应当符合条件。\n### 所需材料\n身份证。\n## 办理流程\n网上申请。"
    spans = split_chunks(text, min_chars=1)
    _check_invariants(text, spans)
    assert [s.headings for s in spans] == [(), ("办理条件",), ("办理条件", "所需材料"), ("办理流程",)]


def test_sentence_end_guarantee_on_real_law() -> None:
    path = SHARED / "laws" / "宪法相关法" / "立法法(2023-03-13).md"
    text = clean_pages(read_file(path).pages).text
    spans = split_chunks(text)
    _check_invariants(text, spans)
    assert all(_ends_ok(text, s) for s in spans)
    assert all(s.end - s.start <= 500 or not re.search(r"[。；！？]", text[s.start : s.end - 1]) for s in spans)
    articles = [s for s in spans if s.headings and s.headings[-1].startswith("第") and s.headings[-1].endswith("条")]
    assert len(articles) >= 100
    assert any(len(s.headings) == 2 and s.headings[0].startswith("第") and "章" in s.headings[0] for s in articles)


def test_real_statecouncil_and_pdf() -> None:
    for path in [next((SHARED / "statecouncil").glob("gov-001_*")), SHARED / "pdf" / "发改办财金规〔2019〕860号.pdf"]:
        text = clean_pages(read_file(path).pages).text
        spans = split_chunks(text)
        _check_invariants(text, spans)
        assert all(_ends_ok(text, s) for s in spans)
        assert any(s.headings and s.headings[0].startswith("一、") for s in spans)
        assert sum(s.end - s.start > 500 for s in spans) == 0


def test_many_laws_quickly() -> None:
    files = sorted((SHARED / "laws" / "行政法").glob("*.md"))[:60]
    text = "\n".join(path.read_text(encoding="utf-8") for path in files)
    spans = split_chunks(text)
    _check_invariants(text, spans)
    assert len(spans) > 100


def test_empty_text() -> None:
    assert split_chunks("") == []
    assert split_chunks("\n \n") == []
