"""Word and Markdown export of drafts: python-docx reads the file back with title, numbering, fonts."""

from __future__ import annotations

import io

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn

from assistant.drafting.draft import Draft, Paragraph, Section
from assistant.drafting.export import BODY_FONT, to_docx, to_markdown
from assistant.models import Source


def sample_draft() -> Draft:
    source = Source(1, "d1", "d1-0001", "关于加大老旧小区加装电梯资金支持力度的提案", "proposal", "a.txt", None,
                    "二、具体建议", "一是提高财政补助标准。", None, 2024)
    policy = Source(2, "d2", "d2-0003", "江州市既有住宅加装电梯管理办法", "policy", "b.pdf", 3, "第十六条",
                    "每台补助15万元。", "江政办规〔2023〕5号", 2023)
    return Draft(
        kind="proposal", label="提案", title="关于推进老旧小区加装电梯的提案",
        fields=(("提案人", "【请填写提案人姓名、职务】"), ("界别", "经济界")),
        sections=(
            Section("案由", "title_echo", (Paragraph("关于推进老旧小区加装电梯的提案", (), "template"),)),
            Section("情况分析", "problems", (Paragraph("【请补充本地数据】", (), "placeholder"),
                                         Paragraph("（一）补助标准偏低。[2]", (2,)))),
            Section("具体建议", "suggestions", (Paragraph("一是提高财政补助标准。[1]", (1,)),
                                           Paragraph("二是放宽公积金提取条件。[1]", (1,)),
                                           Paragraph("三是推广代建代运营。[1]", (1,))), numbered=True),
            Section("政策依据", "basis", (Paragraph("《江州市既有住宅加装电梯管理办法》（江政办规〔2023〕5号，2023年）[2]", (2,)),),
                    reference=True),
        ),
        sources=(source, policy),
    )


def test_docx_has_centered_title_numbered_suggestions_fangsong_body_and_references():
    document = docx.Document(io.BytesIO(to_docx(sample_draft())))
    paragraphs = [p for p in document.paragraphs if p.text.strip()]
    assert paragraphs[0].text == "关于推进老旧小区加装电梯的提案"
    assert paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.CENTER
    texts = [p.text for p in paragraphs]
    assert "界别：经济界" in texts
    suggestions = [t for t in texts if t[:2] in ("一是", "二是", "三是")]
    assert suggestions == ["一是提高财政补助标准。[1]", "二是放宽公积金提取条件。[1]", "三是推广代建代运营。[1]"]
    assert texts.index("三、具体建议") < texts.index(suggestions[0])
    assert "附：起草参考（提交前请删除）" in texts and texts.index("附：起草参考（提交前请删除）") > texts.index(suggestions[-1])
    body = next(p for p in paragraphs if p.text.startswith("一是"))
    fonts = body.runs[0]._element.rPr.rFonts
    assert fonts.get(qn("w:eastAsia")) == BODY_FONT
    assert any(run.font.superscript and run.text == "[1]" for run in body.runs)
    placeholder = next(p for p in paragraphs if p.text == "【请补充本地数据】")
    assert placeholder.runs[0].font.highlight_color is not None
    references = texts[texts.index("引用材料") + 1:]
    assert references[0].startswith("[1] 《关于加大老旧小区加装电梯资金支持力度的提案》")
    assert "江政办规〔2023〕5号" in references[1] and "第3页" in references[1]
    assert document.core_properties.title == "关于推进老旧小区加装电梯的提案"


def test_markdown_has_title_fields_sections_and_source_list():
    text = to_markdown(sample_draft())
    assert text.startswith("# 关于推进老旧小区加装电梯的提案\n")
    assert "界别：经济界" in text and "## 具体建议" in text and "一是提高财政补助标准。[1]" in text
    assert text.index("附：起草参考") < text.index("## 政策依据") < text.index("## 引用材料")
    assert "[2] 《江州市既有住宅加装电梯管理办法》（政策文件，江政办规〔2023〕5号，2023年，第3页，第十六条）" in text


def test_a_corpus_draft_round_trips_through_docx(corpus_assistant):
    draft = corpus_assistant.draft("推进老旧小区加装电梯")
    document = docx.Document(io.BytesIO(to_docx(draft)))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == draft.title
    numbered = [t for t in texts if t[:2] in ("一是", "二是", "三是")]
    assert len(numbered) >= 3
    assert sum(t.startswith("[") for t in texts) == len(draft.sources)
