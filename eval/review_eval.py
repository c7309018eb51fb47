"""`python -m eval --review`: the review table's cell accuracy on eval/review.jsonl (the seeds), and with
`--squad-folds` on SQuAD v2.0 dev, each article's cells answered by the scorer not fitted on it.

Definitions (issue 17): an *own* cell is the question's article; an own cell of an answerable question counts
when its quote contains an answer key; an *other* cell is an article holding neither the gold paragraph nor any
answer key, and must be not stated; *false not-stated* is an own cell of an answerable question that says not
stated."""
from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

from eval.dataset import write_json

REVIEW_SET = Path(__file__).resolve().parent / "review.jsonl"
SQUAD_SAMPLE_SEED = "review-squad-2026-12-01"


def load_review_set(path: Path) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for r in rows:
        if not {"id", "question", "cells"} <= set(r):
            raise ValueError(f"{path}: row {r.get('id', '?')} needs id, question and cells")
    return rows


def cell_correct(cell, expected: str | None) -> bool:
    """Expected None: the cell must be not stated; else it must be stated with `expected` in its quote."""
    if expected is None:
        return not cell.status == "stated"
    return cell.status == "stated" and expected.lower() in (cell.quote or "").lower()


def seeds_report(assistant, rows: list[dict]) -> dict:
    from retriever.review import review

    docs = list(dict.fromkeys(d for r in rows for d in r["cells"]))
    result = review(assistant, [r["question"] for r in rows], docs)
    by = {(c.question, c.doc): c for c in result.cells}
    scored = []
    for r in rows:
        for doc, expected in r["cells"].items():
            c = by[(r["question"], doc)]
            scored.append({"id": r["id"], "kind": r.get("kind", ""), "doc": doc, "question": r["question"],
                           "expected": expected, "status": c.status, "quote": c.quote,
                           "evidence": round(c.evidence, 4), "correct": cell_correct(c, expected)})

    def share(items):
        return round(sum(s["correct"] for s in items) / len(items), 4) if items else None

    return {"cells": len(scored), "accuracy": share(scored),
            "stated_expected": share([s for s in scored if s["expected"] is not None]),
            "not_stated_expected": share([s for s in scored if s["expected"] is None]),
            "by_kind": {k: share([s for s in scored if s["kind"] == k]) for k in ("one", "both", "neither")},
            "per_cell_ms": result.timings_ms["per_cell"], "results": scored}


def squad_sample(questions, answerable: int = 200, unanswerable: int = 100):
    rng = random.Random(SQUAD_SAMPLE_SEED)
    ans = [q for q in questions if q.answerable]
    una = [q for q in questions if not q.answerable]
    return rng.sample(ans, min(answerable, len(ans))) + rng.sample(una, min(unanswerable, len(una)))


def squad_folds_report(model: str | None, log, folder: Path | None = None, tag: str | None = None,
                       answerable: int = 200, unanswerable: int = 100) -> dict:
    """Review the sampled SQuAD questions against every article, each cell by its article's fold scorer."""
    from eval.folds import fold_scorers
    from eval.train import OUT, embed_cached, fold_of, squad_assistant
    from retriever.assistant import clean_question
    from retriever.review import cell_of

    assistant, questions = squad_assistant(model, log, folder)
    scorers = fold_scorers(assistant.embedder.name, OUT, tag)
    index = assistant.index
    questions = squad_sample(questions, answerable, unanswerable)
    texts = [clean_question(q.question)[0] for q in questions]
    vectors = embed_cached(assistant.embedder, texts, OUT / f"qvec-{assistant.embedder.name.replace('/', '_')}.npz")
    articles = [d["name"] for d in index.documents]
    text_of = {a: "\n".join(p.text for p in index.paragraphs if p.doc == a).lower() for a in articles}
    own_key, own_una, other, false_ns = [], [], [], []
    t0 = time.perf_counter()
    for n, (q, text, v) in enumerate(zip(questions, texts, vectors), start=1):
        own = q.article or q.gold[0][0]
        gold_docs = {d for d, _ in q.gold}
        keys = [k.lower() for k in q.answer_keys]
        for a in articles:
            scorer = scorers[fold_of(a)]
            answer = assistant.answer_for_vector(text, v, documents={a}, scorer=scorer)
            c = cell_of(index, q.question, a, "", answer, v)
            stated = c.status == "stated"
            if a == own:
                if q.answerable:
                    own_key.append(stated and any(k in c.quote.lower() for k in keys))
                    false_ns.append(not stated)
                else:
                    own_una.append(not stated)
            elif a not in gold_docs and not any(k and k in text_of[a] for k in keys):
                other.append(not stated)
        if n % 25 == 0:
            log(f"progress: {n}/{len(questions)} questions x {len(articles)} articles")
    seconds = time.perf_counter() - t0

    def mean(xs):
        return round(sum(xs) / len(xs), 4) if xs else None

    return {"questions": len(questions), "answerable": sum(q.answerable for q in questions),
            "articles": len(articles), "cells": len(questions) * len(articles),
            "own_key": mean(own_key), "other_not_stated": mean(other), "other_cells": len(other),
            "own_unanswerable_not_stated": mean(own_una), "false_not_stated": mean(false_ns),
            "seconds": round(seconds, 1)}


def main_review(args) -> int:
    """The --review branch of `python -m eval` (args from eval.__main__.parse_args)."""
    from retriever import service

    log = lambda msg: print(msg, file=sys.stderr)  # noqa: E731
    try:
        rows = load_review_set(Path(args.review_set))
        assistant = service.make_assistant(args.docs, args.index, args.model)
        report = {"seeds": seeds_report(assistant, rows)}
    except service.user_errors() as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    s = report["seeds"]
    print(f"review on {args.review_set}: {s['cells']} cells, cell accuracy {s['accuracy']:.3f} "
          f"(expected stated {s['stated_expected']:.3f}, expected not stated {s['not_stated_expected']:.3f}; "
          + ", ".join(f"{k} {v:.3f}" for k, v in s["by_kind"].items() if v is not None)
          + f"); {s['per_cell_ms']:.1f} ms per cell")
    for r in (r for r in s["results"] if not r["correct"]):
        expected = repr(r["expected"]) if r["expected"] else "not stated"
        print(f"  wrong {r['id']} {r['doc']}: {r['question']!r} expected {expected}, got {r['status']}"
              + (f": {r['quote'][:120]!r}" if r["quote"] else "") + f" (evidence {r['evidence']:.3f})")
    if args.squad_folds:
        from eval.folds import FoldsMissingError

        try:
            f = squad_folds_report(args.model, log, args.squad, args.squad_tag)
        except FoldsMissingError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        report["squad_folds"] = f
        print(f"SQuAD v2.0 dev review, article-disjoint folds: {f['questions']} questions ({f['answerable']} "
              f"answerable) x {f['articles']} articles = {f['cells']} cells; own key {f['own_key']:.3f}, other "
              f"not stated {f['other_not_stated']:.3f} ({f['other_cells']} cells), own cells of unanswerable "
              f"not stated {f['own_unanswerable_not_stated']:.3f}, false not-stated {f['false_not_stated']:.3f}; "
              f"{f['seconds']:.0f} s")
    if args.json:
        write_json(args.json, report)
        print(f"wrote {args.json}")
    return 0
