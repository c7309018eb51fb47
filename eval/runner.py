"""Run an evaluation set through the real pipeline, once per retrieval mode, and score it."""
from __future__ import annotations

import time
from dataclasses import dataclass

from eval import metrics
from eval.dataset import Question, check_set, resolve_quotes
from retriever.assistant import Assistant, clean_question

COVERAGE_OFFSETS = (-0.15, -0.1, -0.05, 0.0, 0.05, 0.1, 0.15)  # around the fitted threshold
BATCH_EMBED_ABOVE = 300  # larger sets embed questions in batches; latency then uses the per-question average


# The table's columns: (key in ModeReport.table, heading); "@k" in a heading is the Recall cut-off.
COLUMNS = [("hit@1", "Hit@1"), ("hit@5", "Hit@5"), ("mrr@10", "MRR@10"), ("ndcg@10", "nDCG@10"),
           ("recall@k", "Recall@k"), ("cite_precision", "CitP"), ("cite_recall", "CitR"),
           ("key_recall", "KeyR"), ("abstain_precision", "AbsP"), ("abstain_recall", "AbsR"),
           ("false_abstention", "FalseAbs"), ("cites_each_document", "EachDoc"), ("p50_ms", "p50 ms"),
           ("p95_ms", "p95 ms")]


@dataclass
class ModeReport:
    mode: str
    table: dict  # metric name -> value
    results: list[dict]  # per question
    hit_curve: list[float]  # Hit@k for k = 1..10 over answerable questions
    coverage: list[dict]  # per abstention threshold


def embed_questions(assistant: Assistant, questions: list[Question]) -> tuple[list, list[float]]:
    """Clean and embed every question once (shared by all modes); returns vectors and ms per question."""
    texts = [clean_question(q.question)[0] for q in questions]
    if len(texts) > BATCH_EMBED_ABOVE:
        t0 = time.perf_counter()
        vectors = assistant.embedder.encode_queries(texts)
        each = (time.perf_counter() - t0) * 1000 / max(len(texts), 1)
        return list(vectors), [each] * len(texts)
    vectors, times = [], []
    for text in texts:
        t0 = time.perf_counter()
        vectors.append(assistant.embedder.encode_queries([text])[0])
        times.append((time.perf_counter() - t0) * 1000)
    return vectors, times


def in_scope(questions: list[Question], documents: set[str] | None) -> list[Question]:
    """The questions a scoped evaluation can score: answerable ones with a gold paragraph in the chosen
    documents, and every unanswerable one."""
    if documents is None:
        return questions
    return [q for q in questions if not q.answerable or any(doc in documents for doc, _ in q.gold)]


def fit_set(paragraphs_of_index, questions: list[Question]) -> tuple[list[Question], list[str]]:
    """The questions with their gold quotes resolved to the given paragraphs (an index's, or a parsed folder's),
    and where the set does not fit its documents (see eval.dataset.resolve_quotes and check_set)."""
    paragraphs = {(p.doc, p.label): p.text for p in paragraphs_of_index}
    questions, problems = resolve_quotes(questions, paragraphs)
    return questions, problems + check_set(questions, paragraphs)


def evaluate(assistant: Assistant, questions: list[Question], modes, k: int = 5,
             documents: set[str] | None = None) -> list[ModeReport]:
    """Embed every question once, then run and score the set in each mode."""
    vectors, embed_ms = embed_questions(assistant, questions)
    return [run_mode(assistant, questions, vectors, embed_ms, mode, k, documents) for mode in modes]


def run_mode(assistant: Assistant, questions: list[Question], vectors, embed_ms: list[float], mode: str,
             k: int = 5, documents: set[str] | None = None) -> ModeReport:
    results = []
    for q, vec, e_ms in zip(questions, vectors, embed_ms):
        text = clean_question(q.question)[0]
        t0 = time.perf_counter()
        # Abstention is only the final gate, so answer with it off and apply the threshold here: the same
        # outcome as the pipeline, plus the would-be answer for the coverage view.
        ans = assistant.answer_for_vector(text, vec, k=10, mode=mode, abstain_below=-1.0, documents=documents)
        latency = (time.perf_counter() - t0) * 1000 + e_ms
        results.append(score_question(q, ans, latency, k, assistant.scorer.abstain_below))
    threshold = assistant.scorer.abstain_below
    thresholds = [round(min(max(threshold + d, 0.0), 1.0), 3) for d in COVERAGE_OFFSETS]
    return ModeReport(mode, summarise(results, k), results, hit_curve(results), coverage(results, thresholds))


def score_question(q: Question, ans, latency_ms: float, k: int, abstain_below: float) -> dict:
    retrieved = [(h.paragraph.doc, h.paragraph.label) for h in ans.hits]
    cited = [(c.paragraph.doc, c.paragraph.label) for c in ans.citations]
    answered = ans.evidence >= abstain_below
    gold = list(q.gold)
    r = {"id": q.id, "question": q.question, "answerable": q.answerable, "gold": [list(g) for g in gold],
         "retrieved": [list(x) for x in retrieved], "cited": [list(c) for c in cited] if answered else [],
         "answered": answered, "answer": ans.text if answered else "", "would_answer": ans.text,
         "would_cite": [list(c) for c in cited], "evidence": round(ans.evidence, 4),
         "latency_ms": round(latency_ms, 2)}
    if q.answerable:
        r.update({
            "hit@1": metrics.hit_at(retrieved, gold, 1), "hit@5": metrics.hit_at(retrieved, gold, 5),
            "mrr@10": metrics.reciprocal_rank(retrieved, gold, 10), "ndcg@10": metrics.ndcg_at(retrieved, gold, 10),
            "recall@k": metrics.recall_at(retrieved, gold, k),
            "cite_precision": metrics.citation_precision(cited, gold) if answered else None,
            "cite_recall": metrics.citation_recall(cited, gold) if answered else 0.0,
            "key_recall": metrics.contains_key(ans.text, q.answer_keys) if answered else 0.0,
            "would_key": metrics.contains_key(ans.text, q.answer_keys),
            "hits_at": [metrics.hit_at(retrieved, gold, n) for n in range(1, 11)],
        })
        if len({d for d, _ in gold}) > 1:  # gold in several documents: does the answer cite each of them?
            r["cites_each_document"] = float(answered and {d for d, _ in gold} <= {d for d, _ in cited})
    r["failed"] = failures(r)
    return r


def failures(r: dict) -> list[str]:
    """Which checks a question fails, in words a developer can act on."""
    if not r["answerable"]:
        return [] if not r["answered"] else ["answered an unanswerable question"]
    out = []
    if not r["answered"]:
        out.append("abstained")
    if r["hit@1"] < 1:
        out.append("gold not first")
    if r["hit@5"] < 1:
        out.append("gold not in top 5")
    if r["answered"] and r["cite_precision"] is not None and r["cite_precision"] < 1:
        out.append("cites a non-gold paragraph")
    if r["answered"] and r["key_recall"] < 1:
        out.append("answer lacks every key")
    if r.get("cites_each_document") == 0.0:
        out.append("does not cite each gold document")
    return out


def summarise(results: list[dict], k: int = 5) -> dict:
    ans = [r for r in results if r["answerable"]]
    abst = metrics.abstention_scores([r["answerable"] for r in results], [not r["answered"] for r in results])
    lat = [r["latency_ms"] for r in results]
    return {
        "questions": len(results), "answerable": len(ans),
        "hit@1": metrics.mean(r["hit@1"] for r in ans), "hit@5": metrics.mean(r["hit@5"] for r in ans),
        "mrr@10": metrics.mean(r["mrr@10"] for r in ans), "ndcg@10": metrics.mean(r["ndcg@10"] for r in ans),
        "recall@k": metrics.mean(r["recall@k"] for r in ans), "k": k,
        "cite_precision": metrics.mean(r["cite_precision"] for r in ans),
        "cite_recall": metrics.mean(r["cite_recall"] for r in ans),
        "key_recall": metrics.mean(r["key_recall"] for r in ans),
        **abst,
        # Questions whose gold lies in several documents (mean of None when there are none: printed as "-")
        "cites_each_document": metrics.mean(r.get("cites_each_document") for r in ans),
        "p50_ms": metrics.percentile(lat, 50), "p95_ms": metrics.percentile(lat, 95),
    }


def hit_curve(results: list[dict]) -> list[float]:
    ans = [r for r in results if r["answerable"]]
    return [metrics.mean(r["hits_at"][n] for r in ans) or 0.0 for n in range(10)]


def coverage(results: list[dict], thresholds) -> list[dict]:
    """For each abstention threshold: share of questions answered, answer-key recall among answered answerable
    questions, abstention recall on unanswerable ones and false abstention on answerable ones."""
    rows = []
    for t in thresholds:
        answered = [r for r in results if r["evidence"] >= t]
        ans_answered = [r for r in answered if r["answerable"]]
        abst = metrics.abstention_scores([r["answerable"] for r in results], [r["evidence"] < t for r in results])
        rows.append({"threshold": t, "answered": len(answered) / len(results) if results else 0.0,
                     "key_recall_answered": metrics.mean(r["would_key"] for r in ans_answered),
                     "abstain_recall": abst["abstain_recall"], "false_abstention": abst["false_abstention"]})
    return rows
