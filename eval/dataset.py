"""The evaluation set format: one JSON object per line with id, question, answerable, gold, answer_keys, notes.

A gold entry names its paragraph by label (`{"doc": ..., "paragraph": "3"}`) or by a verbatim quote of its text
(`{"doc": ..., "quote": "..."}`): labels suit the seeds, whose numbers are printed; a quote suits real PDFs, Word
files and web pages, whose paragraph labels move when a reader improves, while their words do not."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path

DEFAULT_SET = Path(__file__).resolve().parent / "questions.jsonl"


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    answerable: bool
    gold: tuple[tuple[str, str], ...]  # (doc file name, paragraph label)
    answer_keys: tuple[str, ...]
    notes: str = ""
    split: str = ""  # "dev" or "test"; see split_of
    article: str = ""  # the document a SQuAD question was written on (answerable or not), for article folds
    quotes: tuple[tuple[str, str], ...] = ()  # (doc file name, verbatim text) of gold paragraphs named by quote

    @property
    def part(self) -> str:
        return split_of(self)


SPLITS = ("all", "dev", "test")
SPLIT_SEED = "seeds-split-2026-12-01"  # fixed once: changing it would leak tuned questions into the test part


def split_of(q: Question) -> str:
    """The frozen part a question belongs to. Questions written for the test part say so ("split": "test");
    every other one goes to "test" when a seeded hash of its id falls in the lowest third, else to "dev".
    Tuning (weights, thresholds, word lists) may read "dev" only."""
    if q.split in ("dev", "test"):
        return q.split
    h = int(hashlib.sha256(f"{SPLIT_SEED}:{q.id}".encode()).hexdigest()[:8], 16)
    return "test" if h % 3 == 0 else "dev"


def select_split(questions: list[Question], split: str) -> list[Question]:
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; choose one of {', '.join(SPLITS)}")
    return questions if split == "all" else [q for q in questions if split_of(q) == split]


def load_set(path: Path = DEFAULT_SET) -> list[Question]:
    questions = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                gold = rec["gold"]
                questions.append(Question(str(rec["id"]), rec["question"], bool(rec["answerable"]),
                                          tuple((g["doc"], str(g["paragraph"])) for g in gold if "quote" not in g),
                                          tuple(rec["answer_keys"]), rec.get("notes", ""),
                                          rec.get("split", ""), rec.get("article", ""),
                                          tuple((g["doc"], g["quote"]) for g in gold if "quote" in g)))
            except (ValueError, KeyError, TypeError) as e:
                raise ValueError(f"{path}:{n}: not a valid question record ({e}); "
                                 "each line needs id, question, answerable, gold, answer_keys") from e
    return questions


def resolve_quotes(questions: list[Question], paragraphs: dict[tuple[str, str], str]
                   ) -> tuple[list[Question], list[str]]:
    """Each gold quote turned into the label of the one paragraph of its document that contains it (whitespace
    and case aside). A quote found in no paragraph, or in several, is a problem and gives no gold."""
    def norm(text: str) -> str:
        return " ".join(text.split()).lower()

    by_doc: dict[str, list[tuple[str, str]]] = {}
    for (doc, label), text in paragraphs.items():
        by_doc.setdefault(doc, []).append((label, norm(text)))
    resolved, problems = [], []
    for q in questions:
        if not q.quotes:
            resolved.append(q)
            continue
        gold = list(q.gold)
        for doc, quote in q.quotes:
            labels = [label for label, text in by_doc.get(doc, []) if norm(quote) in text]
            if len(labels) == 1:
                gold.append((doc, labels[0]))
            else:
                where = "no paragraph" if not labels else f"{len(labels)} paragraphs (¶{', ¶'.join(labels[:5])})"
                problems.append(f"{q.id}: the gold quote {quote[:50]!r} is in {where} of {doc}")
        resolved.append(replace(q, gold=tuple(gold), quotes=()))
    return resolved, problems


def check_set(questions: list[Question], paragraphs: dict[tuple[str, str], str]) -> list[str]:
    """Problems with the set against the parsed documents: missing gold paragraphs, gold paragraphs that
    contain none of the answer keys, answerable questions without gold, duplicate ids. Empty when sound."""
    problems = []
    seen = set()
    for q in questions:
        if q.id in seen:
            problems.append(f"{q.id}: duplicate id")
        seen.add(q.id)
        if q.answerable and not q.gold:
            problems.append(f"{q.id}: answerable but no gold paragraph")
        for key in q.gold:
            text = paragraphs.get(key)
            if text is None:
                problems.append(f"{q.id}: gold paragraph {key[0]} ¶{key[1]} does not exist")
            elif not any(k.lower() in text.lower() for k in q.answer_keys):
                problems.append(f"{q.id}: gold paragraph {key[0]} ¶{key[1]} contains no answer key")
    return problems


def write_json(path: str | Path, data) -> None:
    """Figures of a run as JSON (UTF-8, indented), creating the folder: the `--json OUT` of every eval tool."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
