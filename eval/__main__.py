"""`python -m eval`: run the evaluation set through the real pipeline in each retrieval mode and print
the metrics table, the abstention coverage view and the failing questions."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from eval.dataset import DEFAULT_SET, SPLITS, write_json
from eval.runner import COLUMNS


def parse_args(argv):
    from index.embedders import help_text

    p = argparse.ArgumentParser(prog="python -m eval", description=__doc__, allow_abbrev=False)
    p.add_argument("--model", help=help_text())
    p.add_argument("--set", default=str(DEFAULT_SET), help="evaluation set (JSONL), default eval/questions.jsonl")
    p.add_argument("--docs", help="documents folder (default: seeds/)")
    p.add_argument("--index", help="index folder (default: derived from --docs and --model)")
    p.add_argument("--real-documents", action="store_true",
                   help="the real PDFs, web pages and Word files of shared/documents with eval/documents.jsonl "
                        "(instead of --set and --docs; copied into one folder under eval/out/)")
    p.add_argument("--store", help="postgresql://USER:PASSWORD@HOST:PORT/DB: evaluate the index in PostgreSQL (or QA_STORE)")
    p.add_argument("--modes", default="hybrid,dense,lexical", help="comma-separated retrieval modes")
    p.add_argument("--k", type=int, default=5, help="cut-off for Recall@k (default 5)")
    p.add_argument("--split", default="all", choices=SPLITS,
                   help="part of the set: dev (tuning may read it), test (frozen, no tuning reads it) or all")
    p.add_argument("--limit", type=int, help="evaluate a deterministic sample of this many questions")
    p.add_argument("--doc", action="append", dest="documents", metavar="NAME",
                   help="keep retrieval to this document (repeatable); scores the questions whose gold is there")
    p.add_argument("--squad-folds", action="store_true",
                   help="also run SQuAD v2.0 dev, each article answered by the scorer fitted without it (make train)")
    p.add_argument("--squad-limit", type=int, help="a deterministic sample of this many SQuAD questions")
    p.add_argument("--squad", type=Path, help="the SQuAD folder the fold scorers were fitted on (make train --squad)")
    p.add_argument("--squad-tag", help="the tag the fold scorers were fitted under (python -m eval.train --tag)")
    p.add_argument("--review", action="store_true",
                   help="score the review table's cells on --review-set (with --squad-folds: on SQuAD too)")
    p.add_argument("--review-set", default="eval/review.jsonl", help="review cells set (default eval/review.jsonl)")
    p.add_argument("--json", help="write the tables and per-question results to this file")
    p.add_argument("--show-failures", type=int, default=30, help="failing questions to list (default 30)")
    return p.parse_args(argv)


def sample(questions, limit):
    """A deterministic sample that keeps the answerable/unanswerable mix: every n-th question."""
    if not limit or limit >= len(questions):
        return questions
    step = len(questions) / limit
    return [questions[int(i * step)] for i in range(limit)]


def fmt(v, ms=False):
    if v is None:
        return "-"
    return f"{v:.1f}" if ms else f"{v:.3f}"


def format_table(reports, k) -> str:
    head = ["mode"] + [label.replace("@k", f"@{k}") for _, label in COLUMNS]
    rows = [head]
    for rep in reports:
        rows.append([rep.mode] + [fmt(rep.table.get(key), key.endswith("_ms")) for key, _ in COLUMNS])
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def format_coverage(rep) -> str:
    lines = [f"Abstention coverage ({rep.mode}): threshold on evidence -> share answered, "
             "answer-key recall among answered answerable, abstention recall, false abstention"]
    for row in rep.coverage:
        lines.append(f"  {row['threshold']:.2f}: answered {fmt(row['answered'])}  key recall {fmt(row['key_recall_answered'])}"
                     f"  abstain recall {fmt(row['abstain_recall'])}  false abstention {fmt(row['false_abstention'])}")
    return "\n".join(lines)


def format_failures(rep, limit) -> str:
    failing = [r for r in rep.results if r["failed"]]
    lines = [f"Failing questions ({rep.mode}): {len(failing)} of {len(rep.results)}"]
    for r in failing[:limit]:
        gold = ", ".join(f"{d}¶{p}" for d, p in r["gold"]) or "none (unanswerable)"
        got = ", ".join(f"{d}¶{p}" for d, p in r["retrieved"][:3])
        lines.append(f"  {r['id']} {r['question']!r}: {'; '.join(r['failed'])}\n"
                     f"      gold {gold} | top3 {got} | evidence {r['evidence']:.3f}"
                     + (f"\n      answer: {r['answer'][:160]}" if r["answered"] else ""))
    if len(failing) > limit:
        lines.append(f"  ... and {len(failing) - limit} more (see --json)")
    return "\n".join(lines)


def main(argv=None) -> int:
    args = parse_args(argv)
    from index.offline import set_offline_environment
    from retriever import service

    set_offline_environment()
    if args.review:
        from eval.review_eval import main_review

        return main_review(args)
    from eval.dataset import load_set, select_split
    from eval.runner import evaluate, fit_set, in_scope
    from retriever.assistant import check_scope
    from retriever.search import check_mode

    if args.real_documents:
        from eval import real_documents

        if args.docs or args.set != str(DEFAULT_SET):
            print("error: --real-documents brings its own --set and --docs; leave those out", file=sys.stderr)
            return 2
        try:
            args.docs, args.set = str(real_documents.assemble()), str(real_documents.SET)
        except (FileNotFoundError, OSError) as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
    try:
        modes = [check_mode(m.strip()) for m in args.modes.split(",") if m.strip()]
        questions = sample(select_split(load_set(Path(args.set)), args.split), args.limit)
        assistant = service.make_assistant(args.docs, args.index, args.model, args.store)
        index = assistant.index
    except service.user_errors() as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    questions, problems = fit_set(assistant.index.paragraphs, questions)
    if problems:
        print("warning: the evaluation set does not match the documents:\n  " + "\n  ".join(problems[:20]),
              file=sys.stderr)
    try:
        scope = check_scope(index, args.documents)
    except service.user_errors() as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if scope is not None:
        kept = in_scope(questions, scope)
        print(f"scope: {', '.join(sorted(scope))}; {len(questions) - len(kept)} answerable questions whose gold "
              "lies elsewhere are left out", file=sys.stderr)
        questions = kept
    t0 = time.perf_counter()
    reports = evaluate(assistant, questions, modes, args.k, scope)
    seconds = time.perf_counter() - t0
    n_ans = sum(q.answerable for q in questions)
    print(f"model {assistant.model}: {len(questions)} questions ({n_ans} answerable, {len(questions) - n_ans} not), "
          f"{len(index.paragraphs)} paragraphs, modes {', '.join(modes)}; {seconds:.1f} s")
    if args.squad_folds:
        from eval.folds import FoldsMissingError, evaluate_folds

        try:
            t1 = time.perf_counter()
            folds = evaluate_folds(args.model, modes[0], args.k, args.squad_limit,
                                   log=lambda msg: print(msg, file=sys.stderr), folder=args.squad,
                                   tag=args.squad_tag)
        except FoldsMissingError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        n = folds.table["questions"]
        print(f"SQuAD v2.0 dev, article-disjoint folds: {n} questions ({folds.table['answerable']} answerable); "
              f"{time.perf_counter() - t1:.1f} s")
        reports = reports + [folds]
    print(format_table(reports, args.k))
    print("\nHit@k for k=1..10: " + "; ".join(f"{r.mode} " + " ".join(f"{v:.2f}" for v in r.hit_curve)
                                               for r in reports))
    print()
    print(format_coverage(reports[0]))
    print()
    print(format_failures(reports[0], args.show_failures))
    if args.json:
        out = {"set": args.set, "split": args.split, "model": assistant.model, "questions": len(questions), "seconds": round(seconds, 2),
               "modes": {r.mode: {"table": r.table, "hit_curve": r.hit_curve, "coverage": r.coverage,
                                  "results": r.results} for r in reports}}
        write_json(args.json, out)
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
