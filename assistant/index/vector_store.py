"""Dense vectors in Chroma: written through llama-index's ``ChromaVectorStore``, read directly.

Embedded ``PersistentClient`` under ``<index>/chroma`` by default, a Chroma server when
``chroma_url`` is set. One collection per embedding model (cosine space); each vector carries
the metadata that retrieval filters on (genre, year, visibility, issuer).

Nodes are added with llama-index (its node metadata layout, ``document_id`` = our doc id), but
llama-index is imported only when something is written: queries, counts and deletions use the
Chroma collection directly with the same ``where`` filters, so ``assistant search``/``ask`` do not
pay llama-index's ~1 s import (see docs/benchmarks.md, "Start-up").

Chroma itself is imported and the collection opened on first use, not when the index is opened:
``assistant serve`` answers its first page without them (≈ 0.5 s of CPU) and loads them in the
background right after (docs/benchmarks.md, "Start-up of serve").
"""

from __future__ import annotations

import fcntl
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlparse

import numpy as np

from assistant.config import Settings
from assistant.models import Chunk, DocMeta, SearchFilters
from assistant.ingest.validity import NOT_IN_FORCE

NO_YEAR = -1  # Chroma metadata cannot hold None


def collection_name(prefix: str, model_id: str) -> str:
    """A valid Chroma collection name (3–63 chars of [A-Za-z0-9._-]) for one embedding model."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", f"{prefix}-{model_id}").strip("-._")
    return slug[:63].rstrip("-._")


def open_client(settings: Settings):
    import chromadb

    chroma_settings = chromadb.Settings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url if "://" in settings.chroma_url else f"http://{settings.chroma_url}")
        return chromadb.HttpClient(host=url.hostname or "127.0.0.1", port=url.port or 8000,
                                   ssl=url.scheme == "https", settings=chroma_settings)
    path = settings.index / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


@contextmanager
def _opening(settings: Settings) -> Iterator[None]:
    """An exclusive lock on ``<index>/chroma-open.lock`` while a client and its collection are opened."""
    settings.index.mkdir(parents=True, exist_ok=True)
    with open(settings.index / "chroma-open.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _metadata(meta: DocMeta, doc_id: str) -> dict:
    return {
        "doc_id": doc_id,
        "genre": meta.genre,
        "year": meta.year if meta.year is not None else NO_YEAR,
        "visibility": meta.visibility,
        "issuer": meta.issuer or "",
        "status": meta.extra.get("status") or "",  # validity (时效); "" = unknown, counts as in force
    }


def _filters(filters: SearchFilters) -> dict | None:
    """The Chroma ``where`` clause for the filters (None when nothing is filtered)."""
    parts: list[dict] = []
    if filters.genres:
        parts.append({"genre": {"$in": list(filters.genres)}})
    if filters.year_from is not None:
        parts.append({"year": {"$gte": filters.year_from}})
    if filters.year_to is not None:
        parts.append({"year": {"$lte": filters.year_to}})
    if filters.year_to is not None and filters.year_from is None:
        parts.append({"year": {"$ne": NO_YEAR}})
    if filters.issuer:
        parts.append({"issuer": {"$eq": filters.issuer}})
    if filters.doc_ids:
        parts.append({"doc_id": {"$in": list(filters.doc_ids)}})
    if filters.in_force_only:
        parts.append({"status": {"$nin": sorted(NOT_IN_FORCE)}})
    if not filters.include_internal:
        parts.append({"visibility": {"$eq": "public"}})
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else {"$and": parts}


def _open_collection(settings: Settings, model_id: str):
    # Several processes opening a new index at once would race to create Chroma's tables and
    # the collection ("table collections already exists"): opening is serialised per index folder.
    with _opening(settings):
        client = open_client(settings)
        return client.get_or_create_collection(
            collection_name(settings.chroma_collection, model_id),
            configuration={"hnsw": {"space": "cosine", "ef_search": 200, "ef_construction": 200}},
            embedding_function=None,
        )


class VectorStore:
    """One embedding model's Chroma collection, opened on first use (thread-safe)."""

    def __init__(self, settings: Settings, model_id: str):
        self.settings = settings
        self.model_id = model_id
        self._collection = None
        self._writer = None  # llama-index's ChromaVectorStore, created on the first write
        self._lock = threading.Lock()

    @classmethod
    def open(cls, settings: Settings, model_id: str) -> "VectorStore":
        """The store of ``settings``' index; Chroma is imported and opened when first used."""
        return cls(settings, model_id)

    @property
    def collection(self):
        if self._collection is None:
            with self._lock:
                if self._collection is None:
                    self._collection = _open_collection(self.settings, self.model_id)
        return self._collection

    def _store(self):
        if self._writer is None:
            from llama_index.vector_stores.chroma import ChromaVectorStore

            self._writer = ChromaVectorStore(chroma_collection=self.collection)
        return self._writer

    @staticmethod
    def embedded_open_here(settings: Settings) -> bool:
        """Whether this process already holds Chroma's in-memory system for the embedded folder."""
        if "chromadb.api.shared_system_client" not in sys.modules:
            return False  # Chroma not even imported: nothing is open
        from chromadb.api.shared_system_client import SharedSystemClient

        return str(settings.index / "chroma") in SharedSystemClient._identifier_to_system

    @classmethod
    def reopen(cls, settings: Settings, model_id: str) -> "VectorStore":
        """A fresh view of an embedded database another process has written since it was opened.

        Chroma shares one in-memory system per folder within a process; it is dropped from that
        cache (not stopped: other holders keep their copy) so the new client reads the disk again."""
        if not settings.chroma_url:
            from chromadb.api.shared_system_client import SharedSystemClient

            SharedSystemClient._identifier_to_system.pop(str(settings.index / "chroma"), None)
            SharedSystemClient._identifier_to_refcount.pop(str(settings.index / "chroma"), None)
        return cls.open(settings, model_id)

    def add(self, chunks: list[Chunk], vectors: np.ndarray, meta: DocMeta) -> None:
        from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

        nodes = []
        for chunk, vector in zip(chunks, vectors):
            node = TextNode(id_=chunk.chunk_id, text=chunk.text, embedding=vector.tolist(),
                            metadata=_metadata(meta, chunk.doc_id))
            node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=chunk.doc_id)
            nodes.append(node)
        for start in range(0, len(nodes), 1000):
            self._store().add(nodes[start : start + 1000])

    def delete(self, doc_id: str) -> None:
        self.collection.delete(where={"document_id": doc_id})  # what ChromaVectorStore.delete(ref_doc_id) does

    def query(self, vector: np.ndarray, k: int, filters: SearchFilters) -> list[tuple[str, float]]:
        """(chunk_id, cosine similarity) of the k nearest chunks that pass the filters."""
        where = _filters(filters)  # (no count() first: it costs 13 ms at 100k chunks; an empty collection answers [])
        result = self.collection.query(query_embeddings=[vector.tolist()], n_results=k, include=["distances"],
                                       **({"where": where} if where else {}))
        # cosine space: distance = 1 - similarity
        return [(node_id, 1.0 - float(distance)) for node_id, distance in zip(result["ids"][0], result["distances"][0])]

    def count(self) -> int:
        return self.collection.count()

    def chunk_ids(self, page: int = 5000) -> set[str]:
        """Every chunk id that has a vector here (for consistency checks)."""
        ids: set[str] = set()
        offset = 0
        while True:
            got = self.collection.get(include=[], limit=page, offset=offset)["ids"]
            ids.update(got)
            if len(got) < page:
                return ids
            offset += page

    def delete_chunks(self, chunk_ids: list[str]) -> None:
        for start in range(0, len(chunk_ids), 1000):
            self.collection.delete(ids=chunk_ids[start : start + 1000])

    def doc_ids(self) -> set[str]:
        """Every document id that has vectors here (for consistency checks)."""
        got = self.collection.get(include=["metadatas"])
        return {m.get("doc_id", "") for m in got["metadatas"] or []}
