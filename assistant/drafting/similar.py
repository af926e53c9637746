"""Similar-proposal detection (查重): existing proposals, replies and 社情民意信息 on a draft's subject.

Candidates come from ``Assistant.search`` (the title and each block of the draft as queries,
the caller's visibility filters applied). Each candidate is scored by character-bigram overlap
weighted by how rare each bigram is in the whole corpus (its chunk frequency in the keyword
index), so shared boilerplate (提案, 建议, 我市) counts for little and shared specifics (15万元,
公积金, 加装电梯) count for much:

- ``overlap``: the share of the draft's content the document also contains;
- ``topic``: the share of the draft's title the document contains;
- ``score = overlap + TOPIC_WEIGHT * topic``.

A proposal or report with ``overlap`` ≥ ``duplicate`` is a likely duplicate; any document with
``score`` ≥ ``related`` is related. Thresholds were chosen on ``tests/data/similar_pairs.jsonl``
(docs/benchmarks.md). The overlapping points are shown as sentence pairs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from assistant.models import SearchFilters
from assistant.retrieval.textsim import bigrams, content_text, dice, first_line, idf_weights, sentences, weighted_containment

if TYPE_CHECKING:
    from assistant.service import Assistant

SIMILAR_GENRES = ("proposal", "reply", "social_report")
DUPLICABLE_GENRES = ("proposal", "social_report")  # a reply answers a proposal; it is never its duplicate
VERDICT_LABELS = {"likely_duplicate": "疑似重复", "related": "相关"}
_TITLE_NOISE = re.compile(r"^关于|的提案$|提案$|的情况反映$|的建议$|的协商建议$")
_BLOCK_CHARS = 300


@dataclass(frozen=True)
class Thresholds:
    duplicate: float = 0.22  # content overlap for a likely duplicate
    related: float = 0.12  # score for related
    topic_weight: float = 0.25
    short_related: float = 0.5  # topic-only input: share of the topic found in the document
    short_duplicate: float = 0.8  # topic-only input: title likeness for a likely duplicate


@dataclass(frozen=True)
class SentencePair:
    draft: str
    existing: str
    overlap: float

    def to_json(self) -> dict:
        return {"draft": self.draft, "existing": self.existing, "overlap": round(self.overlap, 3)}


@dataclass(frozen=True)
class SimilarDoc:
    doc_id: str
    title: str
    genre: str
    score: float
    verdict: str  # likely_duplicate | related
    overlap: float
    topic: float
    pairs: tuple[SentencePair, ...] = ()
    doc_number: str | None = None
    year: int | None = None
    source: str = ""

    @property
    def verdict_label(self) -> str:
        return VERDICT_LABELS[self.verdict]

    @property
    def percent(self) -> int:
        """How much of the draft's content (of a bare topic: of the topic) the document also holds, 0–100."""
        return round(100 * max(0.0, min(1.0, self.overlap)))

    @property
    def similarity_label(self) -> str:
        """"内容重合 37%" (a draft) or "主题重合 80%" (a bare topic): what the percentage measures, in words."""
        return f"{'内容' if self.pairs or self.overlap != self.topic else '主题'}重合 {self.percent}%"

    def to_json(self) -> dict:
        return {"doc_id": self.doc_id, "title": self.title, "genre": self.genre, "score": round(self.score, 4),
                "percent": self.percent, "similarity_label": self.similarity_label,
                "verdict": self.verdict, "overlap": round(self.overlap, 4), "topic": round(self.topic, 4),
                "doc_number": self.doc_number, "year": self.year, "pairs": [p.to_json() for p in self.pairs]}


@dataclass(frozen=True)
class Candidate:
    doc_id: str
    title: str
    genre: str
    text: str
    doc_number: str | None = None
    year: int | None = None
    source: str = ""


def with_genres(filters: SearchFilters | None, genres: tuple[str, ...]) -> SearchFilters:
    """The caller's filters (visibility above all) narrowed to ``genres``."""
    return replace(filters or SearchFilters(), genres=genres)


def topic_of(title: str) -> str:
    """The subject of a title: "关于加装电梯的提案" → "加装电梯"."""
    return _TITLE_NOISE.sub("", _TITLE_NOISE.sub("", title.strip()))


def draft_queries(text: str, limit: int = 8) -> list[str]:
    """Search queries for a draft: its title, then blocks of about 300 characters of its content."""
    title = first_line(text)
    queries = [title] if title else []
    block = ""
    for line in content_text(text).splitlines():
        block = f"{block}\n{line}" if block else line
        if len(block) >= _BLOCK_CHARS:
            queries.append(block[:400])
            block = ""
    if len(block) >= 30:
        queries.append(block[:400])
    return queries[:limit]


def sentence_pairs(draft: str, existing: str, limit: int = 5, threshold: float = 0.22) -> list[SentencePair]:
    """The best-matching sentence of ``existing`` for each draft sentence, strongest first."""
    theirs = [(s, bigrams(s)) for s in sentences(content_text(existing))]
    found = []
    for mine in sentences(content_text(draft)):
        grams = bigrams(mine)
        best = max(((dice(grams, g), s) for s, g in theirs), default=(0.0, ""))
        if best[0] >= threshold:
            found.append(SentencePair(mine, best[1], best[0]))
    found.sort(key=lambda p: -p.overlap)
    return found[:limit]


def score_candidates(text: str, candidates: list[Candidate], thresholds: Thresholds = Thresholds(),
                     pairs: int = 5, idf: Mapping[str, float] | None = None) -> list[SimilarDoc]:
    """Score candidates against a draft (or a bare topic); keep the related ones, best first.

    ``idf`` weighs each bigram (see ``corpus_idf``); without it, rarity among the candidates is used.
    """
    title = first_line(text)
    body = content_text(text)
    short = len(sentences(body)) < 2  # a topic, not a draft
    bags = {c.doc_id: bigrams(content_text(c.text)) | bigrams(c.title) for c in candidates}
    idf = idf if idf is not None else idf_weights(bags.values())
    mine = bigrams(body if not short else text)
    topic = bigrams(topic_of(title))
    found = []
    for candidate in candidates:
        theirs = bags[candidate.doc_id]
        topic_share = weighted_containment(topic, theirs, idf)
        if short:
            overlap = topic_share
            score = topic_share
            likeness = dice(topic, bigrams(topic_of(candidate.title)))
            duplicate = likeness >= thresholds.short_duplicate
            related = topic_share >= thresholds.short_related
        else:
            overlap = weighted_containment(mine, theirs, idf)
            score = overlap + thresholds.topic_weight * topic_share
            duplicate = overlap >= thresholds.duplicate
            related = score >= thresholds.related
        if duplicate and candidate.genre in DUPLICABLE_GENRES:
            verdict = "likely_duplicate"
        elif related or duplicate:
            verdict = "related"
        else:
            continue
        found.append(SimilarDoc(
            doc_id=candidate.doc_id, title=candidate.title, genre=candidate.genre, score=score, verdict=verdict,
            overlap=overlap, topic=topic_share,
            pairs=tuple(sentence_pairs(text, candidate.text, pairs)) if pairs and not short else (),
            doc_number=candidate.doc_number, year=candidate.year, source=candidate.source,
        ))
    found.sort(key=lambda d: (d.verdict != "likely_duplicate", -d.score))
    return found


def corpus_idf(assistant: Assistant, grams: set[str]) -> dict[str, float] | None:
    """Inverse chunk frequency of each bigram in the corpus's character keyword index (None if empty).

    Statistics only: no text of any document is read, so visibility does not apply here.
    """
    keywords = assistant.index.keywords()
    total = keywords.size
    if not total:
        return None
    weights = {}
    for gram in grams:
        frequency = int((keywords.scores("chars", [gram]) > 0).sum())
        weights[gram] = math.log((total + 1) / (frequency + 1)) + 0.05
    return weights


def find_candidates(assistant: Assistant, text: str, filters: SearchFilters | None = None,
                    genres: tuple[str, ...] = SIMILAR_GENRES, k: int = 8) -> list[Candidate]:
    """Documents the searches for a draft's title and blocks reach (visibility filters applied)."""
    scoped = with_genres(filters, genres)
    seen: dict[str, Candidate] = {}
    for query in draft_queries(text) or [text]:
        for hit in assistant.search(query, k=k, filters=scoped, per_doc=2):
            if hit.doc_id not in seen:
                seen[hit.doc_id] = Candidate(hit.doc_id, hit.title, hit.genre, assistant.document_text(hit.doc_id),
                                             hit.doc_number, hit.year, hit.source)
    return list(seen.values())


def find_similar(assistant: Assistant, text: str, filters: SearchFilters | None = None, limit: int = 8,
                 thresholds: Thresholds = Thresholds()) -> list[SimilarDoc]:
    """Existing proposals, replies and 社情民意信息 on the subject of ``text`` (a draft or a topic)."""
    if not text.strip():
        return []
    candidates = find_candidates(assistant, text, filters)
    grams = bigrams(text) | set().union(*(bigrams(c.title) for c in candidates)) if candidates else bigrams(text)
    idf = corpus_idf(assistant, grams)
    return score_candidates(text, candidates, thresholds, idf=idf)[:limit]
