"""The embedding cache: vectors keyed by (model id, text hash), in a SQLite file of its own.

It lives in ``<index>/embeddings.sqlite`` unless ``embed_cache`` points elsewhere (several
indexes may share one), so re-chunking, re-indexing or rebuilding never embeds a text twice.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from assistant.index.db import open_database

SCHEMA = """
CREATE TABLE IF NOT EXISTS embeddings (
    model TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (model, text_hash)
);
"""


class EmbeddingCache:
    def __init__(self, path: Path):
        self.db = open_database(path, SCHEMA, synchronous="NORMAL")  # a cache: losing the last batch on power loss costs one re-embedding

    def close(self) -> None:
        self.db.close()

    def get(self, model: str, hashes: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        unique = list(dict.fromkeys(hashes))
        for start in range(0, len(unique), 500):
            batch = unique[start : start + 500]
            marks = ",".join("?" * len(batch))
            for h, blob in self.db.execute(
                f"SELECT text_hash, vector FROM embeddings WHERE model=? AND text_hash IN ({marks})", [model, *batch]
            ):
                found[h] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        with self.db:
            self.db.executemany(
                "INSERT OR REPLACE INTO embeddings(model, text_hash, vector) VALUES(?,?,?)",
                [(model, h, np.asarray(v, dtype=np.float32).tobytes()) for h, v in vectors.items()],
            )
