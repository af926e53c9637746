"""Hybrid retrieval: dense (Chroma) and keyword (BM25 on characters and jieba words), fused.

The one retriever behind search, chat, drafting, duplicate checks and evaluation. Filters
(genre, year range, issuer, visibility) apply inside each retriever, so a member never
receives an internal document from any path. Near-duplicate chunks are collapsed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .keyword_index import FIELDS, query_tokens
from .models import SearchFilters, SearchHit
from .registry import DocumentRecord
from .store import Index


@dataclass(frozen=True)
class FusionWeights:
    """Weighted reciprocal-rank fusion; weights chosen on the benchmarks (docs/benchmarks.md)."""

    dense: float = 1.0
    chars: float = 1.0
    words: float = 0.5
    rrf_k: int = 60
    depth: int = 50  # candidates taken from each retriever


@dataclass
class _DocTable:
    """Per-generation arrays for filtering keyword results without touching SQLite."""

    generation: int
    docs: dict[str, DocumentRecord]
    chunk_doc: list[str]

    def mask(self, filters: SearchFilters) -> np.ndarray | None:
        def allowed(record: DocumentRecord) -> bool:
            meta = record.meta
            if filters.genres and meta.genre not in filters.genres:
                return False
            if filters.year_from is not None and (meta.year is None or meta.year < filters.year_from):
                return False
            if filters.year_to is not None and (meta.year is None or meta.year > filters.year_to):
                return False
            if filters.issuer and meta.issuer != filters.issuer:
                return False
            return filters.include_internal or meta.visibility == "public"

        if filters == SearchFilters():
            return None
        ok = {doc_id for doc_id, record in self.docs.items() if allowed(record)}
        return np.fromiter((d in ok for d in self.chunk_doc), dtype=bool, count=len(self.chunk_doc))


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _near_duplicate(a: set[str], b: set[str], threshold: float = 0.85) -> bool:
    if not a or not b:
        return False
    return len(a & b) / len(a | b) >= threshold


class Retriever:
    def __init__(self, index: Index, weights: FusionWeights | None = None):
        self.index = index
        self.weights = weights or FusionWeights()
        self._table: _DocTable | None = None

    def _doc_table(self) -> _DocTable:
        keywords = self.index.keywords()
        if self._table is None or self._table.generation != keywords.generation:
            docs = {d.doc_id: d for d in self.index.documents()}
            self._table = _DocTable(keywords.generation, docs, keywords.doc_ids)
        return self._table

    def candidates(self, query: str, filters: SearchFilters) -> tuple[np.ndarray, dict[str, dict[str, float]]]:
        """The query vector, and per retriever the rank (1-based) of each candidate chunk id."""
        depth = self.weights.depth
        ranks: dict[str, dict[str, float]] = {}
        vector = self.index.embedder.query(query)
        for rank, (chunk_id, _sim) in enumerate(self.index.vectors.query(vector, depth, filters), start=1):
            ranks.setdefault(chunk_id, {})["dense"] = rank
        keywords = self.index.keywords()
        if keywords.size:
            mask = self._doc_table().mask(filters)
            for name in FIELDS:
                scores = keywords.scores(name, query_tokens(name, query))
                if mask is not None:
                    scores = np.where(mask, scores, 0.0)
                top = np.argpartition(-scores, min(depth, scores.size - 1))[:depth]
                top = top[np.argsort(-scores[top])]
                for rank, position in enumerate(top, start=1):
                    if scores[position] <= 0:
                        break
                    ranks.setdefault(keywords.chunk_ids[position], {})[name] = rank
        return vector, ranks

    def search(self, query: str, k: int = 10, filters: SearchFilters | None = None,
               per_doc: int | None = None) -> list[SearchHit]:
        """The k best chunks; ``per_doc`` caps how many come from one document."""
        filters = filters or SearchFilters()
        query = query.strip()
        if not query:
            return []
        w = self.weights
        weight = {"dense": w.dense, "chars": w.chars, "words": w.words}
        vector, candidates = self.candidates(query, filters)
        fused = {
            chunk_id: sum(weight[name] / (w.rrf_k + rank) for name, rank in ranks.items())
            for chunk_id, ranks in candidates.items()
        }
        order = sorted(fused, key=lambda c: -fused[c])
        chunks = self.index.chunks_by_id(order)
        docs = self._doc_table().docs
        hits: list[SearchHit] = []
        kept: list[set[str]] = []
        per_doc_count: dict[str, int] = {}
        for chunk_id in order:
            chunk = chunks.get(chunk_id)
            record = docs.get(chunk.doc_id) if chunk else None
            if record is None:  # stale vector of a document being written or removed
                continue
            if per_doc is not None and per_doc_count.get(chunk.doc_id, 0) >= per_doc:
                continue
            per_doc_count[chunk.doc_id] = per_doc_count.get(chunk.doc_id, 0) + 1
            shingles = _bigrams(chunk.text)
            if any(_near_duplicate(shingles, other) for other in kept):
                continue
            kept.append(shingles)
            meta = record.meta
            hits.append(SearchHit(
                rank=len(hits) + 1, score=fused[chunk_id], doc_id=chunk.doc_id, chunk_id=chunk_id,
                title=meta.title, genre=meta.genre, source=record.sources[0] if record.sources else "",
                page=chunk.page, heading=chunk.heading, text=chunk.text, doc_number=meta.doc_number,
                issuer=meta.issuer, date=meta.date, year=meta.year, start=chunk.start, end=chunk.end,
                external_id=meta.extra.get("external_id"),
            ))
            if len(hits) >= k:
                break
        return self._with_similarity(hits, vector)

    def _with_similarity(self, hits: list[SearchHit], vector: np.ndarray) -> list[SearchHit]:
        """Fill in each hit's cosine similarity to the query, from the cached chunk vectors."""
        if not hits:
            return hits
        texts = self.index.registry.embed_texts([h.chunk_id for h in hits])
        sims = self.index.embed_passages([texts[h.chunk_id] for h in hits]) @ vector
        return [replace(h, similarity=float(s)) for h, s in zip(hits, sims)]
