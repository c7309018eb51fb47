"""Which FAISS index type serves a corpus of a given size, and how to build it.

All vectors are L2-normalised, so inner product is cosine similarity. The choice comes from the scale table
of `python -m eval.bench` (README, Performance): real question embeddings against paragraph and sentence
embeddings of SQuAD plus synthetic neighbours of them, recall@10 against exact search.
"""
from __future__ import annotations

import os

import numpy as np

# Up to this many vectors exact search answers a single query in about 2 ms with perfect recall (0.76 ms at
# 10k, 16 ms at 100k); above it an inverted file answers in 1-2 ms.
EXACT_SEARCH_MAX_VECTORS = 20_000
# Inverted file: about 4 * sqrt(n) lists (a power of two), IVF_NPROBE of them searched per query. Measured
# (README, Performance): 64 probes gave recall@10 0.986 at 100k vectors (p95 1.6 ms) and 0.999 at 1M (p95
# 3.6 ms; 32 probes: 0.973 and 0.996). HNSW32 was better at 100k (0.9995 at efSearch 128) but reached only
# 0.936 at 1M even at efSearch 512 (its neighbourhoods there are dense with near-duplicates), so IVF is the
# default above the exact-search limit and HNSW stays available by name.
IVF_NPROBE = 64
IVF_TRAIN_PER_LIST = 40  # vectors sampled per list to train the coarse quantizer (FAISS asks for 39)
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128
ADD_BATCH = 65_536  # vectors added to an index per call


def ivf_lists(n_vectors: int) -> int:
    return int(2 ** round(np.log2(max(4 * np.sqrt(max(n_vectors, 1)), 16))))


def choose_index_type(n_vectors: int) -> str:
    """'Flat' (exact) for small corpora, an inverted file 'IVF<lists>,Flat' above EXACT_SEARCH_MAX_VECTORS."""
    return "Flat" if n_vectors <= EXACT_SEARCH_MAX_VECTORS else f"IVF{ivf_lists(n_vectors)},Flat"


def build_faiss_index(vectors: np.ndarray, kind: str):
    """An index of `kind` over the L2-normalised `vectors` (an array or a read-only memory map)."""
    import faiss

    faiss.omp_set_num_threads(os.cpu_count() or 1)  # training and adding are batches: every core helps
    dim = vectors.shape[1]
    if kind == "Flat":
        index = faiss.IndexFlatIP(dim)
    elif kind.startswith("HNSW"):
        index = faiss.IndexHNSWFlat(dim, int(kind[4:] or HNSW_M), faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    elif kind.startswith("IVF") and kind.endswith(",Flat"):
        index = faiss.index_factory(dim, kind, faiss.METRIC_INNER_PRODUCT)
        rng = np.random.default_rng(0)
        n_train = min(len(vectors), IVF_TRAIN_PER_LIST * index.nlist)
        sample = vectors[np.sort(rng.choice(len(vectors), n_train, replace=False))]
        index.train(np.ascontiguousarray(sample, dtype=np.float32))
    else:
        raise ValueError(f"unknown FAISS index type {kind!r}; choose 'Flat', 'HNSW<M>' or 'IVF<lists>,Flat'")
    for start in range(0, len(vectors), ADD_BATCH):  # batches: `vectors` may be memory-mapped from disk
        index.add(np.ascontiguousarray(vectors[start:start + ADD_BATCH], dtype=np.float32))
    tune_for_search(index)
    return index


def tune_for_search(index) -> None:
    """Apply search-time settings (also after loading: they are not a property of the stored structure).

    Searches run on one OpenMP thread: a question is one vector, and FAISS's threads only pay off for batches.
    A single-query exact search of 12,000 vectors took 7.8 ms on two threads and 1.8 ms on one on this 2-core
    machine under load (the threads wait on each other); concurrent questions run in the server's own threads."""
    import faiss

    faiss.omp_set_num_threads(1)
    if hasattr(index, "hnsw"):
        index.hnsw.efSearch = HNSW_EF_SEARCH
    elif isinstance(index, faiss.IndexIVF):
        index.nprobe = IVF_NPROBE
