"""Chinese keyword tokens for the BM25 indexes: jieba words and character n-grams.

Pure functions over text. jieba's dictionary is loaded once per process (it takes ~1 s),
extended with a small general vocabulary of administrative terms (``data/gov_terms.txt``).
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path

import jieba

_VOCAB = Path(__file__).with_name("data") / "gov_terms.txt"
# Runs of CJK ideographs, or of Latin letters/digits (kept whole, lower-cased).
_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[A-Za-z0-9]+(?:[.\-][A-Za-z0-9]+)*")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Function words that carry no topic; kept short on purpose (BM25's IDF does the rest).
STOPWORDS = frozenset(
    "的 了 和 与 及 或 在 是 为 对 等 有 也 而 并 其 之 以 于 把 被 就 都 这 那 个 我 你 他 她 它 们 吗 呢 吧 啊 "
    "怎么 如何 什么 哪些 是否 可以 能否 请问 一下".split()
)


@lru_cache(maxsize=1)
def _jieba() -> jieba.Tokenizer:
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    if _VOCAB.is_file():
        tokenizer.load_userdict(str(_VOCAB))
    return tokenizer


def char_ngrams(text: str) -> list[str]:
    """Character unigrams and bigrams of each CJK run; Latin words and numbers whole."""
    tokens: list[str] = []
    for match in _RUN.finditer(text):
        run = match.group()
        if not _CJK.match(run):
            tokens.append(run.lower())
            continue
        tokens.extend(run)
        tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
    return tokens


def word_tokens(text: str) -> list[str]:
    """jieba search-mode words (long words plus their sub-words), without punctuation or stop words."""
    tokens = []
    for word in _jieba().cut_for_search(text):
        word = word.strip().lower()
        if word and word not in STOPWORDS and _RUN.fullmatch(word):
            tokens.append(word)
    return tokens


def query_terms(text: str) -> list[str]:
    """Distinct content words of a query, longest first: for highlighting and overlap checks."""
    words = {w for w in _jieba().cut(text) if len(w) > 1 and w not in STOPWORDS and _RUN.fullmatch(w)}
    return sorted(words, key=len, reverse=True)
