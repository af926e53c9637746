"""OFD files written to the standard's structure from shared State Council texts: text in reading
order page by page, title and 文号 detected as for PDFs, XML parsed safely."""

from __future__ import annotations

import zipfile

import pytest

from assistant.ingest.clean import clean_pages
from assistant.ingest.metadata import detect_metadata
from assistant.ingest.ofd import TextRun, runs_to_text
from assistant.ingest.read import ReadError, read_file, sniff_kind

from .made_files import char_accuracy, ofd_bytes, shared_text, statecouncil_files

GOV_004 = next(p.name for p in statecouncil_files() if p.name.startswith("gov-004_"))


def _pages(text: str, per_page: int = 900) -> list[str]:
    return [text[i:i + per_page] for i in range(0, len(text), per_page)]


def test_ofd_text_matches_its_source_page_by_page(tmp_path) -> None:
    source = shared_text(GOV_004)
    pages = _pages(source)
    path = tmp_path / "意见.ofd"
    path.write_bytes(ofd_bytes(pages, title="国务院办公厅关于加强三级公立医院绩效考核工作的意见"))
    assert sniff_kind(path.read_bytes(), ".ofd") == "ofd"
    document = read_file(path)
    assert [page.number for page in document.pages] == list(range(1, len(pages) + 1))
    for expected, page in zip(pages, document.pages):
        assert char_accuracy(expected, page.text) >= 0.995  # runs written right-half first, read in order
    assert char_accuracy(source, "".join(page.text for page in document.pages)) >= 0.995
    meta = detect_metadata(clean_pages(document.pages).text, path.name, document.title_hint)
    assert meta.title == "国务院办公厅关于加强三级公立医院绩效考核工作的意见"
    assert meta.doc_number == "国办发〔2019〕4号"


def test_ofd_without_docinfo_title_gets_title_from_its_text(tmp_path) -> None:
    path = tmp_path / "untitled.ofd"
    path.write_bytes(ofd_bytes(_pages(shared_text(GOV_004))[:1], split_runs=False))
    document = read_file(path)
    assert document.title_hint is None
    meta = detect_metadata(clean_pages(document.pages).text, path.name, document.title_hint)
    assert meta.title.startswith("国务院办公厅关于加强三级公立医院绩效考核工作")
    assert meta.doc_number == "国办发〔2019〕4号"


def test_runs_are_ordered_by_line_then_position() -> None:
    runs = [TextRun(60, 20, 5, "第二行右"), TextRun(20, 20.8, 5, "第二行左"), TextRun(20, 10, 5, "第一行")]
    assert runs_to_text(runs) == "第一行\n第二行左第二行右"


def test_hostile_or_broken_ofd_gets_a_one_line_reason(tmp_path) -> None:
    good = ofd_bytes(["正文"])
    with zipfile.ZipFile(__import__("io").BytesIO(good)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    cases = {
        "external.ofd": ("Doc_0/Pages/Page_0/Content.xml",
                         b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                         b'<ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:TextCode>&x;</ofd:TextCode></ofd:Page>',
                         "declares a DTD or entities"),
        "escape.ofd": ("Doc_0/Document.xml",
                       b'<ofd:Document xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Pages>'
                       b'<ofd:Page ID="1" BaseLoc="../../../etc/passwd"/></ofd:Pages></ofd:Document>',
                       "leaves the package"),
        "nopages.ofd": ("Doc_0/Document.xml",
                        b'<ofd:Document xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Pages/></ofd:Document>',
                        "broken OFD: no pages"),
    }
    for name, (part, data, reason) in cases.items():
        path = tmp_path / name
        with zipfile.ZipFile(path, "w") as archive:
            for other, content in parts.items():
                archive.writestr(other, data if other == part else content)
        with pytest.raises(ReadError) as info:
            read_file(path)
        assert reason in str(info.value) and "\n" not in str(info.value), (name, str(info.value))
    fake = tmp_path / "fake.ofd"
    fake.write_text("不是 OFD", encoding="utf-8")
    with pytest.raises(ReadError, match="not an OFD: content is plain text"):
        read_file(fake)
