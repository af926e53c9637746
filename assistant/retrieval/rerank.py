"""A reranker server: the Jina/Cohere-style ``/v1/rerank`` API (Xinference, TEI, vLLM, Infinity…).

Request ``{"model", "query", "documents", "top_n"}``, response
``{"results": [{"index", "relevance_score"}, …]}``. The retriever sends its best candidates and
orders them by the returned scores; when the server is down, slow or answers nonsense it keeps
its own order (``RerankError``, logged by the caller).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import httpx

from assistant.config import Settings


class RerankError(RuntimeError):
    pass


@dataclass
class Reranker:
    base_url: str
    model: str
    api_key: str | None = None
    timeout: float = 10.0
    top: int = 30  # how many of the ranker's candidates are re-scored

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        if not self.base_url.endswith("/v1"):
            self.base_url += "/v1"
        self._client: httpx.Client | None = None  # one connection pool for every query

    def scores(self, query: str, documents: list[str]) -> list[float]:
        """One relevance score per document, in the documents' order (higher is more relevant)."""
        if not documents:
            return []
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        body = {"model": self.model, "query": query, "documents": documents, "top_n": len(documents),
                "return_documents": False}
        try:
            if self._client is None:
                self._client = httpx.Client(timeout=self.timeout)
            response = self._client.post(f"{self.base_url}/rerank", json=body, headers=headers)
            response.raise_for_status()
            results = response.json()["results"]
            found = {int(item["index"]): float(item["relevance_score"]) for item in results}
        except (httpx.HTTPError, KeyError, ValueError, TypeError) as exc:
            raise RerankError(f"reranker {self.base_url} failed: {exc}") from exc
        if set(found) != set(range(len(documents))) or not all(math.isfinite(s) for s in found.values()):
            raise RerankError(f"reranker {self.base_url} scored {len(found)} of {len(documents)} documents")
        return [found[i] for i in range(len(documents))]


def make_reranker(settings: Settings) -> Reranker | None:
    if not settings.rerank_url:
        return None
    return Reranker(settings.rerank_url, settings.rerank_model, settings.rerank_api_key, settings.rerank_timeout,
                    settings.rerank_top)
