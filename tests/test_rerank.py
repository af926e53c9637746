"""The reranker server (``rerank_url``): a small local ``/v1/rerank`` server started here, real HTTP."""

from __future__ import annotations

import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.config import Settings
from assistant.retrieval.evaluate import evaluate
from assistant.retrieval.rerank import Reranker, make_reranker
from assistant.retrieval.retrieve import Retriever

QUERY = "老旧小区加装电梯的补助资金"


def overlap(query: str, document: str) -> float:
    """The fake model: share of the query's characters found in the document, shorter documents first on ties."""
    chars = set(query)
    return sum(1 for c in chars if c in document) / len(chars) - len(document) / 1e6


class FakeRerankServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.mode = "ok"  # ok | error | slow | partial
        self.requests: list[dict] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: FakeRerankServer

    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), **body})
        if self.path != "/v1/rerank" or self.server.mode == "error":
            self.send_error(404 if self.path != "/v1/rerank" else 500)
            return
        if self.server.mode == "slow":
            time.sleep(2)
        scored = [{"index": i, "relevance_score": overlap(body["query"], d)} for i, d in enumerate(body["documents"])]
        scored.sort(key=lambda r: -r["relevance_score"])
        if self.server.mode == "partial":
            scored = scored[:1]
        payload = json.dumps({"model": body["model"], "results": scored[: body["top_n"]]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture
def rerank_server():
    server = FakeRerankServer()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_reranker_scores_become_the_final_order(corpus_assistant, rerank_server):
    plain = Retriever(corpus_assistant.index).search(QUERY, k=5)
    reranker = Reranker(rerank_server.url, "bge-reranker-v2-m3", api_key="secret", top=20)
    hits = Retriever(corpus_assistant.index, reranker=reranker).search(QUERY, k=5)
    [request] = rerank_server.requests
    assert request["path"] == "/v1/rerank" and request["model"] == "bge-reranker-v2-m3"
    assert request["auth"] == "Bearer secret" and request["query"] == QUERY
    assert 5 < len(request["documents"]) <= 20 and request["top_n"] == len(request["documents"])
    # the hits are the server's best documents, best first, each with its score
    best = sorted(request["documents"], key=lambda d: -overlap(QUERY, d))
    assert [h.rerank_score for h in hits] == sorted((h.rerank_score for h in hits), reverse=True)
    for hit, document in zip(hits, best):
        assert hit.text in document and hit.rerank_score == pytest.approx(overlap(QUERY, document))
    assert [h.chunk_id for h in hits] != [h.chunk_id for h in plain]  # the fake model disagrees with the ranker
    assert all(h.rerank_score is None for h in plain)
    assert "rerank_score" in hits[0].to_json() and "rerank_score" not in plain[0].to_json()


@pytest.mark.parametrize("mode", ["error", "slow", "partial"])
def test_a_failing_reranker_leaves_the_rankers_order(corpus_assistant, rerank_server, mode, caplog):
    rerank_server.mode = mode
    plain = Retriever(corpus_assistant.index).search(QUERY, k=5)
    retriever = Retriever(corpus_assistant.index, reranker=Reranker(rerank_server.url, "m", timeout=0.5))
    with caplog.at_level(logging.WARNING, logger="assistant.retrieval.retrieve"):
        hits = retriever.search(QUERY, k=5)
    assert [h.chunk_id for h in hits] == [h.chunk_id for h in plain]
    assert all(h.rerank_score is None for h in hits)
    [line] = [r.getMessage() for r in caplog.records if "reranker unavailable" in r.getMessage()]
    assert {"error": "500", "slow": "timed out", "partial": "scored 1 of"}[mode] in line


def test_reranker_settings():
    assert make_reranker(Settings()) is None
    reranker = make_reranker(Settings(rerank_url="http://gpu:9997/", rerank_model="bge-reranker-v2-m3", rerank_top=25))
    assert reranker.base_url == "http://gpu:9997/v1" and reranker.top == 25
    with pytest.raises(ValueError, match="rerank_url"):
        evaluate(Settings(), Path("unused"), rerank=True)


def test_eval_rerank_measures_the_reranker(tmp_path, rerank_server, embed_cache, monkeypatch, capsys):
    corpus = Path(__file__).resolve().parent.parent / "corpus"
    files = sorted(corpus.rglob("*.txt"))[:6]
    beir = tmp_path / "tiny"
    beir.mkdir()
    passages = [(f"p{i}", f.read_text(encoding="utf-8")[:300]) for i, f in enumerate(files)]
    (beir / "corpus.jsonl").write_text("".join(json.dumps({"_id": p, "text": t}, ensure_ascii=False) + "\n"
                                               for p, t in passages), encoding="utf-8")
    (beir / "queries.jsonl").write_text("".join(json.dumps({"_id": f"q{i}", "text": f.stem.split("_")[-1]},
                                                           ensure_ascii=False) + "\n" for i, f in enumerate(files)),
                                        encoding="utf-8")
    (beir / "qrels.tsv").write_text("".join(f"q{i}\tp{i}\t1\n" for i in range(len(files))), encoding="utf-8")
    monkeypatch.setenv("ASSISTANT_EMBED_CACHE", str(embed_cache))
    monkeypatch.setenv("ASSISTANT_RERANK_URL", rerank_server.url)
    assert main(["--index", str(tmp_path / "index"), "eval", str(beir), "--rerank", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["queries"] == len(files) and result["hit@10"] == 1.0
    assert len(rerank_server.requests) == len(files) + 1  # every query (and the warm-up) was re-scored
    requests_before = len(rerank_server.requests)
    assert main(["--index", str(tmp_path / "index"), "eval", str(beir), "--json"]) == 0  # without --rerank: not used
    assert len(rerank_server.requests) == requests_before
