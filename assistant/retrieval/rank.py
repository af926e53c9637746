"""Learned fusion of retrieval signals: a linear ranker over per-candidate features.

Candidates come from dense search and from both BM25 indexes; each gets a feature vector
(similarities, normalised BM25 scores, reciprocal ranks, query-term coverage, length). A
linear model trained with a listwise loss on the development benchmarks
(``scripts/train_ranker.py``, cross-validated, weights in ``data/ranker.json``) scores them.
Nothing here looks at relevance labels at query time.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from assistant.retrieval.textsim import dice

FEATURES = (
    "dense_sim",  # cosine of query and chunk embeddings
    "dense_gap",  # dense_sim minus the best candidate's
    "dense_rr",  # 1 / (10 + dense rank)
    "chars_norm",  # BM25 (characters) / best BM25 (characters) for the query
    "chars_rr",
    "words_norm",  # BM25 (jieba words) / best for the query
    "words_rr",
    "bigram_cover",  # share of the query's distinct character bigrams found in the chunk
    "word_cover",  # share of the query's distinct words found in the chunk
    "log_len",  # log of chunk length in characters
    "lead_dice",  # Dice overlap of query bigrams and the bigrams of the passage's first sentence
    "longest_match",  # longest query substring (≤ 12 chars) found in the passage, / min(12, query length)
    "lead_longest_match",  # the same within the first sentence (replies restate the request there)
)
LEAD_CHARS = 60
_SENTENCE_END = re.compile(r"[。！？；\n]")
RANK_K = 10.0
WEIGHTS_FILE = Path(__file__).resolve().parents[1] / "data" / "ranker.json"


@dataclass(frozen=True)
class LinearRanker:
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray

    def score(self, features: np.ndarray) -> np.ndarray:
        return ((features - self.mean) / self.scale) @ self.weights

    def to_json(self) -> dict:
        return {"features": list(FEATURES), "mean": self.mean.tolist(), "scale": self.scale.tolist(),
                "weights": self.weights.tolist()}

    @classmethod
    def from_json(cls, data: dict) -> "LinearRanker":
        if tuple(data["features"]) != FEATURES:
            raise ValueError("ranker weights were trained on other features; retrain with scripts/train_ranker.py")
        return cls(np.asarray(data["mean"]), np.asarray(data["scale"]), np.asarray(data["weights"]))


@lru_cache(maxsize=4)
def load_ranker(path: Path = WEIGHTS_FILE) -> LinearRanker | None:
    if not path.is_file():
        return None
    return LinearRanker.from_json(json.loads(path.read_text(encoding="utf-8")))


def _reciprocal(ranks: np.ndarray) -> np.ndarray:
    return np.where(ranks > 0, 1.0 / (RANK_K + ranks), 0.0)


def lead(text: str) -> str:
    """The first sentence of a passage (at most LEAD_CHARS characters)."""
    match = _SENTENCE_END.search(text, 4)
    return text[: min(match.start() if match else len(text), LEAD_CHARS)]


def adjacent_pairs(text: str) -> set[str]:
    """Every two adjacent characters of ``text``, punctuation included."""
    return {text[i : i + 2] for i in range(len(text) - 1)}


def longest_match(query: str, text: str, longest: int = 12) -> float:
    """Length of the longest substring of ``query`` (up to ``longest``) inside ``text``, normalised."""
    query = "".join(query.split())
    cap = min(longest, len(query))
    if cap == 0:
        return 0.0
    best = 0
    for n in range(2, cap + 1):
        if not any(query[i : i + n] in text for i in range(len(query) - n + 1)):
            break
        best = n
    return best / cap


def feature_matrix(
    dense_sim: np.ndarray,
    dense_rank: np.ndarray,
    chars_score: np.ndarray,
    chars_rank: np.ndarray,
    words_score: np.ndarray,
    words_rank: np.ndarray,
    texts: list[str],
    query_bigrams: set[str],
    query_words: set[str],
    passages: list[str] | None = None,
    query: str = "",
) -> np.ndarray:
    """Features of n candidates (ranks are 1-based, 0 = not retrieved by that retriever).

    ``texts`` are what was embedded (title and heading path + passage), ``passages`` the
    passages alone (default: the texts)."""
    passages = texts if passages is None else passages
    leads = [lead(p) for p in passages]
    query_bigram_set = adjacent_pairs("".join(query.split()))
    n = len(texts)
    best_dense = float(dense_sim.max()) if n else 0.0
    best_chars = float(chars_score.max()) if n and chars_score.max() > 0 else 1.0
    best_words = float(words_score.max()) if n and words_score.max() > 0 else 1.0
    bigram_cover = np.array([_cover(query_bigrams, t) for t in texts]) if n else np.zeros(0)
    word_cover = np.array([_cover(query_words, t) for t in texts]) if n else np.zeros(0)
    columns = [
        dense_sim,
        dense_sim - best_dense,
        _reciprocal(dense_rank),
        chars_score / best_chars,
        _reciprocal(chars_rank),
        words_score / best_words,
        _reciprocal(words_rank),
        bigram_cover,
        word_cover,
        np.array([math.log1p(len(t)) for t in texts]),
        np.array([dice(query_bigram_set, adjacent_pairs(lead_text)) for lead_text in leads]),
        np.array([longest_match(query, p) for p in passages]),
        np.array([longest_match(query, lead_text) for lead_text in leads]),
    ]
    return np.stack(columns, axis=1).astype(np.float64) if n else np.zeros((0, len(FEATURES)))


def _cover(terms: set[str], text: str) -> float:
    if not terms:
        return 0.0
    return sum(1 for t in terms if t in text) / len(terms)
