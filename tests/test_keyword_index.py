"""The incremental keyword index: BM25 equal to a rebuild, work proportional to what changed,
and it follows the registry whoever wrote it (another process, another open index)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import bm25s
import numpy as np
import pytest

from assistant.ingest.pipeline import prepare
from assistant.index import keyword_index
from assistant.index.keyword_index import FIELDS, KeywordIndex, query_tokens, row_tokens
from assistant.models import CleanText, DocMeta
from assistant.index.registry import Registry

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
QUERIES = ["老旧小区加装电梯补助", "停车难 临江老城", "普惠托育服务", "双随机一公开监管", "政协委员提案办理答复"]


def _texts() -> list[tuple[str, str]]:
    files = sorted(p for p in CORPUS.rglob("*") if p.suffix in (".txt", ".md"))
    return [(p.stem, p.read_text(encoding="utf-8")) for p in files]


def _store(registry: Registry, title: str, text: str) -> str:
    """A document written the way store.Index.write leaves it: chunks, ready, generation bumped."""
    content_hash = hashlib.sha256(text.encode("utf-8")).hexdigest()
    doc = prepare(CleanText(text), content_hash, DocMeta(title=title), {}, 350, 500)
    with registry.transaction():
        registry.insert_document(doc.doc_id, content_hash, doc.meta, doc.clean, {})
        registry.insert_chunks(doc.chunks)
        registry.set_doc_state(doc.doc_id, "ready")
        registry.bump_generation()
    return doc.doc_id


def _drop(registry: Registry, doc_id: str) -> None:
    with registry.transaction():
        registry.delete_document_rows(doc_id)
        registry.bump_generation()


def _rebuilt_scores(registry: Registry, field: str, query: str) -> dict[str, float]:
    """What the previous implementation computed: bm25s over every ready chunk, built from scratch."""
    rows = registry.ready_chunk_rows()
    model = bm25s.BM25(k1=1.2, b=0.75)
    model.index([row_tokens(field, r[2], r[3]) for r in rows], show_progress=False)
    scores = model.get_scores(query_tokens(field, query))
    return {r[0]: float(s) for r, s in zip(rows, scores)}


def _scores_array(registry: Registry, index: KeywordIndex, tokens: list[str]) -> np.ndarray:
    """bm25s's chars scores of the registry's chunks, in the index's row order."""
    rows = registry.ready_chunk_rows()
    model = bm25s.BM25(k1=1.2, b=0.75)
    model.index([row_tokens("chars", r[2], r[3]) for r in rows], show_progress=False)
    by_chunk = dict(zip((r[0] for r in rows), model.get_scores(tokens)))
    return np.array([by_chunk[c] for c in index.row_chunk_ids], dtype=np.float32)


def _scores(index: KeywordIndex, field: str, query: str) -> dict[str, float]:
    scores = index.scores(field, query_tokens(field, query))
    return {c: float(scores[row]) for c, row in index.position.items()}


@pytest.fixture(scope="module")
def texts():
    found = _texts()
    assert len(found) >= 12
    return found


def test_scores_equal_a_rebuild_after_additions_and_removals(tmp_path, texts):
    registry = Registry(tmp_path / "registry.sqlite")
    index = KeywordIndex(tmp_path / "keyword")
    ids = [_store(registry, title, text) for title, text in texts[:8]]
    index.catch_up(registry.path)
    for title, text in texts[8:12]:  # one at a time, as uploads arrive
        ids.append(_store(registry, title, text))
        index.catch_up(registry.path)
    for doc_id in ids[2:5]:
        _drop(registry, doc_id)
    index.catch_up(registry.path)
    assert index.size == len(registry.ready_chunk_rows())
    for query in QUERIES:
        for field in FIELDS:
            expected = _rebuilt_scores(registry, field, query)
            got = _scores(index, field, query)
            assert set(got) == set(expected)
            keys = sorted(expected)
            assert np.allclose([got[k] for k in keys], [expected[k] for k in keys], rtol=1e-4, atol=1e-5), query
    removed = {c for c, d in zip(index.row_chunk_ids, index.row_doc_ids) if d in ids[2:5]}
    assert removed and not removed & set(index.chunk_ids)
    index.compact()  # dropping dead rows changes no score
    for field in FIELDS:
        expected = _rebuilt_scores(registry, field, QUERIES[0])
        got = _scores(index, field, QUERIES[0])
        assert np.allclose([got[k] for k in sorted(expected)], [expected[k] for k in sorted(expected)], rtol=1e-4)


def test_adding_one_document_touches_only_its_chunks(tmp_path, texts):
    registry = Registry(tmp_path / "registry.sqlite")
    for title, text in texts[:10]:
        _store(registry, title, text)
    index = KeywordIndex.open(registry.path, tmp_path / "keyword")  # built once, snapshot saved
    assert index.changed_rows == 0 and (tmp_path / "keyword" / "manifest.json").is_file()
    doc_id = _store(registry, *texts[10])
    chunks = len(registry.chunks_of(doc_id))
    index.catch_up(registry.path)
    assert index.changed_rows == chunks  # the corpus was not re-read
    assert index.scores("chars", query_tokens("chars", texts[10][1][:20])).argmax() in index.doc_rows[doc_id]
    _drop(registry, doc_id)
    index.catch_up(registry.path)
    assert index.changed_rows == 2 * chunks
    assert doc_id not in index.doc_ids


def test_restart_loads_the_snapshot_and_catches_up_what_changed_since(tmp_path, texts, monkeypatch):
    registry = Registry(tmp_path / "registry.sqlite")
    for title, text in texts[:10]:
        _store(registry, title, text)
    KeywordIndex.open(registry.path, tmp_path / "keyword")
    written_later = _store(registry, *texts[10])  # e.g. by another process while this one was stopped
    reopened = KeywordIndex.open(registry.path, tmp_path / "keyword")
    assert reopened.changed_rows == len(registry.chunks_of(written_later))
    assert written_later in reopened.doc_ids and reopened.size == len(registry.ready_chunk_rows())
    # a process that catches up enough at start saves for the next one: the snapshot holds everything
    monkeypatch.setattr(keyword_index, "SAVE_ON_OPEN_ROWS", 0)
    another = _store(registry, *texts[11])
    KeywordIndex.open(registry.path, tmp_path / "keyword")
    loaded = KeywordIndex.load(tmp_path / "keyword")
    assert loaded.generation == registry.generation() and loaded.changed_rows == 0
    query = query_tokens("chars", texts[11][1][:20])
    assert loaded.scores("chars", query).argmax() in loaded.doc_rows[another]
    assert np.allclose(loaded.scores("chars", query), _scores_array(registry, loaded, query), rtol=1e-4)
    # an unreadable snapshot is rebuilt from the registry, never trusted
    (tmp_path / "keyword" / "rows.json").write_text("{broken", encoding="utf-8")
    rebuilt = KeywordIndex.open(registry.path, tmp_path / "keyword")
    assert rebuilt.size == len(registry.ready_chunk_rows())


def test_two_open_indexes_see_each_others_writes(tmp_path, texts):
    """Two processes serving one index folder: each keyword index follows the shared registry."""
    first = Registry(tmp_path / "registry.sqlite")
    second = Registry(tmp_path / "registry.sqlite")
    index_a = KeywordIndex.open(first.path, tmp_path / "keyword")
    index_b = KeywordIndex.open(second.path, tmp_path / "keyword")
    doc_a = _store(first, *texts[0])
    doc_b = _store(second, *texts[1])
    for index in (index_a, index_b):
        index.catch_up(first.path)
        assert {doc_a, doc_b} <= set(index.doc_ids)
    _drop(second, doc_a)
    index_a.catch_up(first.path)
    assert doc_a not in index_a.doc_ids
