"""Chinese keyword search: BM25 over character n-grams and over jieba words, updated in place.

An inverted index per field (``chars``: character unigrams + bigrams of what was embedded;
``words``: the jieba search-mode words the registry stores with each chunk), kept in immutable
*segments* of postings (term id → rows, term frequencies). Adding a document appends a small
segment; removing one only marks its rows dead. BM25 (Lucene variant, k1=1.2, b=0.75, as bm25s
computes it) is evaluated at query time from the live statistics — document count, average
length, and each query term's document frequency counted over live rows of its postings — so
scores equal those of an index rebuilt from scratch, and a query touches only the postings of its
own terms.

The index follows the registry, not the process that wrote it: ``catch_up`` compares each ready
document's ``updated_at`` with the one it indexed and re-indexes only what differs, so a document
written by another process (a second ``assistant serve``, the CLI) becomes searchable here at the
next query. A compacted snapshot is saved under ``<index>/keyword`` when enough has changed since
the last one (and loaded memory-mapped at start), so starting reads the snapshot and catches up
only the documents changed since.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from assistant.index.tokenize import char_ngrams, word_tokens

FIELDS = ("chars", "words")
K1, B = 1.2, 0.75
EMPTY = "∅"  # the token of a chunk without any (as the bm25s index had)
FORMAT = 2
MAX_DELTA_SEGMENTS = 8  # small segments are merged into one beyond this
SAVE_MIN_ROWS, SAVE_SHARE = 1000, 0.05  # snapshot again once this many rows (or this share) changed
SAVE_ON_OPEN_ROWS = 200  # a process that had to catch up more than this at start saves for the next one
log = logging.getLogger(__name__)


def row_tokens(field_name: str, words: str, embed_text: str) -> list[str]:
    """The tokens one chunk contributes to a field."""
    tokens = char_ngrams(embed_text) if field_name == "chars" else words.split()
    return tokens or [EMPTY]


def query_tokens(field_name: str, query: str) -> list[str]:
    return char_ngrams(query) if field_name == "chars" else word_tokens(query)


@dataclass(frozen=True)
class Segment:
    """Postings of some rows for one field: sorted term ids, CSR pointers, rows and frequencies."""

    terms: np.ndarray  # int64, sorted, unique
    indptr: np.ndarray  # int64, len(terms) + 1
    rows: np.ndarray  # int32 global row numbers, ascending within a term
    tf: np.ndarray  # float32 term frequency in that row

    @classmethod
    def empty(cls) -> "Segment":
        return cls(np.zeros(0, np.int64), np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.float32))

    @classmethod
    def from_pairs(cls, terms: np.ndarray, rows: np.ndarray, tf: np.ndarray | None = None) -> "Segment":
        """From (term, row[, tf]) postings in any order; without ``tf`` repeated pairs are counted."""
        if not len(terms):
            return cls.empty()
        span = int(rows.max()) + 1
        keys = terms.astype(np.int64) * span + rows.astype(np.int64)
        if tf is None:
            keys, counts = np.unique(keys, return_counts=True)
            tf = counts.astype(np.float32)
        else:
            order = np.argsort(keys, kind="stable")
            keys, tf = keys[order], tf[order]
        terms_sorted = keys // span
        unique_terms, starts = np.unique(terms_sorted, return_index=True)
        indptr = np.append(starts, len(keys)).astype(np.int64)
        return cls(unique_terms.astype(np.int64), indptr, (keys % span).astype(np.int32), tf.astype(np.float32))

    @property
    def postings(self) -> int:
        return len(self.rows)

    def lookup(self, term_ids: np.ndarray) -> Iterable[tuple[int, np.ndarray, np.ndarray]]:
        """(index into ``term_ids``, rows, tf) of every query term this segment holds."""
        if not len(self.terms):
            return
        found = np.searchsorted(self.terms, term_ids)
        for i, pos in enumerate(found):
            if pos < len(self.terms) and self.terms[pos] == term_ids[i]:
                start, end = self.indptr[pos], self.indptr[pos + 1]
                yield i, self.rows[start:end], self.tf[start:end]

    def pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every posting as parallel (term, row, tf) arrays."""
        return np.repeat(self.terms, np.diff(self.indptr)), self.rows, self.tf


def merge(segments: list[Segment], keep: np.ndarray | None = None, renumber: np.ndarray | None = None) -> Segment:
    """One segment holding the postings of ``segments`` (only rows where ``keep``; rows mapped by ``renumber``)."""
    parts = [s.pairs() for s in segments if s.postings]
    if not parts:
        return Segment.empty()
    terms = np.concatenate([p[0] for p in parts])
    rows = np.concatenate([p[1] for p in parts])
    tf = np.concatenate([p[2] for p in parts])
    if keep is not None:
        live = keep[rows]
        terms, rows, tf = terms[live], rows[live], tf[live]
    if renumber is not None:
        rows = renumber[rows]
    return Segment.from_pairs(terms, rows, tf)


@dataclass
class _Field:
    vocab: dict[str, int] = field(default_factory=dict)
    segments: list[Segment] = field(default_factory=list)  # segments[0] is the base, the rest are recent
    lengths: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))  # tokens per row
    total_length: float = 0.0  # over live rows
    norm: tuple[float, np.ndarray] | None = None  # (average length, length normalisation per row)

    def term_ids(self, tokens: list[str], grow: bool = False) -> np.ndarray:
        if grow:
            vocab = self.vocab
            return np.fromiter((vocab.setdefault(t, len(vocab)) for t in tokens), dtype=np.int64, count=len(tokens))
        return np.array([self.vocab[t] for t in tokens if t in self.vocab], dtype=np.int64)


class KeywordIndex:
    """The keyword index of one open index folder; safe to query from several threads."""

    def __init__(self, folder: Path | None = None):
        self.folder = folder
        self.lock = threading.RLock()
        self.generation = -1
        self.epoch = 0  # changes whenever rows are renumbered (callers caching row-aligned data check it)
        self.stamps: dict[str, float] = {}  # doc id → updated_at of the version indexed
        self.doc_rows: dict[str, list[int]] = {}
        self.row_chunk_ids: list[str] = []  # every row ever added since the last compaction, dead ones too
        self.row_doc_ids: list[str] = []
        self.alive = np.zeros(0, dtype=bool)
        self.position: dict[str, int] = {}  # live chunk id → row
        self.fields = {name: _Field() for name in FIELDS}
        self.changed_rows = 0  # rows added or removed since the snapshot on disk
        self._db: sqlite3.Connection | None = None

    # -- what callers read -------------------------------------------------------------
    @property
    def size(self) -> int:
        """Live chunks."""
        return len(self.position)

    @property
    def rows(self) -> int:
        return len(self.row_chunk_ids)

    @property
    def chunk_ids(self) -> list[str]:
        """Live chunk ids, in row order."""
        with self.lock:
            return [c for c, ok in zip(self.row_chunk_ids, self.alive) if ok]

    @property
    def doc_ids(self) -> list[str]:
        """Document id of each live chunk (parallel to ``chunk_ids``)."""
        with self.lock:
            return [d for d, ok in zip(self.row_doc_ids, self.alive) if ok]

    def knows_word(self, token: str) -> bool:
        """Whether jieba cut ``token`` as a word of some chunk indexed since the last compaction."""
        with self.lock:
            return token in self.fields["words"].vocab

    def scores(self, field_name: str, tokens: list[str]) -> np.ndarray:
        """BM25 score of every row (``row_chunk_ids`` order; dead rows 0) for the query tokens.

        Repeated query tokens count again, as in bm25s; unknown tokens are ignored. All postings
        of the query's terms are scored in one vectorised pass."""
        with self.lock:
            n = self.rows
            fld = self.fields.get(field_name)
            live = self.size
            ids = fld.term_ids(tokens) if fld is not None and tokens else np.zeros(0, np.int64)
            if not len(ids) or not live:
                return np.zeros(n, dtype=np.float32)
            unique, weight = np.unique(ids, return_counts=True)
            found_rows, found_tf, term_of = [], [], []
            for segment in fld.segments:
                for i, rows, tf in segment.lookup(unique):
                    found_rows.append(rows)
                    found_tf.append(tf)
                    term_of.append(i)
            if not found_rows:
                return np.zeros(n, dtype=np.float32)
            sizes = np.fromiter((len(r) for r in found_rows), dtype=np.int64, count=len(found_rows))
            rows = np.concatenate(found_rows)
            tf = np.concatenate(found_tf)
            alive = None if live == n else self.alive[rows]
            if alive is None:
                part_df = sizes
            else:
                part_df = np.add.reduceat(alive.astype(np.int64), np.concatenate([[0], np.cumsum(sizes)[:-1]]))
            df = np.bincount(term_of, weights=part_df, minlength=len(unique))
            idf = (np.log1p((live - df + 0.5) / (df + 0.5)) * weight).astype(np.float32)
            contribution = np.repeat(idf[term_of], sizes) * tf / (tf + self._length_norm(fld)[rows])
            if alive is not None:
                contribution *= alive
            return np.bincount(rows, weights=contribution, minlength=n).astype(np.float32)

    def _length_norm(self, fld: _Field) -> np.ndarray:
        """k1·(1 − b + b·length/average length) of every row, kept while the average stays the same."""
        average = fld.total_length / max(self.size, 1)
        cached = fld.norm
        if cached is None or cached[0] != average or len(cached[1]) != len(fld.lengths):
            fld.norm = (average, (K1 * ((1 - B) + B * fld.lengths / average)).astype(np.float32))
        return fld.norm[1]

    # -- following the registry ------------------------------------------------------------
    def catch_up(self, registry_path: Path) -> "KeywordIndex":
        """Bring the index to the registry's current generation (cheap when nothing changed)."""
        db = self._registry(registry_path)
        if _generation(db) == self.generation:
            return self
        with self.lock:
            db.execute("BEGIN")  # one consistent snapshot of generation, documents and chunks
            try:
                generation = _generation(db)
                if generation == self.generation:
                    return self
                stamps = dict(db.execute("SELECT doc_id, updated_at FROM documents WHERE state IN ('ready', 'rewriting')"))
                gone = [d for d, stamp in self.stamps.items() if stamps.get(d) != stamp]
                new = [d for d, stamp in stamps.items() if self.stamps.get(d) != stamp]
                dead_rows = sum(len(self.doc_rows.get(d, ())) for d in gone)
                if self.rows and dead_rows + self.rows - self.size > max(self.size, 1000):
                    self._reset()  # mostly dead: start again from every ready chunk rather than carry the dead
                    gone, new, dead_rows = [], list(stamps), 0
                rows = _chunk_rows(db, sorted(new))  # doc id, chunk order: ties rank as before
            finally:
                db.execute("COMMIT")
            self._remove(gone)
            self._add(rows)
            for doc_id in gone:
                self.stamps.pop(doc_id, None)
            for doc_id in new:
                self.stamps[doc_id] = stamps[doc_id]
            self.generation = generation
            self.changed_rows += dead_rows + len(rows)
            if self.folder is not None and self.changed_rows > max(SAVE_MIN_ROWS, SAVE_SHARE * self.size):
                self.compact()
                self.save()
        return self

    def _registry(self, path: Path) -> sqlite3.Connection:
        if self._db is None:
            self._db = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    # -- changing ---------------------------------------------------------------------------
    def _reset(self) -> None:
        self.stamps.clear()
        self.doc_rows.clear()
        self.row_chunk_ids, self.row_doc_ids = [], []
        self.alive = np.zeros(0, dtype=bool)
        self.position = {}
        self.fields = {name: _Field() for name in FIELDS}
        self.epoch += 1

    def _remove(self, doc_ids: list[str]) -> None:
        for doc_id in doc_ids:
            rows = self.doc_rows.pop(doc_id, [])
            if rows:
                self._kill(rows)

    def _add(self, chunk_rows: list[tuple[str, str, str, str]], batch: int = 2000) -> None:
        """Append rows for (chunk_id, doc_id, words, embed_text) of ready chunks."""
        if not chunk_rows:
            return
        first = self.rows
        for offset, (chunk_id, doc_id, _, _) in enumerate(chunk_rows):
            stale = self.position.get(chunk_id)
            if stale is not None:  # the same chunk id still live under another document: that row dies
                self._kill([stale])
            row = first + offset
            self.row_chunk_ids.append(chunk_id)
            self.row_doc_ids.append(doc_id)
            self.position[chunk_id] = row
            self.doc_rows.setdefault(doc_id, []).append(row)
        self.alive = np.concatenate([self.alive, np.ones(len(chunk_rows), dtype=bool)])
        for name, fld in self.fields.items():
            added: list[Segment] = []
            for start in range(0, len(chunk_rows), batch):  # bounded memory: tokens of one batch at a time
                part = chunk_rows[start : start + batch]
                token_lists = [row_tokens(name, words, text) for _, _, words, text in part]
                lengths = np.fromiter((len(t) for t in token_lists), dtype=np.float32, count=len(token_lists))
                terms = fld.term_ids([t for tokens in token_lists for t in tokens], grow=True)
                rows = np.arange(first + start, first + start + len(part), dtype=np.int32)
                added.append(Segment.from_pairs(terms, np.repeat(rows, lengths.astype(np.int64))))
                fld.lengths = np.concatenate([fld.lengths, lengths])
                fld.total_length += float(lengths.sum())
            segment = added[0] if len(added) == 1 else merge(added)
            fld.segments.append(segment)
            if len(fld.segments) > 1 + MAX_DELTA_SEGMENTS:
                fld.segments = [fld.segments[0], merge(fld.segments[1:])]

    def _kill(self, rows: list[int]) -> None:
        index = np.asarray(rows, dtype=np.int64)
        index = index[self.alive[index]]
        self.alive[index] = False
        for fld in self.fields.values():
            fld.total_length = max(fld.total_length - float(fld.lengths[index].sum()), 0.0)
        for row in index.tolist():
            if self.position.get(self.row_chunk_ids[row]) == row:
                del self.position[self.row_chunk_ids[row]]

    def compact(self) -> None:
        """One segment per field holding only live rows, rows renumbered densely."""
        with self.lock:
            keep = self.alive
            renumber = np.cumsum(keep, dtype=np.int64) - 1
            for fld in self.fields.values():
                fld.segments = [merge(fld.segments, keep, renumber)]
                fld.lengths = fld.lengths[keep]
                fld.total_length = float(fld.lengths.sum())
            self.row_chunk_ids = [c for c, ok in zip(self.row_chunk_ids, keep) if ok]
            self.row_doc_ids = [d for d, ok in zip(self.row_doc_ids, keep) if ok]
            self.alive = np.ones(len(self.row_chunk_ids), dtype=bool)
            self.position = {c: row for row, c in enumerate(self.row_chunk_ids)}
            self.doc_rows = {}
            for row, doc_id in enumerate(self.row_doc_ids):
                self.doc_rows.setdefault(doc_id, []).append(row)
            self.epoch += 1

    # -- the snapshot on disk ---------------------------------------------------------------
    def save(self) -> None:
        """Write the (compacted) index under ``folder``, replacing the previous snapshot atomically."""
        if self.folder is None:
            return
        with self.lock, _file_lock(self.folder):
            if self.rows != self.size or any(len(f.segments) > 1 for f in self.fields.values()):
                self.compact()  # the snapshot holds one segment per field, live rows only
            tmp = self.folder.with_name(f"{self.folder.name}.tmp-{os.getpid()}-{threading.get_ident()}")
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            for name, fld in self.fields.items():
                segment = fld.segments[0] if fld.segments else Segment.empty()
                for part in ("terms", "indptr", "rows", "tf"):
                    np.save(tmp / f"{name}.{part}.npy", getattr(segment, part))
                np.save(tmp / f"{name}.lengths.npy", fld.lengths)
                (tmp / f"{name}.vocab.json").write_text(json.dumps(list(fld.vocab), ensure_ascii=False),
                                                        encoding="utf-8")
            rows = {"chunk_ids": self.row_chunk_ids, "doc_ids": self.row_doc_ids}
            (tmp / "rows.json").write_text(json.dumps(rows), encoding="utf-8")
            manifest = {"format": FORMAT, "generation": self.generation, "stamps": self.stamps}
            (tmp / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")  # written last
            old = self.folder.with_name(self.folder.name + ".old")
            shutil.rmtree(old, ignore_errors=True)
            if self.folder.exists():
                self.folder.rename(old)
            tmp.rename(self.folder)
            shutil.rmtree(old, ignore_errors=True)
            self.changed_rows = 0

    @classmethod
    def load(cls, folder: Path) -> "KeywordIndex":
        """The snapshot in ``folder`` (memory-mapped), or an empty index when there is none usable."""
        index = cls(folder)
        manifest = folder / "manifest.json"
        if not manifest.is_file():
            return index
        try:
            with _file_lock(folder, shared=True):
                data = json.loads(manifest.read_text(encoding="utf-8"))
                if data.get("format") != FORMAT:
                    return index
                rows = json.loads((folder / "rows.json").read_text(encoding="utf-8"))
                fields = {}
                for name in FIELDS:
                    parts = {p: np.load(folder / f"{name}.{p}.npy", mmap_mode="r") for p in ("terms", "indptr", "rows", "tf")}
                    vocab = json.loads((folder / f"{name}.vocab.json").read_text(encoding="utf-8"))
                    lengths = np.array(np.load(folder / f"{name}.lengths.npy"), dtype=np.float32)
                    fields[name] = _Field({t: i for i, t in enumerate(vocab)}, [Segment(**parts)], lengths,
                                          float(lengths.sum()))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("keyword index snapshot in %s unreadable (%s): rebuilding", folder, exc)
            return cls(folder)
        index.fields = fields
        index.generation = int(data["generation"])
        index.stamps = {d: float(s) for d, s in data["stamps"].items()}
        index.row_chunk_ids, index.row_doc_ids = rows["chunk_ids"], rows["doc_ids"]
        index.alive = np.ones(len(index.row_chunk_ids), dtype=bool)
        index.position = {c: row for row, c in enumerate(index.row_chunk_ids)}
        for row, doc_id in enumerate(index.row_doc_ids):
            index.doc_rows.setdefault(doc_id, []).append(row)
        return index

    @classmethod
    def open(cls, registry_path: Path, folder: Path) -> "KeywordIndex":
        """The snapshot, caught up with the registry (built from it when there is no snapshot)."""
        index = cls.load(folder)
        index.catch_up(registry_path)
        if index.changed_rows > SAVE_ON_OPEN_ROWS or (index.changed_rows and not (folder / "manifest.json").is_file()):
            index.save()
        return index


def _generation(db: sqlite3.Connection) -> int:
    row = db.execute("SELECT value FROM state WHERE key='generation'").fetchone()
    return int(row[0]) if row else 0


def _chunk_rows(db: sqlite3.Connection, doc_ids: list[str]) -> list[tuple[str, str, str, str]]:
    """(chunk_id, doc_id, words, embed_text) of the documents' chunks, in document and chunk order."""
    found = []
    for start in range(0, len(doc_ids), 500):
        batch = doc_ids[start : start + 500]
        marks = ",".join("?" * len(batch))
        found.extend(db.execute(
            f"SELECT chunk_id, doc_id, words, embed_text FROM chunks WHERE doc_id IN ({marks})"
            " ORDER BY doc_id, ordinal", batch).fetchall())
    return found


class _file_lock:
    """An advisory lock on ``<folder>.lock`` so two processes never write a snapshot at once."""

    def __init__(self, folder: Path, shared: bool = False):
        self.path = folder.with_name(folder.name + ".lock")
        self.mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = open(self.path, "a")
        fcntl.flock(self.handle, self.mode)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()
        return False
