"""The upload path for the documents offices really keep: a scanned PDF, an OFD and a .doc uploaded
through Library.upload are indexed and searchable, with per-page OCR progress; a bomb and a binary
.txt are refused with a Chinese one-line reason while the rest of the batch goes on."""

from __future__ import annotations

from pathlib import Path

from assistant.access.library import Library
from assistant.models import User

from .made_files import image_pdf, ofd_bytes, scan_pages, shared_text, statecouncil_files, streamed_bomb

STAFF = User("staff1", "staff")
LEGACY_DOC = Path(__file__).parent / "data" / "legacy" / "桥梁安全管理通知.doc"
GOV_004 = next(p.name for p in statecouncil_files() if p.name.startswith("gov-004_"))
GOV_001 = next(p.name for p in statecouncil_files() if p.name.startswith("gov-001_"))


def test_scanned_pdf_ofd_and_doc_uploads_are_indexed_with_page_progress(make_assistant, tmp_path) -> None:
    assistant = make_assistant()
    scans = scan_pages(shared_text(GOV_004)[:500], lines_per_page=9)[:2]
    scanned = tmp_path / "upload-1"
    scanned.write_bytes(image_pdf([image for image, _ in scans]))
    ofd = tmp_path / "upload-2"
    ofd.write_bytes(ofd_bytes([shared_text(GOV_001)[:700]], title=None))
    doc = tmp_path / "upload-3"
    doc.write_bytes(LEGACY_DOC.read_bytes())
    bomb = streamed_bomb(tmp_path / "upload-4", {"[Content_Types].xml": b"<Types/>"}, "word/document.xml",
                         300 * 1024 * 1024)
    binary = tmp_path / "upload-5"
    binary.write_bytes(bytes(range(256)) * 8)
    events: list[tuple[str, int, int]] = []
    report = Library(assistant).upload(STAFF, [(scanned, "扫描件.pdf"), (ofd, "意见.ofd"), (doc, "通知.doc"),
                                               (bomb, "炸弹.docx"), (binary, "乱码.txt")],
                                       progress=lambda *event: events.append(event))
    results = {r.name: r for r in report.results}
    for name in ("扫描件.pdf", "意见.ofd", "通知.doc"):
        assert results[name].status == "added", (name, results[name].reason)
    assert results["炸弹.docx"].status == "failed" and results["炸弹.docx"].reason.startswith("文件解压后过大")
    assert results["乱码.txt"].reason == "文件内容与扩展名不符：扩展名为 .txt，内容却是无法识别的二进制内容"
    assert all("\n" not in r.reason for r in report.results)
    assert [e for e in events if e[0] == "ocr"] == [("ocr", 0, 2), ("ocr", 1, 2), ("ocr", 2, 2)]
    titles = {r.meta.title: r for r in assistant.documents()}
    assert "国务院办公厅关于加强三级公立医院绩效考核工作的意见" in titles
    assert titles["国务院办公厅关于加强三级公立医院绩效考核工作的意见"].meta.doc_number == "国办发〔2019〕4号"
    assert titles["江州市人民政府办公室关于进一步做好城市桥梁安全管理工作的通知"].meta.extra["status"] == "现行有效"
    assert any(r.meta.doc_number == "国发〔2019〕5号" for r in assistant.documents())
    hit = assistant.search("三级公立医院绩效考核", k=1)[0]
    assert hit.title == "国务院办公厅关于加强三级公立医院绩效考核工作的意见" and hit.page in (1, 2)  # scanned pages keep their numbers


def test_folder_ingest_finds_new_formats_but_not_saved_page_assets(tmp_path) -> None:
    from assistant.ingest.pipeline import discover

    (tmp_path / "通知_files").mkdir()
    for name in ("通知_files/logo.png", "扫描件.tif", "通知.html", "意见.ofd", "旧文件.doc", "表.xlsx", "说明.exe"):
        (tmp_path / name).write_bytes(b"x")
    assert sorted(p.name for p in discover([tmp_path])) == ["意见.ofd", "扫描件.tif", "旧文件.doc", "表.xlsx", "通知.html"]
