"""A served index while other processes write: `assistant serve` subprocesses, real Chroma, real HTTP.

Embedded Chroma: the server must be the only writer, so the command line's writes are refused
with a clear message. A Chroma server (``chroma_url``): two web servers and a CLI ingest share
one index; members keep getting answers (0 errors) and each server sees the others' writes.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx
from gradio_client import Client, handle_file

from assistant.index import doctor
from assistant.cli import main
from assistant.index.embed_queue import wait_until_drained

from .conftest import free_port
from .test_concurrency import cli_env, document_text, finish, make_files, run, start


def serve(index: Path, env: dict[str, str], cwd: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "assistant.cli", "--index", str(index), "serve", "--open",
                             "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, cwd=cwd)
    return proc, f"http://127.0.0.1:{port}"


def wait_up(proc: subprocess.Popen, url: str, timeout: float = 180, poll: float = 0.5) -> None:
    """Until the page answers with the app itself (its title), checking every ``poll`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {proc.communicate()}")
        try:
            response = httpx.get(url, timeout=2)
            if response.status_code == 200 and "提案助手" in response.text:
                return
        except httpx.HTTPError:
            pass
        time.sleep(poll)
    raise AssertionError("server did not start")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_cli_writes_are_refused_while_a_server_holds_embedded_chroma(tmp_path, embed_cache, make_assistant, capsys):
    env = cli_env(embed_cache)
    index = tmp_path / "index"
    make_files(tmp_path / "docs", range(800, 804))
    assert not make_assistant(index=index).ingest([tmp_path / "docs"]).failed
    server, url = serve(index, env, tmp_path)
    try:
        wait_up(server, url)
        make_files(tmp_path / "more", range(804, 806))
        code, _, err = run(index, "ingest", tmp_path / "more", env=env, cwd=tmp_path)
        assert code == 2 and "Traceback" not in err
        assert f"网页服务（pid {server.pid}" in err and "文库管理" in err and "chroma_url" in err
        second, second_url = serve(index, env, tmp_path)
        code, _, err = finish(second, timeout=120)
        assert code == 2 and "Traceback" not in err and "只能由一个网页服务" in err
        answer = Client(url, verbose=False).predict(document_text(801), api_name="/ask")
        assert any(s["title"].endswith("（第801号）") for s in answer["sources"])
    finally:
        stop(server)
    assert main(["--index", str(index), "ingest", str(tmp_path / "more")]) == 0  # server gone: allowed
    assert "新增 2" in capsys.readouterr().out


def test_two_servers_and_a_cli_ingest_share_one_index_through_a_chroma_server(tmp_path, embed_cache,
                                                                               chroma_server, make_assistant):
    env = cli_env(embed_cache, ASSISTANT_CHROMA_URL=chroma_server,
                  ASSISTANT_CHROMA_COLLECTION=f"served-{uuid.uuid4().hex[:8]}")
    index = tmp_path / "index"
    make_files(tmp_path / "docs", range(900, 910))
    writer = make_assistant(index=index, chroma_url=chroma_server,
                            chroma_collection=env["ASSISTANT_CHROMA_COLLECTION"])
    assert not writer.ingest([tmp_path / "docs"]).failed
    (server_a, url_a), (server_b, url_b) = serve(index, env, tmp_path), serve(index, env, tmp_path)
    try:
        wait_up(server_a, url_a)
        wait_up(server_b, url_b)
        member = Client(url_b, verbose=False)
        asked, errors, done = [0], [], threading.Event()

        def keep_asking() -> None:
            n = 900
            while not done.is_set():
                try:
                    answer = member.predict(document_text(n), api_name="/ask")
                    assert answer["sources"], answer
                    asked[0] += 1
                except Exception as exc:  # any failure a member would see
                    errors.append(repr(exc))
                n = 900 + (n + 1 - 900) % 10

        asker = threading.Thread(target=keep_asking)
        asker.start()
        try:
            make_files(tmp_path / "more", range(910, 925))
            ingest = start(index, "ingest", tmp_path / "more", "--json", env=env, cwd=tmp_path)
            upload = tmp_path / "upload" / "上传的建议.txt"
            upload.parent.mkdir()
            upload.write_text(document_text(950), encoding="utf-8")
            results, summary = Client(url_a, verbose=False).predict(
                [handle_file(str(upload))], "", "public", True, api_name="/upload_documents")
            assert results["data"][0][1] == "新增", summary
            code, out, err = finish(ingest)
            assert code == 0 and "Traceback" not in err, err
        finally:
            done.set()
            asker.join(timeout=120)
        assert errors == [] and asked[0] >= 3, (errors, asked)
        # each server sees what the other server and the command line wrote
        for url, n in ((url_b, 950), (url_a, 917), (url_b, 921)):
            answer = Client(url, verbose=False).predict(document_text(n), api_name="/ask")
            assert any(s["title"].endswith(f"（第{n}号）") for s in answer["sources"]), (url, n, answer)
        assert wait_until_drained(writer.index, timeout=60)  # the upload's vectors, added by a server's worker
    finally:
        stop(server_a)
        stop(server_b)
    report = doctor.check(writer.index)
    assert report.consistent and report.documents == report.vectors == 26
