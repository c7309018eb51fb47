"""The second retrieval hop, for questions whose answer needs a bridge: "In what year was the university that
X attended founded?" The first search finds the passage about X, which names the university; no passage states
X and the year together. So: take the name that the first passage's best sentence gives and the question does
not (the bridge), search again with the question plus that name, and let the passages found this way compete.

Generic by construction: the bridge is a capitalised name run of the passage (no word lists), and the hop only
changes an answer when the answer model is more confident about the bridged answer than about the first one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from index import lexical
from index.corpus import is_signatory_block
from retriever.answer_type import asks_for_person
from retriever.features import _words, idf, question_entities

# A run of capitalised words, allowing the short lower-case joints of names ("University of Chicago",
# "Treaty of Paris"); numbers are left out: a year or a count is an answer, not a bridge.
_NAME_RUN = re.compile(r"\b[A-Z][\w'’-]*(?:\s+(?:(?:of|the|de|du|von|van|for|on)\s+)*[A-Z][\w'’-]*)*")
_JOINTS = {"of", "the", "de", "du", "von", "van", "for", "on"}


@dataclass(frozen=True)
class Bridge:
    """A name the first passage gives and the question does not, and the hop's question built with it."""

    name: str
    question: str
    source_position: int  # the paragraph it was read from
    sentence: tuple[int, int]  # the span of the sentence that names it, in that paragraph's text
    keys: frozenset[str] = frozenset()  # its distinctive words (name_keys): a passage naming any of them names it

    def named_in(self, text: str) -> bool:
        """Whether `text` names the bridge, in full or by a distinctive part ("Lavoisier" for "Antoine
        Lavoisier", "Napoleon" for "Napoleon Bonaparte")."""
        return bool(self.keys & _word_set(text))


@lru_cache(maxsize=8192)
def _word_set(text: str) -> frozenset[str]:
    """The lower-cased words of a text; kept for the passages in use, because a review tests the same
    document's paragraphs for a bridge once per question."""
    return frozenset(w.lower() for w in re.findall(r"[\w'’-]+", text))


def named_elsewhere(index, bridge: Bridge, scope: np.ndarray | None) -> bool:
    """Whether a paragraph other than the bridge's source (of `scope`, sorted positions, or of the whole index)
    names it. The hop keeps only such passages, so when none does it can find nothing and its search and second
    embedding are skipped; the answers it gives are unchanged. Read off the term postings (a paragraph that
    names a key holds each of the key's terms), then checked on those paragraphs' words."""
    for key in bridge.keys:
        if " " in key:
            continue  # a whole name kept as one key (no distinctive word) is never one word of a text
        terms = lexical.text_terms(key)
        if not terms:
            return True  # a key BM25 does not index (a stop word, one letter): it cannot be ruled out this way
        holding = index.postings(terms[0])
        for t in terms[1:]:
            holding = np.intersect1d(holding, index.postings(t), assume_unique=True)
        if scope is not None:
            holding = holding[np.isin(holding, scope, assume_unique=True)]
        if any(int(p) != bridge.source_position and bridge.named_in(index.paragraphs[int(p)].text)
               for p in holding):
            return True
    return False


def _question_names(question: str) -> set[str]:
    """The capitalised words of the question (lower-cased): the names it gives."""
    return {w.lower() for w in re.findall(r"[\w'’-]+", question) if w[:1].isupper()}


def bridge_names(sentence: str, question: str) -> list[str]:
    """The capitalised name runs of `sentence` of which the question gives no word as a name, in order. A single
    capitalised word that only starts the sentence ("The", "In") is not a name."""
    asked = _question_names(question)
    out = []
    for m in _NAME_RUN.finditer(sentence):
        run = re.sub(r"['’]s?$", "", m.group(0).strip())  # "Harold Wilson's" -> "Harold Wilson"
        words = [w for w in run.split() if w.lower() not in _JOINTS]
        if m.start() == 0 and len(words) == 1:
            continue
        if not words or any(w.lower().strip("'’") in asked for w in words):
            continue  # a name the question gives, even in part ("Japan-UK Foreign" for "Foreign"), is no bridge
        out.append(run)
    return list(dict.fromkeys(out))


def rarest(index, names: list[str]) -> str | None:
    """The most specific of the names: the one whose rarest term has the highest idf in the index (a name the
    whole corpus repeats, like the subject of every article, bridges nowhere)."""
    n = len(index.paragraphs)
    best, best_idf = None, -1.0
    for name in names:
        terms = lexical.text_terms(name)
        if not terms:
            continue
        score = max(idf(n, index.document_frequency(t)) for t in terms)
        if score > best_idf:
            best, best_idf = name, score
    return best


def find_bridge(index, question: str, query_vector: np.ndarray, position: int) -> Bridge | None:
    """The bridge read off paragraph `position` (the first search's best): the name of its sentence closest to
    the question that the question does not give, or None when that sentence names nothing new."""
    spans = index.sentence_spans_of(position)
    if not spans:
        return None
    cosines = np.asarray(index.sentence_vectors_of(position)) @ query_vector
    text = index.paragraphs[position].text
    for r in np.argsort(-cosines)[:2]:  # the closest sentence, else the next one
        start, end = spans[int(r)]
        sentence = text[start:end]
        if is_signatory_block(sentence) and not asks_for_person(question):
            continue  # a block of names answers only a question for a person (answer.may_answer): no bridge either
        name = rarest(index, bridge_names(sentence, question))
        if name:
            return Bridge(name, hop_question(question, sentence, name), position, (start, end),
                          name_keys(index, name))
    return None


# A word of a name that at most this share of the paragraphs use is distinctive enough to stand for the name.
DISTINCTIVE_SHARE = 0.02


def name_keys(index, name: str) -> frozenset[str]:
    """The words of a name that stand for it: those few paragraphs use ("Lavoisier", not "War" or "Years")."""
    n = len(index.paragraphs)
    keys = set()
    for word in name.split():
        if word.lower() in _JOINTS:
            continue
        terms = lexical.text_terms(word)
        if terms and all(index.document_frequency(t) <= max(3, DISTINCTIVE_SHARE * n) for t in terms):
            keys.add(word.lower())
    return frozenset(keys or {name.lower()})


def hop_question(question: str, sentence: str, name: str) -> str:
    """The question the second hop asks: the first hop has resolved the names the question gave (they are in the
    bridge sentence), so they leave it and the bridge's name takes their place. "In what year was the college
    Marta Kowalska attended founded?" -> "In what year was the college attended founded? Brindle Polytechnic"."""
    stated = {w.lower() for w in re.findall(r"[\w'’-]+", sentence)}
    words = question.split()
    kept = [w for i, w in enumerate(words)
            if not (i > 0 and w[:1].isupper() and w.strip("?,.!;:'\"’").lower() in stated)]
    return f"{' '.join(kept)} {name}"


def names_bridge(citation, bridge: Bridge) -> bool:
    """Whether an answer found through the bridge speaks of it: its sentence names it, or it comes from the
    document or section the bridge is the subject of (an article titled with the name)."""
    p = citation.paragraph
    return any(bridge.named_in(text) for text in (citation.quote, p.title, p.section or ""))


def accounts_for_names(question: str, via: str, answer_paragraph: str) -> bool:
    """Whether every proper noun and number of the question is stated by one of the two steps: the sentence that
    names the bridge or the paragraph that answers. One that neither states means the chain answers a
    different question ("the Prime Minister of India" when no passage mentions India)."""
    words = _words(via) | _words(answer_paragraph)
    return all(e in words for e in question_entities(question))
