"""The 文库管理 API through gradio_client against a served app with real logins."""

from __future__ import annotations

import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from assistant.models import User, filters_for

from .library_helpers import (DOCX_TITLE, PDF_TITLE, add_users, login, make_docx, make_oversized_pdf, make_pdf,
                              make_text_as_pdf, served)

MEMBER = User("member1", "member")
STAFF = User("staff1", "staff")


@pytest.fixture
def app_url(make_assistant):
    assistant = make_assistant()
    add_users(assistant)
    with served(assistant) as url:
        yield assistant, url


def client(url: str, role: str) -> Client:
    return Client(url, auth=login(role), verbose=False)


def rows(table: dict) -> list[list]:
    return table["data"]


def test_login_is_required_and_checked(app_url):
    _, url = app_url
    with pytest.raises(Exception):
        Client(url, verbose=False)  # no credentials: the app does not even describe itself
    with pytest.raises(Exception):
        Client(url, auth=("staff1", "wrong-password"), verbose=False)


def test_staff_upload_reaches_members_and_member_cannot_delete(app_url, tmp_path):
    assistant, url = app_url
    pdf = make_pdf(tmp_path / "低空经济提案.pdf")
    docx = make_docx(tmp_path / "古桥调研.docx")
    staff = client(url, "staff")

    results, summary = staff.predict([handle_file(str(pdf)), handle_file(str(docx))], "", "public", True,
                                     api_name="/upload_documents")
    table = {r[0]: r for r in rows(results)}
    assert table["低空经济提案.pdf"][1] == "新增" and table["低空经济提案.pdf"][4] == PDF_TITLE
    assert table["古桥调研.docx"][1] == "新增" and DOCX_TITLE in table["古桥调研.docx"][4]
    assert "新增 2" in summary

    # the stored files keep the original name in metadata and lie under the uploads folder
    listed = rows(staff.predict("", "", "", "", api_name="/list_documents"))
    assert {r[6] for r in listed} == {"低空经济提案.pdf", "古桥调研.docx"}
    assert len(list(assistant.settings.uploads_dir.iterdir())) == 2

    # the same upload again changes nothing
    again, _ = staff.predict([handle_file(str(pdf))], "", "public", True, api_name="/upload_documents")
    assert rows(again)[0][1] == "未变"

    # a member finds both through retrieval with member filters
    hits = assistant.search("低空经济产业园 无人机起降点", k=3, filters=filters_for(MEMBER))
    assert hits and hits[0].title == PDF_TITLE
    hits = assistant.search("古桥保护名录 桥长制", k=3, filters=filters_for(MEMBER))
    assert hits and DOCX_TITLE in hits[0].title

    # ... and through the chat's ask endpoint, with the upload cited
    pdf_id = table["低空经济提案.pdf"][3]
    member = client(url, "member")
    answer = member.predict("江州市低空经济产业园建设有哪些建议？", api_name="/ask")
    assert not answer["refused"] and pdf_id in {s["doc_id"] for s in answer["sources"]}

    # a member's call to delete_document is refused with a clear message; the document stays
    with pytest.raises(AppError, match="无权限"):
        member.predict(pdf_id, True, api_name="/delete_document")
    with pytest.raises(AppError, match="无权限"):
        member.predict([handle_file(str(pdf))], "", "public", True, api_name="/upload_documents")
    with pytest.raises(AppError, match="无权限"):
        member.predict(pdf_id, "改掉的标题", "policy", 2020, "", "internal", api_name="/update_document")
    assert assistant.document(pdf_id).meta.title == PDF_TITLE
    assert len(assistant.documents()) == 2

    # staff deletes it: gone from the index, from the uploads folder, and written to the audit log
    message, _, _ = staff.predict(pdf_id, True, api_name="/delete_document")
    assert "已删除 1" in message
    assert [r.doc_id for r in assistant.documents()] == [table["古桥调研.docx"][3]]
    assert len(list(assistant.settings.uploads_dir.iterdir())) == 1
    actions = [(e.actor, e.action, e.target) for e in assistant.audit.entries()]
    assert ("staff1", "delete", pdf_id) in actions
    assert ("staff1", "add", pdf_id) in actions

    # only admins read the audit log
    with pytest.raises(AppError, match="无权限"):
        staff.predict(api_name="/audit_log")
    audit = rows(client(url, "admin").predict(api_name="/audit_log"))
    assert audit[0][1:4] == ["staff1", "删除", pdf_id]


def test_internal_documents_never_reach_members(app_url, tmp_path):
    assistant, url = app_url
    pdf = make_pdf(tmp_path / "内部材料.pdf")
    docx = make_docx(tmp_path / "公开材料.docx")
    staff = client(url, "staff")
    results, _ = staff.predict([handle_file(str(pdf))], "", "internal", True, api_name="/upload_documents")
    internal_id = rows(results)[0][3]
    staff.predict([handle_file(str(docx))], "", "public", True, api_name="/upload_documents")

    member = client(url, "member")
    member_ids = {r[0] for r in rows(member.predict("", "", "", "", api_name="/list_documents"))}
    staff_ids = {r[0] for r in rows(staff.predict("", "", "", "", api_name="/list_documents"))}
    assert internal_id in staff_ids and internal_id not in member_ids and len(member_ids) == 1
    with pytest.raises(AppError, match="没有文档"):
        member.predict(internal_id, api_name="/document_detail")
    assert member.predict(api_name="/corpus_statistics")["documents"] == 1
    assert staff.predict(api_name="/corpus_statistics")["internal"] == 1

    query = "低空经济产业园 无人机物流配送示范航线"
    assert internal_id not in {h.doc_id for h in assistant.search(query, k=10, filters=filters_for(MEMBER))}
    assert internal_id in {h.doc_id for h in assistant.search(query, k=10, filters=filters_for(STAFF))}
    question = "江州市低空经济产业园建设有哪些建议？"
    assert internal_id not in {s["doc_id"] for s in member.predict(question, api_name="/ask")["sources"]}
    assert internal_id in {s["doc_id"] for s in staff.predict(question, api_name="/ask")["sources"]}

    # staff makes it public: now members see it, and the edit is audited
    status = staff.predict(internal_id, "", "", None, "", "public", api_name="/update_document")
    assert "公开" in status
    assert internal_id in {h.doc_id for h in assistant.search(query, k=10, filters=filters_for(MEMBER))}
    edit = [e for e in assistant.audit.entries() if e.action == "edit"][0]
    assert edit.actor == "staff1" and edit.detail["changes"]["visibility"] == ["internal", "public"]


def test_refused_uploads_through_the_api_change_nothing(app_url, tmp_path):
    assistant, url = app_url
    fake = make_text_as_pdf(tmp_path / "伪装.pdf", "这其实是一个纯文本文件，只是改了扩展名。\n" * 20)
    big = make_oversized_pdf(tmp_path / "超大文件.pdf")
    staff = client(url, "staff")
    results, summary = staff.predict([handle_file(str(fake)), handle_file(str(big))], "", "public", True,
                                     api_name="/upload_documents")
    reasons = {r[0]: (r[1], r[2]) for r in rows(results)}
    assert reasons["伪装.pdf"] == ("失败", "文件内容与扩展名不符：扩展名为 .pdf，内容却是纯文本")
    assert reasons["超大文件.pdf"][0] == "失败" and "文件过大" in reasons["超大文件.pdf"][1]
    assert "失败 2" in summary
    assert assistant.documents() == []
    assert not assistant.settings.uploads_dir.exists() or not any(assistant.settings.uploads_dir.iterdir())
    assert assistant.audit.entries() == []
