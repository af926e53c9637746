"""Retrieval evaluation on any BEIR-layout set, through the same retriever the chat uses.

``corpus.jsonl`` (``_id``, ``text``), ``queries.jsonl`` (``_id``, ``text``) and ``qrels.tsv``
(query-id, corpus-id, score). Each passage is ingested as a document whose source is
``corpus.jsonl#<_id>``; the index lives in ``<index>/eval/<set>-<corpus hash>`` and is reused
while the corpus file is unchanged.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from assistant.config import Settings
from assistant.ingest.pipeline import ingest_texts
from assistant.models import DocMeta
from assistant.retrieval.retrieve import RetrievalConfig
from assistant.service import Assistant
from assistant.index.store import ProgressFn, no_progress


@dataclass(frozen=True)
class BeirSet:
    name: str
    corpus: list[tuple[str, str]]
    queries: list[tuple[str, str]]
    qrels: dict[str, dict[str, int]]
    corpus_hash: str


def load_beir(folder: Path) -> BeirSet:
    corpus_file = folder / "corpus.jsonl"
    data = corpus_file.read_bytes()
    corpus = [(row["_id"], row["text"]) for row in map(json.loads, data.decode("utf-8").splitlines()) if row]
    queries = [(row["_id"], row["text"]) for row in map(json.loads, (folder / "queries.jsonl").read_text("utf-8").splitlines()) if row]
    qrels: dict[str, dict[str, int]] = {}
    for number, line in enumerate((folder / "qrels.tsv").read_text("utf-8").splitlines()):
        parts = line.split("\t")
        if number == 0 and not parts[-1].strip().lstrip("-").isdigit():
            continue  # header
        if len(parts) >= 3 and int(parts[2]) > 0:
            qrels.setdefault(parts[0], {})[parts[1]] = int(parts[2])
    queries = [q for q in queries if q[0] in qrels]
    return BeirSet(folder.resolve().name, corpus, queries, qrels, hashlib.sha256(data).hexdigest()[:12])


def passage_key(set_name: str, passage_id: str) -> str:
    return f"{set_name}/corpus.jsonl#{passage_id}"


def open_eval_index(settings: Settings, beir: BeirSet, progress: ProgressFn = no_progress) -> Assistant:
    """The set's index, built through the normal pipeline if missing (and reused otherwise)."""
    folder = settings.index / "eval" / f"{beir.name}-{beir.corpus_hash}"
    eval_settings = replace(settings, index=folder, chroma_collection=f"eval-{beir.name}-{beir.corpus_hash}")
    assistant = Assistant(eval_settings)
    marker = folder / "complete.json"
    if not marker.is_file():
        items = [(passage_key(beir.name, pid), text, DocMeta(title="", genre="other", extra={"external_id": pid}))
                 for pid, text in beir.corpus]
        report = ingest_texts(assistant.index, items, progress)
        marker.write_text(json.dumps({"passages": len(items), "documents": report.documents}), encoding="utf-8")
    return assistant


def passage_ids_by_doc(assistant: Assistant) -> dict[str, list[str]]:
    """Every benchmark passage id each document stands for (identical passages share a document)."""
    ids: dict[str, list[str]] = {}
    for record in assistant.documents():
        ids[record.doc_id] = [s.rsplit("#", 1)[1] for s in record.sources if "#" in s]
    return ids


def ranked_passages(assistant: Assistant, query: str, k: int, doc_passages: dict[str, list[str]]) -> list[str]:
    hits = assistant.search(query, k=k, per_doc=1)
    ranked: list[str] = []
    for hit in hits:
        for doc_id in (hit.doc_id, *hit.near_duplicates):  # a folded near-duplicate is shown with its hit
            ranked.extend(doc_passages.get(doc_id, []))
    return ranked


def metrics(rankings: dict[str, list[str]], qrels: dict[str, dict[str, int]], k: int = 10) -> dict[str, float]:
    """hit@1/5/k, MRR@k, nDCG@k and recall@k, averaged over queries (pure)."""
    totals = {"hit@1": 0.0, "hit@5": 0.0, f"hit@{k}": 0.0, f"mrr@{k}": 0.0, f"ndcg@{k}": 0.0, f"recall@{k}": 0.0}
    for qid, relevant in qrels.items():
        ranked = rankings.get(qid, [])[:k]
        flags = [1 if pid in relevant else 0 for pid in ranked]
        first = next((i for i, f in enumerate(flags) if f), None)
        if first is not None:
            totals["hit@1"] += first < 1
            totals["hit@5"] += first < 5
            totals[f"hit@{k}"] += 1
            totals[f"mrr@{k}"] += 1 / (first + 1)
        dcg = sum(relevant.get(pid, 0) / math.log2(i + 2) for i, pid in enumerate(ranked))
        ideal = sorted(relevant.values(), reverse=True)[:k]
        idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
        totals[f"ndcg@{k}"] += dcg / idcg if idcg else 0
        totals[f"recall@{k}"] += len({p for p in ranked if p in relevant}) / len(relevant)
    n = max(len(qrels), 1)
    return {name: round(value / n, 4) for name, value in totals.items()}


def evaluate(settings: Settings, folder: Path, k: int = 10, progress: ProgressFn = no_progress,
             config: RetrievalConfig | None = None, rerank: bool = False) -> dict:
    """Metrics of the production retriever (or of an ablation ``config``) on one BEIR set; with
    ``rerank`` its best candidates are re-scored by the configured reranker server."""
    if rerank and not settings.rerank_url:
        raise ValueError("--rerank 需要先配置重排序服务（rerank_url）")
    beir = load_beir(folder)
    assistant = open_eval_index(settings, beir, progress)
    assistant.retriever.config = replace(config or RetrievalConfig(), rerank=rerank)
    try:
        doc_passages = passage_ids_by_doc(assistant)
        assistant.search("预热", k=1)  # load the model and the keyword index before timing
        rankings: dict[str, list[str]] = {}
        latencies: list[float] = []
        for number, (qid, text) in enumerate(beir.queries, start=1):
            started = time.perf_counter()
            rankings[qid] = ranked_passages(assistant, text, k, doc_passages)
            latencies.append((time.perf_counter() - started) * 1000)
            progress("query", number, len(beir.queries))
    finally:
        assistant.close()
    qrels = {q: beir.qrels[q] for q, _ in beir.queries}
    result = {"queries": len(beir.queries), **metrics(rankings, qrels, k)}
    result["latency_ms"] = {"p50": round(float(np.percentile(latencies, 50)), 1),
                            "p95": round(float(np.percentile(latencies, 95)), 1)}
    return result
