"""Chinese keyword tokens for the BM25 indexes: jieba words and character n-grams.

Pure functions over text. jieba's dictionary is extended with a small general vocabulary of
administrative terms (``data/gov_terms.txt``). Loading the whole dictionary takes 0.6–1.4 s, so a
process that tokenizes little (``assistant search``/``ask``: one question) reads the word
frequencies it needs on demand from a SQLite copy of the extended dictionary (built once, in the
temporary folder like jieba's own cache); past ``FULL_AFTER`` characters the whole dictionary is
loaded. Both give the same tokens: same frequencies, same total.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import sqlite3
import tempfile
import threading
from functools import lru_cache
from pathlib import Path

import jieba

_VOCAB = Path(__file__).resolve().parents[1] / "data" / "gov_terms.txt"
# Runs of CJK ideographs, or of Latin letters/digits (kept whole, lower-cased).
_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[A-Za-z0-9]+(?:[.\-][A-Za-z0-9]+)*")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Function words that carry no topic; kept short on purpose (BM25's IDF does the rest).
STOPWORDS = frozenset(
    "的 了 和 与 及 或 在 是 为 对 等 有 也 而 并 其 之 以 于 把 被 就 都 这 那 个 我 你 他 她 它 们 吗 呢 吧 啊 "
    "怎么 如何 什么 哪些 是否 可以 能否 请问 一下".split()
)


FULL_AFTER = 20_000  # characters tokenized on demand before the whole dictionary is worth loading
_UNSEEN = object()


@lru_cache(maxsize=1)
def _full_jieba() -> jieba.Tokenizer:
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    if _VOCAB.is_file():
        tokenizer.load_userdict(str(_VOCAB))
    return tokenizer


class _FrequenciesOnDemand(dict):
    """jieba's word frequencies looked up in a SQLite file as the tokenizer asks (answers memoised)."""

    def __init__(self, db: sqlite3.Connection):
        super().__init__()
        self.db = db

    def _value(self, word: str):
        value = dict.get(self, word, _UNSEEN)
        if value is _UNSEEN:
            row = self.db.execute("SELECT freq FROM freq WHERE word=?", (word,)).fetchone()
            value = row[0] if row else None
            dict.__setitem__(self, word, value)
        return value

    def __contains__(self, word) -> bool:
        return self._value(word) is not None

    def get(self, word, default=None):
        value = self._value(word)
        return default if value is None else value

    def __getitem__(self, word):
        value = self._value(word)
        if value is None:
            raise KeyError(word)
        return value


def _frequency_file() -> Path:
    vocab = _VOCAB.read_bytes() if _VOCAB.is_file() else b""
    key = hashlib.sha256(jieba.__version__.encode() + b"\0" + vocab).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"assistant-jieba-{key}.sqlite"


@lru_cache(maxsize=1)
def _lazy_jieba() -> jieba.Tokenizer | None:
    """A tokenizer whose dictionary is read on demand (None if the frequency file cannot be made)."""
    path = _frequency_file()
    try:
        if not path.is_file():
            full = _full_jieba()
            tmp = path.with_name(f"{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")
            with sqlite3.connect(tmp) as db:
                db.execute("CREATE TABLE freq (word TEXT PRIMARY KEY, freq INTEGER NOT NULL) WITHOUT ROWID")
                db.executemany("INSERT INTO freq VALUES(?, ?)", full.FREQ.items())
                db.execute("CREATE TABLE total (total INTEGER NOT NULL)")
                db.execute("INSERT INTO total VALUES(?)", (full.total,))
            db.close()
            os.replace(tmp, path)
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        total = db.execute("SELECT total FROM total").fetchone()[0]
    except (OSError, sqlite3.Error):
        return None
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ, tokenizer.total, tokenizer.initialized = _FrequenciesOnDemand(db), total, True
    tokenizer.on_demand_chars = 0
    return tokenizer


def _jieba(text: str = "") -> jieba.Tokenizer:
    """The on-demand tokenizer for the first FULL_AFTER characters a process tokenizes, then the full one."""
    if _full_jieba.cache_info().currsize == 0:
        lazy = _lazy_jieba()
        if lazy is not None and lazy.on_demand_chars + len(text) <= FULL_AFTER:
            lazy.on_demand_chars += len(text)
            return lazy
    return _full_jieba()


def in_dictionary(word: str) -> bool:
    """Whether jieba's dictionary (with the project's terms) has ``word``: a word, not a piece it guessed."""
    return bool(_jieba().FREQ.get(word))


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
    for word in _jieba(text).cut_for_search(text):
        word = word.strip().lower()
        if word and word not in STOPWORDS and _RUN.fullmatch(word):
            tokens.append(word)
    return tokens


def query_terms(text: str) -> list[str]:
    """Distinct content words of a query, longest first: for highlighting and overlap checks."""
    words = {w for w in _jieba(text).cut(text) if len(w) > 1 and w not in STOPWORDS and _RUN.fullmatch(w)}
    return sorted(words, key=len, reverse=True)
