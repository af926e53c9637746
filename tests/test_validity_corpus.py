"""Validity (时效) through the whole pipeline: a newer document repeals an older one ingested earlier,
search ranks the in-force one first, 「仅现行有效」 leaves the repealed one out (keyword and vector
retrievers, embedded Chroma), staff edit the status, the CLI takes --in-force. Texts are our own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant import cli
from assistant.access.library import Library
from assistant.models import SearchFilters, User
from assistant.retrieval.retrieve import in_force_first

STAFF = User("张三", "staff")
NEW = (Path(__file__).parent / "data" / "legacy" / "source.txt").read_text(encoding="utf-8")
OLD = """江州市城市桥梁养护管理暂行规定
江政办发〔2016〕40号
第一条　为加强城市桥梁养护管理，保障城市桥梁安全，制定本规定。
第二条　城市桥梁每两年进行一次常规定期检测，检测发现桥墩冲刷、支座脱空等病害的，养护单位应当及时维修。
第三条　城市桥梁养护资金由市财政统筹安排。
第四条　本规定自2016年9月1日起施行。
江州市人民政府办公室
2016年8月10日
"""
QUESTION = "城市桥梁多久进行一次常规定期检测"


def _build(assistant, tmp_path):
    old, new = tmp_path / "桥梁养护暂行规定.txt", tmp_path / "桥梁安全管理通知.txt"
    old.write_text(OLD, encoding="utf-8")
    new.write_text(NEW, encoding="utf-8")
    assert not assistant.ingest([old]).failed  # the older one first: it is in force until the newer arrives
    (old_record,) = assistant.documents()
    assert old_record.meta.extra["status"] == "现行有效" and old_record.meta.extra["effective"] == "2016-09-01"
    assert not assistant.ingest([new]).failed
    records = {r.meta.doc_number: r for r in assistant.documents()}
    return assistant, records["江政办发〔2016〕40号"].doc_id, records["江政办发〔2025〕7号"].doc_id


@pytest.fixture
def corpus(make_assistant, tmp_path):
    return _build(make_assistant(), tmp_path)


@pytest.fixture
def server_corpus(make_assistant, tmp_path, chroma_server, request):
    return _build(make_assistant(chroma_url=chroma_server, chroma_collection=f"validity{abs(hash(str(tmp_path))) % 10**8}"), tmp_path)


@pytest.mark.parametrize("store", ["embedded", "server"])
def test_newer_document_repeals_the_older_and_search_prefers_the_one_in_force(store, request) -> None:
    assistant, old_id, new_id = request.getfixturevalue("corpus" if store == "embedded" else "server_corpus")
    old, new = assistant.document(old_id), assistant.document(new_id)
    assert old.meta.extra["status"] == "已废止" and old.meta.extra["repealed_by"] == new_id
    assert new.meta.extra["status"] == "现行有效"
    assert (new.meta.extra["effective"], new.meta.extra["expires"]) == ("2025-03-01", "2030-02-28")
    hits = assistant.search(QUESTION, k=5)
    by_doc = [hit.doc_id for hit in hits]
    assert old_id in by_doc and by_doc.index(new_id) < by_doc.index(old_id)
    assert {hit.doc_id: hit.status for hit in hits}[old_id] == "已废止"
    in_force = assistant.search(QUESTION, k=5, filters=SearchFilters(in_force_only=True))
    assert in_force and old_id not in {hit.doc_id for hit in in_force}
    dense_only = assistant.index.vectors.query(assistant.index.embedder.query(QUESTION), 20,
                                               SearchFilters(in_force_only=True))
    assert dense_only and all(chunk_id.startswith(new_id) for chunk_id, _ in dense_only)


def test_staff_edit_the_status_and_it_is_validated_and_kept(corpus) -> None:
    assistant, old_id, _ = corpus
    library = Library(assistant)
    record = library.update(STAFF, old_id, status="现行有效")
    assert record.meta.extra["status"] == "现行有效"
    assistant.ingest([])  # a later ingest does not undo a status staff set
    assert assistant.document(old_id).meta.extra["status"] == "现行有效"
    entry = library.audit.entries(1)[0]
    assert entry.action == "edit" and "status" in json.dumps(entry.detail, ensure_ascii=False)
    with pytest.raises(ValueError, match="unknown status"):
        library.update(STAFF, old_id, status="作废")


def test_cli_in_force_flag_and_docs_set_status(corpus, capsys) -> None:
    assistant, old_id, _ = corpus
    index = str(assistant.settings.index)
    assistant.close()
    assert cli.main(["search", QUESTION, "--index", index, "--in-force", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found and all(hit["doc_id"] != old_id for hit in found)
    assert cli.main(["docs", "set", old_id, "--status", "已失效", "--index", index]) == 0
    capsys.readouterr()
    assert cli.main(["docs", "show", old_id, "--index", index, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "已失效"


def test_in_force_first_moves_repealed_hits_below_close_in_force_ones() -> None:
    scores = {"a": 1.00, "b": 0.98, "c": 0.95, "d": 0.50, "e": 0.40}
    order = ["a", "b", "c", "d", "e"]
    assert in_force_first(order, scores, set()) == order
    assert in_force_first(order, scores, {"a"}) == ["b", "c", "a", "d", "e"]  # after similar, above clearly worse
