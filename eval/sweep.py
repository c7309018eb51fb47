"""`python -m eval.sweep`: retrieval Hit@1/Hit@5/MRR of fusion variants (RRF, weighted sums with several dense
weights) on an evaluation set, with question vectors computed once. Used to choose settings.FUSION and
settings.DENSE_WEIGHT."""
from __future__ import annotations

import argparse
import sys

from eval import metrics
from eval.dataset import SPLITS


def main(argv=None) -> int:
    from index.embedders import help_text

    p = argparse.ArgumentParser(prog="python -m eval.sweep", description=__doc__, allow_abbrev=False)
    p.add_argument("--model", help=help_text())
    p.add_argument("--set", help="evaluation set (default eval/questions.jsonl)")
    p.add_argument("--docs")
    p.add_argument("--index")
    p.add_argument("--limit", type=int)
    p.add_argument("--split", choices=SPLITS, default="all", help="part of the seeds set (see python -m eval --help)")
    args = p.parse_args(argv)
    from index.offline import set_offline_environment
    from retriever import service

    set_offline_environment()
    from eval.__main__ import sample
    from eval.dataset import DEFAULT_SET, load_set, select_split
    from eval.runner import embed_questions
    from retriever.search import Retriever

    assistant = service.make_assistant(args.docs, args.index, args.model)
    questions = [q for q in sample(select_split(load_set(args.set or DEFAULT_SET), args.split), args.limit)
                 if q.answerable]
    vectors, _ = embed_questions(assistant, questions)
    variants = [("dense", "weighted", 1.0), ("lexical", "weighted", 0.0), ("hybrid", "rrf", 0.5)]
    variants += [("hybrid", "weighted", w / 10) for w in range(1, 10)] + [("hybrid", "learned", 0.5)]
    print(f"{len(questions)} answerable questions")
    for mode, fusion, weight in variants:
        r = Retriever(assistant.index, assistant.scorer, fusion=fusion, dense_weight=weight)
        ranks = []
        for q, v in zip(questions, vectors):
            hits = r.search(q.question, v, k=10, mode=mode)
            ranks.append([(h.paragraph.doc, h.paragraph.label) for h in hits])
        h1 = metrics.mean(metrics.hit_at(rk, q.gold, 1) for rk, q in zip(ranks, questions))
        h5 = metrics.mean(metrics.hit_at(rk, q.gold, 5) for rk, q in zip(ranks, questions))
        mrr = metrics.mean(metrics.reciprocal_rank(rk, q.gold) for rk, q in zip(ranks, questions))
        name = mode if mode != "hybrid" else (fusion if fusion != "weighted" else f"weighted dense={weight:.1f}")
        print(f"  {name:22s} Hit@1 {h1:.3f}  Hit@5 {h5:.3f}  MRR@10 {mrr:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
