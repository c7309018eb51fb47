"""`python -m eval.compare_stores --store URL [--docs DIR] [--index DIR] [--set FILE] [--limit N] [--vector-index exact|hnsw]`:
the folder backend and the PostgreSQL backend, question by question, with the real model.

Reports how many questions get the same top-5 paragraphs and the same answer from both, and Hit@1 / Hit@5
(answerable questions: a gold paragraph first / in the top 5) of each. With `--vector-index hnsw` the store
searches approximately, so the Hit figures show what the approximate index costs.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from eval.dataset import write_json


def hit_at(hits, gold, k: int) -> bool:
    return any((h.paragraph.doc, h.paragraph.label) in gold for h in hits[:k])


def _store_is_current(url: str, docs: Path, embedder, vector_index: str) -> bool:
    """The store already holds an index of `docs` by this model with this kind of vector search."""
    from index.storage.postgres import connect, current_schema, staleness

    with connect(url) as conn:
        if staleness(conn, docs, embedder) is not None:
            return False
        schema = current_schema(conn)
        kind = conn.execute(f"SELECT value->>'vector_index' FROM {schema}.meta WHERE key = 'manifest'").fetchone()
    return kind is not None and kind[0] == vector_index


def main(argv: list[str] | None = None) -> int:
    from index.offline import set_offline_environment

    set_offline_environment()
    from eval.__main__ import sample
    from eval.dataset import DEFAULT_SET, load_set
    from index.embedders import make_embedder, resolve_model
    from index.paths import DEFAULT_DOCS
    from index.storage.postgres import open_store
    from index.storage.postgres_build import build_store
    from retriever.assistant import Assistant, clean_question
    from retriever.service import user_errors

    p = argparse.ArgumentParser(prog="python -m eval.compare_stores", description=__doc__, allow_abbrev=False)
    p.add_argument("--store", required=True, help="postgresql://USER:PASSWORD@HOST:PORT/DB")
    p.add_argument("--docs", default=str(DEFAULT_DOCS))
    p.add_argument("--set", default=str(DEFAULT_SET))
    p.add_argument("--limit", type=int, help="a deterministic sample of this many questions")
    p.add_argument("--vector-index", choices=("exact", "hnsw"), default="exact")
    p.add_argument("--model")
    p.add_argument("--index", help="a folder index of --docs already built with the model (else one is built)")
    p.add_argument("--json", help="write the figures to this file")
    args = p.parse_args(argv)
    try:
        embedder = make_embedder(resolve_model(args.model))
        questions = sample(load_set(Path(args.set)), args.limit)
        with tempfile.TemporaryDirectory(prefix="compare-stores-") as tmp:
            folder = Assistant(Path(args.docs), Path(args.index) if args.index else Path(tmp) / "idx", embedder,
                               notice=lambda m: None, same_model_only=bool(args.index))
            folder.index  # noqa: B018  (built now, before the store reuses nothing from it)
            if not _store_is_current(args.store, Path(args.docs), embedder, args.vector_index):
                build_store(args.store, Path(args.docs), embedder, vector_index=args.vector_index)
            pg = Assistant(Path(args.docs), Path(tmp) / "unused", embedder,
                           opener=lambda: open_store(args.store, Path(args.docs), embedder, notice=lambda m: None))
            same_top5 = same_answer = 0
            hits = {"folder": [0, 0], "postgresql": [0, 0]}
            answerable = 0
            for q in questions:
                text = clean_question(q.question)[0]
                vector = embedder.encode_queries([text])[0]  # once: both backends answer the same vector
                a, b = folder.answer_for_vector(text, vector), pg.answer_for_vector(text, vector)
                top_a = [(h.paragraph.doc, h.paragraph.label) for h in a.hits[:5]]
                top_b = [(h.paragraph.doc, h.paragraph.label) for h in b.hits[:5]]
                same_top5 += top_a == top_b
                if top_a != top_b:  # said, so a tie can be told from a real difference
                    print(f"top 5 differ for {q.question!r}:\n  folder     "
                          f"{[(l, round(h.score, 6)) for l, h in zip(top_a, a.hits)]}\n  postgresql "
                          f"{[(l, round(h.score, 6)) for l, h in zip(top_b, b.hits)]}", file=sys.stderr)
                same_answer += a.text == b.text
                if q.answerable and q.gold:
                    answerable += 1
                    for name, ans in (("folder", a), ("postgresql", b)):
                        hits[name][0] += hit_at(ans.hits, set(q.gold), 1)
                        hits[name][1] += hit_at(ans.hits, set(q.gold), 5)
    except user_errors() as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    out = {"questions": len(questions), "vector_index": args.vector_index, "same_top5": same_top5,
           "same_answer": same_answer, "answerable": answerable,
           **{f"{name}_hit@{k}": round(v[i] / max(answerable, 1), 4)
              for name, v in hits.items() for i, k in ((0, 1), (1, 5))}}
    print(json.dumps(out))
    if args.json:
        write_json(args.json, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
