"""Review: the same questions asked of each chosen document, one cell per question x document.

A cell is exactly what `app.py ask QUESTION --doc D` answers (stated = answered, quote = its first citation's
quote, evidence = its evidence): each question is embedded once and answered per document through
Assistant.answer_for_vector, whose scoped search measures every statistic against the whole index, so a cell
never changes when other documents join the selection. A file the build could not read is "not read" with the
reason from the index manifest, never "not stated"."""
from __future__ import annotations

import csv
import io
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from retriever import settings
from retriever.assistant import QuestionError, check_scope, clean_question

STATED, NOT_STATED, NOT_READ = "stated", "not stated", "not read"


class ReviewInputError(QuestionError):
    """A question list or selection a review refuses before any work (not text, over a limit, empty)."""


class ReviewCancelled(RuntimeError):
    """The user stopped a review half-way; nothing of it is kept as if complete."""


@dataclass
class QuestionList:
    """Questions read from a file: in input order, each once; what was skipped, for a notice."""

    questions: list[str]
    blank_lines: int = 0
    duplicates: list[str] = field(default_factory=list)

    def notices(self) -> list[str]:
        out = []
        if self.blank_lines:
            out.append(f"skipped {self.blank_lines} blank line{'s' if self.blank_lines != 1 else ''}")
        if self.duplicates:
            shown = "; ".join(self.duplicates[:5]) + ("; ..." if len(self.duplicates) > 5 else "")
            out.append(f"kept once {len(self.duplicates)} repeated question"
                       f"{'s' if len(self.duplicates) != 1 else ''}: {shown}")
        return out


def decode_question_text(data: bytes) -> str:
    """UTF-8 text (a BOM is dropped); anything else is refused with what to do."""
    if b"\x00" in data:
        raise ReviewInputError("the question list is not text (it holds NUL bytes); give a UTF-8 text file "
                               "with one question per line, or a .csv with a 'question' column")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ReviewInputError(f"the question list is not UTF-8 text (byte {e.start}); save it as UTF-8, one "
                               "question per line, or as a .csv with a 'question' column") from e


def _dedupe(raw: list[str], blank: int) -> QuestionList:
    seen, out, dupes = set(), [], []
    for q in raw:
        key = " ".join(q.split())
        if key in seen:
            dupes.append(q)
        else:
            seen.add(key)
            out.append(q)
    return QuestionList(out, blank, dupes)


def parse_question_lines(text: str) -> QuestionList:
    """One question per line (LF or CRLF); the whole line, trimmed, is the question; blank lines are skipped."""
    raw, blank = [], 0
    lines = re.split(r"\r\n|\r|\n", text)
    if lines and lines[-1] == "":
        lines.pop()  # the newline that ends the file
    for line in lines:
        if line.strip():
            raw.append(line.strip())
        else:
            blank += 1
    return _dedupe(raw, blank)


def parse_question_csv(text: str) -> QuestionList:
    """RFC 4180 CSV whose first row is a header: the column headed `question` (any case), else the first."""
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as e:
        raise ReviewInputError(f"the question CSV is malformed ({e}); quote fields holding commas, quotes or "
                               "line breaks with double quotes (RFC 4180)") from e
    if not rows:
        raise ReviewInputError("the question CSV is empty; give a header row and one question per row")
    header = [h.strip().lower() for h in rows[0]]
    column = header.index("question") if "question" in header else 0
    raw, blank = [], 0
    for row in rows[1:]:
        cell = row[column].strip() if column < len(row) else ""
        if cell:
            raw.append(cell)
        else:
            blank += 1
    return _dedupe(raw, blank)


def read_questions(data: bytes, name: str) -> QuestionList:
    """The questions of a file (`name` decides the format: .csv, else one per line)."""
    text = decode_question_text(data)
    parsed = parse_question_csv(text) if name.lower().endswith(".csv") else parse_question_lines(text)
    if not parsed.questions:
        raise ReviewInputError(f"{name} holds no question; write one question per line")
    return parsed


def check_limits(n_questions: int, n_documents: int, max_questions: int, max_cells: int,
                 question_hint: str = "--max-questions", cell_hint: str = "--max-cells") -> None:
    """Refuse a review over its limits before any work, naming the limit and how to change it."""
    if n_documents == 0:
        raise ReviewInputError("no document selected; choose at least one document to review")
    if n_questions == 0:
        raise ReviewInputError("no question given; give at least one question to review")
    if n_questions > max_questions:
        raise ReviewInputError(f"{n_questions:,} questions is over the limit of {max_questions:,}; ask fewer "
                               f"questions or raise the limit with {question_hint}")
    cells = n_questions * n_documents
    if cells > max_cells:
        raise ReviewInputError(f"{n_questions:,} questions x {n_documents:,} documents = {cells:,} cells is over "
                               f"the limit of {max_cells:,} cells; choose fewer documents (--doc) or questions, "
                               f"or raise the limit with {cell_hint}")


@dataclass
class Cell:
    doc: str
    title: str
    question: str  # as given, trimmed
    status: str  # STATED, NOT_STATED, NOT_READ
    quote: str | None = None  # verbatim slice of one paragraph (stated only)
    paragraph: str | None = None  # its label
    pages: list = field(default_factory=list)
    quote_page: object = None
    evidence: float = 0.0
    closest: dict | None = None  # not stated: {paragraph, quote, evidence} of the best passage below threshold
    reason: str | None = None  # not read: why the file is not in the index
    # The quote page's position in the file when the printed number differs ("p. 4969" is the PDF's page 1):
    # shown in the terminal as `ask` shows it, not part of the JSON cell.
    quote_pdf_page: int | None = None

    def to_json(self) -> dict:
        out = {"doc": self.doc, "title": self.title, "question": self.question, "status": self.status,
               "stated": self.status == STATED, "quote": self.quote, "paragraph": self.paragraph,
               "pages": list(self.pages), "quote_page": self.quote_page, "evidence": round(self.evidence, 4)}
        if self.status == NOT_STATED:
            out["closest"] = self.closest
        if self.status == NOT_READ:
            out["reason"] = self.reason
        return out


@dataclass
class Review:
    questions: list[str]
    documents: list[str]
    model: str
    index_built_at: str
    cells: list[Cell]
    timings_ms: dict[str, float]
    notices: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        """The public JSON shape of a review (issue 17)."""
        return {"questions": self.questions, "documents": self.documents, "model": self.model,
                "index_built_at": self.index_built_at, "cells": [c.to_json() for c in self.cells],
                "timings_ms": self.timings_ms}


def skipped_reason(index, name: str) -> str | None:
    """Why the build left file `name` out (from the manifest's warnings), or None if it did not."""
    prefix = f"skipped {name}: "
    for w in index.manifest.get("warnings", []):
        if w.startswith(prefix):
            return w[len(prefix):]
    return None


def skipped_names(index) -> list[str]:
    out = []
    for w in index.manifest.get("warnings", []):
        m = re.match(r"skipped (.+?): ", w)
        if m and m.group(1) not in out:
            out.append(m.group(1))
    return out


def choose_documents(index, documents) -> list[str]:
    """The reviewed file names in order: the given ones (a path counts by its base name; each once), or every
    document of the folder, files the build could not read included (they become "not read" cells)."""
    known = [d["name"] for d in index.documents]
    if documents is None:
        return sorted(set(known) | set(skipped_names(index)), key=lambda n: (n.lower(), n))
    if isinstance(documents, str):
        documents = [documents]
    out = []
    for raw in documents:
        name = Path(str(raw)).name
        if name not in known and skipped_reason(index, name) is None:
            check_scope(index, [name])  # raises the message listing the documents there are
        if name not in out:
            out.append(name)
    if not out:
        raise ReviewInputError("no document selected; choose at least one document to review")
    return out


def _closest(index, answer, query_vector) -> dict | None:
    """The best sentence below the threshold: the scorer's best one, else the top passage's closest sentence."""
    if answer.closest is not None:
        return {"paragraph": answer.closest.paragraph.label, "quote": answer.closest.text,
                "evidence": round(answer.evidence, 4)}
    if not answer.hits:
        return None
    hit = answer.hits[0]
    spans = index.sentence_spans_of(hit.position)
    if not spans:
        quote = hit.paragraph.text
    else:
        best = int(np.argmax(np.asarray(index.sentence_vectors_of(hit.position)) @ query_vector))
        start, end = spans[best]
        quote = hit.paragraph.text[start:end]
    return {"paragraph": hit.paragraph.label, "quote": quote, "evidence": round(answer.evidence, 4)}


def cell_of(index, question: str, doc: str, title: str, answer, query_vector) -> Cell:
    """The cell of one answer kept to one document."""
    if answer.answered and answer.citations:
        c = answer.citations[0]
        p = c.paragraph
        pdf_page = p.pdf_pages[list(p.pages).index(c.quote_page)] if p.pdf_pages and c.quote_page in p.pages else None
        return Cell(doc, title, question, STATED, c.quote, p.label, list(p.pages), c.quote_page, answer.evidence,
                    quote_pdf_page=pdf_page)
    return Cell(doc, title, question, NOT_STATED, evidence=answer.evidence,
                closest=_closest(index, answer, query_vector))


def review(assistant, questions: list[str], documents=None, *, max_questions: int = settings.MAX_REVIEW_QUESTIONS,
           max_cells: int = settings.MAX_REVIEW_CELLS, limit_hints: tuple[str, str] = ("--max-questions",
                                                                                       "--max-cells"),
           progress: Callable[[int, int], None] | None = None, cancelled: Callable[[], bool] | None = None,
           abstain_below: float | None = None) -> Review:
    """Answer every question of every chosen document (`documents`: file names, None = all), questions in
    input order, each kept once. Everything is checked before any work; `progress(done, total)` is called
    per cell and `cancelled()` stops the review with ReviewCancelled. `abstain_below` overrides the scorer's
    threshold (the benchmark passes -1 so every cell is fully scored). Timings in ms."""
    t0 = time.perf_counter()
    if isinstance(questions, str):
        questions = [questions]
    given = _dedupe([str(q).strip() for q in questions], 0)
    for n, q in enumerate(given.questions, start=1):
        try:
            clean_question(q)
        except QuestionError as e:
            raise ReviewInputError(f"question {n} ({q[:60]!r}): {e}") from e
    index = assistant.follow_rebuilds()  # a rebuild swapped into a shared store is followed before the cells
    names = choose_documents(index, documents)
    check_limits(len(given.questions), len(names), max_questions, max_cells, *limit_hints)
    titles = {d["name"]: d.get("title", "") for d in index.documents}
    assistant.retriever  # load before timing
    t_cells = time.perf_counter()
    total, done = len(given.questions) * len(names), 0
    embed_s = 0.0
    cells: list[Cell] = []
    for q in given.questions:
        cleaned, _ = clean_question(q)
        t = time.perf_counter()
        vector = assistant.embedder.encode_queries([cleaned])[0]  # once per question, exactly as `ask` does
        embed_s += time.perf_counter() - t
        for name in names:
            if cancelled is not None and cancelled():
                raise ReviewCancelled(f"review cancelled after {done:,} of {total:,} cells")
            if name in titles:
                answer = assistant.answer_for_vector(cleaned, vector, documents={name}, abstain_below=abstain_below)
                cells.append(cell_of(index, q, name, titles[name], answer, vector))
            else:
                cells.append(Cell(name, "", q, NOT_READ, reason=skipped_reason(index, name)))
            done += 1
            if progress is not None:
                progress(done, total)
    total_s = time.perf_counter() - t0
    cells_s = time.perf_counter() - t_cells - embed_s
    timings = {"embed": round(embed_s * 1000, 2), "cells": round(cells_s * 1000, 2),
               "per_cell": round(cells_s * 1000 / max(total, 1), 3), "total": round(total_s * 1000, 2)}
    return Review(given.questions, names, assistant.model, index.manifest.get("built_at", ""), cells, timings,
                  given.notices())
