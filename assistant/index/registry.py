"""The document registry: one SQLite file that is the source of truth of the index.

It holds documents (metadata, cleaned text, state), the paths each was ingested from and their
chunks (with keyword tokens), and the *embedding queue*: chunks of ready documents whose vectors
are still to be added to Chroma (``embed_queue``, see ``store.py``). Chroma and
the keyword index are derived from it; a document that is ``pending`` or ``deleting`` is being
written or removed and is invisible to search; one that is ``rewriting`` (metadata edit,
re-index) stays visible, since its registry rows are complete.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from assistant.index.db import Transaction, open_database
from assistant.models import Chunk, CleanText, DocMeta

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    content_hash TEXT NOT NULL,
    title TEXT NOT NULL,
    genre TEXT NOT NULL,
    doc_number TEXT,
    issuer TEXT,
    date TEXT,
    year INTEGER,
    visibility TEXT NOT NULL DEFAULT 'public',
    extra TEXT NOT NULL DEFAULT '{}',
    overrides TEXT NOT NULL DEFAULT '{}',
    text TEXT NOT NULL,
    page_starts TEXT NOT NULL DEFAULT '[]',
    state TEXT NOT NULL,
    added_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS sources (
    path TEXT PRIMARY KEY,
    shown_path TEXT NOT NULL,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id),
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    original_name TEXT
);
CREATE INDEX IF NOT EXISTS sources_doc ON sources(doc_id);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id),
    ordinal INTEGER NOT NULL,
    text TEXT NOT NULL,
    heading TEXT NOT NULL,
    page INTEGER,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    embed_text TEXT NOT NULL,
    words TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id, ordinal);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS embed_queue (
    chunk_id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL,
    enqueued_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS embed_queue_doc ON embed_queue(doc_id);
"""

VISIBLE_STATES = ("ready", "rewriting")  # a document being rewritten keeps complete registry rows
META_FIELDS = ("title", "genre", "doc_number", "issuer", "date", "year", "visibility")


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@dataclass
class DocumentRecord:
    doc_id: str
    meta: DocMeta
    state: str
    sources: list[str] = field(default_factory=list)  # paths as ingested
    chunk_count: int = 0
    overrides: dict = field(default_factory=dict)
    added_at: float = 0.0
    updated_at: float = 0.0

    def to_json(self) -> dict:
        return {
            "doc_id": self.doc_id,
            "title": self.meta.title,
            "genre": self.meta.genre,
            "year": self.meta.year,
            "issuer": self.meta.issuer,
            "doc_number": self.meta.doc_number,
            "date": self.meta.date,
            "visibility": self.meta.visibility,
            "status": self.meta.extra.get("status"),  # validity (时效), None when unknown
            "sources": self.sources,
            "chunks": self.chunk_count,
        }


@dataclass(frozen=True)
class SourceRecord:
    path: str
    shown_path: str
    doc_id: str
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class StoredChunk:
    chunk: Chunk
    embed_text: str
    words: str


class Registry:
    """Typed access to the SQLite registry. One instance per open index."""

    def __init__(self, path: Path):
        self.path = path
        self.db = open_database(path, SCHEMA, synchronous="NORMAL")

    def close(self) -> None:
        self.db.close()

    # -- transactions -------------------------------------------------------------------
    def transaction(self):
        return Transaction(self.db)

    # -- generation: bumped whenever the set of ready chunks changes ----------------------
    def generation(self) -> int:
        row = self.db.execute("SELECT value FROM state WHERE key='generation'").fetchone()
        return int(row[0]) if row else 0

    def bump_generation(self) -> None:
        self.db.execute(
            "INSERT INTO state(key, value) VALUES('generation', '1') "
            "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )

    def get_state(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM state WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_state(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO state(key, value) VALUES(?, ?)", (key, value))

    # -- documents --------------------------------------------------------------------
    def insert_document(self, doc_id: str, content_hash: str, meta: DocMeta, clean: CleanText, overrides: dict) -> None:
        now = time.time()
        self.db.execute(
            "INSERT INTO documents(doc_id, content_hash, title, genre, doc_number, issuer, date, year, visibility,"
            " extra, overrides, text, page_starts, state, added_at, updated_at)"
            " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?, 'pending', ?, ?)",
            (doc_id, content_hash, meta.title, meta.genre, meta.doc_number, meta.issuer, meta.date, meta.year,
             meta.visibility, json.dumps(meta.extra, ensure_ascii=False), json.dumps(overrides, ensure_ascii=False),
             clean.text, json.dumps(clean.page_starts), now, now),
        )

    def update_metadata(self, doc_id: str, meta: DocMeta, overrides: dict) -> None:
        self.db.execute(
            "UPDATE documents SET title=?, genre=?, doc_number=?, issuer=?, date=?, year=?, visibility=?, extra=?,"
            " overrides=?, updated_at=? WHERE doc_id=?",
            (meta.title, meta.genre, meta.doc_number, meta.issuer, meta.date, meta.year, meta.visibility,
             json.dumps(meta.extra, ensure_ascii=False), json.dumps(overrides, ensure_ascii=False), time.time(), doc_id),
        )

    def set_doc_state(self, doc_id: str, state: str) -> None:
        self.db.execute("UPDATE documents SET state=?, updated_at=? WHERE doc_id=?", (state, time.time(), doc_id))

    def delete_document_rows(self, doc_id: str) -> None:
        self.db.execute("DELETE FROM embed_queue WHERE doc_id=?", (doc_id,))
        self.db.execute("DELETE FROM chunks WHERE doc_id=?", (doc_id,))
        self.db.execute("DELETE FROM sources WHERE doc_id=?", (doc_id,))
        self.db.execute("DELETE FROM documents WHERE doc_id=?", (doc_id,))

    def documents_in_state(self, *states: str) -> list[str]:
        marks = ",".join("?" * len(states))
        return [r[0] for r in self.db.execute(f"SELECT doc_id FROM documents WHERE state IN ({marks})", states)]

    def document(self, doc_id: str) -> DocumentRecord | None:
        rows = self._documents("WHERE d.doc_id = ?", (doc_id,))
        return rows[0] if rows else None

    def documents(self, ready_only: bool = True) -> list[DocumentRecord]:
        return self._documents("WHERE d.state IN ('ready', 'rewriting')" if ready_only else "", ())

    def _documents(self, where: str, args: tuple) -> list[DocumentRecord]:
        sql = (
            "SELECT d.doc_id, d.title, d.genre, d.doc_number, d.issuer, d.date, d.year, d.visibility, d.extra,"
            " d.overrides, d.state, d.added_at, d.updated_at,"
            " (SELECT COUNT(*) FROM chunks c WHERE c.doc_id = d.doc_id)"
            f" FROM documents d {where} ORDER BY d.added_at, d.doc_id"
        )
        records = []
        for row in self.db.execute(sql, args).fetchall():
            meta = DocMeta(title=row[1], genre=row[2], doc_number=row[3], issuer=row[4], date=row[5], year=row[6],
                           visibility=row[7], extra=json.loads(row[8]))
            records.append(DocumentRecord(doc_id=row[0], meta=meta, state=row[10], chunk_count=row[13],
                                          overrides=json.loads(row[9]), added_at=row[11], updated_at=row[12]))
        shown = self.shown_paths(records[0].doc_id if len(records) == 1 else None)
        for record in records:
            record.sources = shown.get(record.doc_id, [])
        return records

    def document_text(self, doc_id: str) -> CleanText | None:
        row = self.db.execute("SELECT text, page_starts FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
        if not row:
            return None
        return CleanText(row[0], tuple((start, page) for start, page in json.loads(row[1])) or ((0, None),))

    def content_hash(self, doc_id: str) -> str:
        return self.db.execute("SELECT content_hash FROM documents WHERE doc_id=?", (doc_id,)).fetchone()[0]

    def doc_id_for_hash(self, content_hash: str) -> str | None:
        row = self.db.execute(
            "SELECT doc_id FROM documents WHERE content_hash=? AND state='ready'", (content_hash,)
        ).fetchone()
        return row[0] if row else None

    # -- sources ------------------------------------------------------------------------
    def source(self, path: str) -> SourceRecord | None:
        row = self.db.execute(
            "SELECT path, shown_path, doc_id, size, mtime_ns FROM sources WHERE path=?", (path,)
        ).fetchone()
        return SourceRecord(*row) if row else None

    def put_source(self, path: str, shown_path: str, doc_id: str, size: int, mtime_ns: int,
                   original_name: str | None = None) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO sources(path, shown_path, doc_id, size, mtime_ns, original_name)"
            " VALUES(?,?,?,?,?,?)",
            (path, shown_path, doc_id, size, mtime_ns, original_name),
        )

    def source_paths(self, doc_id: str) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT path FROM sources WHERE doc_id=? ORDER BY path", (doc_id,))]

    def shown_paths(self, doc_id: str | None = None) -> dict[str, list[str]]:
        """Paths as ingested, per document (of one document when ``doc_id`` is given)."""
        where, args = ("WHERE doc_id=?", (doc_id,)) if doc_id else ("", ())
        paths: dict[str, list[str]] = {}
        for doc_id, shown in self.db.execute(f"SELECT doc_id, shown_path FROM sources {where} ORDER BY shown_path", args):
            paths.setdefault(doc_id, []).append(shown)
        return paths

    def source_names(self, doc_id: str) -> list[tuple[str, str | None]]:
        """(path, original upload name or None) of every source of ``doc_id``, by path."""
        return [(r[0], r[1]) for r in self.db.execute(
            "SELECT path, original_name FROM sources WHERE doc_id=? ORDER BY path", (doc_id,))]

    def docs_uploaded_as(self, original_name: str, except_doc_id: str) -> list[str]:
        """Ids of the documents other than ``except_doc_id`` with a source uploaded as ``original_name``."""
        return [r[0] for r in self.db.execute(
            "SELECT DISTINCT doc_id FROM sources WHERE original_name=? AND doc_id<>?", (original_name, except_doc_id))]

    # -- chunks -------------------------------------------------------------------------
    def insert_chunks(self, chunks: list[StoredChunk]) -> None:
        self.db.executemany(
            "INSERT INTO chunks(chunk_id, doc_id, ordinal, text, heading, page, start, end, embed_text, words)"
            " VALUES(?,?,?,?,?,?,?,?,?,?)",
            [(s.chunk.chunk_id, s.chunk.doc_id, s.chunk.ordinal, s.chunk.text, s.chunk.heading, s.chunk.page,
              s.chunk.start, s.chunk.end, s.embed_text, s.words) for s in chunks],
        )

    def delete_chunks(self, doc_id: str) -> None:
        self.db.execute("DELETE FROM embed_queue WHERE doc_id=?", (doc_id,))
        self.db.execute("DELETE FROM chunks WHERE doc_id=?", (doc_id,))

    def chunks_of(self, doc_id: str) -> list[StoredChunk]:
        return [self._stored(r) for r in self.db.execute(_CHUNK_SQL + " WHERE doc_id=? ORDER BY ordinal", (doc_id,))]

    def stored_chunks(self, chunk_ids: list[str]) -> dict[str, StoredChunk]:
        """Chunks with what they were embedded as, by id (ids not found are left out)."""
        found: dict[str, StoredChunk] = {}
        for start in range(0, len(chunk_ids), 500):
            batch = chunk_ids[start : start + 500]
            marks = ",".join("?" * len(batch))
            for row in self.db.execute(_CHUNK_SQL + f" WHERE chunk_id IN ({marks})", batch):
                found[row[0]] = self._stored(row)
        return found

    def ready_chunk_rows(self):
        """(chunk_id, doc_id, words, embed_text) of every ready chunk, in a stable order."""
        return self.db.execute(
            "SELECT c.chunk_id, c.doc_id, c.words, c.embed_text FROM chunks c JOIN documents d USING(doc_id)"
            " WHERE d.state IN ('ready', 'rewriting') ORDER BY c.doc_id, c.ordinal"
        ).fetchall()

    @staticmethod
    def _stored(row) -> StoredChunk:
        chunk = Chunk(chunk_id=row[0], doc_id=row[1], ordinal=row[2], text=row[3], heading=row[4], page=row[5],
                      start=row[6], end=row[7])
        return StoredChunk(chunk=chunk, embed_text=row[8], words=row[9])

    def visible_chunk_ids(self) -> set[str]:
        return {r[0] for r in self.db.execute(
            "SELECT c.chunk_id FROM chunks c JOIN documents d USING(doc_id) WHERE d.state IN ('ready', 'rewriting')")}

    def dangling_rows(self) -> tuple[list[str], list[str]]:
        """(source paths, chunk ids) whose document row is missing."""
        sources = [r[0] for r in self.db.execute(
            "SELECT path FROM sources WHERE doc_id NOT IN (SELECT doc_id FROM documents) ORDER BY path")]
        chunks = [r[0] for r in self.db.execute(
            "SELECT chunk_id FROM chunks WHERE doc_id NOT IN (SELECT doc_id FROM documents) ORDER BY chunk_id")]
        return sources, chunks

    # -- the embedding queue: chunks of ready documents still without a vector ----------------
    def enqueue(self, chunk_ids: list[str], doc_id: str) -> None:
        now = time.time()
        self.db.executemany("INSERT OR REPLACE INTO embed_queue(chunk_id, doc_id, enqueued_at) VALUES(?,?,?)",
                            [(c, doc_id, now) for c in chunk_ids])

    def dequeue(self, chunk_ids: list[str]) -> None:
        self.db.executemany("DELETE FROM embed_queue WHERE chunk_id=?", [(c,) for c in chunk_ids])

    def queue_head(self, limit: int) -> list[StoredChunk]:
        """The oldest ``limit`` queued chunks of visible documents, with what they are embedded as."""
        return [self._stored(r) for r in self.db.execute(
            "SELECT c.chunk_id, c.doc_id, c.ordinal, c.text, c.heading, c.page, c.start, c.end, c.embed_text,"
            " c.words FROM embed_queue q JOIN chunks c USING(chunk_id) JOIN documents d ON d.doc_id = c.doc_id"
            " WHERE d.state IN ('ready', 'rewriting') ORDER BY q.enqueued_at, c.doc_id, c.ordinal LIMIT ?",
            (limit,))]

    def queued(self, chunk_ids: list[str] | None = None) -> set[str]:
        """Queued chunk ids (among ``chunk_ids`` when given)."""
        if chunk_ids is None:
            return {r[0] for r in self.db.execute("SELECT chunk_id FROM embed_queue")}
        found: set[str] = set()
        for start in range(0, len(chunk_ids), 500):
            batch = chunk_ids[start : start + 500]
            marks = ",".join("?" * len(batch))
            found.update(r[0] for r in self.db.execute(
                f"SELECT chunk_id FROM embed_queue WHERE chunk_id IN ({marks})", batch))
        return found

    def queued_of(self, doc_id: str) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT chunk_id FROM embed_queue WHERE doc_id=?", (doc_id,))}

    def queue_counts(self) -> tuple[int, int]:
        """(queued chunks, documents they belong to)."""
        row = self.db.execute("SELECT COUNT(*), COUNT(DISTINCT doc_id) FROM embed_queue").fetchone()
        return int(row[0]), int(row[1])

    def dangling_queue_rows(self) -> list[str]:
        """Queued chunk ids whose chunk row is gone."""
        return [r[0] for r in self.db.execute(
            "SELECT chunk_id FROM embed_queue WHERE chunk_id NOT IN (SELECT chunk_id FROM chunks) ORDER BY chunk_id")]

    def delete_dangling_rows(self) -> None:
        self.db.execute("DELETE FROM sources WHERE doc_id NOT IN (SELECT doc_id FROM documents)")
        self.db.execute("DELETE FROM chunks WHERE doc_id NOT IN (SELECT doc_id FROM documents)")
        self.db.execute("DELETE FROM embed_queue WHERE chunk_id NOT IN (SELECT chunk_id FROM chunks)")

    def counts(self) -> tuple[int, int]:
        docs = self.db.execute("SELECT COUNT(*) FROM documents WHERE state IN ('ready', 'rewriting')").fetchone()[0]
        chunks = self.db.execute(
            "SELECT COUNT(*) FROM chunks c JOIN documents d USING(doc_id) WHERE d.state IN ('ready', 'rewriting')"
        ).fetchone()[0]
        return docs, chunks


_CHUNK_SQL = "SELECT chunk_id, doc_id, ordinal, text, heading, page, start, end, embed_text, words FROM chunks"

