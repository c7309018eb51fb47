"""The question-answering pipeline behind the CLI, the UI and the evaluation: one model, one index."""
from __future__ import annotations

import sys
import threading
import time
import unicodedata
from functools import cached_property
from pathlib import Path
from typing import Callable

from index.embedders.base import Embedder
from index.storage.base import IndexReplaced, ParagraphIndex
from index.store import open_index
from retriever import settings
from retriever.answer import Answer, Citation, compose_answer
from retriever.scorer import Scorer, scorer_for
from retriever.search import Retriever, check_k, check_mode
from retriever.second_hop import accounts_for_names, find_bridge, named_elsewhere, names_bridge


class QuestionError(ValueError):
    """A question that cannot be answered as asked (empty, only symbols)."""


class ScopeError(QuestionError):
    """Documents named for a question's scope that the index does not hold."""


def check_scope(index: ParagraphIndex, names) -> set[str] | None:
    """The file names a question is kept to (a path counts by its base name), or None for every document.
    An unknown name is refused, naming the documents there are; a file the build skipped says why."""
    if names is None:
        return None
    if isinstance(names, str):
        names = [names]
    known = [d["name"] for d in index.documents]
    chosen = set()
    for raw in names:
        name = Path(str(raw)).name
        if name not in known:
            why = [w for w in index.manifest.get("warnings", []) if w.startswith(f"skipped {name}")
                   or w.startswith(f"{name}:") or f" {name}:" in w[:len(name) + 12]]
            if why:  # "skipped NAME: encrypted, not read ..." -> "NAME was skipped when ...: encrypted, not read ..."
                reason = why[0].split(": ", 1)[1] if why[0].startswith((f"skipped {name}:", f"{name}:")) else why[0]
                raise ScopeError(f"{name} is not in the index: it was skipped when the index was built ({reason})")
            listed = ", ".join(known[:20]) + (", ..." if len(known) > 20 else "")
            raise ScopeError(f"unknown document {name!r}; the index holds {len(known)} documents: {listed} "
                             "(pass the file name as in the answer's \"doc\")")
        chosen.add(name)
    if not chosen:
        raise ScopeError("no document chosen; name at least one, or leave the scope out to search them all")
    return chosen


def clean_question(question: str) -> tuple[str, list[str]]:
    """Strip control characters and cap the length; returns the question and notes for the user."""
    if not isinstance(question, str):
        raise QuestionError("the question must be text")
    notes = []
    cleaned = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in question)
    cleaned = " ".join(cleaned.split())
    if not cleaned:
        raise QuestionError("the question is empty; type a question about the documents")
    if not any(ch.isalnum() for ch in cleaned):
        raise QuestionError("the question has no words, only symbols; type a question about the documents")
    if len(cleaned) > settings.MAX_QUESTION_CHARS:
        cleaned = cleaned[:settings.MAX_QUESTION_CHARS]
        notes.append(f"The question was cut to its first {settings.MAX_QUESTION_CHARS} characters.")
    return cleaned, notes


OTHER_SCRIPT_NOTE = ("The question is mostly in a script other than Latin. Nothing is translated: passages are "
                     "matched across languages by the embedding model alone (word matching finds little), and the "
                     "answer quotes the documents as written.")


def mostly_other_script(text: str) -> bool:
    """Whether most letters of `text` are not Latin (Japanese, Arabic, Cyrillic...): then word matching against
    English documents finds little, and the user is told that nothing is translated."""
    letters = [ch for ch in text if ch.isalpha()]
    latin = sum("LATIN" in unicodedata.name(ch, "") for ch in letters)
    return bool(letters) and latin < len(letters) / 2


class Assistant:
    """Answers questions about one documents folder. The index opens on first use (rebuilt if stale);
    the model loads on first use too. Safe to share between threads: all state is read-only after loading.

    `scorer` is the answer scorer fitted for the embedding model (default: retriever/models/<model>.json).
    `same_model_only`: the user named the index folder, so one built with another model is refused, not rebuilt.
    """

    def __init__(self, docs_dir: Path, index_dir: Path, embedder: Embedder,
                 notice: Callable[[str], None] = lambda msg: print(msg, file=sys.stderr), scorer: Scorer | None = None,
                 same_model_only: bool = False, opener: Callable[[], ParagraphIndex] | None = None):
        self.opener = opener  # opens another backend (e.g. PostgreSQL) instead of the index folder
        self.docs_dir, self.index_dir, self.embedder, self.notice = Path(docs_dir), Path(index_dir), embedder, notice
        self._scorer = scorer
        self.same_model_only = same_model_only
        self._lock = threading.Lock()
        self._follow_lock = threading.Lock()

    @property
    def model(self) -> str:
        """The embedding model's short name ("minilm", "e5-small")."""
        return self.embedder.name

    @cached_property
    def scorer(self) -> Scorer:
        """The answer scorer fitted for this embedder (retriever/models/), unless one was given."""
        return self._scorer or scorer_for(self.embedder)

    @cached_property
    def index(self) -> ParagraphIndex:
        with self._lock:
            if self.opener is not None:
                return self.opener()
            return open_index(self.docs_dir, self.index_dir, self.embedder, notice=self.notice,
                              same_model_only=self.same_model_only)

    @cached_property
    def retriever(self) -> Retriever:
        return Retriever(self.index, self.scorer)

    def swap_index(self, index: ParagraphIndex) -> None:
        """Answer from `index` from now on (after documents were added or removed). A question already running
        finishes on the index it started with: each answer reads the index once, through its retriever."""
        retriever = Retriever(index, self.scorer)
        with self._lock:
            self.__dict__["index"], self.__dict__["retriever"] = index, retriever

    def follow_rebuilds(self) -> ParagraphIndex:
        """The index to answer from: when another process swapped a rebuild into a shared store, that one."""
        with self._follow_lock:
            fresh = self.index.newer()
            if fresh is not None and fresh.manifest.get("model") != self.embedder.name:
                # Another model's build (offered once): its vectors do not compare with this model's questions.
                self.notice(f"warning: the store now holds an index built with {fresh.manifest.get('model')}; "
                            f"this server ({self.embedder.name}) keeps answering from its own until it is "
                            f"rebuilt with --model {self.embedder.name}")
            elif fresh is not None:
                self.swap_index(fresh)
                self.notice(f"Answering from the rebuilt index of {fresh.manifest.get('built_at', '?')}.")
        return self.index

    def ask(self, question: str, k: int | None = None, mode: str | None = None, documents=None) -> Answer:
        """Answer one question: clean it, embed it, search, compose; timings in ms. `documents` (file names)
        keeps it to those documents. A question whose index a rebuild dropped meanwhile is asked once more."""
        self.follow_rebuilds()
        try:
            return self._ask(question, k, mode, documents)
        except IndexReplaced:
            self.follow_rebuilds()
            return self._ask(question, k, mode, documents)

    def _ask(self, question: str, k: int | None, mode: str | None, documents) -> Answer:
        t0 = time.perf_counter()
        question, notes = clean_question(question)
        scope = check_scope(self.index, documents)
        if mostly_other_script(question):
            notes.append(OTHER_SCRIPT_NOTE)
        self.retriever  # load the index before timing the embedding
        t1 = time.perf_counter()
        query_vector = self.embedder.encode_queries([question])[0]
        t2 = time.perf_counter()
        answer = self.answer_for_vector(question, query_vector, k, mode, documents=scope)
        answer.notes = notes + answer.notes
        answer.model = self.model
        answer.timings_ms = {"embed": _ms(t2 - t1), **answer.timings_ms, "total": _ms(time.perf_counter() - t0)}
        return answer

    def answer_for_vector(self, question: str, query_vector, k: int | None = None, mode: str | None = None,
                          abstain_below: float | None = None, scorer: Scorer | None = None,
                          documents: set[str] | None = None) -> Answer:
        """Search and compose for an already cleaned and embedded question (batch evaluation uses this)."""
        mode = check_mode(mode or settings.DEFAULT_MODE)
        k = check_k(k if k is not None else settings.DEFAULT_K)
        t0 = time.perf_counter()
        # `scorer` overrides the fitted one for one call: the SQuAD folds answer each article with the scorer
        # that was not fitted on it.
        retriever = self.retriever if scorer is None else Retriever(self.index, scorer)
        index = retriever.index  # one index for the whole answer, even if another is swapped in meanwhile
        hits = retriever.search(question, query_vector, k=max(k, settings.ANSWER_POOL), mode=mode,
                                documents=documents)
        t1 = time.perf_counter()
        answer = compose_answer(question, query_vector, hits, index, scorer or self.scorer, abstain_below)
        t2 = time.perf_counter()
        refused = answer.evidence < (settings.HOP_BELOW if settings.HOP_BELOW is not None
                                     else (scorer or self.scorer).abstain_below)
        hopped = bool(settings.SECOND_HOP and mode == "hybrid" and hits and refused)
        if hopped:  # only a question the first search would refuse: a second search costs a second embedding
            answer = self.second_hop(question, query_vector, answer, retriever, scorer or self.scorer,
                                     abstain_below, documents) or answer
        answer.hits = answer.hits[:k]
        answer.model = self.model
        answer.scope = sorted(documents) if documents is not None else None
        answer.index_built_at = index.manifest.get("built_at", "")
        answer.timings_ms = {"search": _ms(t1 - t0), "answer": _ms(t2 - t1)}
        if hopped:
            answer.timings_ms["second_hop"] = _ms(time.perf_counter() - t2)
        return answer

    def second_hop(self, question: str, query_vector, first: Answer, retriever: Retriever, scorer: Scorer,
                   abstain_below: float | None, documents: set[str] | None) -> Answer | None:
        """The answer through a bridge (retriever/second_hop.py), when the answer model is more confident
        about it than about the first answer: the sentence that names the bridge, then the answer found with
        it, each cited; the bridged passage joins the hits second. None when there is no better bridged answer."""
        index = retriever.index
        bridge = find_bridge(index, question, query_vector, first.hits[0].position)
        if bridge is None:
            return None
        scope = None if documents is None else index.positions_of(documents)
        if not named_elsewhere(index, bridge, scope):
            return None  # no other passage (of the chosen documents) names the bridge: the hop finds nothing
        hop_vector = self.embedder.encode_queries([bridge.question])[0]
        found = retriever.search(bridge.question, hop_vector, k=settings.ANSWER_POOL, mode="hybrid",
                                 documents=documents)
        bridged = [h for h in found if h.position != bridge.source_position and bridge.named_in(h.paragraph.text)]
        if not bridged:
            return None
        second = compose_answer(bridge.question, hop_vector, bridged, index, scorer, abstain_below)
        if not second.answered or second.evidence <= first.evidence or not second.citations:
            return None
        answer_citation = second.citations[0]
        if first.answered and answer_citation.paragraph in {c.paragraph for c in first.citations}:
            return None  # the first answer already quotes this passage: a step through the bridge adds nothing
        if not names_bridge(answer_citation, bridge):
            return None  # an answer that does not speak of the bridge answers something else
        source = index.paragraphs[bridge.source_position]
        via = Citation(source, source.text[bridge.sentence[0]:bridge.sentence[1]])
        if not accounts_for_names(question, via.quote, answer_citation.paragraph.text):
            return None  # a name the question gives that neither step states: the documents miss a part
        seen = {bridge.source_position, bridged[0].position}
        hits = [first.hits[0], bridged[0]] + [h for h in first.hits[1:] if h.position not in seen]
        text = f"{via.quote} [{via.label}] {answer_citation.quote} [{answer_citation.label}]"
        notes = first.notes + [f"Answered in two steps, through {bridge.name}, which the first passage names."]
        return Answer(question, text, True, [via, answer_citation], hits, second.evidence, notes=notes)


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)
