"""Evaluation metrics as pure functions: each takes one question's results and returns a score; `mean`
aggregates. Paragraph keys are (doc, label) tuples. Nothing here modifies its inputs."""
from __future__ import annotations

import math
from typing import Iterable, Sequence

Key = tuple[str, str]


def hit_at(retrieved: Sequence[Key], gold: Iterable[Key], k: int) -> float:
    """1.0 if any gold paragraph is among the first k retrieved, else 0.0."""
    gold = set(gold)
    return float(any(r in gold for r in retrieved[:k]))


def reciprocal_rank(retrieved: Sequence[Key], gold: Iterable[Key], k: int = 10) -> float:
    """1 / rank of the first gold paragraph within the first k (0.0 if none)."""
    gold = set(gold)
    for rank, r in enumerate(retrieved[:k], start=1):
        if r in gold:
            return 1.0 / rank
    return 0.0


def ndcg_at(retrieved: Sequence[Key], gold: Iterable[Key], k: int = 10) -> float:
    """Binary-relevance nDCG@k: DCG of the ranking over the DCG of a ranking with all gold first."""
    gold = set(gold)
    if not gold:
        return 0.0
    dcg = sum(1.0 / math.log2(rank + 1) for rank, r in enumerate(retrieved[:k], start=1) if r in gold)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(gold), k) + 1))
    return dcg / ideal


def recall_at(retrieved: Sequence[Key], gold: Iterable[Key], k: int) -> float:
    """Share of the gold paragraphs found among the first k retrieved."""
    gold = set(gold)
    if not gold:
        return 0.0
    return len(gold & set(retrieved[:k])) / len(gold)


def citation_precision(cited: Iterable[Key], gold: Iterable[Key]) -> float | None:
    """Share of cited paragraphs that are gold; None when nothing is cited (not counted in the mean)."""
    cited, gold = set(cited), set(gold)
    if not cited:
        return None
    return len(cited & gold) / len(cited)


def citation_recall(cited: Iterable[Key], gold: Iterable[Key]) -> float:
    """Share of gold paragraphs that are cited."""
    gold = set(gold)
    if not gold:
        return 0.0
    return len(set(cited) & gold) / len(gold)


def contains_key(answer: str, keys: Iterable[str]) -> float:
    """1.0 if the answer contains any answer key (case-insensitive), else 0.0."""
    text = answer.lower()
    return float(any(key.lower() in text for key in keys if key))


def abstention_scores(answerable: Sequence[bool], abstained: Sequence[bool]) -> dict[str, float | None]:
    """Precision and recall of abstaining on unanswerable questions, and the false-abstention rate on
    answerable ones. A rate whose denominator is empty is None."""
    pairs = list(zip(answerable, abstained))
    abstained_n = sum(1 for _, ab in pairs if ab)
    unanswerable_n = sum(1 for ans, _ in pairs if not ans)
    answerable_n = len(pairs) - unanswerable_n
    correct = sum(1 for ans, ab in pairs if ab and not ans)
    false = sum(1 for ans, ab in pairs if ab and ans)
    return {
        "abstain_precision": correct / abstained_n if abstained_n else None,
        "abstain_recall": correct / unanswerable_n if unanswerable_n else None,
        "false_abstention": false / answerable_n if answerable_n else None,
    }


def mean(values: Iterable[float | None]) -> float | None:
    """Mean of the values that are not None; None if there are none."""
    vals = [v for v in values if v is not None]
    return sum(vals) / len(vals) if vals else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) by linear interpolation between closest ranks."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)
