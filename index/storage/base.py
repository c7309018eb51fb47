"""The storage seam: what search and answering read from an index, whatever holds it.

Paragraphs are addressed by their position (0..n-1, in build order, documents contiguous). No FAISS array,
bm25s internal or memory-mapped row leaves an implementation: only scores, positions and per-paragraph vectors.
"""
from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from index.corpus import Paragraph
from index.manifest import IndexFolderError


class IndexReplaced(IndexFolderError):
    """The index a question was reading was dropped by a rebuild elsewhere: ask again on the newer one."""


class ParagraphIndex(ABC):
    """A built index, read-only. `manifest` records the backend, model and recipe that built it."""

    manifest: dict
    documents: list[dict]  # per-document metadata (name, title, ...), for scoping and the viewer
    paragraphs: list[Paragraph]  # every paragraph by position, for the viewer and citations

    @abstractmethod
    def positions_of(self, documents: set[str]) -> np.ndarray:
        """Sorted positions of the paragraphs of the given documents (file names)."""

    @abstractmethod
    def dense_top(self, query: np.ndarray, k: int) -> dict[int, float]:
        """The k best paragraphs by their best window-or-sentence cosine with `query`, best first."""

    @abstractmethod
    def exact_dense_scores(self, query: np.ndarray, positions: list[int]) -> dict[int, float]:
        """Exact best window-or-sentence cosine of each given paragraph."""

    @abstractmethod
    def lexical_scores(self, terms: tuple[str, ...]) -> np.ndarray:
        """BM25 (Lucene variant, bm25s's k1 and b) of every paragraph for the stemmed query terms."""

    @abstractmethod
    def postings(self, term: str) -> np.ndarray:
        """Positions of the paragraphs that contain the stemmed term."""

    def document_frequency(self, term: str) -> int:
        """How many paragraphs contain the stemmed term."""
        return int(len(self.postings(term)))

    @abstractmethod
    def window_vectors_of(self, position: int) -> np.ndarray:
        """The window vectors of one paragraph (float32, rows L2-normalised)."""

    @abstractmethod
    def sentence_vectors_of(self, position: int) -> np.ndarray:
        """The sentence vectors of one paragraph, in sentence order."""

    @abstractmethod
    def sentence_spans_of(self, position: int) -> list[tuple[int, int]]:
        """Character span of each sentence of one paragraph in its text."""

    # Sentence terms are tokenised on first use and kept (bounded), so answering does not re-tokenise passages.
    TERMS_KEPT = 200_000

    def sentence_terms(self, position: int) -> list[frozenset[str]]:
        """The stemmed terms of each sentence of one paragraph, with its title and section in front."""
        return self.sentence_terms_many([position])[0]

    def sentence_terms_many(self, positions) -> list[list[frozenset[str]]]:
        """sentence_terms of each given paragraph. Those not yet kept are tokenised in one bm25s call: a question
        reads the terms of all its candidates, and one call costs about half of one call per paragraph."""
        from index import lexical
        from index.store import embed_text

        cache = getattr(self, "_terms", None)
        if cache is None:
            cache = self._terms = {}
        missing = [int(p) for p in dict.fromkeys(int(p) for p in positions) if int(p) not in cache]
        if missing:
            texts, counts = [], []
            for p in missing:
                para = self.paragraphs[p]
                spans = self.sentence_spans_of(p)
                texts += [embed_text(para, para.text[s:e]) for s, e in spans]
                counts.append(len(spans))
            tokens = iter(lexical.terms(texts)) if texts else iter(())
            if len(cache) + len(missing) > self.TERMS_KEPT:  # bound the cache on very large corpora
                cache.clear()
            for p, n in zip(missing, counts):
                cache[p] = [frozenset(next(tokens)) for _ in range(n)]
        return [cache[int(p)] for p in positions]

    def prefetch(self, positions: list[int]) -> None:
        """A hint that the vectors of these paragraphs are about to be read (a database reads them in one
        round trip); the folder backend has them memory-mapped and ignores it."""

    def newer(self) -> "ParagraphIndex | None":
        """A newer build of this index that another process swapped in (a shared database), else None. The
        folder backend is replaced in-process (Assistant.swap_index) and returns None."""
        return None
