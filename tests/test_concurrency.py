"""Several writers on one index, as real processes: nothing lost, nothing counted twice, no traceback.

Every file is a small generated text (one chunk each) so that embedding stays cheap; the command
line runs as ``python -m assistant.cli`` subprocesses sharing the session's embedding cache.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.access.audit import AuditLog
from assistant.cli import main
from assistant.access.library import Library, cli_user
from assistant.index.lock import WRITE_LOCK, IndexBusy
from assistant.models import User
from assistant.index.registry import Registry
from assistant.service import NotFound

from .conftest import ROOT

PLACES = ["东湖区", "西山区", "南城区", "北塘区", "江州新区", "临江县"]
TOPICS = ["老旧小区加装电梯", "社区养老服务站", "中小学课后托管", "农贸市场改造", "公共停车位建设",
          "背街小巷整治", "社区食堂运营", "夜间公交线路"]
STAFF = User("staff1", "staff")


def document_text(n: int) -> str:
    """A short proposal, different for every ``n`` (one chunk)."""
    place, topic = PLACES[n % len(PLACES)], TOPICS[(n // len(PLACES)) % len(TOPICS)]
    return (f"关于{place}{topic}的建议（第{n}号）\n"
            f"{place}{topic}工作推进较慢，群众反映第{n}批问题较多。建议{place}加快{topic}，"
            f"明确责任单位，{n % 9 + 1}个月内完成。\n")


def make_files(folder: Path, numbers: range) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in numbers:
        path = folder / f"建议{n:03d}.txt"
        path.write_text(document_text(n), encoding="utf-8")
        paths.append(path)
    return paths


def cli_env(embed_cache: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(PYTHONPATH=str(ROOT), ASSISTANT_EMBED_CACHE=str(embed_cache), GRADIO_ANALYTICS_ENABLED="False",
               ANONYMIZED_TELEMETRY="False", **extra)
    return env


def start(index: Path, *args: str, env: dict[str, str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "assistant.cli", "--index", str(index), *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=cwd)


def finish(proc: subprocess.Popen, timeout: float = 180) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def run(index: Path, *args: str, env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    return finish(start(index, *args, env=env, cwd=cwd))


def doctor(index: Path) -> dict:
    """``assistant doctor --json``, run in this process (the same report, one interpreter start less)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["--index", str(index), "doctor", "--json"])
    report = json.loads(out.getvalue())
    assert code == (0 if report["consistent"] else 1)
    return report


def wait_for_writer(index: Path, proc: subprocess.Popen, timeout: float = 60) -> bool:
    """Until ``proc`` holds the index's write lock (True), or has exited (False)."""
    deadline = time.monotonic() + timeout
    lock = index / WRITE_LOCK
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if json.loads(lock.read_text(encoding="utf-8") or "{}").get("pid") == proc.pid:
                return True
        except (OSError, ValueError):
            pass
        time.sleep(0.01)
    return False


def registry_documents(index: Path):
    registry = Registry(index / "registry.sqlite")
    try:
        return registry.documents()
    finally:
        registry.close()


def audit_adds(index: Path) -> list[str]:
    log = AuditLog(index / "audit.sqlite")
    try:
        return [e.target for e in log.entries(None) if e.action == "add"]
    finally:
        log.close()


@pytest.fixture
def env(embed_cache):
    return cli_env(embed_cache)


def test_concurrent_ingests_of_one_folder_and_of_another_store_every_file_once(tmp_path, env):
    make_files(tmp_path / "a", range(30))
    make_files(tmp_path / "b", range(200, 215))
    index = tmp_path / "index"
    procs = [start(index, "ingest", tmp_path / name, "--json", env=env, cwd=tmp_path) for name in ("a", "a", "b")]
    results = [finish(p) for p in procs]
    for code, _, err in results:
        assert code == 0 and "Traceback" not in err, err
    added = [json.loads(out)["added"] for _, out, _ in results]
    assert sorted(added[:2]) == [0, 30]  # the second writer of "a" waited and found every file stored
    assert added[2] == 15
    assert any("另一个进程正在写入文库" in err for _, _, err in results)
    report = doctor(index)
    assert report["consistent"] and (report["documents"], report["chunks"], report["vectors"]) == (45, 45, 45)
    assert len(audit_adds(index)) == len(set(audit_adds(index))) == 45  # audited once each, as stored


def test_upload_during_a_cli_ingest_is_stored_and_reported_truly(tmp_path, env, make_assistant):
    make_files(tmp_path / "docs", range(300, 330))
    uploads = make_files(tmp_path / "incoming", range(400, 405))
    index = tmp_path / "index"
    assistant = make_assistant(index=index)  # the web app's side, in this process
    proc = start(index, "ingest", tmp_path / "docs", "--json", env=env, cwd=tmp_path)
    assert wait_for_writer(index, proc), proc.communicate()
    stages = []
    report = Library(assistant).upload(STAFF, [(p, p.name) for p in uploads],  # waits for the CLI's write…
                                       progress=lambda stage, done, total: stages.append(stage))
    assert stages[0].startswith(f"另一个进程正在写入文库（pid {proc.pid}")  # …and the progress bar says so
    code, out, err = finish(proc)
    assert code == 0 and "Traceback" not in err, err
    assert json.loads(out)["added"] == 30
    assert [r.label for r in report.results] == ["新增"] * 5
    titles = {d.meta.title for d in assistant.documents()}
    assert {f"关于{document_text(n).split('关于')[1].split(chr(10))[0]}" for n in range(400, 405)} <= titles
    assert len(assistant.documents()) == 35
    assert assistant.search(document_text(403), k=1)[0].title.endswith("（第403号）")
    assert len(assistant.index.vectors.chunk_ids()) == 35  # this process's Chroma view has both writers' vectors
    assert doctor(index)["consistent"]
    assert len(set(audit_adds(index))) == 35


def test_kill_9_at_random_points_then_rerun_equals_a_clean_build(tmp_path, env, make_assistant):
    """Ingest, docs set, docs remove and reindex are killed (SIGKILL) at 10 random moments while they
    write; running the same command again completes it and leaves a consistent index."""
    rng = random.Random(1212)
    docs = tmp_path / "docs"
    make_files(docs, range(500, 524))
    index = tmp_path / "index"
    library = Library(make_assistant(index=index))
    steps = ["ingest", "set", "remove", "reindex"] * 2 + ["ingest", "set"]
    next_file = 524
    killed = 0
    for step in steps:
        if step == "ingest":
            make_files(docs, range(next_file, next_file + 6))
            next_file += 6
            args = ["ingest", docs]
        else:
            target = rng.choice(registry_documents(index))
            if step == "set":
                args = ["docs", "set", target.doc_id, "--title", f"改过的标题{rng.randint(0, 999)}",
                        "--visibility", "internal"]
            elif step == "remove":
                args = ["docs", "remove", target.doc_id]
                for source in target.sources:
                    Path(source).unlink()  # the file goes too, so the clean build below lacks it
            else:
                args = ["reindex"]
        proc = start(index, *args, env=env, cwd=tmp_path)
        if wait_for_writer(index, proc):  # the command is writing: kill it a random moment later
            time.sleep(rng.uniform(0.0, 0.4 if step in ("ingest", "reindex") else 0.03))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                killed += 1
        proc.wait(timeout=180)
        # The same command again, in this process (what the CLI calls, without another interpreter start).
        if step == "ingest":
            assert not library.ingest(cli_user(), [docs]).failed
        elif step == "set":
            library.update(cli_user(), target.doc_id, title=args[4], visibility="internal")
        elif step == "remove":
            try:
                assert library.delete(cli_user(), [target.doc_id]) == [target.doc_id]
            except NotFound:  # killed after it had removed the document: nothing left to finish
                assert target.doc_id not in {d.doc_id for d in registry_documents(index)}
        else:
            library.reindex(cli_user())
        if step == "set":
            shown = next(d for d in registry_documents(index) if d.doc_id == target.doc_id)
            assert (shown.meta.title, shown.meta.visibility) == (args[4], "internal")
    assert killed >= 5  # most kills landed while the command was writing
    report = doctor(index)
    assert report["consistent"], report
    clean = make_assistant(index=tmp_path / "clean")
    clean.ingest([docs])
    assert (report["documents"], report["chunks"]) == clean.index.registry.counts()
    assert report["vectors"] == report["chunks"] == report["keyword_chunks"]


def test_doctor_finds_and_repairs_what_an_interruption_left(tmp_path, make_assistant, capsys, monkeypatch):
    make_files(tmp_path / "docs", range(600, 606))
    monkeypatch.chdir(tmp_path)
    assistant = make_assistant(index=tmp_path / "index")
    assistant.ingest([tmp_path / "docs"])
    index = assistant.index
    victim, edited, removed = [d.doc_id for d in assistant.documents()[:3]]
    # the states three interrupted writers would leave: a vector lost, an edit and a removal half-done
    index.vectors.delete_chunks([c.chunk.chunk_id for c in index.registry.chunks_of(victim)])
    with index.registry.transaction():
        index.registry.set_doc_state(edited, "rewriting")
        index.registry.set_doc_state(removed, "deleting")
    assert edited in {d.doc_id for d in assistant.documents()}  # an edited document never vanishes
    cli = ["--index", str(tmp_path / "index"), "doctor"]
    assert main([*cli, "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert not report["consistent"]
    assert report["stuck"]["rewriting"] == [edited] and report["stuck"]["deleting"] == [removed]
    assert victim + "-0000" in report["missing_vectors"]
    assert main([*cli, "--repair"]) == 0
    out = capsys.readouterr().out
    assert "已修复" in out and "一致：" in out, out
    assert main([*cli, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["consistent"] and report["documents"] == report["vectors"] == 5


def test_removing_again_after_an_interrupted_removal_finishes_it(tmp_path, make_assistant, capsys, monkeypatch):
    make_files(tmp_path / "docs", range(700, 703))
    monkeypatch.chdir(tmp_path)
    assistant = make_assistant(index=tmp_path / "index")
    assistant.ingest([tmp_path / "docs"])
    doc_id = assistant.documents()[0].doc_id
    with assistant.index.registry.transaction():
        assistant.index.registry.set_doc_state(doc_id, "deleting")  # killed after marking it
    assert main(["--index", str(tmp_path / "index"), "docs", "remove", doc_id]) == 0
    assert "已删除 1 篇文档" in capsys.readouterr().out
    assert main(["--index", str(tmp_path / "index"), "doctor"]) == 0
    assert "文档 2 篇" in capsys.readouterr().out


def test_a_writer_that_waits_too_long_gets_a_clear_reason(tmp_path, make_assistant):
    assistant = make_assistant(index=tmp_path / "index", write_lock_timeout=0.5)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; from assistant.index.lock import write_lock;"
         "lock = write_lock(Path(sys.argv[1])); lock.acquire(); print('held', flush=True); time.sleep(30)",
         str(tmp_path / "index")], stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert holder.stdout.readline().strip() == "held"
        told = []
        assistant.index.on_wait = told.append
        make_files(tmp_path / "docs", range(1000, 1002))
        with pytest.raises(IndexBusy) as busy:
            assistant.ingest([tmp_path / "docs"])
        assert f"pid {holder.pid}" in str(busy.value) and "等待超时" in str(busy.value)
        assert told and told[0].startswith("另一个进程正在写入文库（pid ")
        with pytest.raises(IndexBusy):  # a web upload gives up the same way, having stored nothing
            Library(assistant).upload(STAFF, [(tmp_path / "docs" / "建议1000.txt", "建议.txt")])
        assert not assistant.settings.uploads_dir.exists() or not any(assistant.settings.uploads_dir.iterdir())
    finally:
        holder.kill()
        holder.wait()
    assert assistant.ingest([tmp_path / "docs"]).count("added") == 2  # its holder died: the lock is free


def test_search_skips_vectors_the_registry_no_longer_has(tmp_path, make_assistant):
    make_files(tmp_path / "docs", range(1100, 1104))
    assistant = make_assistant(index=tmp_path / "index")
    assistant.ingest([tmp_path / "docs"])
    gone = assistant.search(document_text(1101), k=1)[0].doc_id
    with assistant.index.registry.transaction():  # another process removed it; these vectors are stale
        assistant.index.registry.delete_document_rows(gone)
        assistant.index.registry.bump_generation()
    hits = assistant.search(document_text(1101), k=5)
    assert hits and gone not in {h.doc_id for h in hits}
