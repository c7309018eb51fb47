"""Hybrid paragraph search: dense (FAISS inner product on normalised vectors) and lexical (BM25), fused."""
from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from index.corpus import Paragraph
from index import lexical
from index.storage.base import ParagraphIndex
from index.store import _faiss_top
from retriever import settings
from retriever.features import analyse_question, lexical_mass_all, paragraph_features


@dataclass(frozen=True)
class Hit:
    """One retrieved paragraph: `score` decides the order (in hybrid mode it is `probability`); `dense` is a
    cosine, `lexical` a BM25 score, `probability` the learned paragraph scorer's P(this paragraph answers)."""

    paragraph: Paragraph
    score: float
    dense: float
    lexical: float
    position: int  # index of the paragraph in ParagraphIndex.paragraphs
    probability: float = 0.0


def dense_search(faiss_index, owner: np.ndarray, query: np.ndarray, k: int) -> dict[int, float]:
    """Top paragraphs by cosine over one FAISS index, each paragraph's best vector (the folder backend's)."""
    return _faiss_top(faiss_index, owner, query, k)


def paragraph_dense_search(index: ParagraphIndex, query: np.ndarray, k: int) -> dict[int, float]:
    """A paragraph's dense score is the best cosine of any of its windows or sentences (the backend's top-k)."""
    return index.dense_top(query, k)


def exact_dense_scores(index: ParagraphIndex, query: np.ndarray, positions: list[int]) -> dict[int, float]:
    """Cosine of the query with each given paragraph (best window or sentence), computed exactly."""
    return index.exact_dense_scores(query, positions)


# Words with which a question talks about the documents rather than their content ("what do both documents
# say about ..."); matching them lexically finds paragraphs that happen to say "both", not the answer.
META_WORDS = {"both", "document", "documents", "text", "texts", "say", "says", "said", "mention", "mentions",
              "mentioned", "describe", "described"}
# bm25s's English list is Lucene's 33 words; questions also carry these function words, which would otherwise
# match paragraphs by chance ("do", "about") and weigh in the answer's term overlap.
QUESTION_STOPWORDS = frozenset({"what", "which", "who", "whom", "whose", "when", "where", "why", "how", "do", "does", "did",
                      "about", "has", "have", "had", "can", "could", "would", "should", "shall", "may", "might",
                      "must", "i", "you", "we", "our", "us", "me", "my", "your", "were", "been", "being", "am",
                      "from", "so", "its", "kind", "sort", "type", "according"})


@lru_cache(maxsize=1024)
def query_terms(question: str) -> tuple[str, ...]:
    """The question as BM25 sees it: lower case, English stop words and META_WORDS removed, stemmed.
    Cached: search and answer composition both need it for the same question."""
    words = [w for w in question.split() if w.lower().strip("?,.!;:'\"") not in META_WORDS]
    return tuple(lexical.terms([" ".join(words)], QUESTION_STOPWORDS)[0])


def lexical_scores(index: ParagraphIndex, terms) -> np.ndarray:
    """BM25 score of every paragraph (zeros when no term is known)."""
    return index.lexical_scores(tuple(terms))


def top_indices(scores: np.ndarray, k: int) -> np.ndarray:
    """Indexes of the k highest scores, best first (ties by index); linear time in len(scores)."""
    if k < len(scores):
        part = np.argpartition(-scores, k - 1)[:k]
        # keep every index tied with the k-th score so the tie-break below is the same as a full sort
        cut = scores[part].min()
        part = np.flatnonzero(scores >= cut)
    else:
        part = np.arange(len(scores))
    return part[np.lexsort((part, -scores[part]))][:k]


def rrf(rankings: list[list[int]], k: int = settings.RRF_K) -> dict[int, float]:
    """Reciprocal rank fusion: sum over rankings of 1 / (k + rank), rank starting at 1."""
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + 1.0 / (k + rank)
    return fused


def weighted_sum(dense: dict[int, float], lexical: dict[int, float], dense_weight: float) -> dict[int, float]:
    """dense_weight * cosine + (1 - dense_weight) * BM25 / best BM25; a missing score counts as 0."""
    top = max(lexical.values(), default=0.0)
    scale = 1.0 / top if top > 0 else 0.0
    items = set(dense) | set(lexical)
    return {i: dense_weight * max(dense.get(i, 0.0), 0.0) + (1 - dense_weight) * lexical.get(i, 0.0) * scale
            for i in items}


FUSIONS = ("learned", "weighted", "rrf")


class Retriever:
    """Ranks the paragraphs of a loaded index for a question vector and its text."""

    def __init__(self, index: ParagraphIndex, scorer, mode: str = settings.DEFAULT_MODE, k: int = settings.DEFAULT_K,
                 fusion: str = settings.FUSION, dense_weight: float = settings.DENSE_WEIGHT,
                 candidates: int = settings.CANDIDATES):
        check_mode(mode)
        check_k(k)
        if fusion not in FUSIONS:
            raise ValueError(f"unknown fusion {fusion!r}; choose one of {', '.join(FUSIONS)}")
        if not 0.0 <= dense_weight <= 1.0:
            raise ValueError(f"dense_weight must be between 0 and 1, got {dense_weight}")
        self.index, self.scorer, self.mode, self.k = index, scorer, mode, k
        self.fusion, self.dense_weight, self.candidates = fusion, dense_weight, candidates

    def search(self, question: str, query_vector: np.ndarray, k: int | None = None,
               mode: str | None = None, documents: set[str] | None = None) -> list[Hit]:
        """The k best paragraphs; with `documents` (file names), the k best of those documents only."""
        mode = check_mode(mode if mode is not None else self.mode)
        k = check_k(k if k is not None else self.k)
        scope = None if documents is None else self.index.positions_of(documents)
        c = candidate_signals(self.index, question, query_vector, max(self.candidates, k), scope)
        # Every candidate gets the learned probability, whatever the mode: answer sentences and abstention use it.
        probability = dict(zip(c.positions, (float(x) for x in self.scorer.paragraph_probability(c.features))))
        if mode == "dense":
            fused = dict(c.dense)
        elif mode == "lexical":
            fused = dict(c.lexical)
        elif self.fusion == "learned":
            fused = probability
        elif self.fusion == "rrf":
            fused = rrf([sorted(c.dense, key=lambda i: -c.dense[i]), c.lexical_ranking])
        else:
            fused = weighted_sum(c.dense, c.lexical, self.dense_weight)
        if scope is not None:  # the whole index's candidates were scored only as the yardstick (see below)
            allowed = set(scope.tolist())
            fused = {i: v for i, v in fused.items() if i in allowed}
        order = sorted(fused, key=lambda i: (-fused[i], i))[:k]
        return [Hit(self.index.paragraphs[i], float(fused[i]), float(c.dense.get(i, 0.0)),
                    float(c.bm25[i]), i, probability.get(i, 0.0)) for i in order]


@dataclass
class Candidates:
    """The paragraphs worth ranking for one question, with every signal the scorers read."""

    positions: list[int]  # sorted paragraph positions: the dense and the lexical top candidates
    dense: dict[int, float]  # best window-or-sentence cosine of each candidate
    lexical: dict[int, float]  # BM25 of the lexical top candidates
    lexical_ranking: list[int]  # lexical top candidates, best first
    bm25: np.ndarray  # BM25 of every paragraph
    features: np.ndarray  # one row of features.PARAGRAPH_FEATURES per position


def candidate_signals(index: ParagraphIndex, question: str, query_vector: np.ndarray, n_cand: int,
                      scope: np.ndarray | None = None) -> Candidates:
    """Dense top-n and BM25 top-n paragraphs, both signals for each, and their feature rows. The training of
    the scorers (eval/train.py) reads exactly this, so what is fitted is what answers.

    With `scope` (paragraph positions of the chosen documents), the top-n of the scope join the top-n of the
    whole index: the scope's paragraphs are scored exactly (a document's rows are contiguous), and the whole
    index's candidates stay as the yardstick that rank and relative features are measured against, so a
    paragraph scores the same whether or not other documents are chosen with it."""
    whole = whole_index_signals(index, question, query_vector, n_cand)
    dense, all_lexical, matching, lex_top = dict(whole.dense), whole.all_lexical, whole.matching, list(whole.lex_top)
    if scope is not None:
        exact = exact_dense_scores(index, query_vector, scope.tolist())
        for i in sorted(exact, key=lambda i: (-exact[i], i))[:n_cand]:
            dense[i] = exact[i]
        in_scope = scope[all_lexical[scope] > 0]  # = intersect1d(matching, scope), in time of the scope only
        lex_top = list(dict.fromkeys(lex_top + [int(in_scope[i]) for i in top_indices(all_lexical[in_scope],
                                                                                       n_cand)]))
    lexical = {i: float(all_lexical[i]) for i in lex_top}
    # Give every candidate both signals, so hits can show them and fusion is not biased by absence.
    missing = [i for i in lexical if i not in dense]
    dense.update(exact_dense_scores(index, query_vector, missing))
    positions = sorted(set(dense) | set(lexical))
    index.prefetch(positions)
    index.sentence_terms_many(positions)  # the cold ones tokenised in one call (sentence_mass_best reads them)
    rows = paragraph_features(index, whole.q, query_vector, positions, dense, all_lexical, whole.lexical_mass,
                              whole.paragraph_rows)
    return Candidates(positions, dense, lexical, lex_top, all_lexical, rows)


@dataclass(frozen=True)
class WholeIndexSignals:
    """What one question's search reads off the whole index, whatever the scope: the dense and BM25 top-n, BM25
    of every paragraph and the question's term statistics. Shared read-only between calls (see below)."""

    dense: dict[int, float]
    all_lexical: np.ndarray
    matching: np.ndarray
    lex_top: tuple[int, ...]
    q: object  # features.QuestionTerms
    lexical_mass: np.ndarray
    # each paragraph's candidate-independent feature columns, filled as cells need them (features.py)
    paragraph_rows: dict = field(default_factory=dict)


_WHOLE_CACHE: dict = {}
_WHOLE_CACHE_LOCK = threading.Lock()
_WHOLE_CACHE_SIZE = 8


def whole_index_signals(index: ParagraphIndex, question: str, query_vector: np.ndarray,
                        n_cand: int) -> WholeIndexSignals:
    """The whole-index signals of a question, kept for the last few questions: a review asks one question of
    each of many documents, and this part does not depend on the document (so it is computed once per
    question, not once per cell). Keyed by the index's identity and build, the question and its vector."""
    key = (id(index), index.manifest.get("built_at"), question, n_cand,
           np.ascontiguousarray(query_vector, dtype=np.float32).tobytes())
    with _WHOLE_CACHE_LOCK:
        owner, found = _WHOLE_CACHE.get(key, (None, None))
    # An id is reused once its index is freed, and built_at counts whole seconds: an index opened in place of
    # one swapped out (a rebuild, a reconnect) must not answer from the freed one's signals, so the entry keeps
    # a weak reference to its own index (a strong one would keep a replaced index in memory).
    if found is not None and owner() is index:
        return found
    dense = paragraph_dense_search(index, query_vector, n_cand)
    all_lexical = lexical_scores(index, query_terms(question))
    matching = np.flatnonzero(all_lexical > 0)  # usually a small share of the corpus
    lex_top = tuple(int(matching[i]) for i in top_indices(all_lexical[matching], n_cand))
    q = analyse_question(index, question, query_terms(question))
    mass = lexical_mass_all(index, q)
    for shared in (all_lexical, matching, mass):
        shared.setflags(write=False)  # shared between calls: a caller that wrote to one would corrupt the next
    found = WholeIndexSignals(dense, all_lexical, matching, lex_top, q, mass)
    with _WHOLE_CACHE_LOCK:
        if len(_WHOLE_CACHE) >= _WHOLE_CACHE_SIZE:
            _WHOLE_CACHE.pop(next(iter(_WHOLE_CACHE)))
        _WHOLE_CACHE[key] = (weakref.ref(index), found)
    return found


def check_mode(mode: str) -> str:
    if mode not in settings.MODES:
        raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(settings.MODES)}")
    return mode


def check_k(k: int) -> int:
    if not isinstance(k, int) or not 1 <= k <= settings.MAX_K:
        raise ValueError(f"k must be a whole number from 1 to {settings.MAX_K}, got {k!r}")
    return k
