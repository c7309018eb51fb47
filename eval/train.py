"""`python -m eval.train [--model NAME]` (`make train`): fit the paragraph and answer-sentence scorers of one
embedding model on SQuAD v2.0 dev, with article-disjoint folds, and write retriever/models/<model>.json.

Data: every question of SQuAD v2.0 dev (answerable ones: the gold paragraph and the sentences holding an
answer span are positives; unanswerable ones: every sentence is a negative) against the index of all its
articles. Folds are whole articles (a seeded hash of the file name), so a fold's figures come from articles
its scorer never saw. The abstention threshold is chosen on the training folds only: the highest threshold at
which at most MAX_FALSE_ABSTENTION of their answerable questions would be refused. The same code fits the
final scorer on all folds; the per-fold scorers go to eval/out/ for `python -m eval --squad-folds`.
Deterministic: the same documents, model and code give the same file.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from eval.dataset import Question
from eval.shared import SQUAD_MISSING, SQUAD_V2_DEV
from retriever import settings
from retriever.answer import may_answer
from retriever.features import (ANSWER_FEATURES, PARAGRAPH_INPUTS, SENTENCE_FEATURES, analyse_question,
                                answer_features, paragraph_inputs, sentence_features, support)
from retriever.scorer import LinearModel, Scorer
from retriever.search import Candidates, candidate_signals, query_terms

PROJECT = Path(__file__).resolve().parent.parent
OUT = PROJECT / "eval" / "out"
FOLDS = 5
FOLD_SEED = "article-folds-2026-12-01"
MAX_FALSE_ABSTENTION = 0.04  # on the training folds' answerable questions, both refusal rules together
SUPPORT_FALSE_ABSTENTION = 0.01  # of that, what the support floor may refuse
REGULARISATION = 1.0  # scikit-learn's C


def fold_of(article: str, folds: int = FOLDS) -> int:
    return int(hashlib.sha256(f"{FOLD_SEED}:{article}".encode()).hexdigest()[:8], 16) % folds


@dataclass
class Example:
    """One question with its vector, candidate paragraphs and gold positions."""

    question: Question
    text: str
    vector: np.ndarray
    candidates: Candidates
    gold: frozenset[int]
    fold: int  # article-disjoint fold (fold_of)
    source: str = "squad"  # which index the question is asked of (key of the `indexes` passed around)
    weight: float = 1.0  # sample weight in the fits and the threshold


def extract(index, questions: list[Question], texts: list[str], vectors, n_cand: int = settings.CANDIDATES,
            log=lambda msg: None, source: str = "squad", weight: float = 1.0, fold: int | None = None) -> list[Example]:
    where = {(p.doc, p.label): i for i, p in enumerate(index.paragraphs)}
    out, t0 = [], time.perf_counter()
    for n, (q, text, v) in enumerate(zip(questions, texts, vectors)):
        gold = frozenset(where[g] for g in q.gold if g in where)
        article = q.article or (q.gold[0][0] if q.gold else "")
        out.append(Example(q, text, np.asarray(v, np.float32), candidate_signals(index, text, v, n_cand), gold,
                           fold_of(article) if fold is None else fold, source, weight))
        if n and n % 2000 == 0:
            log(f"  candidates for {n:,} questions ({time.perf_counter() - t0:.0f} s)")
    return out


def fit_linear(x: np.ndarray, y: np.ndarray, names: tuple[str, ...], c: float = REGULARISATION,
               weights: np.ndarray | None = None) -> LinearModel:
    """Standardised logistic regression (lbfgs: deterministic)."""
    from sklearn.linear_model import LogisticRegression

    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-6] = 1.0
    model = LogisticRegression(C=c, max_iter=2000)
    model.fit((x - mean) / scale, y, sample_weight=weights)
    return LinearModel(names, mean.astype(np.float32), scale.astype(np.float32),
                       model.coef_[0].astype(np.float32), float(model.intercept_[0]))


def paragraph_training_rows(examples: list[Example]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xs, ys, ws = [], [], []
    for e in examples:
        if e.gold:
            xs.append(paragraph_inputs(e.candidates.features))
            ys.append(np.asarray([p in e.gold for p in e.candidates.positions], dtype=np.int8))
            ws.append(np.full(len(e.candidates.positions), e.weight, dtype=np.float32))
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(ws)


def top_passages(e: Example, model: LinearModel, n: int = settings.ANSWER_PASSAGES) -> tuple[list[int], list[float]]:
    """The passages answering reads: the top n by the paragraph model, as Retriever.search orders them."""
    probs = model.probability(paragraph_inputs(e.candidates.features))
    order = sorted(range(len(probs)), key=lambda i: (-probs[i], e.candidates.positions[i]))[:n]
    return [e.candidates.positions[i] for i in order], [float(probs[i]) for i in order]


def sentence_rows(indexes: dict, e: Example, model: LinearModel):
    """Candidate sentences of the question's top passages, their features and labels (in a gold paragraph
    and holding an answer key)."""
    positions, probs = top_passages(e, model)
    source, _, article = e.source.partition(":without:")
    index = indexes[source] if not article else IndexWithout(indexes[source], article)
    q = analyse_question(index, e.text, query_terms(e.text))
    cands, rows = sentence_features(index, q, e.vector, positions, probs)
    keys = [k.lower() for k in e.question.answer_keys]
    labels = np.asarray([c.position in e.gold and any(k in index.paragraphs[c.position].text[c.start:c.end].lower()
                                                      for k in keys) for c in cands], dtype=np.int8)
    return positions, rows, labels, cands


def choose_threshold(evidence: np.ndarray, answerable: np.ndarray, max_false: float = MAX_FALSE_ABSTENTION,
                     weights: np.ndarray | None = None) -> float:
    """The highest threshold that refuses at most `max_false` (by weight) of the answerable questions."""
    w = np.ones(len(evidence)) if weights is None else np.asarray(weights, dtype=float)
    order = np.argsort(evidence[answerable], kind="stable")
    ans, ans_w = evidence[answerable][order], w[answerable][order]
    if not len(ans):
        return 0.5
    below = np.cumsum(ans_w) - ans_w  # weight of the answerable questions strictly below each candidate
    ok = np.flatnonzero(below <= max_false * ans_w.sum() + 1e-9)
    return float(ans[ok[-1]])


def as_served(indexes: dict, e: Example, rows: np.ndarray, cands: list) -> tuple[np.ndarray, list]:
    """The candidate sentences the served answer reads (retriever.answer.may_answer): for a question that asks
    for a date, a number, an ordinal or a sum of money, only those that state one; no signatory block for a
    question that does not ask who. The answer model and both thresholds are fitted on this view, so a refusal
    for lacking the asked-for kind counts against the false abstention the threshold allows, as in the app."""
    index = indexes[e.source.partition(":without:")[0]]
    keep = may_answer(e.text, [index.paragraphs[c.position].text[c.start:c.end] for c in cands])
    return rows[keep], [cands[i] for i in keep]


def answer_rows(sentence: LinearModel, per_question, answerable_flags) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per question: the answer features of its best sentence, whether the question is answerable, and the best
    sentence probability. The label is answerability, not whether the best sentence is right: on the SQuAD
    training folds this separates unanswerable questions better (AUROC 0.717 against 0.695)."""
    xs, ys, best = [], [], []
    for answerable, (_, rows, labels, cands) in zip(answerable_flags, per_question):
        probs = sentence.probability(rows)
        row = answer_features(rows, probs, cands)
        if not len(row):
            row = np.zeros((1, len(ANSWER_FEATURES)), dtype=np.float32)
        xs.append(row[0])
        ys.append(int(answerable))
        best.append(float(probs.max()) if len(probs) else 0.0)
    return np.asarray(xs), np.asarray(ys), np.asarray(best)


class IndexWithout:
    """An index read as if one article were not in it, where document frequencies are concerned (the idf of
    the question's terms, "a term no document uses"); everything else passes through. With it, a question asked
    without its article sees its article's own words as unknown, as a question outside the folder would."""

    def __init__(self, index, article: str):
        self._index = index
        self._own = np.asarray([p.doc == article for p in index.paragraphs])

    def document_frequency(self, term: str) -> int:
        docs = self._index.postings(term)
        return int(len(docs) - self._own[docs].sum())

    def __getattr__(self, name):
        return getattr(self._index, name)


def without_own_article(indexes: dict, e: Example) -> Example:
    """The same question asked of the corpus without its own article: the fact is then in no document, while
    related text still is, which is how a question outside an analyst's folder looks (the seeds' near misses,
    a query whose article was not collected). SQuAD 2.0's own unanswerable questions are the other kind: written
    against the very paragraph that almost answers them."""
    paragraphs = indexes[e.source].paragraphs
    own = e.question.article or (e.question.gold[0][0] if e.question.gold else "")
    keep = [i for i, p in enumerate(e.candidates.positions) if paragraphs[p].doc != own]
    c = e.candidates
    cands = Candidates([c.positions[i] for i in keep], {p: c.dense[p] for p in (c.positions[i] for i in keep)
                                                          if p in c.dense},
                       {p: v for p, v in c.lexical.items() if paragraphs[p].doc != own},
                       [p for p in c.lexical_ranking if paragraphs[p].doc != own], c.bm25, c.features[keep])
    q = Question(e.question.id + ":without-article", e.question.question, False, (), (), article=own)
    return Example(q, e.text, e.vector, cands, frozenset(), e.fold, f"{e.source}:without:{own}", e.weight)


def fit_scorer(indexes: dict, examples: list[Example], info: dict | None = None) -> Scorer:
    """Paragraph model, then the sentence model on the passages it ranks first, then the answer model on each
    question's best sentence; the thresholds from the same training questions."""
    x, y, w = paragraph_training_rows(examples)
    paragraph = fit_linear(x, y, PARAGRAPH_INPUTS, weights=w)
    per_question = [sentence_rows(indexes, e, paragraph) for e in examples]
    xs = np.concatenate([r for _, r, _, _ in per_question if len(r)])
    ys = np.concatenate([lab for _, r, lab, _ in per_question if len(r)])
    ws = np.concatenate([np.full(len(r), e.weight) for e, (_, r, _, _) in zip(examples, per_question) if len(r)])
    sentence = fit_linear(xs, ys, SENTENCE_FEATURES, weights=ws)
    # The answer model also learns from every second answerable question asked without its article.
    missing = [without_own_article(indexes, e) for e in examples[::2] if e.question.answerable]
    missing = [e for e in missing if e.candidates.positions]
    answer_examples = examples + missing
    per_question += [sentence_rows(indexes, e, paragraph) for e in missing]
    served = []
    for e, (p, r, _, c) in zip(answer_examples, per_question):
        rows, cands = as_served(indexes, e, r, c)
        served.append((p, rows, None, cands))
    xa, ya, best = answer_rows(sentence, served, [e.question.answerable for e in answer_examples])
    wq = np.asarray([e.weight for e in answer_examples])
    quotable = np.asarray([len(r) > 0 for _, r, _, _ in served])  # else refused before the answer model is read
    answer = fit_linear(xa[quotable], ya[quotable], ANSWER_FEATURES, weights=wq[quotable])
    answerable = np.asarray([e.question.answerable for e in answer_examples])
    supports = np.asarray([support(r, sentence.probability(r)) for _, r, _, _ in served])
    floor = choose_threshold(supports, answerable, SUPPORT_FALSE_ABSTENTION, weights=wq)
    evidence = np.where((supports < floor) | ~quotable, 0.0, answer.probability(xa))
    threshold = choose_threshold(evidence, answerable, weights=wq)
    # A second document's sentence joins a cross-document answer when it is as well supported as the best
    # sentence of all but MAX_FALSE_ABSTENTION of the answerable training questions.
    follow_up = choose_threshold(best, answerable, weights=wq)
    return Scorer(paragraph, sentence, answer, threshold, follow_up, floor, info or {})


def fold_report(indexes: dict, scorer: Scorer, examples: list[Example]) -> dict:
    """Paragraph Hit@1/@5 and abstention of `scorer` on examples it was not fitted on (no full pipeline: the
    figures `python -m eval --squad-folds` gives come from the real answer path)."""
    hit1 = hit5 = n_ans = refused_ans = refused_un = n_un = refused_missing = n_missing = 0
    for e in examples:
        if e.question.answerable:  # the same question without its article must be refused
            m = without_own_article(indexes, e)
            _, rows, _, cands = sentence_rows(indexes, m, scorer.paragraph)
            rows, cands = as_served(indexes, m, rows, cands)
            probs = scorer.sentence.probability(rows)
            n_missing += 1
            refused_missing += (support(rows, probs) < scorer.support_floor
                                or scorer.answer_probability(answer_features(rows, probs, cands)) < scorer.abstain_below)
        positions, _ = top_passages(e, scorer.paragraph)
        _, rows, _, cands = sentence_rows(indexes, e, scorer.paragraph)
        rows, cands = as_served(indexes, e, rows, cands)
        probs = scorer.sentence.probability(rows)
        refused = (support(rows, probs) < scorer.support_floor
                   or scorer.answer_probability(answer_features(rows, probs, cands)) < scorer.abstain_below)
        if e.question.answerable:
            n_ans += 1
            hit1 += bool(positions[:1] and positions[0] in e.gold)
            hit5 += bool(set(positions[:5]) & e.gold)
            refused_ans += refused
        else:
            n_un += 1
            refused_un += refused
    return {"questions": len(examples), "hit@1": round(hit1 / max(n_ans, 1), 4),
            "hit@5": round(hit5 / max(n_ans, 1), 4), "abstain_recall": round(float(refused_un) / max(n_un, 1), 4),
            "false_abstention": round(float(refused_ans) / max(n_ans, 1), 4),
            "abstain_recall_article_missing": round(float(refused_missing) / max(n_missing, 1), 4)}


def squad_assistant(model: str | None, log, folder: Path | None = None):
    """The SQuAD v2.0 dev articles as a documents folder (written once under eval/out, or `folder`: any folder
    with docs/ and questions.jsonl as eval.squad writes them) and its assistant."""
    from eval.dataset import load_set
    from eval.squad import convert
    from index.embedders import make_embedder, resolve_model
    from retriever.assistant import Assistant

    folder = Path(folder) if folder else OUT / "squad2"
    if not (folder / "questions.jsonl").is_file():
        if not SQUAD_V2_DEV.is_file():
            raise SystemExit(SQUAD_MISSING)
        convert(json.loads(SQUAD_V2_DEV.read_text(encoding="utf-8")), folder)
    embedder = make_embedder(resolve_model(model))
    # Only the index is used here (scorers being fitted are passed per call), so no fitted scorer is needed.
    assistant = Assistant(folder / "docs", folder / f"index-{embedder.name}", embedder, notice=log)
    return assistant, load_set(folder / "questions.jsonl")


def embed_cached(embedder, texts: list[str], cache: Path) -> np.ndarray:
    """Question vectors, cached per model by text hash so refitting does not embed the same text twice."""
    keys = [hashlib.sha1(t.encode()).hexdigest() for t in texts]
    known: dict[str, np.ndarray] = {}
    if cache.is_file():
        data = np.load(cache, allow_pickle=False)
        known = dict(zip(data["keys"].tolist(), data["vectors"]))
    todo = [t for t, k in zip(texts, keys) if k not in known]
    if todo:
        for t, v in zip(todo, embedder.encode_queries(todo)):
            known[hashlib.sha1(t.encode()).hexdigest()] = v
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, keys=np.asarray(list(known)), vectors=np.stack(list(known.values())))
    return np.stack([known[k] for k in keys])


def prepare(model: str | None, log, folder: Path | None = None) -> tuple:
    from retriever.assistant import clean_question

    assistant, questions = squad_assistant(model, log, folder)
    index = assistant.index
    texts = [clean_question(q.question)[0] for q in questions]
    t0 = time.perf_counter()
    vectors = embed_cached(assistant.embedder, texts, OUT / f"qvec-{assistant.embedder.name.replace('/', '_')}.npz")
    log(f"{len(texts):,} questions embedded or read from the cache in {time.perf_counter() - t0:.0f} s")
    examples = cached_examples(index, questions, texts, vectors,
                               f"{Path(folder).name}-{assistant.embedder.name}" if folder else assistant.embedder.name,
                               log)
    return assistant, index, examples


def examples_key(index, vectors) -> str:
    """What the cached candidates depend on: the index build, the question vectors and the source of the code
    that computes candidates and their paragraph features (sentence features are computed at fit time)."""
    import inspect

    from retriever import features, search

    code = "".join(inspect.getsource(f) for f in (
        search.candidate_signals, search.paragraph_dense_search, search.dense_search, search.exact_dense_scores,
        search.query_terms, search.lexical_scores, search.top_indices, features.analyse_question,
        features.paragraph_features, features.lexical_mass_all, features.entities_missing, features.idf,
        features.question_entities, features.numbers_missing, features._cos_stats,
        features.sentence_mass_best)) + repr(features.PARAGRAPH_FEATURES) \
        + repr((sorted(search.META_WORDS), sorted(search.QUESTION_STOPWORDS)))  # the word lists shape query_terms
    return hashlib.sha1(code.encode() + json.dumps(index.manifest.get("built_at")).encode()
                        + np.ascontiguousarray(vectors).tobytes()).hexdigest()


def cached_examples(index, questions, texts, vectors, model: str, log) -> list[Example]:
    """extract(), kept in eval/out between runs while the index and the feature code are unchanged (the
    candidate search over 11,873 questions takes minutes; fitting takes seconds)."""
    import pickle

    key = examples_key(index, vectors)
    path = OUT / f"examples-{model.replace('/', '_')}.pkl"
    if path.is_file():
        with open(path, "rb") as f:
            saved_key, examples = pickle.load(f)  # our own file, written below
        if saved_key == key:
            log(f"candidates read from {path}")
            return examples
    examples = extract(index, questions, texts, vectors, log=log)
    with open(path, "wb") as f:
        pickle.dump((key, examples), f)
    return examples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.train", description=__doc__, allow_abbrev=False)
    parser.add_argument("--model", help="embedding model (default: the app's default)")
    parser.add_argument("--squad", type=Path, help="a SQuAD folder from eval.squad (default: all of v2.0 dev, "
                        "converted under eval/out/squad2)")
    parser.add_argument("--tag", help="write the scorers to eval/out/ under this tag instead of retriever/models/ "
                        "(for comparisons; the committed scorer is the untagged one)")
    parser.add_argument("--final-only", action="store_true",
                        help="fit only the final scorer (no folds): for trying a change quickly")
    args = parser.parse_args(argv)
    log = lambda msg: print(msg, file=sys.stderr)  # noqa: E731
    t0 = time.perf_counter()
    assistant, index, examples = prepare(args.model, log, args.squad)
    indexes = {"squad": index}
    folds, fold_scorers = [], {}
    for f in ([] if args.final_only else range(FOLDS)):
        train = [e for e in examples if e.fold != f]
        test = [e for e in examples if e.fold == f]
        scorer = fit_scorer(indexes, train)
        report = {"fold": f, "threshold": round(scorer.abstain_below, 4), **fold_report(indexes, scorer, test)}
        log(f"fold {f}: {report}")
        folds.append(report)
        fold_scorers[str(f)] = scorer.to_dict()
    from retriever.scorer import model_key, scorer_path

    name = assistant.embedder.name
    where = f", the articles in {args.squad.name}" if args.squad else ""
    info = {"fitted": date.today().isoformat(), "model": name, "data": f"SQuAD v2.0 dev (reconstructed{where}), "
            f"{len(examples)} questions, {len({e.question.article for e in examples})} articles",
            "folds": folds, "max_false_abstention_on_training": MAX_FALSE_ABSTENTION}
    final = fit_scorer(indexes, examples, info)
    target = scorer_path(name) if not args.tag else OUT / f"{model_key(name)}-{args.tag}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(final.to_dict(), indent=1) + "\n", encoding="utf-8")
    if not args.final_only:
        (OUT / f"folds-{target.stem}.json").write_text(json.dumps({"fold_seed": FOLD_SEED, "folds": FOLDS,
                                                                   "scorers": fold_scorers}), encoding="utf-8")
    log(f"wrote {target} (threshold {final.abstain_below:.4f}) and the fold scorers in "
        f"{time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    # Run the copy imported as eval.train, so the cached candidates pickle as eval.train.Example and every
    # importer (eval.folds, the tests) can read them back.
    from eval.train import main as train_main

    sys.exit(train_main())
