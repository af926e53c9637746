"""Legacy binary files: a Word 97 .doc fixture (made by LibreOffice from tests/data/legacy/source.txt,
the team's own text) read through antiword; WPS/ET files without LibreOffice get a reason that says
what to install. LibreOffice itself is not needed by the tests."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from assistant.ingest.clean import clean_pages
from assistant.ingest.metadata import detect_metadata
from assistant.ingest.read import ReadError, read_file, sniff_kind

from .made_files import char_accuracy

LEGACY = Path(__file__).parent / "data" / "legacy"
DOC = LEGACY / "桥梁安全管理通知.doc"
SOURCE = (LEGACY / "source.txt").read_text(encoding="utf-8")


def test_doc_text_matches_its_source_and_metadata_is_detected() -> None:
    assert sniff_kind(DOC.read_bytes(), ".doc") == "ole"
    document = read_file(DOC)
    assert char_accuracy(SOURCE, document.pages[0].text) >= 0.99
    meta = detect_metadata(clean_pages(document.pages).text, DOC.name, document.title_hint)
    assert meta.title == "江州市人民政府办公室关于进一步做好城市桥梁安全管理工作的通知"
    assert meta.doc_number == "江政办发〔2025〕7号"


def test_wps_that_is_a_word_binary_reads_without_libreoffice(tmp_path, monkeypatch) -> None:
    only_antiword = tmp_path / "bin"
    only_antiword.mkdir()
    os.symlink(shutil.which("antiword"), only_antiword / "antiword")
    monkeypatch.setenv("PATH", str(only_antiword))
    wps = tmp_path / "通知.wps"
    shutil.copyfile(DOC, wps)
    assert "城市桥梁每年至少进行一次常规定期检测" in read_file(wps).pages[0].text


def test_without_libreoffice_et_gets_a_reason_naming_what_to_install(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # neither soffice nor antiword
    sheet = tmp_path / "预算表.et"
    shutil.copyfile(DOC, sheet)
    with pytest.raises(ReadError) as info:
        read_file(sheet)
    assert str(info.value).startswith("reading WPS spreadsheets (.et) needs LibreOffice: apt-get install")
    with pytest.raises(ReadError, match=r"reading \.doc needs antiword: apt-get install antiword"):
        read_file(DOC)


def test_a_docx_saved_as_doc_is_read_as_docx(tmp_path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("另存为旧扩展名的新格式文件。")
    path = tmp_path / "新格式.doc"
    document.save(path)
    assert read_file(path).pages[0].text == "另存为旧扩展名的新格式文件。"


def test_a_doc_that_is_not_a_word_file_gets_a_one_line_reason(tmp_path) -> None:
    fake = tmp_path / "fake.doc"
    fake.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4000)
    with pytest.raises(ReadError) as info:
        read_file(fake)
    assert str(info.value).startswith("cannot read .doc") and "\n" not in str(info.value)
    text = tmp_path / "text.doc"
    text.write_text("纯文本冒充 doc", encoding="utf-8")
    with pytest.raises(ReadError, match="not a Word/WPS \\(OLE\\) file: content is plain text"):
        read_file(text)
