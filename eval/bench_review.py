"""`python -m eval.bench_review [--json OUT]`: the cost of a review cell against one ordinary answer.

Builds folders of 100 and 1,000 documents x 20 paragraphs (SQuAD v2.0 dev paragraphs made unique with an item
number) with the stand-ins of eval/bench_pipeline.py (random unit vectors for the model, a regular-expression
sentence splitter for pysbd), then reviews 10 SQuAD questions over every document with the abstention gate
off (abstain_below=-1, so every cell is fully scored, no early exit). Reports ms per cell at each size, the
search + composition of one ordinary answer (median of 20, same index, same run: two answers of each question
are timed just before its cells), their ratio and
t(1,000) / t(100) of the whole review. Question embedding is left out of both (the stand-in model)."""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from eval.bench import SQUAD_OUT, ensure_squad
from eval.bench_pipeline import RandomEmbedder, regex_sentence_spans
from eval.dataset import write_json
from eval.shared import SQUAD_MISSING

PARAGRAPHS_PER_DOC = 20


def write_corpus(docs: Path, n_docs: int) -> None:
    paragraphs = [p for f in sorted((SQUAD_OUT / "docs").glob("*.txt"))
                  for p in f.read_text(encoding="utf-8").split("\n\n")[1:] if p.strip()]
    docs.mkdir(parents=True, exist_ok=True)
    for d in range(n_docs):
        body = "\n\n".join(f"{paragraphs[(d * PARAGRAPHS_PER_DOC + j) % len(paragraphs)].strip()} Item {d}-{j}."
                           for j in range(PARAGRAPHS_PER_DOC))
        (docs / f"doc{d:05d}.txt").write_text(f"Synthetic document {d}\n\n{body}\n", encoding="utf-8")


def measure(tmp: Path, n_docs: int, questions: list[str], second_hop: bool) -> dict:
    import index.store as store
    from retriever import settings

    settings.SECOND_HOP = second_hop
    from retriever.assistant import Assistant
    from retriever.review import review
    from retriever.scorer import load_scorer, scorer_path

    store.sentence_spans = regex_sentence_spans
    docs, index_dir = tmp / f"docs-{n_docs}", tmp / f"idx-{n_docs}"
    if not docs.is_dir():
        write_corpus(docs, n_docs)
    # The stand-in model answers with MiniLM's fitted scorer: the cost of scoring does not depend on the weights.
    assistant = Assistant(docs, index_dir, RandomEmbedder(), scorer=load_scorer(scorer_path("minilm")),
                          notice=lambda msg: None)
    assistant.index
    import retriever.search as search

    assistant.ask(questions[0])  # warm caches

    def answer_ms(q: str) -> float:
        search._WHOLE_CACHE.clear()  # an ordinary answer computes its whole-index signals itself
        a = assistant.ask(q)
        return a.timings_ms["search"] + a.timings_ms["answer"] + a.timings_ms.get("second_hop", 0.0)

    # Each question's cells and two ordinary answers of it are timed side by side, so a change in the machine's
    # load (it is shared) weighs on both sides of the ratio alike.
    answers, cells_ms, total_s, n_cells = [], 0.0, 0.0, 0
    for q in questions:
        answers += [answer_ms(q), answer_ms(q)]
        search._WHOLE_CACHE.clear()
        t0 = time.perf_counter()
        result = review(assistant, [q], None, abstain_below=-1.0, max_cells=10**9)
        total_s += time.perf_counter() - t0
        cells_ms += result.timings_ms["cells"]
        n_cells += len(result.cells)
    search._WHOLE_CACHE.clear()
    return {"second_hop": second_hop, "documents": n_docs, "paragraphs": len(assistant.index.paragraphs), "cells": n_cells,
            "review_s": round(total_s, 2), "ms_per_cell": round(cells_ms / n_cells, 3),
            "answer_ms_median": round(statistics.median(answers), 2)}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.bench_review", description=__doc__, allow_abbrev=False)
    p.add_argument("--sizes", default="100,1000", help="document counts (default 100,1000)")
    p.add_argument("--second-hop", choices=("on", "off", "both"), default="both",
                   help="the second retrieval hop (settings.SECOND_HOP) in cells and answers (default: both runs)")
    p.add_argument("--json", help="write the figures to this file")
    args = p.parse_args(argv)
    if ensure_squad() is None:
        print(SQUAD_MISSING, file=sys.stderr)
        return 2
    from eval.dataset import load_set

    questions = [q.question for q in load_set(SQUAD_OUT / "questions.jsonl")[:10]]
    rows = []
    hops = {"on": [True], "off": [False], "both": [False, True]}[args.second_hop]
    sizes = [int(x) for x in args.sizes.split(",")]
    out = {"date": time.strftime("%Y-%m-%d"), "questions": len(questions), "rows": rows, "t_ratio": {}}
    with tempfile.TemporaryDirectory(prefix="bench-review-") as tmp:
        for hop in hops:
            for n in sizes:
                row = measure(Path(tmp), n, questions, hop)
                row["cell_vs_answer"] = round(row["ms_per_cell"] / row["answer_ms_median"], 3)
                rows.append(row)
                print(json.dumps(row), flush=True)
            mine = [r for r in rows if r["second_hop"] == hop]
            if len(mine) >= 2:
                ratio = round(mine[-1]["review_s"] / mine[0]["review_s"], 2)
                out["t_ratio"]["second_hop_on" if hop else "second_hop_off"] = ratio
                print(f"second hop {'on' if hop else 'off'}: t({mine[-1]['documents']}) / "
                      f"t({mine[0]['documents']}) = {ratio}", flush=True)
    if args.json:
        write_json(args.json, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
