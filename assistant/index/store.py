"""The index on disk: registry (SQLite) + Chroma vectors + keyword index, kept in step.

Write protocol, so that a document is in all stores or in none:
1. registry rows are written with state ``pending`` (one transaction);
2. texts are embedded (through the cache) and the vectors added to Chroma;
3. one transaction marks the documents ``ready``, moves source paths, marks replaced
   documents ``deleting`` and bumps the generation (the keyword index follows it).
Removal marks ``deleting`` first, then deletes vectors, then rows. Metadata edits and
re-indexing mark ``rewriting`` while the vectors are replaced (such a document stays visible:
its registry rows are complete). ``heal()`` at the next write purges documents left ``pending``
or ``deleting`` (their files are then seen as new again) and finishes ``rewriting`` ones from
the registry, so an interrupted edit loses nothing.

Embedding later (``write(..., embed_later=True)``: web uploads while ``serve`` runs its embedding
worker, ``assistant ingest --background``): one transaction stores the documents ``ready`` with
their chunks — keyword-searchable at once — and puts their chunk ids in the registry's
``embed_queue``. ``embed_queued()`` then takes the oldest queued chunks, embeds them (through the
cache, outside the write lock), and under the lock adds the vectors of those still queued with the
same text (replacing any an interrupted step added) and deletes their queue rows. Chroma and the
queue are not one transaction, but re-adding is idempotent, so a kill at any point loses nothing
and duplicates nothing. Removing a document drops its queue rows; re-chunking a queued one queues
its new chunks that have no cached vector; a metadata edit rewrites only the vectors already added
(the queued ones get the new metadata when added). One process at a time works the queue
(``embed.lock``, see ``embed_queue.py``).

Every write runs inside ``Index.writing()``, the index's write lock (``lock.py``): one writer
per index across processes, so whatever ``heal()`` finds half-done belongs to a writer that is
gone, never to one still working.
"""

from __future__ import annotations

import functools
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from assistant.config import Settings
from assistant.index.embed import Embedder, make_embedder
from assistant.index.embed_cache import EmbeddingCache
from assistant.index.keyword_index import KeywordIndex
from assistant.index.lock import WaitFn, serve_lock, served_busy, write_lock
from assistant.models import CleanText, DocMeta
from assistant.index.registry import VISIBLE_STATES, DocumentRecord, Registry, StoredChunk, text_hash
from assistant.index.vector_store import VectorStore

ProgressFn = Callable[[str, int, int], None]  # (stage, done, total)


def no_progress(stage: str, done: int, total: int) -> None:
    return None


def _locked(method):
    """Run an ``Index`` method under the index's write lock."""

    @functools.wraps(method)
    def run(self, *args, **kwargs):
        with self.writing():
            return method(self, *args, **kwargs)

    return run


@dataclass
class PreparedDocument:
    """A document ready to be stored: everything computed, nothing written yet."""

    doc_id: str
    content_hash: str
    meta: DocMeta
    clean: CleanText
    chunks: list[StoredChunk]
    overrides: dict = field(default_factory=dict)


@dataclass(frozen=True)
class SourceInfo:
    path: str  # resolved, the identity of the source
    shown_path: str  # as the user gave it
    size: int
    mtime_ns: int
    original_name: str | None = None


class Index:
    """One open index folder. Not thread-safe for writes; searches may run concurrently."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None):
        self.settings = settings
        self.folder = settings.index
        self.folder.mkdir(parents=True, exist_ok=True)
        self.registry = Registry(self.folder / "registry.sqlite")
        self.cache = EmbeddingCache(settings.embed_cache or self.folder / "embeddings.sqlite")
        self.embedder = embedder or make_embedder(settings)
        fresh = settings.chroma_url or not VectorStore.embedded_open_here(settings)
        self.vectors = VectorStore.open(settings, self.embedder.model_id)
        self._keywords: KeywordIndex | None = None
        self._keywords_lock = threading.Lock()
        self.embedded_count = 0  # texts actually sent to the embedding model by this instance
        self.lock = write_lock(self.folder)
        self.on_wait: WaitFn | None = None  # told when another process's write makes this one wait
        # The registry generation the open vector store is known to reflect. An embedded client may
        # come from Chroma's per-process cache, opened before another process wrote: unknown (-1),
        # so the first write reopens it.
        self._vectors_generation = self._vectors_stamp() if fresh else -1

    def close(self) -> None:
        if self._keywords is not None:
            self._keywords.close()
        self.registry.close()
        self.cache.close()

    # -- the write lock -----------------------------------------------------------------
    @contextmanager
    def writing(self, on_wait: WaitFn | None = None) -> Iterator[None]:
        """Hold the index's write lock (re-entrant); waits for another writer (telling ``on_wait``, else
        ``self.on_wait``), ``IndexBusy`` on timeout.

        An embedded Chroma keeps its index in memory, so when another process has written since
        this one opened it, it is reopened before writing (never written from a stale copy)."""
        with self.lock.hold(self.settings.write_lock_timeout, on_wait or self.on_wait):
            outermost = self.lock.depth == 1
            if outermost and not self.settings.chroma_url and self._vectors_stamp() != self._vectors_generation:
                self.vectors = VectorStore.reopen(self.settings, self.embedder.model_id)
            try:
                yield
            finally:
                if outermost:
                    self._vectors_generation = self._vectors_stamp()

    def _vectors_stamp(self) -> tuple[int, str | None]:
        """Changes whenever Chroma is written: the generation, and the embedding queue's own counter
        (adding queued vectors changes no ready chunk, so it does not bump the generation)."""
        return self.registry.generation(), self.registry.get_state("vectors_added")

    @contextmanager
    def no_server(self) -> Iterator[None]:
        """For command-line writers: refuse (``IndexBusy``) while a web server holds this index with
        embedded Chroma, and keep a server from starting on it until the command is done."""
        if self.settings.chroma_url:
            yield
            return
        with serve_lock(self.folder).hold(timeout=0, busy=served_busy, shared=True):
            yield

    # -- reading ----------------------------------------------------------------------
    def keywords(self) -> KeywordIndex:
        """The keyword index, caught up with the registry (whoever wrote it: this process or another)."""
        with self._keywords_lock:
            if self._keywords is None:
                self._keywords = KeywordIndex.open(self.registry.path, self.folder / "keyword")
        return self._keywords.catch_up(self.registry.path)

    def rebuild_keywords(self) -> None:
        """Throw the keyword index away and build it again from the registry (``doctor --repair``)."""
        with self._keywords_lock:
            if self._keywords is not None:
                self._keywords.close()
            self._keywords = None
            shutil.rmtree(self.folder / "keyword", ignore_errors=True)
        self.keywords()

    def documents(self) -> list[DocumentRecord]:
        return self.registry.documents()

    def document(self, doc_id: str) -> DocumentRecord | None:
        record = self.registry.document(doc_id)
        return record if record and record.state in VISIBLE_STATES else None

    # -- embeddings -------------------------------------------------------------------
    def embed_passages(self, texts: list[str], progress: ProgressFn = no_progress) -> np.ndarray:
        """Vectors for texts, from the cache where possible; only new texts reach the model."""
        model = self.embedder.model_id
        hashes = [text_hash(t) for t in texts]
        cached = self.cache.get(model, hashes)
        missing = list(dict.fromkeys(h for h in hashes if h not in cached))
        by_hash = {h: t for h, t in zip(hashes, texts)}
        batch = max(1, self.settings.embed_batch)
        for start in range(0, len(missing), batch):
            todo = missing[start : start + batch]
            vectors = self.embedder.passages([by_hash[h] for h in todo])
            fresh = dict(zip(todo, vectors))
            self.cache.put(model, fresh)
            cached.update(fresh)
            self.embedded_count += len(todo)
            progress("embed", min(start + batch, len(missing)), len(missing))
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([cached[h] for h in hashes])

    # -- writing ----------------------------------------------------------------------
    @_locked
    def heal(self) -> int:
        """Finish what an interruption left half-done. Returns how many documents it touched.

        New or removed documents (``pending``, ``deleting``) are purged; documents whose vectors
        were being rewritten (``rewriting``: a metadata edit or re-index) get them rewritten."""
        rewriting = self.registry.documents_in_state("rewriting")
        for doc_id in rewriting:
            self._rewrite_vectors(doc_id, self.registry.document(doc_id).meta)
        unfinished = self.registry.documents_in_state("pending", "deleting")
        for doc_id in unfinished:
            self.vectors.delete(doc_id)
            with self.registry.transaction():
                self.registry.delete_document_rows(doc_id)
                self.registry.bump_generation()
        return len(rewriting) + len(unfinished)

    @_locked
    def write(self, batch: list[tuple[PreparedDocument, list[SourceInfo]]], progress: ProgressFn = no_progress,
              embed_later: bool = False) -> list[str]:
        """Store new documents and attach their sources; returns doc ids that lost their last source.

        ``embed_later``: the documents are ready (keyword-searchable) at once and their chunks queued
        for ``embed_queued``."""
        if not batch:
            return []
        if embed_later:
            return self._write_queued(batch)
        with self.registry.transaction():
            for doc, _ in batch:
                self.registry.insert_document(doc.doc_id, doc.content_hash, doc.meta, doc.clean, doc.overrides)
                self.registry.insert_chunks(doc.chunks)
        vectors = self.embed_passages([c.embed_text for doc, _ in batch for c in doc.chunks], progress)
        offset = 0
        for doc, _ in batch:
            count = len(doc.chunks)
            if count:
                self.vectors.add([c.chunk for c in doc.chunks], vectors[offset : offset + count], doc.meta)
            offset += count
        return self._publish(batch)

    def _write_queued(self, batch: list[tuple[PreparedDocument, list[SourceInfo]]]) -> list[str]:
        def stored_and_queued(doc: PreparedDocument) -> None:
            self.registry.insert_document(doc.doc_id, doc.content_hash, doc.meta, doc.clean, doc.overrides)
            self.registry.insert_chunks(doc.chunks)
            self.registry.enqueue([c.chunk.chunk_id for c in doc.chunks], doc.doc_id)

        return self._publish(batch, stored_and_queued)

    def _publish(self, batch: list[tuple[PreparedDocument, list[SourceInfo]]],
                 first: Callable[[PreparedDocument], None] | None = None) -> list[str]:
        """One transaction: (``first`` for each document,) mark the batch ``ready``, attach its sources,
        mark the documents they replace ``deleting`` and bump the generation; then purge those."""
        orphans: list[str] = []
        with self.registry.transaction():
            for doc, sources in batch:
                if first is not None:
                    first(doc)
                self.registry.set_doc_state(doc.doc_id, "ready")
                for source in sources:
                    orphans.extend(self._attach(source, doc.doc_id))
            for doc_id in orphans:
                self.registry.set_doc_state(doc_id, "deleting")
            self.registry.bump_generation()
        self._purge(orphans)
        return orphans

    def embed_queued(self, limit: int = 32) -> int:
        """Fill the vectors of (up to) the ``limit`` oldest queued chunks; how many were added (0: the
        queue is empty). Embedding runs outside the write lock; only adding and dequeuing hold it."""
        head = self.registry.queue_head(limit)
        if not head:
            return 0
        vectors = dict(zip((s.chunk.chunk_id for s in head), self.embed_passages([s.embed_text for s in head])))
        embedded_as = {s.chunk.chunk_id: s.embed_text for s in head}
        with self.writing():
            self.heal()
            still = self.registry.queued(list(vectors))
            current = self.registry.stored_chunks(sorted(still))
            # a chunk re-chunked (same id, other text) or removed meanwhile stays for the next round / is gone
            todo = [s for s in current.values() if s.embed_text == embedded_as[s.chunk.chunk_id]]
            by_doc: dict[str, list[StoredChunk]] = {}
            for stored in todo:
                by_doc.setdefault(stored.chunk.doc_id, []).append(stored)
            for doc_id, chunks in by_doc.items():
                record = self.registry.document(doc_id)
                if record is None or record.state not in VISIBLE_STATES:
                    continue
                ids = [c.chunk.chunk_id for c in chunks]
                self.vectors.delete_chunks(ids)  # what an interrupted earlier step may have added
                self.vectors.add([c.chunk for c in chunks], np.stack([vectors[i] for i in ids]), record.meta)
                with self.registry.transaction():
                    self.registry.dequeue(ids)
                    self.registry.set_state("vectors_added", str(time.time_ns()))
        return len(head)

    @_locked
    def attach_source(self, source: SourceInfo, doc_id: str) -> list[str]:
        """Record that ``source`` now holds document ``doc_id``; returns doc ids this orphaned."""
        with self.registry.transaction():
            orphans = self._attach(source, doc_id)
            for orphan in orphans:
                self.registry.set_doc_state(orphan, "deleting")
            if orphans:
                self.registry.bump_generation()
        self._purge(orphans)
        return orphans

    def _attach(self, source: SourceInfo, doc_id: str) -> list[str]:
        previous = self.registry.source(source.path)
        self.registry.put_source(source.path, source.shown_path, doc_id, source.size, source.mtime_ns,
                                 source.original_name)
        if previous and previous.doc_id != doc_id and not self.registry.source_paths(previous.doc_id):
            return [previous.doc_id]
        return []

    @_locked
    def remove(self, doc_ids: list[str]) -> list[str]:
        """Delete documents from every store; returns the ids that existed."""
        existing = [d for d in doc_ids if self.registry.document(d)]
        if not existing:
            return []
        with self.registry.transaction():
            for doc_id in existing:
                self.registry.set_doc_state(doc_id, "deleting")
            self.registry.bump_generation()
        self._purge(existing)
        return existing

    def _purge(self, doc_ids: list[str]) -> None:
        for doc_id in doc_ids:
            self.vectors.delete(doc_id)
        if doc_ids:
            with self.registry.transaction():
                for doc_id in doc_ids:
                    self.registry.delete_document_rows(doc_id)

    @_locked
    def update_metadata(self, doc_id: str, meta: DocMeta, overrides: dict) -> None:
        """Change a document's metadata everywhere (vectors re-added from the cache, not re-embedded)."""
        with self.registry.transaction():
            self.registry.set_doc_state(doc_id, "rewriting")
            self.registry.update_metadata(doc_id, meta, overrides)
            self.registry.bump_generation()
        self._rewrite_vectors(doc_id, meta)

    @_locked
    def replace_chunks(self, doc: PreparedDocument, progress: ProgressFn = no_progress) -> None:
        """Re-chunk an existing document in place (re-index): new chunks, cached vectors reused. A document
        still in the embedding queue keeps its new chunks that have no cached vector there."""
        later: list[str] = []
        if self.registry.queued_of(doc.doc_id):
            cached = self.cache.get(self.embedder.model_id, [text_hash(c.embed_text) for c in doc.chunks])
            later = [c.chunk.chunk_id for c in doc.chunks if text_hash(c.embed_text) not in cached]
        with self.registry.transaction():
            self.registry.set_doc_state(doc.doc_id, "rewriting")
            self.registry.delete_chunks(doc.doc_id)
            self.registry.insert_chunks(doc.chunks)
            self.registry.enqueue(later, doc.doc_id)
            self.registry.update_metadata(doc.doc_id, doc.meta, doc.overrides)
            self.registry.bump_generation()
        self._rewrite_vectors(doc.doc_id, doc.meta, progress)

    def _rewrite_vectors(self, doc_id: str, meta: DocMeta, progress: ProgressFn = no_progress) -> None:
        """Replace a document's vectors with those of its registry chunks, then mark it ready."""
        queued = self.registry.queued_of(doc_id)  # their vectors come from the queue, with the new metadata
        chunks = [c for c in self.registry.chunks_of(doc_id) if c.chunk.chunk_id not in queued]
        self.vectors.delete(doc_id)
        if chunks:
            self.vectors.add([c.chunk for c in chunks], self.embed_passages([c.embed_text for c in chunks], progress), meta)
        with self.registry.transaction():
            self.registry.set_doc_state(doc_id, "ready")
            self.registry.bump_generation()


def with_overrides(meta: DocMeta, overrides: dict) -> DocMeta:
    """Detected metadata with staff-set fields on top (year follows an overridden date)."""
    fields = {k: v for k, v in overrides.items() if k in DocMeta.__dataclass_fields__ and k != "extra"}
    merged = replace(meta, **fields)
    if "date" in overrides and "year" not in overrides and merged.date:
        merged = replace(merged, year=int(merged.date[:4]))
    if "extra" in overrides:
        merged = replace(merged, extra={**meta.extra, **overrides["extra"]})
    return merged


def resolve(path: Path) -> str:
    return str(path.resolve())
