"""Questions kept to chosen documents: the restriction happens inside retrieval, names are checked."""
import numpy as np
import pytest

from retriever.assistant import Assistant, ScopeError
from retriever.output import answer_to_json


@pytest.fixture
def assistant(tiny_docs, tmp_path, fake_embedder):
    return Assistant(tiny_docs, tmp_path / "idx", fake_embedder, notice=lambda m: None)


def test_scoped_question_returns_k_passages_of_the_chosen_document_even_when_another_scores_higher(assistant):
    question = "When will the harbour of Portwick be dredged?"
    everywhere = assistant.ask(question, k=3)
    assert everywhere.hits[0].paragraph.doc == "alpha.txt"
    scoped = assistant.ask(question, k=2, documents=["beta.md"])
    assert [h.paragraph.doc for h in scoped.hits] == ["beta.md", "beta.md"]  # k passages, all from beta
    assert all(c.paragraph.doc == "beta.md" for c in scoped.citations)
    assert scoped.scope == ["beta.md"] and everywhere.scope is None


def test_scope_is_scored_exactly_not_filtered_from_the_approximate_index(assistant, monkeypatch):
    index = assistant.index

    class Blind:  # an approximate index that finds nothing at all
        ntotal = index.faiss_index.ntotal

        def search(self, q, k):
            return np.full((1, k), -1.0, dtype=np.float32), np.full((1, k), -1, dtype=np.int64)

    monkeypatch.setattr(index, "faiss_index", Blind())
    monkeypatch.setattr(index, "sentence_faiss_index", Blind())
    hits = assistant.ask("oak trees valley ordinance", k=1, documents=["beta.md"]).hits
    assert hits[0].paragraph.doc == "beta.md" and "Oak trees" in hits[0].paragraph.text
    assert hits[0].dense > 0.3  # found by its exact cosine


def test_a_path_counts_by_its_file_name_and_json_carries_the_scope(assistant, tiny_docs):
    a = answer_to_json(assistant.ask("harbour dredged", documents=[str(tiny_docs / "alpha.txt")]))
    assert a["scope"] == ["alpha.txt"]
    assert {p["doc"] for p in a["passages"]} == {"alpha.txt"}
    assert answer_to_json(assistant.ask("harbour dredged"))["scope"] is None
    assert a["index_built_at"] == assistant.index.manifest["built_at"]


def test_an_unknown_document_name_lists_the_documents_there_are(assistant):
    with pytest.raises(ScopeError, match=r"unknown document 'gamma.txt'; the index holds 2 documents: "
                                         r"alpha.txt, beta.md"):
        assistant.ask("harbour", documents=["gamma.txt"])


def test_a_document_the_build_skipped_says_why(tiny_docs, tmp_path, fake_embedder):
    (tiny_docs / "copy.txt").write_text((tiny_docs / "alpha.txt").read_text())
    assistant = Assistant(tiny_docs, tmp_path / "idx2", fake_embedder, notice=lambda m: None)
    with pytest.raises(ScopeError, match=r"copy.txt is not in the index: it was skipped when the index was built \(identical to alpha.txt"):
        assistant.ask("harbour", documents=["copy.txt"])
