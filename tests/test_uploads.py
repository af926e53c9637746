"""Upload safety and the staff service layer: refusals change nothing, uploads are stored safely."""

from __future__ import annotations

import pytest

from assistant.cli import main
from assistant.access.library import Library
from assistant.models import User
from assistant.access.uploads import UploadRefused, safe_name, store_upload

from .library_helpers import DOCX_TITLE, PDF_TITLE, make_docx, make_oversized_pdf, make_pdf, make_text_as_pdf

STAFF = User("staff1", "staff")
MEMBER = User("member1", "member")


def snapshot(assistant):
    uploads = assistant.settings.uploads_dir
    return ([r.doc_id for r in assistant.documents()], sorted(p.name for p in uploads.iterdir()) if uploads.exists()
            else [], len(assistant.audit.entries(None)))


@pytest.mark.parametrize("name", ["../../etc/passwd.pdf", "..\\..\\boot.ini.pdf", "/etc/passwd.pdf", "..", ".hidden.pdf",
                                  "a\x00b.pdf", "报告.exe", ""])
def test_unsafe_or_unsupported_names_are_refused(name):
    with pytest.raises(UploadRefused):
        safe_name(name)


def test_safe_names_are_kept_readable():
    assert safe_name(" 关于加强古桥保护的提案.PDF ") == "关于加强古桥保护的提案.pdf"
    assert safe_name("x" * 300 + ".docx") == "x" * 120 + ".docx"


def test_stored_files_never_overwrite_each_other(tmp_path):
    uploads = tmp_path / "uploads"
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text("第一份材料的内容。", encoding="utf-8")
    second.write_text("第二份材料的内容，不同。", encoding="utf-8")
    one = store_upload(first, "材料.txt", uploads, 50)
    two = store_upload(second, "材料.txt", uploads, 50)
    assert one.path != two.path and one.path.parent == two.path.parent == uploads
    assert one.path.name.startswith("材料-") and one.path.read_text(encoding="utf-8") == "第一份材料的内容。"
    assert store_upload(first, "材料.txt", uploads, 50) == one.__class__(**{**one.__dict__, "created": False})


def test_each_refusal_is_one_clear_line_and_changes_nothing(make_assistant, tmp_path):
    assistant = make_assistant(max_upload_mb=50)
    library = Library(assistant)
    library.upload(STAFF, [(make_docx(tmp_path / "d.docx"), "古桥调研.docx")])
    before = snapshot(assistant)

    passwd = make_pdf(tmp_path / "p.pdf")
    fake = make_text_as_pdf(tmp_path / "fake.pdf", "只是一个改了扩展名的文本文件。\n" * 10)
    big = make_oversized_pdf(tmp_path / "big.pdf")
    report = library.upload(STAFF, [(passwd, "../../etc/passwd.pdf"), (big, "big.pdf"), (fake, "fake.pdf")])
    reasons = [(r.status, r.reason) for r in report.results]
    assert reasons == [
        ("failed", "文件名含有路径，已拒绝：../../etc/passwd.pdf"),
        ("failed", "文件过大：60.0 MB，超过 50 MB 的上限"),
        ("failed", "文件内容与扩展名不符：扩展名为 .pdf，内容却是纯文本"),
    ]
    assert all("\n" not in reason for _, reason in reasons)
    assert snapshot(assistant) == before
    assert not (tmp_path.parent / "etc").exists()


def test_unreadable_content_is_reported_and_its_file_removed(make_assistant, tmp_path):
    assistant = make_assistant()
    empty_pdf = tmp_path / "scan.pdf"
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(empty_pdf))
    pdf.showPage()
    pdf.save()
    report = Library(assistant).upload(STAFF, [(empty_pdf, "扫描件.pdf")])
    assert report.results[0].status == "failed" and report.results[0].reason.startswith("没有可提取的文字")
    assert snapshot(assistant) == ([], [], 0)


def test_a_new_version_under_the_same_name_replaces_the_old(make_assistant, tmp_path):
    assistant = make_assistant()
    library = Library(assistant)
    first = library.upload(STAFF, [(make_pdf(tmp_path / "v1.pdf"), "提案.pdf")]).results[0]
    v2 = make_pdf(tmp_path / "v2.pdf", paragraphs=["修改稿：建议设立低空经济发展专项资金，支持无人机企业落户。"])
    second = library.upload(STAFF, [(v2, "提案.pdf")]).results[0]
    assert (first.status, second.status, second.replaced) == ("added", "replaced", [first.doc_id])
    assert [r.doc_id for r in assistant.documents()] == [second.doc_id]
    assert len(list(assistant.settings.uploads_dir.iterdir())) == 1
    # an unrelated file with another name is simply added
    third = library.upload(STAFF, [(make_docx(tmp_path / "d.docx"), "调研.docx")]).results[0]
    assert third.status == "added" and len(assistant.documents()) == 2
    assert [e.action for e in assistant.audit.entries()] == ["add", "replace", "add"]


def test_members_are_refused_every_management_call(make_assistant, tmp_path):
    assistant = make_assistant()
    library = Library(assistant)
    doc = library.upload(STAFF, [(make_pdf(tmp_path / "a.pdf"), "a.pdf")], {"visibility": "internal"}).results[0]
    before = snapshot(assistant)
    calls = [
        lambda: library.upload(MEMBER, [(make_docx(tmp_path / "d.docx"), "d.docx")]),
        lambda: library.update(MEMBER, doc.doc_id, visibility="public"),
        lambda: library.delete(MEMBER, [doc.doc_id]),
        lambda: library.reindex(MEMBER),
        lambda: library.ingest(MEMBER, [tmp_path / "d.docx"]),
        lambda: library.audit_entries(MEMBER),
        lambda: library.audit_entries(STAFF),
    ]
    for call in calls:
        with pytest.raises(PermissionError, match="无权限"):
            call()
    assert snapshot(assistant) == before
    assert library.list_documents(MEMBER) == [] and library.statistics(MEMBER).documents == 0
    assert [r.meta.title for r in library.list_documents(STAFF, visibility="internal", query="低空")] == [PDF_TITLE]


def test_cli_changes_are_audited(make_assistant, tmp_path, monkeypatch, capsys, embed_cache):
    monkeypatch.setenv("USER", "clerk")
    monkeypatch.setenv("ASSISTANT_EMBED_CACHE", str(embed_cache))
    index = str(tmp_path / "cli-index")
    folder = tmp_path / "docs"
    folder.mkdir()
    make_docx(folder / "古桥.docx")
    assert main(["ingest", str(folder), "--index", index]) == 0
    assistant = make_assistant(index=tmp_path / "cli-index")
    doc_id = assistant.documents()[0].doc_id
    assistant.close()
    assert main(["docs", "set", doc_id, "--visibility", "internal", "--index", index]) == 0
    assert main(["reindex", "--index", index]) == 0
    assert main(["docs", "remove", doc_id, "--index", index]) == 0
    capsys.readouterr()
    assert main(["audit", "--index", index]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[2:4] for line in out] == [["clerk", "删除"], ["clerk", "重建索引"], ["clerk", "修改"],
                                                   ["clerk", "新增"]]
    assert DOCX_TITLE in out[-1]


def test_an_upload_without_a_title_line_is_titled_by_its_original_name(make_assistant, tmp_path):
    text = "社区食堂运营情况，居民普遍反映价格合适，但午餐供应时段偏短，老人排队时间较长。\n"
    source = tmp_path / "tmp-upload-1"
    source.write_bytes(text.encode("gbk"))
    result = Library(make_assistant()).upload(STAFF, [(source, "gbk.txt")]).results[0]
    assert result.status == "added"
    assert result.title == "gbk"  # the original name's stem, not the stored "gbk-<hash>"
