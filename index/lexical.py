"""How text becomes BM25 terms: one analyser for the index, answer sentences and questions, so they match.

bm25s's tokeniser with its English stop words (Lucene's 33) and the Snowball English stemmer (PyStemmer).
Its default pattern keeps words of two characters or more, which drops the number of "Article 5", "FP.3" or
"Phase 2": a lone digit is kept as a term too (bump index.manifest.FORMAT_VERSION when this changes).
"""
from __future__ import annotations

import math
import threading
from functools import lru_cache

_local = threading.local()
TOKEN_PATTERN = r"(?u)\b\w\w+\b|\b\d\b"


def stemmer():
    """One stemmer per thread: PyStemmer's objects keep a cache and are not safe to share between threads."""
    if not hasattr(_local, "stemmer"):
        import Stemmer

        _local.stemmer = Stemmer.Stemmer("english")
    return _local.stemmer


def stop_words(extra: frozenset[str] = frozenset()) -> list[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return list(STOPWORDS_EN) + sorted(extra)


def tokenize_for_index(texts: list[str]):
    """bm25s Tokenized ids for building the BM25 index."""
    import bm25s

    return bm25s.tokenize(texts, stopwords=stop_words(), stemmer=stemmer(), show_progress=False,
                          token_pattern=TOKEN_PATTERN)


def terms(texts: list[str], extra_stop_words: frozenset[str] = frozenset()) -> list[list[str]]:
    """The stemmed terms of each text, stop words removed."""
    import bm25s

    return bm25s.tokenize(texts, stopwords=stop_words(extra_stop_words), stemmer=stemmer(), return_ids=False,
                          show_progress=False, token_pattern=TOKEN_PATTERN)


@lru_cache(maxsize=65536)
def text_terms(text: str) -> tuple[str, ...]:
    """The terms of one short text (a name, a word of the question). Cached: a bm25s tokenize call costs a
    fraction of a millisecond whatever the length, and a review asks about the same names cell after cell."""
    return tuple(terms([text])[0])


def idf(n: int, df: int) -> float:
    """BM25's (Lucene) inverse document frequency, the one bm25s uses, so SQL and folder backends agree."""
    return math.log(1 + (n - df + 0.5) / (df + 0.5))
