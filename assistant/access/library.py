"""Corpus management for staff: every call names its caller, checks the role and is audited.

The web app's 文库管理 tab, its API endpoints and the CLI's corpus commands all go through
``Library``; members get ``PermissionError`` from every management call, and what they may read
(the document list, a document, statistics) never includes internal documents.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from assistant.access.audit import AuditEntry
from assistant.ingest.pipeline import IngestReport
from assistant.models import GENRE_LABELS, GENRES, VISIBILITIES, Chunk, User
from assistant.index.registry import DocumentRecord
from assistant.service import Assistant, NotFound
from assistant.index.store import ProgressFn, no_progress, resolve
from assistant.access.uploads import UploadRefused, store_upload

STATUS_LABELS = {"added": "新增", "unchanged": "未变", "replaced": "替换", "failed": "失败"}
EDITABLE = ("title", "genre", "doc_number", "issuer", "date", "year", "visibility", "status")
_READ_ERRORS = {  # reader reasons (English, from read.py/ingest.py) as users see them
    "no extractable text": "没有可提取的文字（扫描件或空文档？）",
    "empty file": "文件为空",
    "file too large": "文件过大",
    "not a PDF": "不是有效的 PDF 文件",
    "not a DOCX": "不是有效的 Word（DOCX）文件",
    "unsupported file type": "不支持的文件类型",
    "not a text file": "不是文本文件（二进制内容）",
    "text is not UTF-8": "无法识别的文字编码",
    "reading took longer": "读取超时，已放弃该文件",
    "reader process died": "读取时超出内存上限，已放弃该文件",
    "OCR": "文字识别（OCR）失败",
    "reading .doc needs antiword": "读取 .doc 需要安装 antiword",
    "reading WPS": "读取 WPS 文件需要安装 LibreOffice",
}


def _field(meta, name: str):
    """An editable field's value; the status (时效) lives in ``meta.extra``."""
    return meta.extra.get("status") if name == "status" else getattr(meta, name)


def cli_user() -> User:
    """The actor of command-line calls: whoever can run the CLI owns the index folder."""
    return User(os.environ.get("USER") or "cli", "admin")


def require_staff(user: User) -> None:
    if not user.can_manage:
        raise PermissionError(f"无权限：文库管理仅限工作人员和管理员（当前用户“{user.name}”的角色为委员）")


def require_admin(user: User, what: str = "仅管理员可以查看审计日志") -> None:
    """``PermissionError`` unless ``user`` is an admin; ``what`` says what was refused."""
    if not user.is_admin:
        raise PermissionError(f"无权限：{what}（当前用户“{user.name}”）")


def chinese_reason(error: str | None) -> str:
    text = error or "未知错误"
    if "(zip bomb?)" in text:
        return f"文件解压后过大或结构异常，疑似压缩炸弹，已拒绝（{text}）"
    for prefix, label in _READ_ERRORS.items():
        if text.startswith(prefix):
            return f"{label}（{text}）" if label != text else label
    return f"无法读取：{text}"


@dataclass
class UploadResult:
    name: str  # the original file name
    status: str  # added | unchanged | replaced | failed
    reason: str = ""
    doc_id: str | None = None
    title: str | None = None
    replaced: list[str] = field(default_factory=list)  # doc ids this upload superseded

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]

    def to_json(self) -> dict:
        return {"name": self.name, "status": self.status, "label": self.label, "reason": self.reason,
                "doc_id": self.doc_id, "title": self.title, "replaced": self.replaced}


@dataclass
class UploadReport:
    results: list[UploadResult] = field(default_factory=list)
    documents: int = 0
    chunks: int = 0
    queued: int = 0  # chunks of the library still waiting for their vectors (embedded in the background)

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    def summary(self) -> str:
        line = (f"新增 {self.count('added')}，替换 {self.count('replaced')}，未变 {self.count('unchanged')}，"
                f"失败 {self.count('failed')}；文库共 {self.documents} 篇文档、{self.chunks} 个片段")
        if self.queued:
            line += f"；{self.queued} 个片段正在后台向量化，已可按关键词检索"
        return line


@dataclass(frozen=True)
class DocumentView:
    record: DocumentRecord
    text: str
    chunks: list[Chunk]
    original_names: list[str]


@dataclass(frozen=True)
class CorpusStats:
    documents: int
    chunks: int
    internal: int
    by_genre: list[tuple[str, int]]  # (genre label, documents), in GENRES order
    by_year: list[tuple[str, int]]  # (year or "未知", documents), oldest first


class Library:
    """Staff operations on one Assistant. Writes hold the index's write lock (one writer per index,
    across threads and processes, audit entries included); reads may run concurrently."""

    def __init__(self, assistant: Assistant):
        self.assistant = assistant
        self.audit = assistant.audit

    # -- reading (every role; members see public documents only) --------------------------
    def visible(self, user: User, record: DocumentRecord) -> bool:
        return user.sees_internal or record.meta.visibility != "internal"

    def list_documents(self, user: User, genre: str | None = None, year: int | None = None,
                       visibility: str | None = None, query: str = "") -> list[DocumentRecord]:
        if genre and genre not in GENRES:
            raise ValueError(f"未知文种：{genre}")
        if visibility and visibility not in VISIBILITIES:
            raise ValueError(f"未知可见范围：{visibility}")
        needle = (query or "").strip().lower()
        records = []
        for record in self.assistant.documents():
            meta = record.meta
            if not self.visible(user, record):
                continue
            if (genre and meta.genre != genre) or (year and meta.year != int(year)):
                continue
            if visibility and meta.visibility != visibility:
                continue
            if needle and needle not in meta.title.lower() and needle not in (meta.doc_number or "").lower():
                continue
            records.append(record)
        return records

    def view(self, user: User, doc_id: str) -> DocumentView:
        record = self.assistant.document(doc_id)
        if not self.visible(user, record):
            raise NotFound(f"没有文档 {doc_id}")  # members don't learn that an internal document exists
        names = [name for _, name in self._sources(record.doc_id) if name]
        return DocumentView(record, self.assistant.document_text(record.doc_id),
                            self.assistant.document_chunks(record.doc_id), names)

    def statistics(self, user: User) -> CorpusStats:
        records = self.list_documents(user)
        genres = Counter(r.meta.genre for r in records)
        years = Counter(r.meta.year for r in records)
        by_year = [(str(y), years[y]) for y in sorted(y for y in years if y is not None)]
        if None in years:
            by_year.append(("未知", years[None]))
        return CorpusStats(
            documents=len(records), chunks=sum(r.chunk_count for r in records),
            internal=sum(1 for r in records if r.meta.visibility == "internal"),
            by_genre=[(GENRE_LABELS[g], genres[g]) for g in GENRES if genres[g]], by_year=by_year)

    def audit_entries(self, user: User, limit: int | None = 200) -> list[AuditEntry]:
        require_admin(user)
        return self.audit.entries(limit)

    # -- writing (staff and admins) ---------------------------------------------------
    def upload(self, user: User, files: list[tuple[Path, str]], overrides: dict | None = None,
               progress: ProgressFn = no_progress, replace_same_name: bool = True) -> UploadReport:
        """Check, store and ingest uploaded files given as (temporary path, original name).

        A refused file is not stored and changes nothing. With ``replace_same_name``, a new
        version of a file uploaded before under the same name replaces that document.
        """
        require_staff(user)
        settings = self.assistant.settings
        report = UploadReport()
        stored = {}
        # The lock is taken before storing (a writer that gives up has stored nothing); while it waits,
        # the progress bar says who holds it.
        with self.assistant.index.writing(on_wait=lambda line: progress(line, 0, 1)):
            for source, original in files:
                result = UploadResult(name=str(original), status="failed")
                report.results.append(result)
                try:
                    upload = store_upload(Path(source), str(original), settings.uploads_dir, settings.max_upload_mb)
                except UploadRefused as exc:
                    result.reason = str(exc)
                    continue
                result.name = upload.original_name
                stored[str(upload.path)] = (upload, result)
            ingest = self.assistant.ingest([Path(p) for p in stored], overrides, progress,
                                           {p: u.original_name for p, (u, _) in stored.items()},
                                           embed_later=self.assistant.embeds_in_background)
            outcome = {f.path: f for f in ingest.files}
            for path, (upload, result) in stored.items():
                file = outcome.get(path)
                if file is None or file.status == "failed":
                    result.reason = chinese_reason(file.error if file else None)
                    if upload.created:
                        upload.path.unlink(missing_ok=True)
                    continue
                result.status, result.doc_id, result.title = file.status, file.doc_id, file.title
                if result.status == "unchanged":
                    result.reason = "文库中已有相同内容的文档"
                    continue
                if replace_same_name and file.doc_id:
                    result.replaced = self._supersede(upload.original_name, file.doc_id)
                    if result.replaced:
                        result.status = "replaced"
                        result.reason = f"替换了同名文件的旧版本（{', '.join(result.replaced)}）"
                self.audit.record(user.name, "replace" if result.replaced else "add", file.doc_id or "",
                                  title=result.title, file=upload.original_name, replaced=result.replaced)
        report.documents, report.chunks = ingest.documents, ingest.chunks
        report.queued = self.assistant.index.registry.queue_counts()[0]
        return report

    def ingest(self, user: User, paths: list[Path], overrides: dict | None = None,
               progress: ProgressFn = no_progress, original_names: dict[str, str] | None = None,
               embed_later: bool = False) -> IngestReport:
        """Ingest files and folders from the server's disk (the CLI's path), audited. ``embed_later``:
        keyword-searchable at once, vectors left to the embedding queue."""
        require_staff(user)
        with self.assistant.index.writing():
            report = self.assistant.ingest(paths, overrides, progress, original_names, embed_later)
        for file in report.files:
            if file.status in ("added", "replaced"):
                self.audit.record(user.name, "add" if file.status == "added" else "replace", file.doc_id or "",
                                  title=file.title, file=file.path)
        return report

    def update(self, user: User, doc_id: str, **fields) -> DocumentRecord:
        require_staff(user)
        unknown = set(fields) - set(EDITABLE)
        if unknown:
            raise ValueError(f"不能修改的字段：{', '.join(sorted(unknown))}")
        with self.assistant.index.writing():
            before = self.assistant.document(doc_id)
            record = self.assistant.set_metadata(before.doc_id, **fields)
        changes = {k: [_field(before.meta, k), _field(record.meta, k)] for k in EDITABLE
                   if _field(before.meta, k) != _field(record.meta, k)}
        if changes:
            self.audit.record(user.name, "edit", record.doc_id, title=record.meta.title, changes=changes)
        return record

    def delete(self, user: User, doc_ids: list[str]) -> list[str]:
        require_staff(user)
        with self.assistant.index.writing():
            registry = self.assistant.index.registry  # an interrupted removal is finished, not refused
            records = [registry.document(self.assistant.resolve_doc_id(d, any_state=True)) for d in doc_ids]
            files = {r.doc_id: [p for p, _ in self._sources(r.doc_id) if self._is_upload(p)] for r in records}
            removed = self.assistant.remove([r.doc_id for r in records])
            for doc_id in removed:
                for path in files.get(doc_id, []):
                    Path(path).unlink(missing_ok=True)
        titles = {r.doc_id: r.meta.title for r in records}
        for doc_id in removed:
            self.audit.record(user.name, "delete", doc_id, title=titles.get(doc_id))
        return removed

    def reindex(self, user: User, progress: ProgressFn = no_progress) -> int:
        require_staff(user)
        with self.assistant.index.writing():
            count = self.assistant.reindex(progress)
        self.audit.record(user.name, "reindex", "*", documents=count)
        return count

    # -- helpers ------------------------------------------------------------------------
    def _sources(self, doc_id: str) -> list[tuple[str, str | None]]:
        """(resolved path, original upload name) of every source of a document."""
        return self.assistant.index.registry.source_names(doc_id)

    def _is_upload(self, path: str) -> bool:
        uploads = Path(resolve(self.assistant.settings.uploads_dir))
        return Path(path).parent == uploads

    def _supersede(self, original_name: str, new_doc_id: str) -> list[str]:
        """Remove documents that only came from earlier uploads of ``original_name``; their ids."""
        old = []
        for doc_id in self.assistant.index.registry.docs_uploaded_as(original_name, new_doc_id):
            sources = self._sources(doc_id)
            if sources and all(self._is_upload(p) and name == original_name for p, name in sources):
                old.append((doc_id, [p for p, _ in sources]))
        removed = self.assistant.remove([doc_id for doc_id, _ in old])
        for doc_id, paths in old:
            if doc_id in removed:
                for path in paths:
                    Path(path).unlink(missing_ok=True)
        return removed
