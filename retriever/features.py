"""Generic features of a question against candidate paragraphs and sentences, for the learned scorers.

Nothing here is a word list tuned to one corpus: the signals are cosines from the embedder, idf-weighted term
coverage computed from the index's own document frequencies, the question's proper nouns and numbers found (or
not) in the passage, whether a sentence states the kind of fact the question asks for, and the shape of the
block (a signature block, a list). The scorers (retriever/scorer.py) weigh them with coefficients fitted on
SQuAD with article-disjoint folds (eval/train.py).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from index import lexical
from index.lexical import idf
from index.storage.base import ParagraphIndex
from retriever.answer_type import expected_answer_type, states

# A question word that is capitalised only because it starts a sentence is not a proper noun.
_WORD = re.compile(r"[A-Za-z][\w'’-]*|\d[\d.,]*")
_NUMBER = re.compile(r"^\d")
# Negation in the question that the sentence lacks: SQuAD 2.0's unanswerable questions are often a true
# sentence of the passage with "not" or "never" added. English function words, not a corpus word list.
_NEGATION = re.compile(r"\b(not|never|no|none|neither|nor|without)\b|n't\b", re.I)

PARAGRAPH_FEATURES = ("dense", "window_cos", "sentence_cos_1", "sentence_cos_2", "lexical_mass", "bm25_norm",
                      "title_mass", "section_mass", "entities_missing", "number_missing", "sentence_mass_best",
                      "dense_rank", "lexical_rank")
# The paragraph model also reads each signal relative to the best candidate of the same question: a fitted
# probability of "this is the answer" needs "how far behind the best one is it", which absolute cosines and
# coverages cannot say (article-disjoint SQuAD folds: Hit@1 0.861 -> 0.877).
RELATIVE_TO_BEST = ("dense", "window_cos", "sentence_cos_1", "sentence_cos_2", "lexical_mass", "sentence_mass_best")
PARAGRAPH_INPUTS = PARAGRAPH_FEATURES + tuple(f"{n}_behind_best" for n in RELATIVE_TO_BEST)
_RELATIVE_COLUMNS = [PARAGRAPH_FEATURES.index(n) for n in RELATIVE_TO_BEST]
SENTENCE_FEATURES = ("cos", "cos_gap", "passage_cos", "passage_prob", "passage_rank", "coverage",
                     "passage_coverage", "top_term", "entities_in_sentence", "entities_missing_passage",
                     "unknown_mass", "asks_type", "states_type", "type_missing", "novelty", "length",
                     "position", "first", "signature_like", "question_terms", "negation_mismatch",
                     "top_term_in_passage", "number_missing_passage", "previous_coverage", "previous_cos")
# The answer model judges the best sentence as a whole answer: its features, its probability and how far it
# stands above the next sentence and the next passage. Its probability is the evidence abstention reads.
ANSWER_FEATURES = SENTENCE_FEATURES + ("probability", "margin", "passage_margin", "supported_passages")


@dataclass
class QuestionTerms:
    """The question as the lexical side sees it, computed once per question."""

    terms: tuple[str, ...]  # stemmed content terms, in order, duplicates kept once
    idf: dict[str, float]
    total: float  # idf mass of the question
    entities: tuple[str, ...]  # lower-cased proper nouns and numbers of the question
    entity_terms: tuple[str, ...]  # their stems (for the document-frequency check)
    wanted: str | None  # kind of fact asked for (answer_type)
    negated: bool = False  # the question contains a negation

    def mass(self, present: set[str] | frozenset[str]) -> float:
        """Share of the question's idf mass whose terms are in `present`."""
        return sum(self.idf[t] for t in self.terms if t in present) / self.total if self.total else 0.0


def question_entities(question: str) -> list[str]:
    """Proper nouns (capitalised words not at the start of the question) and numbers, lower-cased."""
    out = []
    for i, m in enumerate(_WORD.finditer(question)):
        w = m.group(0)
        if _NUMBER.match(w) or (i > 0 and w[:1].isupper()):
            out.append(w.lower().rstrip(".,"))
    return list(dict.fromkeys(out))


def analyse_question(index: ParagraphIndex, question: str, terms: tuple[str, ...]) -> QuestionTerms:
    n = len(index.paragraphs)
    unique = tuple(dict.fromkeys(terms))
    weights = {t: idf(n, index.document_frequency(t)) for t in unique}
    entities = question_entities(question)
    entity_terms = tuple(t for e in entities for t in lexical.text_terms(e))
    return QuestionTerms(unique, weights, sum(weights.values()), tuple(entities), entity_terms,
                         expected_answer_type(question), bool(_NEGATION.search(question)))


@lru_cache(maxsize=65536)
def _words(text: str) -> frozenset[str]:
    """The lower-cased words of a text; cached, as the same passages are read for question after question."""
    return frozenset(w.lower().rstrip(".,") for w in _WORD.findall(text))


def entities_missing(q: QuestionTerms, text: str) -> float:
    """Share of the question's proper nouns and numbers that `text` does not contain (0 when it has none)."""
    if not q.entities:
        return 0.0
    words = _words(text)
    return sum(e not in words for e in q.entities) / len(q.entities)


def numbers_missing(q: QuestionTerms, text: str) -> float:
    """1 when a number of the question (a year, an amount) is not in `text`. Kept apart from the names: on the
    SQuAD v2.0 dev a passage lacking the question's number is far more often the adversarial
    near miss (a changed year) than a paraphrase, while names are often paraphrased."""
    numbers = [e for e in q.entities if _NUMBER.match(e)]
    return float(bool(numbers) and any(n not in _words(text) for n in numbers))


def signature_like(text: str) -> float:
    """A signature or closing block: short name/title fragments joined with " / ", or mostly capitalised words."""
    if text.count(" / ") >= 2:
        return 1.0
    words = text.split()
    caps = sum(w[:1].isupper() for w in words)
    return 1.0 if words and caps / len(words) > 0.6 and len(words) < 40 else 0.0


def paragraph_terms(index: ParagraphIndex, position: int) -> frozenset[str]:
    """All stemmed terms of a paragraph (its sentences with their title/section context)."""
    out: set[str] = set()
    for s in index.sentence_terms(position):
        out |= s
    return frozenset(out)


def lexical_mass_all(index: ParagraphIndex, q: QuestionTerms) -> np.ndarray:
    """Share of the question's idf mass each paragraph matches, for every paragraph, from the BM25 postings.
    An absolute signal: a paragraph that matches one common word of the question scores low even when it is
    the best lexical match (BM25 divided by the best BM25 would give it the whole lexical weight)."""
    n = len(index.paragraphs)
    out = np.zeros(n, dtype=np.float32)
    if not q.total:
        return out
    for t in q.terms:
        out[index.postings(t)] += q.idf[t] / q.total
    return out


def _cos_stats(index: ParagraphIndex, position: int, query: np.ndarray) -> tuple[float, float, float]:
    """Best window cosine, best and second-best sentence cosine of one paragraph."""
    w = index.window_vectors_of(position)
    s = index.sentence_vectors_of(position)
    win = float((w @ query).max()) if len(w) else 0.0
    if len(s):
        cos = np.sort(s @ query)[::-1]
        return win, float(cos[0]), float(cos[1]) if len(cos) > 1 else float(cos[0])
    return win, win, win


def sentence_mass_best(index: ParagraphIndex, q: QuestionTerms, position: int) -> float:
    """The largest share of the question's idf mass that one sentence of the paragraph holds (with its title and
    section): the question's terms close together, not scattered over the paragraph."""
    return max((q.mass(t) for t in index.sentence_terms(position)), default=0.0)


def paragraph_features(index: ParagraphIndex, q: QuestionTerms, query: np.ndarray, candidates: list[int],
                       dense: dict[int, float], bm25: np.ndarray, lexical_mass: np.ndarray,
                       memo: dict | None = None) -> np.ndarray:
    """One row of PARAGRAPH_FEATURES per candidate paragraph position. `memo` (one dict per question, given by
    the search) keeps each paragraph's columns that do not depend on the other candidates, so a review asking
    one question of many documents computes them once per paragraph, not once per cell."""
    dense_order = {p: r for r, p in enumerate(sorted(candidates, key=lambda p: -dense.get(p, 0.0)))}
    lex_order = {p: r for r, p in enumerate(sorted(candidates, key=lambda p: -float(bm25[p])))}
    max_bm25 = q.total * (1.2 + 1)  # BM25's ceiling for this question (k1 = 1.2): a per-question absolute scale
    rows = np.zeros((len(candidates), len(PARAGRAPH_FEATURES)), dtype=np.float32)
    for i, p in enumerate(candidates):
        known = memo.get(p) if memo is not None else None
        if known is not None and known[0] == dense.get(p):
            own = known[1]
        else:
            para = index.paragraphs[p]
            win, s1, s2 = _cos_stats(index, p, query)
            title_terms = set(_context_terms(para.title))
            section_terms = set(_context_terms(para.section))
            context = f"{para.title} {para.section} {para.text}"
            own = (dense.get(p, max(win, s1)), win, s1, s2, lexical_mass[p],
                   min(float(bm25[p]) / max_bm25, 1.0) if max_bm25 else 0.0,  # a repeated term can pass the ceiling
                   q.mass(title_terms), q.mass(section_terms), entities_missing(q, context),
                   numbers_missing(q, context), sentence_mass_best(index, q, p))
            if memo is not None:
                memo[p] = (dense.get(p), own)
        rows[i] = own + (math.log1p(dense_order[p]), math.log1p(lex_order[p]) if bm25[p] > 0 else math.log1p(100))
    return rows


def paragraph_inputs(rows: np.ndarray) -> np.ndarray:
    """PARAGRAPH_INPUTS from the PARAGRAPH_FEATURES rows of all candidates of one question."""
    if not len(rows):
        return np.zeros((0, len(PARAGRAPH_INPUTS)), dtype=np.float32)
    rel = rows[:, _RELATIVE_COLUMNS]
    return np.concatenate([rows, rel - rel.max(axis=0, keepdims=True)], axis=1)


_CONTEXT_CACHE: dict[str, tuple[str, ...]] = {}


def _context_terms(text: str) -> tuple[str, ...]:
    if not text:
        return ()
    cached = _CONTEXT_CACHE.get(text)
    if cached is None:
        cached = tuple(lexical.terms([text])[0])
        if len(_CONTEXT_CACHE) > 100_000:
            _CONTEXT_CACHE.clear()
        _CONTEXT_CACHE[text] = cached
    return cached


@dataclass(frozen=True)
class Candidate:
    """One candidate answer sentence: where it is, and its feature row (SENTENCE_FEATURES)."""

    hit_rank: int
    position: int  # paragraph position in the index
    start: int
    end: int
    cosine: float
    coverage: float


def sentence_features(index: ParagraphIndex, q: QuestionTerms, query: np.ndarray, positions: list[int],
                      passage_probs: list[float]) -> tuple[list[Candidate], np.ndarray]:
    """Every sentence of the given passages (best first) with one row of SENTENCE_FEATURES each."""
    cands, rows = [], []
    best_cos = -1.0
    per_passage = []
    for rank, p in enumerate(positions):
        cos = index.sentence_vectors_of(p) @ query
        per_passage.append(cos)
        if len(cos):
            best_cos = max(best_cos, float(cos.max()))
    top = max(q.idf, key=q.idf.get) if q.idf else None
    for rank, (p, cos) in enumerate(zip(positions, per_passage)):
        para = index.paragraphs[p]
        spans = index.sentence_spans_of(p)
        win = index.window_vectors_of(p)
        passage_cos = float((win @ query).max()) if len(win) else 0.0
        terms = index.sentence_terms(p)
        all_terms = paragraph_terms(index, p)
        passage_cov = q.mass(all_terms)
        context = f"{para.title} {para.section} {para.text}"
        missing_passage, number_missing = entities_missing(q, context), numbers_missing(q, context)
        unknown = sum(q.idf[t] for t in q.terms if t not in all_terms and index.document_frequency(t) == 0)
        unknown = unknown / q.total if q.total else 0.0
        sig = signature_like(para.text)
        top_in_passage = 1.0 if top and top in all_terms else 0.0
        coverages = [q.mass(t) for t in terms]
        for j, (start, end) in enumerate(spans):
            text = para.text[start:end]
            present = terms[j]
            coverage = coverages[j]
            stated = bool(q.wanted) and states(q.wanted, text)
            novelty = len(present - set(q.terms)) / max(len(present), 1)
            rows.append((float(cos[j]), best_cos - float(cos[j]), passage_cos, passage_probs[rank], math.log1p(rank),
                         coverage, passage_cov, 1.0 if top and top in present else 0.0,
                         1.0 - entities_missing(q, text), missing_passage, unknown, 1.0 if q.wanted else 0.0,
                         1.0 if stated else 0.0, 1.0 if q.wanted and not stated else 0.0, novelty,
                         math.log1p(len(text.split())), math.log1p(j), 1.0 if j == 0 else 0.0, sig,
                         math.log1p(len(q.terms)), 1.0 if q.negated and not _NEGATION.search(text) else 0.0,
                         top_in_passage, number_missing,
                         # The sentence before: a sentence that answers often names its subject only there
                         # ("He was born in 1900." after the sentence that names him).
                         coverages[j - 1] if j else 0.0, float(cos[j - 1]) if j else 0.0))
            cands.append(Candidate(rank, p, start, end, float(cos[j]), coverage))
    return cands, np.asarray(rows, dtype=np.float32).reshape(len(cands), len(SENTENCE_FEATURES))


_COS, _PASSAGE_COS, _COVERAGE = (SENTENCE_FEATURES.index(n) for n in ("cos", "passage_cos", "coverage"))
SUPPORT_COVERAGE_WEIGHT = 0.25  # in support(): how much the question's idf-weighted term share adds to a cosine


def support(rows: np.ndarray, probs: np.ndarray) -> float:
    """How plainly the best sentence matches the question: its cosine (or its passage's, if higher) plus a
    quarter of the share of the question's idf mass it contains. A floor on it (fitted per model, see
    Scorer.support_floor) refuses answers to questions whose words the documents barely use."""
    if not len(probs):
        return 0.0
    r = rows[int(np.argmax(probs))]
    return float(max(r[_COS], r[_PASSAGE_COS]) + SUPPORT_COVERAGE_WEIGHT * r[_COVERAGE])


def answer_features(rows: np.ndarray, probs: np.ndarray, cands: list[Candidate]) -> np.ndarray:
    """One row of ANSWER_FEATURES for the best candidate sentence (empty when there is none)."""
    if not len(probs):
        return np.zeros((0, len(ANSWER_FEATURES)), dtype=np.float32)
    order = np.argsort(-probs, kind="stable")
    best = int(order[0])
    second = float(probs[order[1]]) if len(order) > 1 else 0.0
    other = [float(probs[i]) for i in order[1:] if cands[i].position != cands[best].position]
    supported = len({cands[i].position for i in order if probs[i] >= 0.5 * probs[best]})
    extra = (float(probs[best]), float(probs[best]) - second, float(probs[best]) - (other[0] if other else 0.0),
             math.log1p(supported))
    return np.concatenate([rows[best], np.asarray(extra, dtype=np.float32)]).reshape(1, -1)
