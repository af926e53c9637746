"""Chinese keyword search: BM25 over character n-grams and over jieba words.

The index is derived from the registry's ready chunks and saved under ``<index>/keyword``
with the registry generation it was built from; a stale or missing copy is rebuilt, so it can
never disagree with the registry for long (an interrupted write is simply rebuilt).
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import bm25s
import numpy as np

from .registry import Registry
from .tokenize import char_ngrams, word_tokens

FIELDS = ("chars", "words")
logging.getLogger("bm25s").setLevel(logging.ERROR)


def _bm25(corpus_tokens: list[list[str]]) -> bm25s.BM25:
    model = bm25s.BM25(k1=1.2, b=0.75)
    model.index(corpus_tokens, show_progress=False)
    return model


@dataclass
class KeywordIndex:
    generation: int
    chunk_ids: list[str]
    doc_ids: list[str]
    models: dict[str, bm25s.BM25]

    @property
    def size(self) -> int:
        return len(self.chunk_ids)

    @cached_property
    def position(self) -> dict[str, int]:
        """Row of each chunk id in the score arrays."""
        return {chunk_id: row for row, chunk_id in enumerate(self.chunk_ids)}

    @classmethod
    def build(cls, registry: Registry) -> "KeywordIndex":
        generation = registry.generation()
        rows = registry.ready_chunk_rows()
        chunk_ids = [r[0] for r in rows]
        doc_ids = [r[1] for r in rows]
        models: dict[str, bm25s.BM25] = {}
        if rows:
            models["chars"] = _bm25([char_ngrams(r[3]) or ["∅"] for r in rows])
            models["words"] = _bm25([r[2].split() or ["∅"] for r in rows])
        return cls(generation, chunk_ids, doc_ids, models)

    @classmethod
    def load_or_build(cls, registry: Registry, folder: Path) -> "KeywordIndex":
        generation = registry.generation()
        manifest = folder / "manifest.json"
        if manifest.is_file():
            try:
                data = json.loads(manifest.read_text(encoding="utf-8"))
                if data["generation"] == generation:
                    models = {f: bm25s.BM25.load(folder / f, show_progress=False) for f in data["fields"]}
                    return cls(generation, data["chunk_ids"], data["doc_ids"], models)
            except (OSError, ValueError, KeyError):
                pass  # unreadable copy: rebuild below
        index = cls.build(registry)
        index.save(folder)
        return index

    def save(self, folder: Path) -> None:
        """Save beside ``folder`` and swap it in; several processes may save at once (each its own
        temporary folder; a swap that loses the race leaves the other's equally valid copy)."""
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=folder.name + ".tmp-", dir=folder.parent))
        try:
            for name, model in self.models.items():
                model.save(tmp / name, show_progress=False)
            manifest = {"generation": self.generation, "fields": list(self.models), "chunk_ids": self.chunk_ids,
                        "doc_ids": self.doc_ids}
            (tmp / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
            old = folder.with_name(f"{folder.name}.old-{tmp.name[-8:]}")
            try:
                folder.rename(old)
            except OSError:
                old = None
            try:
                tmp.rename(folder)
            except OSError:
                pass  # another process swapped its copy in first
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def scores(self, field: str, query_tokens: list[str]) -> np.ndarray:
        """BM25 score of every chunk (in ``chunk_ids`` order) for the query tokens."""
        model = self.models.get(field)
        if model is None or not query_tokens:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(model.get_scores(query_tokens), dtype=np.float32)


def query_tokens(field: str, query: str) -> list[str]:
    return char_ngrams(query) if field == "chars" else word_tokens(query)
