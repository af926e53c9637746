"""Files in, documents stored: discover → read → clean → detect metadata → chunk → store.

Incremental: a file whose path, size and mtime are unchanged is skipped without reading; a file
whose bytes are unchanged is skipped without embedding; the same bytes under two paths are one
document that knows both paths; a changed file replaces its old version everywhere.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

from assistant.ingest.chunk import split_chunks
from assistant.ingest.clean import clean_pages
from assistant.ingest.metadata import detect_metadata
from assistant.models import GENRES, VISIBILITIES, Chunk, CleanText, DocMeta, Page
from assistant.ingest.read import IMAGE_SUFFIXES, SUPPORTED_SUFFIXES, ReadError
from assistant.ingest.read_worker import ReaderPool, WorkerLimits
from assistant.index.registry import StoredChunk
from assistant.index.store import Index, PreparedDocument, ProgressFn, SourceInfo, no_progress, resolve, with_overrides
from assistant.index.tokenize import word_tokens
from assistant.ingest.validity import REPEALED, STATUSES, detect_validity, matches_target, normalize_number, normalize_title

BATCH_CHUNKS = 64  # documents are written in groups of about this many chunks

Item = TypeVar("Item")


@dataclass
class FileResult:
    path: str
    status: str  # added | replaced | unchanged | failed
    doc_id: str | None = None
    error: str | None = None
    title: str | None = None


@dataclass
class IngestReport:
    files: list[FileResult] = field(default_factory=list)
    documents: int = 0
    chunks: int = 0
    embedded: int = 0

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "failed"]

    def to_json(self) -> dict:
        return {
            "added": self.count("added"),
            "replaced": self.count("replaced"),
            "unchanged": self.count("unchanged"),
            "failed": [{"path": f.path, "error": f.error} for f in self.failed],
            "documents": self.documents,
            "chunks": self.chunks,
            "embedded": self.embedded,
        }


def validate_overrides(overrides: dict) -> dict:
    """Check staff-given metadata; returns only the fields that were set."""
    clean = {k: v for k, v in overrides.items() if v not in (None, "")}
    if "genre" in clean and clean["genre"] not in GENRES:
        raise ValueError(f"unknown genre {clean['genre']!r}; expected one of {', '.join(GENRES)}")
    if "visibility" in clean and clean["visibility"] not in VISIBILITIES:
        raise ValueError(f"unknown visibility {clean['visibility']!r}; expected public or internal")
    if "year" in clean:
        clean["year"] = int(clean["year"])
    if "status" in clean:  # validity (时效) lives in DocMeta.extra
        status = clean.pop("status")
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}; expected one of {', '.join(STATUSES)}")
        clean["extra"] = {**clean.get("extra", {}), "status": status}
    return clean


def discover(paths: Iterable[Path | str]) -> Iterator[Path]:
    """Files under the given paths (folders recursively, hidden entries skipped), sorted per folder.

    Images in a folder are scans to OCR, except in the asset folders browsers save next to a page
    (``页面_files``), which hold logos and pictures, not documents."""
    for path in map(Path, paths):
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                if root != str(path) and Path(root).name.endswith(("_files", ".files")):
                    files = [name for name in files if Path(name).suffix.lower() not in IMAGE_SUFFIXES]
                for name in sorted(files):
                    if not name.startswith(".") and Path(name).suffix.lower() in SUPPORTED_SUFFIXES:
                        yield Path(root) / name
        else:
            yield path  # explicit files are always tried, so an unsupported one gets a reason


def context_prefix(meta: DocMeta, heading: str, text: str) -> str:
    """Document title and heading path, prepended to a chunk for embedding and keyword matching."""
    parts = [meta.title] if meta.title and not text.startswith(meta.title) else []
    if heading:
        parts.append(heading)
    return " > ".join(parts)


def prepare(clean: CleanText, content_hash: str, meta: DocMeta, overrides: dict, settings_target: int,
            settings_max: int) -> PreparedDocument:
    """Chunk a cleaned document and compute what each chunk is embedded and matched as."""
    doc_id = content_hash[:16]
    stored: list[StoredChunk] = []
    for ordinal, span in enumerate(split_chunks(clean.text, target_chars=settings_target, max_chars=settings_max)):
        text = clean.text[span.start : span.end]
        heading = " > ".join(span.headings)
        chunk = Chunk(chunk_id=f"{doc_id}-{ordinal:04d}", doc_id=doc_id, ordinal=ordinal, text=text, heading=heading,
                      page=clean.page_at(span.start), start=span.start, end=span.end)
        prefix = context_prefix(meta, heading, text)
        embed_text = f"{prefix}\n{text}" if prefix else text
        stored.append(StoredChunk(chunk=chunk, embed_text=embed_text, words=" ".join(word_tokens(embed_text))))
    return PreparedDocument(doc_id=doc_id, content_hash=content_hash, meta=meta, clean=clean, chunks=stored,
                            overrides=overrides)


def prepare_text(index: Index, text: str, meta: DocMeta, overrides: dict | None = None) -> PreparedDocument:
    """A document given as text (e.g. a benchmark passage); the text is cleaned like a file's."""
    clean = clean_pages([Page(None, text)])
    content_hash = hashlib.sha256(clean.text.encode("utf-8")).hexdigest()
    settings = index.settings
    return prepare(clean, content_hash, meta, overrides or {}, settings.chunk_target, settings.chunk_max)


def ingest_texts(index: Index, items: list[tuple[str, str, DocMeta]], progress: ProgressFn = no_progress) -> IngestReport:
    """Ingest documents given as text: ``(source key, text, metadata)``; a key already stored is skipped."""
    return _ingest_all(index, items, lambda item, batch: _ingest_text(index, *item, batch), BATCH_CHUNKS * 4, progress)


def _ingest_text(index: Index, key: str, text: str, meta: DocMeta, batch: _Batch) -> FileResult:
    result = FileResult(path=key, status="unchanged")
    previous = index.registry.source(key)
    if previous and previous.size == len(text):
        result.doc_id = previous.doc_id
        return result
    doc = prepare_text(index, text, meta)
    source = SourceInfo(path=key, shown_path=key, size=len(text), mtime_ns=0)
    if index.registry.document(doc.doc_id):
        index.attach_source(source, doc.doc_id)
        result.doc_id = doc.doc_id
        return result
    result.status, result.doc_id, result.title = "added", doc.doc_id, meta.title
    batch.add(batch.items[doc.doc_id][0] if doc.doc_id in batch.items else doc, source, result)
    return result


def _ingest_all(index: Index, items: list[Item], ingest_one: Callable[[Item, _Batch], FileResult], flush_chunks: int,
                progress: ProgressFn, embed_later: bool = False) -> IngestReport:
    """The loop both ingest entry points share: one result per item, prepared documents written in batches.

    The whole run holds the index's write lock: what it finds in the registry stays true until it
    has written, and a concurrent ingest of the same files finds them stored (``unchanged``)."""
    with index.writing():
        index.heal()
        embedded_before = index.embedded_count
        report = IngestReport()
        batch = _Batch(embed_later)
        for number, item in enumerate(items, start=1):
            progress("files", number - 1, len(items))
            report.files.append(ingest_one(item, batch))
            if batch.chunks() >= flush_chunks:
                batch.flush(index, progress)
        batch.flush(index, progress)
        progress("files", len(items), len(items))
        report.documents, report.chunks = index.registry.counts()
    report.embedded = index.embedded_count - embedded_before
    return report


def reader_limits(index: Index) -> WorkerLimits:
    """Memory and time limits of the reading worker, from the settings."""
    settings = index.settings
    return WorkerLimits(memory_mb=settings.read_memory_mb, timeout_s=settings.read_timeout_s,
                        max_bytes=int(settings.max_upload_mb * 1024 * 1024))


def _prepare_file(index: Index, reader: ReaderPool, path: Path, content_hash: str, overrides: dict,
                  progress: ProgressFn, original_name: str | None = None) -> PreparedDocument:
    """``original_name``: an upload's own file name, which (not the stored ``name-hash`` one) may become the title."""
    raw = reader.read(path, progress)
    clean = clean_pages(raw.pages)
    if not clean.text.strip():
        raise ReadError("no extractable text (scanned or empty document?)")
    meta = detect_metadata(clean.text, original_name or path.name, raw.title_hint)
    meta.extra.update(detect_validity(clean.text, meta.date).extra())
    meta = with_overrides(meta, overrides)
    settings = index.settings
    return prepare(clean, content_hash, meta, overrides, settings.chunk_target, settings.chunk_max)


class _Batch:
    """Prepared documents waiting to be written together."""

    def __init__(self, embed_later: bool = False) -> None:
        self.items: dict[str, tuple[PreparedDocument, list[SourceInfo], list[FileResult]]] = {}
        self.embed_later = embed_later  # store keyword-searchable now, queue the vectors (store.py)

    def chunks(self) -> int:
        return sum(len(doc.chunks) for doc, _, _ in self.items.values())

    def add(self, doc: PreparedDocument, source: SourceInfo, result: FileResult) -> None:
        entry = self.items.setdefault(doc.doc_id, (doc, [], []))
        entry[1].append(source)
        entry[2].append(result)

    def flush(self, index: Index, progress: ProgressFn) -> None:
        if self.items:
            index.write([(doc, sources) for doc, sources, _ in self.items.values()], progress, self.embed_later)
        self.items.clear()


def ingest_paths(index: Index, paths: list[Path], overrides: dict | None = None,
                 progress: ProgressFn = no_progress, original_names: dict[str, str] | None = None,
                 embed_later: bool = False) -> IngestReport:
    """Ingest files and folders; every file gets a result, failures don't stop the batch.

    ``embed_later``: documents are keyword-searchable as soon as their batch is stored, their
    vectors are left to the embedding queue (``Index.embed_queued``)."""
    overrides = validate_overrides(overrides or {})
    names = original_names or {}

    def ingest_file(path: Path, batch: _Batch) -> FileResult:
        result = FileResult(path=str(path), status="failed")
        try:
            _ingest_one(index, reader, path, overrides, batch, result, names.get(str(path)), progress)
        except ReadError as exc:
            result.error = str(exc)
        except OSError as exc:
            result.error = f"cannot read file: {exc.strerror or exc}"
        return result

    with ReaderPool(reader_limits(index)) as reader:  # files are read in a bounded worker process
        report = _ingest_all(index, list(dict.fromkeys(discover(paths))), ingest_file, BATCH_CHUNKS, progress,
                             embed_later)
    if report.count("added") or report.count("replaced"):
        apply_repeals(index)
    return report


def apply_repeals(index: Index) -> list[str]:
    """Mark 已废止 every document another document in the corpus repeals (「…同时废止」 naming its
    文号 or title), whichever was ingested first. A status staff set by hand is left alone."""
    records = index.documents()
    repealing = [(record, record.meta.extra["repeals"]) for record in records if record.meta.extra.get("repeals")]
    naming: dict[str, list[int]] = {}  # a target (文号 or title) → the repealing documents naming it, in order
    for position, (_, targets) in enumerate(repealing):
        for target in targets:
            naming.setdefault(target, []).append(position)
    changed: list[str] = []
    for record in records if repealing else []:
        if record.meta.extra.get("status") == REPEALED or "status" in (record.overrides.get("extra") or {}):
            continue
        keys = [normalize_title(record.meta.title)] if record.meta.title else []
        keys += [normalize_number(record.meta.doc_number)] if record.meta.doc_number else []
        candidates = sorted({p for key in keys for p in naming.get(key, ())})
        by = next((repealing[p][0] for p in candidates if repealing[p][0].doc_id != record.doc_id
                   and matches_target(repealing[p][1], record.meta.title, record.meta.doc_number)), None)
        if by is not None:
            extra = {**record.meta.extra, "status": REPEALED, "repealed_by": by.doc_id}
            index.update_metadata(record.doc_id, replace(record.meta, extra=extra), record.overrides)
            changed.append(record.doc_id)
    return changed


def _ingest_one(index: Index, reader: ReaderPool, path: Path, overrides: dict, batch: _Batch, result: FileResult,
                original_name: str | None, progress: ProgressFn) -> None:
    if not path.exists():
        raise ReadError("no such file")
    if not path.is_file():
        raise ReadError("not a regular file")
    stat = path.stat()
    key = resolve(path)
    source = SourceInfo(path=key, shown_path=str(path), size=stat.st_size, mtime_ns=stat.st_mtime_ns,
                        original_name=original_name)
    previous = index.registry.source(key)
    if previous and (previous.size, previous.mtime_ns) == (stat.st_size, stat.st_mtime_ns) and not overrides:
        result.status, result.doc_id = "unchanged", previous.doc_id
        return
    max_bytes = int(index.settings.max_upload_mb * 1024 * 1024)
    if stat.st_size > max_bytes:
        raise ReadError(f"file too large: {stat.st_size / 1e6:.1f} MB > {index.settings.max_upload_mb:g} MB limit")
    data = path.read_bytes()
    content_hash = hashlib.sha256(data).hexdigest()
    doc_id = content_hash[:16]
    existing = index.registry.document(doc_id)
    if existing and existing.state == "ready":
        if overrides:
            merged = {**existing.overrides, **overrides}
            if merged != existing.overrides:
                index.update_metadata(doc_id, with_overrides(existing.meta, overrides), merged)
        index.attach_source(source, doc_id)
        result.status, result.doc_id, result.title = "unchanged", doc_id, existing.meta.title
        return
    if doc_id in batch.items:  # same bytes seen earlier in this run under another path
        doc = batch.items[doc_id][0]
    else:
        doc = _prepare_file(index, reader, path, content_hash, overrides, progress, original_name)
    result.status = "replaced" if previous and previous.doc_id != doc_id else "added"
    result.doc_id, result.title = doc_id, doc.meta.title
    batch.add(doc, source, result)
