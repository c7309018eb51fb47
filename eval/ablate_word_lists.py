"""`python -m eval.ablate_word_lists [--squad-limit N]`: do the two word lists of retriever/search.py earn their
place on data they were not written for? META_WORDS and QUESTION_STOPWORDS were first chosen on the seeds; this
fits the scorers again without them (article-disjoint SQuAD folds, as `make train`), answers the folds with
the fold scorers, and prints the SQuAD-fold table beside the one with the lists (the committed fold scorers).
The fitted files go to eval/out/ under the tag "no-word-lists"; nothing committed changes."""
from __future__ import annotations

import argparse
import sys

from index.offline import set_offline_environment

set_offline_environment()

TAG = "no-word-lists"


def without_word_lists() -> None:
    from retriever import search

    search.META_WORDS = set()
    search.QUESTION_STOPWORDS = frozenset()
    search.query_terms.cache_clear()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.ablate_word_lists", description=__doc__, allow_abbrev=False)
    p.add_argument("--squad-limit", type=int, help="a deterministic sample of this many SQuAD questions")
    p.add_argument("--skip-fit", action="store_true", help="reuse the fold scorers fitted by an earlier run")
    args = p.parse_args(argv)
    from eval import train
    from eval.__main__ import format_table
    from eval.folds import evaluate_folds

    log = lambda msg: print(msg, file=sys.stderr)  # noqa: E731
    with_lists = evaluate_folds(None, limit=args.squad_limit, log=log)
    without_word_lists()
    if not args.skip_fit:
        cached = train.cached_examples
        # candidates without the lists are cached beside, not over, the committed scorer's
        train.cached_examples = lambda index, qs, texts, vecs, model, log: cached(index, qs, texts, vecs,
                                                                                 f"{model}-{TAG}", log)
        train.main(["--tag", TAG])
    without = evaluate_folds(None, limit=args.squad_limit, log=log, tag=TAG)
    with_lists.mode, without.mode = "with the lists", "without them"
    print(format_table([with_lists, without], 5))
    return 0


if __name__ == "__main__":
    sys.exit(main())
