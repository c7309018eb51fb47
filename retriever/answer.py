"""Extractive, grounded answers: every answer sentence is a verbatim sentence of a cited paragraph."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from index.corpus import Paragraph, is_signatory_block
from index.pages import cite_label
from index.storage.base import ParagraphIndex
from retriever import settings
from retriever.answer_type import (DESCRIBE, PREFERRED_ONLY, asks_for_person, asks_who_signed, expected_answer_type,
                                   states)
from retriever.features import analyse_question, answer_features, sentence_features, support
from retriever.scorer import Scorer
from retriever.search import Hit, query_terms

NOT_COVERED = "The documents do not appear to answer this question. The closest passages are listed below."
# Questions that ask for what several documents say get one sentence from each document that has evidence:
# "both / each / the two documents", "the documents" (plural), "the statement and the declaration", "compare".
_DOCUMENT_NOUNS = "document|text|statement|declaration|report|paper|source|file"
_DOCUMENT = rf"({_DOCUMENT_NOUNS})s?"
_CROSS_DOC = re.compile(rf"\b(both|each|all)\b.*\b{_DOCUMENT}\b|"
                        rf"\b(two|three|several|these|those)\s+(\w+\s+)?{_DOCUMENT}\b|"
                        rf"\b(the|our|my)\s+({_DOCUMENT_NOUNS})s\b|"
                        rf"\b{_DOCUMENT}\s+(and|or|versus|vs\.?)\s+(the\s+|a\s+)?{_DOCUMENT}\b|"
                        r"\bcompared?\b|\bdiffer|\bin common\b", re.I)
# A sentence with no word of its own ("[2]", "0°7′36″W", "(c)") states nothing, whatever its heading matches.
_A_WORD = re.compile(r"[^\W\d_]{2,}")


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
    evidence: float  # the best sentence's probability of answering (learned scorer); abstain below its threshold
    timings_ms: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    model: str = ""  # short name of the embedding model that answered (set by the Assistant)
    scope: list[str] | None = None  # the documents the question was kept to; None: all of them
    index_built_at: str = ""  # build time of the index that answered (ISO 8601, from its manifest)
    # Unanswered: the best sentence, below the threshold (a review shows it as the closest passage)
    closest: ScoredSentence | None = None


@dataclass(frozen=True)
class ScoredSentence:
    hit_rank: int
    paragraph: Paragraph
    start: int
    end: int
    probability: float  # the sentence scorer's P(this sentence answers the question)
    cosine: float
    support: float = 0.0  # features.support() of this sentence: plain match of cosine and question terms

    @property
    def text(self) -> str:
        return self.paragraph.text[self.start:self.end]


def answer_passages(question: str, hits: list[Hit], n: int = settings.ANSWER_PASSAGES) -> list[Hit]:
    """The passages answer sentences come from: the top n, and for a question about several documents also
    the best passage of each document that is not among them, so each document can answer for itself."""
    top = list(hits[:n])
    if is_cross_document(question):
        docs = {h.paragraph.doc for h in top}
        for h in hits[n:]:
            if h.paragraph.doc not in docs:
                top.append(h)
                docs.add(h.paragraph.doc)
    return top


def may_answer(question: str, texts: list[str]) -> list[int]:
    """Which candidate sentences may answer the question. For a question that asks for a date, a number, an
    ordinal or a sum of money, only those that state one (answer_type.py). A block of signatory names and titles
    (index.corpus.is_signatory_block) answers only a question for a person, a name or a title: it states nothing
    else, yet its country names ("For the Government of the United Kingdom ...") match many content questions.
    A sentence without a word of two letters states nothing. Training reads the same view."""
    wanted = expected_answer_type(question)
    typed = bool(wanted) and wanted not in PREFERRED_ONLY
    person = asks_for_person(question)
    return [i for i, t in enumerate(texts)
            if (not typed or states(wanted, t)) and (person or not is_signatory_block(t)) and _A_WORD.search(t)]


def score_sentences(index: ParagraphIndex, hits: list[Hit], query_vector: np.ndarray, question: str,
                    scorer: Scorer) -> tuple[list[ScoredSentence], float]:
    """The sentences that may answer, best first, with their learned probability, and the evidence: the answer
    model's probability that the best one answers the question. An extractive answer to "how many" or "on what
    date" must quote a number or a date, so for such a question only sentences that state one may answer (and
    the evidence is read off the best of them); places are too varied to require."""
    q = analyse_question(index, question, query_terms(question))
    top = answer_passages(question, hits)
    cands, rows = sentence_features(index, q, query_vector, [h.position for h in top], [h.probability for h in top])
    probs = scorer.sentence_probability(rows)
    keep = may_answer(question, [index.paragraphs[c.position].text[c.start:c.end] for c in cands])
    cands, rows, probs = [cands[i] for i in keep], rows[keep], probs[keep]
    evidence = scorer.answer_probability(answer_features(rows, probs, cands))
    if support(rows, probs) < scorer.support_floor:
        evidence = 0.0  # the documents barely use the question's words: refused whatever the model says
    out = [ScoredSentence(c.hit_rank, index.paragraphs[c.position], c.start, c.end, float(pr), c.cosine,
                          support(rows[i:i + 1], probs[i:i + 1])) for i, (c, pr) in enumerate(zip(cands, probs))]
    out.sort(key=lambda x: (-x.probability, x.hit_rank, x.start))
    return out, evidence


def is_cross_document(question: str) -> bool:
    return bool(_CROSS_DOC.search(question))


def choose_sentences(question: str, sentences: list[ScoredSentence], scorer: Scorer) -> list[ScoredSentence]:
    """The best-supported sentence first. Another joins only when it adds what the question asks for: the best
    sentence of each other document, if it is itself supported. For a question about several documents,
    supported means its probability reaches scorer.follow_up_above or its plain support the scorer's support
    floor; for any other question, that its probability alone reaches follow_up_above (another document states
    the answer too, as "When was the Accord issued?" in two statements that both record it). A sentence never
    joins merely because it scores close to the best one."""
    if not sentences:
        return []
    chosen = [sentences[0]]
    cross = is_cross_document(question)
    for s in sentences[1:]:
        if len(chosen) >= settings.MAX_ANSWER_SENTENCES:
            break
        supported = s.probability >= scorer.follow_up_above or (cross and s.support >= scorer.support_floor)
        if s.paragraph.doc not in {c.paragraph.doc for c in chosen} and supported:
            chosen.append(s)
    return chosen


def compose_answer(question: str, query_vector: np.ndarray, hits: list[Hit], index: ParagraphIndex, scorer: Scorer,
                   abstain_below: float | None = None) -> Answer:
    """Pick answer sentences from the hits, or abstain when the evidence (the answer model's probability) is below
    `abstain_below` (default: the scorer's threshold; the evaluation passes -1 to see every would-be answer)."""
    threshold = scorer.abstain_below if abstain_below is None else abstain_below
    sentences, evidence = score_sentences(index, hits, query_vector, question, scorer)
    notes = []
    wanted = expected_answer_type(question)  # the kind score_sentences read; no second analysis of the question
    if wanted and wanted not in PREFERRED_ONLY and not sentences:
        notes.append(f"The question asks for {DESCRIBE[wanted]}, and none of the closest passages states one.")
        return Answer(question, NOT_COVERED, False, [], hits, 0.0, notes=notes)  # no quotable answer at all
    # Stable sorts: the sentences that pass go first, each group keeping its order by probability.
    if wanted in PREFERRED_ONLY:  # a sentence naming a place goes first, but one without may still answer
        sentences.sort(key=lambda s: not states(wanted, s.text))
    if asks_who_signed(question):  # the signatory block goes first: it holds the names
        sentences.sort(key=lambda s: not is_signatory_block(s.text))
    if not sentences or evidence < threshold:
        return Answer(question, NOT_COVERED, False, [], hits, evidence, notes=notes,
                      closest=sentences[0] if sentences else None)
    citations: list[Citation] = []
    parts = []
    for s in choose_sentences(question, sentences, scorer):
        citation = Citation(s.paragraph, s.text)
        citations.append(citation)
        parts.append(f"{s.text} [{citation.label}]")
    return Answer(question, " ".join(parts), True, citations, hits, evidence)
