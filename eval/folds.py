"""SQuAD v2.0 dev through the real answer path, each article answered by the scorer fitted without it.

`make train` (eval/train.py) fits one scorer per article-disjoint fold and writes them to eval/out/; this
module answers every question of a fold with that fold's scorer (search, composition and abstention exactly
as the app runs them) and scores the answers with the same metrics as the seeds set.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

from eval.runner import ModeReport, coverage, hit_curve, score_question, summarise
from retriever.assistant import clean_question
from retriever.scorer import Scorer, model_key


class FoldsMissingError(FileNotFoundError):
    """The per-fold scorers have not been fitted for this model."""


def fold_scorers(embedder_name: str, out: Path, tag: str | None = None) -> dict[int, Scorer]:
    path = out / f"folds-{model_key(embedder_name)}{'-' + tag if tag else ''}.json"
    if not path.is_file():
        raise FoldsMissingError(f"no fold scorers at {path}; run `make train` first (it fits them)")
    data = json.loads(path.read_text(encoding="utf-8"))
    return {int(f): Scorer.from_dict(d) for f, d in data["scorers"].items()}


def evaluate_folds(model: str | None, mode: str = "hybrid", k: int = 5, limit: int | None = None,
                   log=lambda msg: None, folder: Path | None = None, tag: str | None = None) -> ModeReport:
    from eval.__main__ import sample
    from eval.train import OUT, embed_cached, fold_of, squad_assistant

    assistant, questions = squad_assistant(model, log, folder)
    scorers = fold_scorers(assistant.embedder.name, OUT, tag)
    questions = sample(questions, limit)
    texts = [clean_question(q.question)[0] for q in questions]
    vectors = embed_cached(assistant.embedder, texts, OUT / f"qvec-{assistant.embedder.name.replace('/', '_')}.npz")
    results = []
    for q, text, v in zip(questions, texts, vectors):
        scorer = scorers[fold_of(q.article or q.gold[0][0])]
        t0 = time.perf_counter()
        ans = assistant.answer_for_vector(text, v, k=10, mode=mode, abstain_below=-1.0, scorer=scorer)
        r = score_question(q, ans, (time.perf_counter() - t0) * 1000, k, scorer.abstain_below)
        r["fold"] = fold_of(q.article or q.gold[0][0])
        results.append(r)
    # The coverage view needs one threshold scale; the fold thresholds differ slightly, so it is shown around
    # the mean of them.
    mean_t = sum(s.abstain_below for s in scorers.values()) / len(scorers)
    thresholds = [round(min(max(mean_t + d, 0.0), 1.0), 3) for d in (-0.15, -0.1, -0.05, 0.0, 0.05, 0.1, 0.15)]
    return ModeReport(f"squad-folds {mode}", summarise(results, k), results, hit_curve(results),
                      coverage(results, thresholds))
