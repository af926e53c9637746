"""Search: the hybrid retriever, its learned ranker, the reranker client and the retrieval evaluation."""
