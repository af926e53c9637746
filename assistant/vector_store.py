"""Dense vectors in Chroma, through llama-index's ``ChromaVectorStore``.

Embedded ``PersistentClient`` under ``<index>/chroma`` by default, a Chroma server when
``chroma_url`` is set. One collection per embedding model (cosine space); each vector carries
the metadata that retrieval filters on (genre, year, visibility, issuer).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlparse

import chromadb
import numpy as np
from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode
from llama_index.core.vector_stores.types import (
    FilterCondition,
    FilterOperator,
    MetadataFilter,
    MetadataFilters,
    VectorStoreQuery,
)
from llama_index.vector_stores.chroma import ChromaVectorStore

from .config import Settings
from .models import Chunk, DocMeta, SearchFilters
from .validity import NOT_IN_FORCE

NO_YEAR = -1  # Chroma metadata cannot hold None


def collection_name(prefix: str, model_id: str) -> str:
    """A valid Chroma collection name (3–63 chars of [A-Za-z0-9._-]) for one embedding model."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", f"{prefix}-{model_id}").strip("-._")
    return slug[:63].rstrip("-._")


def open_client(settings: Settings):
    chroma_settings = chromadb.Settings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url if "://" in settings.chroma_url else f"http://{settings.chroma_url}")
        return chromadb.HttpClient(host=url.hostname or "127.0.0.1", port=url.port or 8000,
                                   ssl=url.scheme == "https", settings=chroma_settings)
    path = settings.index / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


def _metadata(meta: DocMeta, doc_id: str) -> dict:
    return {
        "doc_id": doc_id,
        "genre": meta.genre,
        "year": meta.year if meta.year is not None else NO_YEAR,
        "visibility": meta.visibility,
        "issuer": meta.issuer or "",
        "status": meta.extra.get("status") or "",  # validity (时效); "" = unknown, counts as in force
    }


def _filters(filters: SearchFilters) -> MetadataFilters | None:
    parts: list[MetadataFilter] = []
    if filters.genres:
        parts.append(MetadataFilter(key="genre", value=list(filters.genres), operator=FilterOperator.IN))
    if filters.year_from is not None:
        parts.append(MetadataFilter(key="year", value=filters.year_from, operator=FilterOperator.GTE))
    if filters.year_to is not None:
        parts.append(MetadataFilter(key="year", value=filters.year_to, operator=FilterOperator.LTE))
    if filters.year_to is not None and filters.year_from is None:
        parts.append(MetadataFilter(key="year", value=NO_YEAR, operator=FilterOperator.NE))
    if filters.issuer:
        parts.append(MetadataFilter(key="issuer", value=filters.issuer, operator=FilterOperator.EQ))
    if filters.in_force_only:
        parts.append(MetadataFilter(key="status", value=sorted(NOT_IN_FORCE), operator=FilterOperator.NIN))
    if not filters.include_internal:
        parts.append(MetadataFilter(key="visibility", value="public", operator=FilterOperator.EQ))
    return MetadataFilters(filters=parts, condition=FilterCondition.AND) if parts else None


@dataclass
class VectorStore:
    store: ChromaVectorStore

    @classmethod
    def open(cls, settings: Settings, model_id: str) -> "VectorStore":
        client = open_client(settings)
        collection = client.get_or_create_collection(
            collection_name(settings.chroma_collection, model_id),
            configuration={"hnsw": {"space": "cosine", "ef_search": 200, "ef_construction": 200}},
            embedding_function=None,
        )
        return cls(ChromaVectorStore(chroma_collection=collection))

    def add(self, chunks: list[Chunk], vectors: np.ndarray, meta: DocMeta) -> None:
        nodes = []
        for chunk, vector in zip(chunks, vectors):
            node = TextNode(id_=chunk.chunk_id, text=chunk.text, embedding=vector.tolist(),
                            metadata=_metadata(meta, chunk.doc_id))
            node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=chunk.doc_id)
            nodes.append(node)
        for start in range(0, len(nodes), 1000):
            self.store.add(nodes[start : start + 1000])

    def delete(self, doc_id: str) -> None:
        self.store.delete(ref_doc_id=doc_id)

    def query(self, vector: np.ndarray, k: int, filters: SearchFilters) -> list[tuple[str, float]]:
        """(chunk_id, cosine similarity) of the k nearest chunks that pass the filters."""
        if self.count() == 0:
            return []
        query = VectorStoreQuery(query_embedding=vector.tolist(), similarity_top_k=k, filters=_filters(filters))
        result = self.store.query(query)
        # ChromaVectorStore reports exp(-distance); cosine distance = 1 - similarity.
        return [(node_id, 1.0 + float(np.log(max(sim, 1e-12)))) for node_id, sim in zip(result.ids, result.similarities)]

    def count(self) -> int:
        return self.store.client.count()

    def doc_ids(self) -> set[str]:
        """Every document id that has vectors here (for consistency checks)."""
        got = self.store.client.get(include=["metadatas"])
        return {m.get("doc_id", "") for m in got["metadatas"] or []}
