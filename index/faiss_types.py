"""Which FAISS index type serves a corpus of a given size, and how to build it.

All vectors are L2-normalised, so inner product is cosine similarity.
"""
from __future__ import annotations

import numpy as np

# Below this many vectors exact search is fast enough and has perfect recall.
EXACT_SEARCH_MAX_VECTORS = 50_000


def choose_index_type(n_vectors: int) -> str:
    """'Flat' (exact) for small corpora, an HNSW graph above EXACT_SEARCH_MAX_VECTORS."""
    return "Flat" if n_vectors <= EXACT_SEARCH_MAX_VECTORS else "HNSW32"


def build_faiss_index(vectors: np.ndarray, kind: str):
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    dim = vectors.shape[1]
    if kind == "Flat":
        index = faiss.IndexFlatIP(dim)
    elif kind.startswith("HNSW"):
        index = faiss.IndexHNSWFlat(dim, int(kind[4:] or 32), faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = 64
    else:
        raise ValueError(f"unknown FAISS index type {kind!r}; choose 'Flat' or 'HNSW<M>'")
    if len(vectors):
        index.add(vectors)
    return index
