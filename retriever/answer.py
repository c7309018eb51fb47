"""Extractive, grounded answers: every answer sentence is a verbatim sentence of a cited paragraph."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from index.corpus import Paragraph
from index.pages import cite_label
from index.store import LoadedIndex
from retriever import settings
from retriever.answer_type import DESCRIBE, PREFERRED_ONLY, expected_answer_type, states
from retriever.search import Hit, query_terms

NOT_COVERED = "The documents do not appear to answer this question. The closest passages are listed below."
# Questions that ask for what several documents say get one sentence from each document that has evidence.
_CROSS_DOC = re.compile(r"\b(both|each|all)\b.*\b(documents?|texts?|statements?|declarations?)\b|"
                        r"\b(documents|texts)\b.*\b(both|each|all|compare|differ)|\bcompare\b|\bin common\b", re.I)


@dataclass(frozen=True)
class Citation:
    paragraph: Paragraph
    quote: str  # verbatim slice of paragraph.text

    @property
    def label(self) -> str:
        """How the citation is shown, e.g. "Japan-UK Joint Declaration on Economic Security Cooperation ¶8",
        with the pages of a paged document: "... ¶6, pp. 2–3"."""
        p = self.paragraph
        return f"{p.title} {cite_label(p.label, p.pages, p.pdf_pages)}"

    @property
    def quote_page(self):
        """The printed page on which the quote starts (None for documents without pages)."""
        return self.paragraph.page_of(max(self.paragraph.text.find(self.quote), 0))


@dataclass
class Answer:
    question: str
    text: str
    answered: bool
    citations: list[Citation]
    hits: list[Hit]
    evidence: float  # best sentence score's cosine part; compared with settings.ABSTAIN_BELOW
    timings_ms: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ScoredSentence:
    hit_rank: int
    paragraph: Paragraph
    start: int
    end: int
    score: float
    cosine: float
    overlap: float  # idf-weighted share of the question's terms found in the sentence

    @property
    def text(self) -> str:
        return self.paragraph.text[self.start:self.end]


def term_weights(index: LoadedIndex, terms: list[str]) -> dict[str, float]:
    """Inverse document frequency of each question term over the paragraphs. A term no paragraph contains
    gets the highest weight: the question asks about something the documents never mention."""
    n = len(index.paragraphs)
    weights = {}
    for t in set(terms):
        df = index.document_frequency(t)
        weights[t] = float(np.log(1 + (n - df + 0.5) / (df + 0.5)))
    return weights


def score_sentences(index: LoadedIndex, hits: list[Hit], query_vector: np.ndarray, terms: list[str],
                    n_passages: int = settings.ANSWER_PASSAGES) -> list[ScoredSentence]:
    """Score every sentence of the top passages against the question, best first."""
    weights = term_weights(index, terms)
    total = sum(weights.values())
    top_score = max((h.score for h in hits), default=0.0) or 1.0
    out = []
    for rank, hit in enumerate(hits[:n_passages]):
        rows = index.paragraph_sentences(hit.position)
        cos = index.sentence_vectors[rows.start:rows.stop] @ query_vector
        # Terms are looked for in the sentence and in its context (title, section): "the declaration" in a
        # question is answered by a sentence of the declaration even if the sentence does not say so.
        tokens = index.sentence_terms(hit.position)
        for j, row in enumerate(rows):
            present = tokens[j]
            overlap = sum(w for t, w in weights.items() if t in present) / total if total else 0.0
            s, e = index.sentence_spans[row]
            score = (float(cos[j]) + settings.SENTENCE_LEXICAL_WEIGHT * overlap
                     + settings.SENTENCE_PASSAGE_WEIGHT * hit.score / top_score)
            out.append(ScoredSentence(rank, hit.paragraph, s, e, score, float(cos[j]), overlap))
    out.sort(key=lambda x: (-x.score, x.hit_rank, x.start))
    return out


def evidence_of(sentences: list[ScoredSentence], index: LoadedIndex, hits: list[Hit],
                query_vector: np.ndarray) -> float:
    """How strongly the best answer material matches the question: the cosine of the best sentence (or of its
    paragraph's best window, if higher) plus EVIDENCE_LEXICAL_WEIGHT times the share of the question's terms it
    contains. Unlike the fused score it is comparable across questions, so one threshold can decide abstention."""
    if not sentences:
        return 0.0
    best = sentences[0]
    windows = index.paragraph_windows(hits[best.hit_rank].position)
    passage = float((index.window_vectors[windows.start:windows.stop] @ query_vector).max()) if len(windows) else 0.0
    return max(best.cosine, passage) + settings.EVIDENCE_LEXICAL_WEIGHT * best.overlap


def choose_sentences(question: str, sentences: list[ScoredSentence]) -> list[ScoredSentence]:
    """The best sentence, plus up to two more that score nearly as well; for questions about several
    documents, the best sentence of each other document with enough evidence comes first."""
    if not sentences:
        return []
    best = sentences[0]
    chosen = [best]
    if _CROSS_DOC.search(question):
        for s in sentences[1:]:
            if s.paragraph.doc not in {c.paragraph.doc for c in chosen} and s.score >= settings.CROSS_DOC_RATIO * best.score:
                chosen.append(s)
    for s in sentences[1:]:
        if len(chosen) >= settings.MAX_ANSWER_SENTENCES:
            break
        if s not in chosen and s.score >= settings.FOLLOW_UP_RATIO * best.score:
            chosen.append(s)
    return chosen[:settings.MAX_ANSWER_SENTENCES]


def compose_answer(question: str, query_vector: np.ndarray, hits: list[Hit], index: LoadedIndex,
                   abstain_below: float | None = None) -> Answer:
    """Pick answer sentences from the hits, or abstain when the evidence is below `abstain_below`
    (default settings.ABSTAIN_BELOW; the evaluation passes -1 to see every would-be answer)."""
    threshold = settings.ABSTAIN_BELOW if abstain_below is None else abstain_below
    terms = query_terms(question)
    sentences = score_sentences(index, hits, query_vector, terms)
    notes = []
    wanted = expected_answer_type(question)
    if wanted:
        typed = [s for s in sentences if states(wanted, s.text)]
        if wanted in PREFERRED_ONLY:
            sentences = typed or sentences
        else:
            if sentences and not typed:
                notes.append(f"The question asks for {DESCRIBE[wanted]}, and none of the closest passages "
                             "states one.")
            sentences = typed
    evidence = evidence_of(sentences, index, hits, query_vector)
    if not sentences or evidence < threshold:
        return Answer(question, NOT_COVERED, False, [], hits, evidence, notes=notes)
    chosen = choose_sentences(question, sentences)
    citations: list[Citation] = []
    parts = []
    for s in chosen:
        citation = Citation(s.paragraph, s.text)
        citations.append(citation)
        parts.append(f"{s.text} [{citation.label}]")
    return Answer(question, " ".join(parts), True, citations, hits, evidence)

