"""The service layer: every feature as a plain Python call. The CLI and the web app are thin shells."""

from __future__ import annotations

from pathlib import Path

from .config import Settings
from .embed import Embedder
from .ingest import IngestReport, ingest_paths, prepare, validate_overrides
from .models import SearchFilters, SearchHit
from .registry import DocumentRecord
from .retrieve import Retriever
from .store import Index, ProgressFn, no_progress, with_overrides


class NotFound(LookupError):
    pass


class Assistant:
    def __init__(self, settings: Settings, embedder: Embedder | None = None):
        self.settings = settings
        self.index = Index(settings, embedder)
        self.retriever = Retriever(self.index)

    def close(self) -> None:
        self.index.close()

    # -- corpus -------------------------------------------------------------------------
    def ingest(self, paths: list[Path], overrides: dict | None = None, progress: ProgressFn = no_progress,
               original_names: dict[str, str] | None = None) -> IngestReport:
        return ingest_paths(self.index, paths, overrides, progress, original_names)

    def documents(self) -> list[DocumentRecord]:
        return self.index.documents()

    def resolve_doc_id(self, doc_id: str) -> str:
        """A full document id from an id or an unambiguous prefix of one (at least 4 characters)."""
        if self.index.document(doc_id):
            return doc_id
        matches = [d.doc_id for d in self.index.documents() if len(doc_id) >= 4 and d.doc_id.startswith(doc_id)]
        if len(matches) == 1:
            return matches[0]
        raise NotFound(f"no document {doc_id}" if not matches else f"document id {doc_id} is ambiguous")

    def document(self, doc_id: str) -> DocumentRecord:
        record = self.index.document(self.resolve_doc_id(doc_id))
        if record is None:
            raise NotFound(f"no document {doc_id}")
        return record

    def document_text(self, doc_id: str) -> str:
        clean = self.index.registry.document_text(self.resolve_doc_id(doc_id))
        return clean.text if clean else ""

    def document_chunks(self, doc_id: str):
        return [s.chunk for s in self.index.registry.chunks_of(self.resolve_doc_id(doc_id))]

    def remove(self, doc_ids: list[str]) -> list[str]:
        return self.index.remove([self.resolve_doc_id(d) for d in doc_ids])

    def set_metadata(self, doc_id: str, **fields) -> DocumentRecord:
        """Staff edit of title/genre/doc_number/issuer/date/year/visibility; kept across re-indexing."""
        record = self.document(doc_id)
        changes = validate_overrides(fields)
        if changes:
            overrides = {**record.overrides, **changes}
            self.index.update_metadata(record.doc_id, with_overrides(record.meta, changes), overrides)
        return self.document(record.doc_id)

    def reindex(self, progress: ProgressFn = no_progress) -> int:
        """Re-chunk every document from its stored cleaned text; vectors come from the cache."""
        self.index.heal()
        records = self.index.documents()
        for number, record in enumerate(records, start=1):
            clean = self.index.registry.document_text(record.doc_id)
            content_hash = self.index.registry.content_hash(record.doc_id)
            doc = prepare(clean, content_hash, record.meta, record.overrides, self.settings.chunk_target,
                          self.settings.chunk_max)
            self.index.replace_chunks(doc)
            progress("reindex", number, len(records))
        return len(records)

    # -- accounts (filled in by the accounts feature) ------------------------------------
    def user(self, name: str):
        """The account called ``name``, or None."""
        return None

    # -- retrieval ----------------------------------------------------------------------
    def search(self, query: str, k: int = 10, filters: SearchFilters | None = None) -> list[SearchHit]:
        return self.retriever.search(query, k, filters)
