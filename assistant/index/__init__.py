"""The index on disk: registry, Chroma vectors, keyword index, embeddings and their cache and queue, locks, consistency checks."""
