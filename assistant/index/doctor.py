"""``assistant doctor``: is the registry in step with Chroma and the keyword index, and repair if not.

The registry is the source of truth. The check compares the chunk ids of visible documents
(``ready`` or ``rewriting``) with the vectors in Chroma (orphan vectors: no registry chunk;
missing vectors: a chunk without one) and with the keyword index, lists documents stuck in
``pending``/``deleting``/``rewriting`` by an interrupted writer and registry rows that point at
no document. Chunks in the embedding queue are expected to lack a vector (they are counted as
``queued``, not missing); queue rows of chunks that no longer exist are dangling. The repair, under the index's write lock, finishes or purges stuck documents
(``Index.heal``), deletes orphan vectors and dangling rows, re-adds missing vectors from the
embedding cache and rebuilds the keyword index. Both run under the write lock, so a writer at
work is waited for rather than reported as an inconsistency.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.index.store import Index

STUCK_STATES = ("pending", "deleting", "rewriting")
STATE_LABELS = {"pending": "写入中断", "deleting": "删除中断", "rewriting": "修改或重建中断"}


@dataclass
class DoctorReport:
    documents: int = 0
    chunks: int = 0
    vectors: int = 0
    keyword_chunks: int = 0
    stuck: dict[str, list[str]] = field(default_factory=dict)  # state → doc ids
    orphan_vectors: list[str] = field(default_factory=list)  # chunk ids in Chroma the registry lacks
    missing_vectors: list[str] = field(default_factory=list)  # registry chunk ids without a vector
    keyword_mismatch: int = 0  # chunk ids in one of registry / keyword index but not the other
    dangling_sources: list[str] = field(default_factory=list)  # source paths of no document
    dangling_chunks: list[str] = field(default_factory=list)  # chunk rows of no document
    queued: int = 0  # chunks waiting in the embedding queue (no vector yet, by design)
    dangling_queue: list[str] = field(default_factory=list)  # queue rows of no chunk
    repaired: list[str] = field(default_factory=list)  # what a repair did (Chinese lines)

    @property
    def consistent(self) -> bool:
        return not (any(self.stuck.values()) or self.orphan_vectors or self.missing_vectors or self.keyword_mismatch
                    or self.dangling_sources or self.dangling_chunks or self.dangling_queue)

    def to_json(self) -> dict:
        return {"consistent": self.consistent, "documents": self.documents, "chunks": self.chunks,
                "vectors": self.vectors, "keyword_chunks": self.keyword_chunks, "stuck": self.stuck,
                "orphan_vectors": self.orphan_vectors, "missing_vectors": self.missing_vectors,
                "keyword_mismatch": self.keyword_mismatch, "dangling_sources": self.dangling_sources,
                "dangling_chunks": self.dangling_chunks, "queued": self.queued,
                "dangling_queue": self.dangling_queue, "repaired": self.repaired}

    def lines(self) -> list[str]:
        out = [f"文档 {self.documents} 篇，片段 {self.chunks} 个；向量 {self.vectors} 个；关键词索引 {self.keyword_chunks} 个片段"]
        for state, ids in self.stuck.items():
            if ids:
                out.append(f"{STATE_LABELS[state]}的文档 {len(ids)} 篇：{', '.join(ids[:5])}{' …' if len(ids) > 5 else ''}")
        if self.orphan_vectors:
            out.append(f"多余向量（登记表中没有的片段）{len(self.orphan_vectors)} 个")
        if self.missing_vectors:
            out.append(f"缺失向量的片段 {len(self.missing_vectors)} 个")
        if self.keyword_mismatch:
            out.append(f"关键词索引与登记表不一致的片段 {self.keyword_mismatch} 个")
        if self.dangling_sources or self.dangling_chunks:
            out.append(f"指向不存在文档的来源 {len(self.dangling_sources)} 条、片段 {len(self.dangling_chunks)} 条")
        if self.queued:
            out.append(f"等待向量化的片段 {self.queued} 个（正常：由向量化进程补上，期间可按关键词检索）")
        if self.dangling_queue:
            out.append(f"向量化队列中指向不存在片段的记录 {len(self.dangling_queue)} 条")
        out.extend(f"已修复：{line}" for line in self.repaired)
        out.append("一致：登记表、向量库与关键词索引相符。" if self.consistent
                   else "不一致：运行 `assistant doctor --repair` 修复。")
        return out


def check(index: Index) -> DoctorReport:
    """Compare the stores (waits for a writer at work to finish)."""
    with index.writing():
        return _check(index)


def repair(index: Index) -> DoctorReport:
    """Bring Chroma and the keyword index in step with the registry; the report after repair."""
    with index.writing():
        before = _check(index)
        done: list[str] = []
        stuck = sum(len(ids) for ids in before.stuck.values())
        if stuck:
            index.heal()
            done.append(f"完成或清除了中断的写入（{stuck} 篇文档）")
        with index.registry.transaction():
            sources, chunks = index.registry.dangling_rows()
            if sources or chunks or before.dangling_queue:
                index.registry.delete_dangling_rows()
                index.registry.bump_generation()
                done.append(f"删除了指向不存在文档的来源 {len(sources)} 条、片段 {len(chunks)} 条"
                            + (f"、向量化队列记录 {len(before.dangling_queue)} 条" if before.dangling_queue else ""))
        visible = index.registry.visible_chunk_ids()
        vectors = index.vectors.chunk_ids()
        orphans = sorted(vectors - visible)
        if orphans:
            index.vectors.delete_chunks(orphans)
            done.append(f"删除了多余向量 {len(orphans)} 个")
        missing = visible - vectors - index.registry.queued()
        if missing:
            stored = index.registry.stored_chunks(sorted(missing))
            docs = sorted({s.chunk.doc_id for s in stored.values()})
            for doc_id in docs:
                index._rewrite_vectors(doc_id, index.registry.document(doc_id).meta)
            done.append(f"补回了 {len(docs)} 篇文档的向量（{len(missing)} 个片段，取自向量缓存）")
        keywords = index.keywords()
        if set(keywords.chunk_ids) != index.registry.visible_chunk_ids():
            index.rebuild_keywords()
            done.append("重建了关键词索引")
        after = _check(index)
        after.repaired = done
        return after


def _check(index: Index) -> DoctorReport:
    registry = index.registry
    report = DoctorReport()
    report.documents, report.chunks = registry.counts()
    report.stuck = {state: registry.documents_in_state(state) for state in STUCK_STATES}
    visible = registry.visible_chunk_ids()
    vectors = index.vectors.chunk_ids()
    report.vectors = len(vectors)
    report.orphan_vectors = sorted(vectors - visible)
    queued = registry.queued()
    report.queued = len(queued & visible)
    report.missing_vectors = sorted(visible - vectors - queued)
    report.dangling_queue = registry.dangling_queue_rows()
    keywords = index.keywords()
    report.keyword_chunks = keywords.size
    report.keyword_mismatch = len(set(keywords.chunk_ids) ^ visible)
    report.dangling_sources, report.dangling_chunks = registry.dangling_rows()
    return report
