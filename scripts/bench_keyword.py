"""Keyword retrieval alone, the incremental index against bm25s rebuilt from scratch, on BEIR sets.

    python scripts/bench_keyword.py ../shared/bench/govqa ../shared/bench/cppcc_reply

Each passage is cleaned and chunked as ``assistant eval`` does (no embeddings: the registry is
written directly), then for every query and both fields (character n-grams, jieba words) the
chunks are scored by ``KeywordIndex`` and by a bm25s index over the same tokens. Reported per
set and field: hit@10 and MRR@10 of the passages (one hit per passage, like ``eval``), queries
whose top 10 differ, and per-query scoring time p50/p95 of each.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.ingest.clean import clean_pages  # noqa: E402
from assistant.retrieval.evaluate import load_beir  # noqa: E402
from assistant.ingest.pipeline import prepare  # noqa: E402
from assistant.index.keyword_index import FIELDS, KeywordIndex, query_tokens, row_tokens  # noqa: E402
from assistant.models import DocMeta  # noqa: E402
from assistant.models import Page  # noqa: E402
from assistant.index.registry import Registry  # noqa: E402


def build_registry(folder: Path, corpus: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Chunks of every passage in a registry; returns the passage ids of each document."""
    registry = Registry(folder / "registry.sqlite")
    passages: dict[str, list[str]] = {}
    with registry.transaction():
        for pid, text in corpus:
            clean = clean_pages([Page(None, text)])
            content_hash = hashlib.sha256(clean.text.encode("utf-8")).hexdigest()
            doc = prepare(clean, content_hash, DocMeta(title="", genre="other"), {}, 350, 500)
            if doc.doc_id not in passages:
                registry.insert_document(doc.doc_id, content_hash, doc.meta, doc.clean, {})
                registry.insert_chunks(doc.chunks)
                registry.set_doc_state(doc.doc_id, "ready")
            passages.setdefault(doc.doc_id, []).append(pid)
        registry.bump_generation()
    registry.close()
    return passages


def ranked(scores: np.ndarray, row_docs: list[str], passages: dict[str, list[str]], k: int = 10) -> list[str]:
    order = np.argsort(-scores, kind="stable")[:200]
    docs: list[str] = []
    for row in order:
        if scores[row] <= 0 or len(docs) >= k:
            break
        if row_docs[row] not in docs:
            docs.append(row_docs[row])
    return [p for d in docs for p in passages[d]][:k]


def metrics(rankings: dict[str, list[str]], qrels: dict[str, dict[str, int]]) -> tuple[float, float]:
    hits = mrr = 0.0
    for qid, relevant in qrels.items():
        first = next((i for i, p in enumerate(rankings[qid]) if p in relevant), None)
        if first is not None:
            hits += 1
            mrr += 1 / (first + 1)
    return round(hits / len(qrels), 4), round(mrr / len(qrels), 4)


def run(folder: Path) -> list[dict]:
    import bm25s

    beir = load_beir(folder)
    qrels = {q: beir.qrels[q] for q, _ in beir.queries}
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        passages = build_registry(Path(tmp), beir.corpus)
        chunked_s = time.perf_counter() - started
        registry = Registry(Path(tmp) / "registry.sqlite")
        rows = registry.ready_chunk_rows()
        started = time.perf_counter()
        index = KeywordIndex(None).catch_up(registry.path)
        build_new = time.perf_counter() - started
        row_docs_new = list(index.row_doc_ids)
        row_docs_old = [r[1] for r in rows]
        for field in FIELDS:
            started = time.perf_counter()
            old = bm25s.BM25(k1=1.2, b=0.75)
            old.index([row_tokens(field, r[2], r[3]) for r in rows], show_progress=False)
            build_old = time.perf_counter() - started
            new_rank, old_rank, new_ms, old_ms = {}, {}, [], []
            for qid, text in beir.queries:
                tokens = query_tokens(field, text)
                started = time.perf_counter()
                scores = index.scores(field, tokens)
                new_ms.append((time.perf_counter() - started) * 1000)
                new_rank[qid] = ranked(scores, row_docs_new, passages)
                started = time.perf_counter()
                ids = old.get_tokens_ids(tokens)
                scores = old.get_scores_from_ids(ids) if ids else np.zeros(len(rows), dtype=np.float32)
                old_ms.append((time.perf_counter() - started) * 1000)
                old_rank[qid] = ranked(np.asarray(scores), row_docs_old, passages)
            out.append({
                "set": beir.name, "field": field, "chunks": len(rows), "queries": len(qrels),
                "new": dict(zip(("hit@10", "mrr@10"), metrics(new_rank, qrels))),
                "bm25s": dict(zip(("hit@10", "mrr@10"), metrics(old_rank, qrels))),
                "queries_with_other_top10": sum(new_rank[q] != old_rank[q] for q in qrels),
                "score_ms_new": {"p50": round(float(np.percentile(new_ms, 50)), 2),
                                 "p95": round(float(np.percentile(new_ms, 95)), 2)},
                "score_ms_bm25s": {"p50": round(float(np.percentile(old_ms, 50)), 2),
                                   "p95": round(float(np.percentile(old_ms, 95)), 2)},
                "build_s": {"new_both_fields": round(build_new, 1), "bm25s": round(build_old, 1)},
                "chunking_s": round(chunked_s, 1),
            })
            print(json.dumps(out[-1], ensure_ascii=False), flush=True)
        registry.close()
        index.close()
    return out


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+", type=Path, help="BEIR folders (corpus.jsonl, queries.jsonl, qrels/)")
    for folder in parser.parse_args().sets:
        run(folder)
