"""Hybrid retrieval: dense (Chroma) and keyword (BM25 on characters and jieba words), fused.

The one retriever behind search, chat, drafting, duplicate checks and evaluation. Filters
(genre, year range, issuer, visibility) apply inside each retriever, so a member never
receives an internal document from any path. Near-duplicate chunks are collapsed.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Container, Sequence
from dataclasses import dataclass, field

import numpy as np

from assistant.answers.evidence import idf
from assistant.answers.specifics import is_proper_name
from assistant.index.keyword_index import FIELDS, KeywordIndex, query_tokens
from assistant.models import Chunk, SearchFilters, SearchHit
from assistant.retrieval.rank import adjacent_pairs, feature_matrix, load_ranker
from assistant.index.registry import DocumentRecord, text_hash
from assistant.retrieval.rerank import Reranker, RerankError, make_reranker
from assistant.index.store import Index
from assistant.index.tokenize import char_ngrams, in_dictionary, word_tokens
from assistant.ingest.validity import is_in_force


_COUNTS = re.compile(r"[一二三四五六七八九十百千两]|岁")  # "一个十三岁" is an age, not a subject
LONG_TERM = 5  # characters: a term this long that no chunk contains names a subject the library lacks
MAX_TERM_WEIGHT = 5.0  # IDF cap: one rare word should not outweigh the rest of the question
ABSENT_TERM_WEIGHT = 3.0  # weight of a term found in no chunk at all

METHODS = ("ranker", "rrf", "rrf3", "dense", "chars", "words")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetrievalConfig:
    """How candidates are fused. ``ranker`` (default) is the learned linear ranker of rank.py;
    the others exist for the ablation in docs/benchmarks.md: plain RRF (k=60) of dense and
    character BM25, RRF of all three, or one retriever alone."""

    method: str = "ranker"
    depth: int = 100  # candidates taken from each retriever
    rrf_k: int = 60
    rerank: bool = True  # re-score the best candidates with the reranker server, when one is configured

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"unknown retrieval method {self.method!r}; expected one of {', '.join(METHODS)}")


@dataclass(frozen=True)
class Candidates:
    """Chunks proposed by any retriever, with every signal the fusion needs (parallel arrays)."""

    vector: np.ndarray
    chunk_ids: list[str]
    texts: list[str]  # what was embedded and matched: title > heading + chunk text
    dense_sim: np.ndarray
    dense_rank: np.ndarray  # 1-based; 0 = not among the dense results
    chars_score: np.ndarray
    chars_rank: np.ndarray
    words_score: np.ndarray
    words_rank: np.ndarray
    query_bigrams: frozenset[str]
    query_words: frozenset[str]
    chunks: list[Chunk]  # the candidates themselves (their texts are the passages alone)
    query: str

    def features(self) -> np.ndarray:
        return feature_matrix(self.dense_sim, self.dense_rank, self.chars_score, self.chars_rank, self.words_score,
                              self.words_rank, self.texts, set(self.query_bigrams), set(self.query_words),
                              [c.text for c in self.chunks], self.query)


@dataclass
class _DocTable:
    """Per-generation arrays for filtering keyword results without touching SQLite."""

    generation: tuple[int, int]  # the keyword index's generation and row epoch
    docs: dict[str, DocumentRecord]
    chunk_doc: list[str]  # document of each keyword-index row

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
            if filters.doc_ids and record.doc_id not in filters.doc_ids:
                return False
            if filters.in_force_only and not is_in_force(meta.extra.get("status")):
                return False
            return filters.include_internal or meta.visibility == "public"

        if filters == SearchFilters():
            return None
        ok = {doc_id for doc_id, record in self.docs.items() if allowed(record)}
        return np.fromiter((d in ok for d in self.chunk_doc), dtype=bool, count=len(self.chunk_doc))


UNEMBEDDED_SIMILARITY = 0.8  # stand-in when no chunk has a vector yet (typical e5 similarity of a loose match)
EMBED_AT_QUERY = 4  # queued candidates (best keyword ranks first) embedded at query time, through the cache
EMBED_AT_QUERY_RANK = 10  # … only if a keyword retriever ranks them this high (likely hits, not stragglers)


def unembedded(index: Index, chunk_ids: list[str], stored: dict, keyword_rank: dict[str, int]) -> set[str]:
    """Which of ``chunk_ids`` have no vector to score with yet: queued chunks (embedding in the
    background) not in the embedding cache, except the ``EMBED_AT_QUERY`` best keyword candidates
    within the top ``EMBED_AT_QUERY_RANK`` of a keyword retriever, which are embedded now (into the
    cache, so the queue's worker finds them done)."""
    queued = index.registry.queued(chunk_ids) if index.registry.queue_counts()[0] else set()
    if not queued:
        return set()
    cached = index.cache.get(index.embedder.model_id, [text_hash(stored[c].embed_text) for c in queued])
    waiting = [c for c in queued if text_hash(stored[c].embed_text) not in cached]
    waiting.sort(key=lambda c: keyword_rank.get(c, 10**9))
    now = [c for c in waiting[:EMBED_AT_QUERY] if keyword_rank.get(c, 10**9) <= EMBED_AT_QUERY_RANK]
    return set(waiting) - set(now)


def _near_duplicate(a: set[str], b: set[str], threshold: float = 0.85) -> bool:
    if not a or not b:
        return False
    return len(a & b) / len(a | b) >= threshold


class Retriever:
    def __init__(self, index: Index, config: RetrievalConfig | None = None, reranker: Reranker | None = None):
        self.index = index
        self.config = config or RetrievalConfig()
        self.reranker = reranker or make_reranker(index.settings)
        self._table: _DocTable | None = None

    def _doc_table(self) -> _DocTable:
        keywords = self.index.keywords()
        with keywords.lock:
            key = (keywords.generation, keywords.epoch)
            if self._table is None or self._table.generation != key:
                docs = {d.doc_id: d for d in self.index.documents()}
                self._table = _DocTable(key, docs, list(keywords.row_doc_ids))
            return self._table

    def candidates(self, query: str, filters: SearchFilters) -> Candidates:
        depth = self.config.depth
        vector = self.index.embedder.query(query)
        dense = dict(self.index.vectors.query(vector, depth, filters))
        dense_rank = {chunk_id: rank for rank, chunk_id in enumerate(dense, start=1)}
        keyword_scores: dict[str, np.ndarray] = {}
        keyword_rank: dict[str, dict[str, int]] = {name: {} for name in FIELDS}
        keywords = self.index.keywords()
        tokens = {name: query_tokens(name, query) for name in FIELDS}
        with keywords.lock:  # rows must not move (catch-up, compaction) between scoring and reading their ids
            if keywords.size:
                mask = self._doc_table().mask(filters)
                for name in FIELDS:
                    scores = keywords.scores(name, tokens[name])
                    if mask is not None:
                        scores = np.where(mask, scores, 0.0)
                    top = np.argpartition(-scores, min(depth, scores.size - 1))[:depth]
                    top = top[np.argsort(-scores[top])]
                    for rank, position in enumerate(top, start=1):
                        if scores[position] <= 0:
                            break
                        keyword_rank[name][keywords.row_chunk_ids[position]] = rank
                    keyword_scores[name] = scores  # kept whole: candidates of other retrievers need theirs too
            chunk_ids = list(dict.fromkeys([*dense, *keyword_rank["chars"], *keyword_rank["words"]]))
            row_of = {c: keywords.position.get(c, -1) for c in chunk_ids}
        stored = self.index.registry.stored_chunks(chunk_ids)
        chunk_ids = [c for c in chunk_ids if c in stored]  # drop stale ids of documents being rewritten
        missing = [c for c in chunk_ids if c not in dense]
        sims = dict(dense)
        if missing:
            best_rank = {c: min(r for r in (keyword_rank["chars"].get(c), keyword_rank["words"].get(c)) if r)
                         for c in missing if c in keyword_rank["chars"] or c in keyword_rank["words"]}
            later = unembedded(self.index, missing, stored, best_rank)
            known = [c for c in missing if c not in later]
            if known:
                vectors = self.index.embed_passages([stored[c].embed_text for c in known])
                sims.update(zip(known, (vectors @ vector).tolist()))
            if later:
                # chunks still in the embedding queue: no vector to compare with yet. They stay
                # candidates of the keyword side, with the dense cut-off as a neutral similarity.
                stand_in = min(dense.values()) if dense else UNEMBEDDED_SIMILARITY
                sims.update({c: stand_in for c in later})

        def column(values: dict, default: float = 0.0) -> np.ndarray:
            return np.array([values.get(c, default) for c in chunk_ids], dtype=np.float64)

        positions = np.array([row_of[c] for c in chunk_ids], dtype=np.int64)

        def keyword_column(name: str) -> np.ndarray:
            scores = keyword_scores.get(name)
            if scores is None or not len(chunk_ids):
                return np.zeros(len(chunk_ids))
            return np.where(positions >= 0, scores[np.maximum(positions, 0)], 0.0).astype(np.float64)

        bigrams = frozenset(t for t in char_ngrams(query) if len(t) == 2 or not _is_cjk(t))
        return Candidates(
            vector=vector, chunk_ids=chunk_ids, texts=[stored[c].embed_text for c in chunk_ids],
            dense_sim=column(sims), dense_rank=column(dense_rank),
            chars_score=keyword_column("chars"), chars_rank=column(keyword_rank["chars"]),
            words_score=keyword_column("words"), words_rank=column(keyword_rank["words"]),
            query_bigrams=bigrams, query_words=frozenset(word_tokens(query)),
            chunks=[stored[c].chunk for c in chunk_ids], query=query,
        )

    def scores(self, found: Candidates) -> np.ndarray:
        """One fused score per candidate, by the configured method."""
        method = self.config.method
        ranker = load_ranker() if method == "ranker" else None
        if ranker is not None:
            return ranker.score(found.features())
        k = self.config.rrf_k

        def rrf(ranks: np.ndarray) -> np.ndarray:
            return np.where(ranks > 0, 1.0 / (k + ranks), 0.0)

        if method == "dense":
            return np.where(found.dense_rank > 0, found.dense_sim, -np.inf)
        if method in ("chars", "words"):
            ranks = found.chars_rank if method == "chars" else found.words_rank
            return np.where(ranks > 0, found.chars_score if method == "chars" else found.words_score, -np.inf)
        if method == "rrf":
            return rrf(found.dense_rank) + rrf(found.chars_rank)
        return rrf(found.dense_rank) + rrf(found.chars_rank) + rrf(found.words_rank)  # rrf3, or no ranker file

    def term_weights(self, terms: Sequence[str], keywords: KeywordIndex | None = None) -> tuple[dict[str, float], list[str]]:
        """The IDF of each of the question's ``terms``, from one pass over the keyword index (each
        character pair's chunk frequency counted once), and the long terms no chunk contains.

        A word in every chunk weighs almost nothing, a word no chunk contains weighs most; a term's
        document frequency is that of its rarest character pair (or Latin word), which bounds it
        from above. A long term found nowhere ("公共租赁住房" in a library without one) is a subject
        the library does not cover. ``keywords``: the index the caller already caught up, if any."""
        if keywords is None:
            keywords = self.index.keywords()
        total = keywords.size
        frequency: dict[str, int] = {}

        def chunks_with(gram: str) -> int:
            if gram not in frequency:
                frequency[gram] = int(np.count_nonzero(keywords.scores("chars", [gram]))) if total else 0
            return frequency[gram]

        weights: dict[str, float] = {}
        for term in terms:
            grams = [g for g in char_ngrams(term) if len(g) == 2 or not _is_cjk(g)] or list(term)
            found = min(chunks_with(g) for g in grams)
            # a term no chunk contains is often a colloquialism; it counts, but no more than a rare word
            weights[term] = min(idf(found, total), ABSENT_TERM_WEIGHT if found == 0 else MAX_TERM_WEIGHT)
        if not total:
            return weights, []
        absent = [t for t in weights if len(t) >= LONG_TERM and _is_cjk(t) and not _COUNTS.search(t)
                  and not all(chunks_with(g) for g in char_ngrams(t) if len(g) == 2 and _is_cjk(g))]
        # a shorter name ("郑洛新高新区"), none of whose character pairs any chunk has, is one the library lacks
        absent += [t for t in weights if 3 <= len(t) < LONG_TERM and _is_cjk(t) and not in_dictionary(t)
                   and not any(chunks_with(g) for g in char_ngrams(t) if len(g) == 2) and is_proper_name(t)]
        return weights, absent

    def search(self, query: str, k: int = 10, filters: SearchFilters | None = None,
               per_doc: int | None = None) -> list[SearchHit]:
        """The k best chunks; ``per_doc`` caps how many come from one document."""
        filters = filters or SearchFilters()
        query = query.strip()
        if not query:
            return []
        found = self.candidates(query, filters)
        scores = self.scores(found)
        fused = {c: float(s) for c, s in zip(found.chunk_ids, scores) if np.isfinite(s)}
        similarity = dict(zip(found.chunk_ids, found.dense_sim.tolist()))
        chunks = dict(zip(found.chunk_ids, found.chunks))
        docs = self._doc_table().docs
        not_in_force = {c for c, chunk in zip(found.chunk_ids, found.chunks)
                        if chunk.doc_id in docs and not is_in_force(docs[chunk.doc_id].meta.extra.get("status"))}
        order = in_force_first(sorted(fused, key=lambda c: -fused[c]), fused, not_in_force)
        reranked: dict[str, float] = {}
        if self.reranker is not None and self.config.rerank:
            texts = {c: text for c, text, chunk in zip(found.chunk_ids, found.texts, found.chunks) if chunk.doc_id in docs}
            order, reranked = self.rerank(query, order, texts)
        live = docs if not filters.in_force_only else {
            d for d, record in docs.items() if is_in_force(record.meta.extra.get("status"))}
        picked = pick_hits(order, chunks, live, k, per_doc)
        hits: list[SearchHit] = []
        for chunk_id, twins in picked:
            chunk = chunks[chunk_id]
            record = docs[chunk.doc_id]
            meta = record.meta
            hits.append(SearchHit(
                rank=len(hits) + 1, score=fused[chunk_id], doc_id=chunk.doc_id, chunk_id=chunk_id,
                title=meta.title, genre=meta.genre, source=record.sources[0] if record.sources else "",
                page=chunk.page, heading=chunk.heading, text=chunk.text, doc_number=meta.doc_number,
                issuer=meta.issuer, date=meta.date, year=meta.year, start=chunk.start, end=chunk.end,
                external_id=meta.extra.get("external_id"), similarity=similarity[chunk_id],
                near_duplicates=tuple(twins), status=meta.extra.get("status"), rerank_score=reranked.get(chunk_id),
            ))
        return hits

    def rerank(self, query: str, order: list[str], texts: dict[str, str]) -> tuple[list[str], dict[str, float]]:
        """The ranker's best candidates (those with a text in ``texts``: title > heading + passage)
        re-ordered by the reranker server, and its scores. On a timeout or an error the ranker's
        order stands (logged)."""
        top = [c for c in order if c in texts][: self.reranker.top]
        try:
            scores = self.reranker.scores(query, [texts[c] for c in top])
        except RerankError as exc:
            log.warning("reranker unavailable, keeping the ranker's order: %s", exc)
            return order, {}
        by_chunk = dict(zip(top, scores))
        head = sorted(top, key=lambda c: -by_chunk[c])  # stable: ties keep the ranker's order
        return head + [c for c in order if c not in by_chunk], by_chunk


VALIDITY_DEMOTION = 0.25  # share of the top candidates' score spread a not-in-force hit loses


def in_force_first(order: list[str], scores: dict[str, float], not_in_force: set[str]) -> list[str]:
    """Final ordering step for validity (时效): chunks of repealed/expired/revised documents lose
    ``VALIDITY_DEMOTION`` × (best − 20th best score), so they come after in-force chunks of similar
    score but stay above clearly worse ones. The ranker's features and scores are untouched;
    without such documents the order is unchanged."""
    if not not_in_force.intersection(order):
        return order
    top = [scores[c] for c in order[:20]]
    penalty = VALIDITY_DEMOTION * (top[0] - top[-1]) if len(top) > 1 else 0.0
    return sorted(order, key=lambda c: -(scores[c] - (penalty if c in not_in_force else 0.0)))


def pick_hits(order: list[str], chunks: dict[str, Chunk], live_docs: Container[str], k: int,
              per_doc: int | None) -> list[tuple[str, list[str]]]:
    """The k chunk ids to show, best first, each with the documents of its near-duplicates.

    A chunk all but identical to a better one is folded into it rather than shown again; at most
    ``per_doc`` chunks of one document are considered; chunks of documents not in ``live_docs``
    (stale vectors of a document being written or removed) are skipped."""
    kept: list[_Pick] = []
    per_doc_count: dict[str, int] = {}
    look_past = max(k, 10)  # near-duplicates score alike, so they sit just below the hit they repeat
    for chunk_id in order:
        if len(kept) >= k:
            look_past -= 1
            if look_past < 0:
                break
        chunk = chunks.get(chunk_id)
        if chunk is None or chunk.doc_id not in live_docs:
            continue
        if per_doc is not None and per_doc_count.get(chunk.doc_id, 0) >= per_doc:
            continue
        per_doc_count[chunk.doc_id] = per_doc_count.get(chunk.doc_id, 0) + 1
        shingles = adjacent_pairs(chunk.text)
        twin = next((pick for pick in kept if _near_duplicate(shingles, pick.shingles)), None)
        if twin is None:
            if len(kept) < k:  # past the k hits only their near-duplicates are of interest
                kept.append(_Pick(chunk_id, chunk.doc_id, shingles))
        elif chunk.doc_id != twin.doc_id and chunk.doc_id not in twin.twins:
            twin.twins.append(chunk.doc_id)
    return [(pick.chunk_id, pick.twins) for pick in kept]


@dataclass
class _Pick:
    """A chunk chosen as a hit, and the documents of the near-duplicates folded into it."""

    chunk_id: str
    doc_id: str
    shingles: set[str]
    twins: list[str] = field(default_factory=list)


def _is_cjk(token: str) -> bool:
    return "\u3400" <= token[0] <= "\u9fff"
