"""Tests for assistant.read: real files (shared corpus, generated PDF/DOCX), no mocks."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest
from pypdf import PdfWriter

from assistant.ingest.read import SUPPORTED_SUFFIXES, ReadError, decode_text, read_file, sniff_kind

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpus"
PDF = SHARED / "pdf" / "发改办财金规〔2019〕860号.pdf"
HTML_DIR = SHARED / "html"


def test_supported_suffixes() -> None:
    assert SUPPORTED_SUFFIXES == (".pdf", ".docx", ".txt", ".md", ".html", ".htm", ".ofd", ".xlsx", ".doc", ".wps",
                                  ".et", ".png", ".jpg", ".jpeg", ".tif", ".tiff")


def test_sniff_kind_by_content() -> None:
    assert sniff_kind(b"%PDF-1.7\n...", ".txt") == "pdf"
    assert sniff_kind(b"<!DOCTYPE html><html><body>x</body></html>", ".txt") == "html"
    assert sniff_kind("<div>通知</div>".encode(), ".htm") == "html"
    assert sniff_kind("普通文本".encode(), ".txt") == "text"
    assert sniff_kind(b"\x00\x01\x02binary", ".txt") is None
    assert sniff_kind(PDF.read_bytes(), ".pdf") == "pdf"


def test_read_real_pdf_pages() -> None:
    doc = read_file(PDF)
    assert [page.number for page in doc.pages] == [1, 2, 3, 4, 5]
    assert "个人所得税" in doc.pages[0].text
    assert doc.path == str(PDF)


def test_pdf_without_text_or_images_is_empty(tmp_path: Path) -> None:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    path = tmp_path / "scan.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    with pytest.raises(ReadError, match=r"no extractable text \(empty PDF\?\)"):
        read_file(path)


def test_encrypted_pdf(tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=str(PDF))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    path = tmp_path / "locked.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    with pytest.raises(ReadError) as info:
        read_file(path)
    assert str(info.value) == "encrypted PDF (password protected)"


def test_broken_pdf(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(PDF.read_bytes()[:1500])
    with pytest.raises(ReadError) as info:
        read_file(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(("broken PDF", "no extractable text"))


def test_pdf_suffix_with_other_content(tmp_path: Path) -> None:
    path = tmp_path / "fake.pdf"
    path.write_text("<html><body>hello</body></html>", encoding="utf-8")
    with pytest.raises(ReadError, match="not a PDF: content is HTML"):
        read_file(path)


def test_empty_too_large_unsupported(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(ReadError, match="empty file"):
        read_file(empty)
    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * 3 * 1024 * 1024)
    with pytest.raises(ReadError, match=r"file too large: 3\.0 MB > 2 MB limit"):
        read_file(big, max_bytes=2 * 1024 * 1024)
    other = tmp_path / "table.odt"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("content.xml", "<office/>")
    with pytest.raises(ReadError, match=r"unsupported file type: \.odt"):
        read_file(other)
    with pytest.raises(ReadError, match="file not found"):
        read_file(tmp_path / "missing.txt")


def test_text_encodings(tmp_path: Path) -> None:
    bom = tmp_path / "bom.txt"
    bom.write_bytes("\ufeff第一行\r\n第二行".encode())
    assert read_file(bom).pages[0].text == "第一行\n第二行"
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes("关于加强管理的通知\n各有关单位：".encode("gb18030"))
    doc = read_file(gbk)
    assert doc.pages[0].text.startswith("关于加强管理的通知")
    assert doc.pages[0].number is None
    with pytest.raises(ReadError, match="text is not UTF-8, UTF-16 or GB18030"):
        decode_text(bytes(range(128, 256)) * 4)


def test_markdown_title_and_comments(tmp_path: Path) -> None:
    path = tmp_path / "law.md"
    path.write_text("---\nweight: 1\n---\n# 示例条例\n\n<!-- INFO END -->\n第一条 为了示例，制定本条例。\n", encoding="utf-8")
    doc = read_file(path)
    assert doc.title_hint == "示例条例"
    assert "INFO END" not in doc.pages[0].text
    assert "weight" not in doc.pages[0].text


def test_docx_paragraphs_and_tables_in_order(tmp_path: Path) -> None:
    document = docx.Document()
    document.core_properties.title = "测试标题"
    document.add_paragraph("第一段正文。")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "项目"
    table.cell(0, 1).text = "金额"
    table.cell(1, 0).text = "补贴"
    table.cell(1, 1).text = "100元"
    document.add_paragraph("表后的段落。")
    path = tmp_path / "doc.docx"
    document.save(str(path))
    doc = read_file(path)
    assert doc.title_hint == "测试标题"
    assert len(doc.pages) == 1 and doc.pages[0].number is None
    assert doc.pages[0].text.split("\n") == ["第一段正文。", "项目：补贴；金额：100元", "表后的段落。"]


def test_docx_suffix_on_plain_zip_and_docx_sniffed(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("内容")
    buffer = io.BytesIO()
    document.save(buffer)
    assert sniff_kind(buffer.getvalue(), ".bin") == "docx"
    fake = tmp_path / "fake.docx"
    fake.write_text("plain text", encoding="utf-8")
    with pytest.raises(ReadError, match="not a DOCX: content is plain text"):
        read_file(fake)


def test_html_main_text_not_chrome() -> None:
    files = sorted(HTML_DIR.glob("*.html"))
    assert len(files) >= 40
    good = 0
    for path in files:
        doc = read_file(path)
        text = doc.pages[0].text
        chrome = sum(text.count(word) for word in ("市委组织部", "网站标识码", "ICP备", "字体大小", "版权所有"))
        if len(text) >= 200 and chrome == 0:
            good += 1
    assert good / len(files) >= 0.85


def test_html_normative_document() -> None:
    doc = read_file(HTML_DIR / "11_公共租赁住房保障办法_穗府办规2024-13号.html")
    text = doc.pages[0].text
    assert "穗府办规〔2024〕13号" in text
    assert "第一条" in text and "第五十四条" in text
    assert "市委组织部" not in text
    assert doc.title_hint and "天园街道" in doc.title_hint  # the page's own <title>


def test_html_title_hint_strips_site_name() -> None:
    doc = read_file(HTML_DIR / "15_创业担保贷款常见问题_2025.html")
    assert doc.title_hint == "创业担保贷款常见问题"
