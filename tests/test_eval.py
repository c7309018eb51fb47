"""Metrics against hand-computed values, the evaluation set's integrity, and the SQuAD conversion."""
import json

import pytest

from conftest import SEEDS
from eval import metrics
from eval.dataset import check_set, load_set, resolve_quotes
from eval.squad import convert
from index.corpus import load_corpus

A, B, C, D = ("d", "1"), ("d", "2"), ("d", "3"), ("e", "1")


def test_hit_at_k():
    assert metrics.hit_at([A, B, C], [B], 1) == 0.0
    assert metrics.hit_at([A, B, C], [B], 2) == 1.0
    assert metrics.hit_at([], [B], 5) == 0.0


def test_reciprocal_rank_uses_first_gold_and_cutoff():
    assert metrics.reciprocal_rank([A, B, C], [C, B]) == 0.5
    assert metrics.reciprocal_rank([A, B, C], [C], k=2) == 0.0
    assert metrics.reciprocal_rank([], [A]) == 0.0


def test_ndcg_by_hand_with_several_gold():
    # gold at ranks 2 and 3: DCG = 1/log2(3) + 1/log2(4); ideal = 1 + 1/log2(3)
    expected = (1 / 1.5849625 + 0.5) / (1 + 1 / 1.5849625)
    assert metrics.ndcg_at([A, B, C], [B, C]) == pytest.approx(expected, rel=1e-6)
    assert metrics.ndcg_at([B, C], [B, C]) == pytest.approx(1.0)
    assert metrics.ndcg_at([A], []) == 0.0


def test_recall_at_k_over_all_gold():
    assert metrics.recall_at([A, B, C], [A, C, D], 2) == pytest.approx(1 / 3)
    assert metrics.recall_at([A, B, C], [A, C, D], 3) == pytest.approx(2 / 3)


def test_citation_precision_and_recall():
    assert metrics.citation_precision([A, B], [A]) == 0.5
    assert metrics.citation_precision([], [A]) is None  # nothing cited: not counted
    assert metrics.citation_recall([A], [A, D]) == 0.5
    assert metrics.citation_recall([A, A], [A]) == 1.0


def test_answer_key_is_case_insensitive():
    assert metrics.contains_key("Signed at London.", ["london"]) == 1.0
    assert metrics.contains_key("Signed at London.", ["Paris", ""]) == 0.0


def test_abstention_scores_by_hand():
    answerable = [True, True, False, False, False]
    abstained = [True, False, True, True, False]
    s = metrics.abstention_scores(answerable, abstained)
    assert s == {"abstain_precision": pytest.approx(2 / 3), "abstain_recall": pytest.approx(2 / 3),
                 "false_abstention": 0.5}
    assert metrics.abstention_scores([True], [False])["abstain_recall"] is None


def test_mean_skips_none_and_percentile_interpolates():
    assert metrics.mean([1.0, None, 0.0]) == 0.5
    assert metrics.mean([None]) is None
    assert metrics.percentile([10, 20, 30, 40], 50) == 25
    assert metrics.percentile([5], 95) == 5


def test_metrics_do_not_modify_inputs():
    retrieved, gold = [A, B], [B]
    metrics.ndcg_at(retrieved, gold)
    metrics.recall_at(retrieved, gold, 1)
    assert retrieved == [A, B] and gold == [B]


def test_evaluation_set_is_sound_against_the_seeds():
    questions = load_set()
    paragraphs = {(p.doc, p.label): p.text for d in load_corpus(SEEDS) for p in d.paragraphs}
    assert check_set(questions, paragraphs) == []
    answerable = [q for q in questions if q.answerable]
    assert len(questions) >= 80 and len(answerable) >= 60
    assert sum(len({doc for doc, _ in q.gold}) == 2 for q in answerable) >= 10
    unanswerable = [q for q in questions if not q.answerable]
    assert len(unanswerable) >= 15 and sum("near miss" in q.notes for q in unanswerable) >= 5


def test_check_set_reports_missing_paragraph_and_missing_key(tmp_path):
    path = tmp_path / "set.jsonl"
    path.write_text(json.dumps({"id": "x", "question": "q", "answerable": True,
                                "gold": [{"doc": "a.txt", "paragraph": "9"}, {"doc": "a.txt", "paragraph": "1"}],
                                "answer_keys": ["London"]}) + "\n")
    problems = check_set(load_set(path), {("a.txt", "1"): "Signed in Paris."})
    assert problems == ["x: gold paragraph a.txt ¶9 does not exist", "x: gold paragraph a.txt ¶1 contains no answer key"]



def test_a_gold_quote_names_the_one_paragraph_that_contains_it(tmp_path):
    path = tmp_path / "set.jsonl"
    rows = [{"id": "ok", "question": "q", "answerable": True, "answer_keys": ["14 months"],
             "gold": [{"doc": "a.pdf", "quote": "within  14 MONTHS of"}]},
            {"id": "twice", "question": "q", "answerable": True, "answer_keys": ["the"],
             "gold": [{"doc": "a.pdf", "quote": "the"}]},
            {"id": "nowhere", "question": "q", "answerable": True, "answer_keys": ["x"],
             "gold": [{"doc": "b.pdf", "quote": "within 14 months"}]}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    paragraphs = {("a.pdf", "2"): "Apply within 14 months of the\nnotice.", ("a.pdf", "3"): "See the annex."}
    questions, problems = resolve_quotes(load_set(path), paragraphs)
    assert [q.gold for q in questions] == [(("a.pdf", "2"),), (), ()]
    assert problems == ["twice: the gold quote 'the' is in 2 paragraphs (¶2, ¶3) of a.pdf",
                        "nowhere: the gold quote 'within 14 months' is in no paragraph of b.pdf"]
    assert check_set(questions, paragraphs) == ["twice: answerable but no gold paragraph",
                                                "nowhere: answerable but no gold paragraph"]


def test_real_documents_are_one_flat_folder_without_the_duplicate_extraction(tmp_path):
    from eval import real_documents

    root = tmp_path / "shared"
    for kind, name in [("pdf", "a.pdf"), ("html", "b.html"),
                       ("html", "firefox-nightly-blog-issue-85.readability-expected.html")]:
        (root / kind).mkdir(parents=True, exist_ok=True)
        (root / kind / name).write_text(name)
    target = tmp_path / "out" / "documents"
    assert real_documents.assemble(target, root) == target
    assert sorted(p.name for p in target.iterdir()) == ["a.pdf", "b.html"]
    (root / "pdf" / "a.pdf").write_text("a longer text")  # a changed source is copied again
    real_documents.assemble(target, root)
    assert (target / "a.pdf").read_text() == "a longer text"
    assert [p.name for p in target.parent.iterdir()] == ["documents"]  # no staging folder left behind
    with pytest.raises(FileNotFoundError, match="QA_SHARED"):
        real_documents.assemble(target, tmp_path / "empty")


SQUAD = {"version": "v2.0", "data": [
    {"title": "Tiny_Town", "paragraphs": [
        {"context": "Tiny Town was founded in 1850 by millers.\nIt lies on the river.", "qas": [
            {"id": "q1", "question": "When was Tiny Town founded?", "is_impossible": False,
             "answers": [{"text": "1850", "answer_start": 25}, {"text": "1850", "answer_start": 25}]},
            {"id": "q2", "question": "Who closed the mill?", "is_impossible": True, "answers": []}]},
        {"context": "The mill closed in 1990.", "qas": [
            {"id": "q3", "question": "When did the mill close?", "answers": [{"text": "in 1990", "answer_start": 16}]}]},
    ]},
    {"title": "Other", "paragraphs": [{"context": "Nothing happens here.", "qas": []}]},
]}


def test_squad_conversion_writes_documents_and_a_matching_set(tmp_path):
    assert convert(SQUAD, tmp_path) == (2, 3, 3)
    docs = sorted(p.name for p in (tmp_path / "docs").iterdir())
    assert docs == ["000_Tiny_Town.txt", "001_Other.txt"]
    text = (tmp_path / "docs" / "000_Tiny_Town.txt").read_text()
    assert text.startswith("Tiny Town\n\nTiny Town was founded in 1850 by millers. It lies on the river.\n\n")
    questions = load_set(tmp_path / "questions.jsonl")
    by_id = {q.id: q for q in questions}
    assert by_id["q1"].gold == (("000_Tiny_Town.txt", "1"),) and by_id["q1"].answer_keys == ("1850",)
    assert by_id["q2"].answerable is False and by_id["q2"].gold == ()
    assert by_id["q3"].gold == (("000_Tiny_Town.txt", "2"),)
    paragraphs = {(p.doc, p.label): p.text for d in load_corpus(tmp_path / "docs") for p in d.paragraphs}
    assert check_set(questions, paragraphs) == []


def _scored(gold, cited):
    """score_question on a stand-in answer citing `cited` (doc, label) pairs."""
    from types import SimpleNamespace

    from eval.dataset import Question
    from eval.runner import score_question

    para = lambda d, lab: SimpleNamespace(doc=d, label=lab, text="x")  # noqa: E731
    ans = SimpleNamespace(hits=[SimpleNamespace(paragraph=para(*c)) for c in cited],
                          citations=[SimpleNamespace(paragraph=para(*c)) for c in cited], evidence=0.9, text="x")
    return score_question(Question("q1", "What do both say?", True, tuple(gold), ("x",)), ans, 1.0, 5, 0.5)


def test_each_document_is_scored_only_for_questions_with_gold_in_several_documents():
    both = _scored([A, D], [A, D])
    one = _scored([A, D], [A, B])
    single = _scored([A, B], [A])
    assert both["cites_each_document"] == 1.0 and "does not cite each gold document" not in both["failed"]
    assert one["cites_each_document"] == 0.0 and "does not cite each gold document" in one["failed"]
    assert "cites_each_document" not in single
    from eval.runner import summarise
    assert summarise([both, one, single])["cites_each_document"] == 0.5
