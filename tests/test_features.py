"""Generic features of the learned scorers, on a tiny index with readable fake vectors."""
import numpy as np
import pytest

from index.store import build_index, load_index
from retriever.features import (PARAGRAPH_FEATURES, analyse_question, entities_missing, lexical_mass_all,
                                numbers_missing, question_entities, sentence_mass_best, signature_like)
from retriever.search import candidate_signals, query_terms

DOCS = {
    "statement.txt": """Joint Statement

We confirmed our determination to elevate cooperation to new heights, building on new progress.

We reconfirmed the joint development of the fighter aircraft under the Global Combat Air Programme with Italy.

For the Government of Japan / For the Government of the United Kingdom / TAKAICHI Sanae / Prime Minister
""",
    "visit.txt": """Visit Notes

The fighter was discussed at length. An aircraft was shown to the press. Italy sent an officer of the programme.
""",
}


@pytest.fixture
def index(tmp_path, fake_embedder):
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in DOCS.items():
        (docs / name).write_text(text)
    build_index(docs, tmp_path / "idx", fake_embedder)
    return load_index(tmp_path / "idx")


def test_question_entities_are_proper_nouns_and_numbers_not_the_first_word():
    assert question_entities("Which country joined Japan and the UK in 2023?") == ["japan", "uk", "2023"]
    assert question_entities("What is the plan?") == []


def test_lexical_mass_is_absolute_a_paragraph_matching_one_common_word_scores_low(index):
    question = "Which country is co-developing the new fighter aircraft programme?"
    q = analyse_question(index, question, query_terms(question))
    mass = lexical_mass_all(index, q)
    new_heights, fighter = mass[0], mass[1]
    # "new" alone is a small share of the idf mass, whatever the best BM25 of the question is
    assert 0.0 < new_heights < 0.2 and fighter > 2 * new_heights


def test_names_the_passage_lacks_are_counted(index):
    q = analyse_question(index, "Did Italy and Germany join?", query_terms("Did Italy and Germany join?"))
    assert entities_missing(q, index.paragraphs[1].text) == pytest.approx(0.5)  # Italy yes, Germany no


def test_a_number_of_the_question_that_the_passage_lacks_is_flagged_names_are_not(index):
    def missing(question, text):
        return numbers_missing(analyse_question(index, question, query_terms(question)), text)

    assert missing("What did Italy join in 2023?", "Italy joined the programme in 2022.") == 1.0
    assert missing("What did Italy join in 2023?", "In 2023, Italy joined the programme.") == 0.0
    assert missing("What did Germany join?", "Italy joined the programme.") == 0.0  # a name, not a number
    assert missing("How many of the 12 members joined in 1990?", "Of 12 members, 9 joined.") == 1.0


def test_signature_blocks_are_recognised_by_shape(index):
    assert signature_like(index.paragraphs[2].text) == 1.0
    assert signature_like(index.paragraphs[1].text) == 0.0


def test_candidate_signals_give_every_candidate_one_feature_row(index, fake_embedder):
    question = "Which country is co-developing the new fighter aircraft?"
    c = candidate_signals(index, question, fake_embedder.encode_queries([question])[0], 10)
    assert c.features.shape == (len(c.positions), len(PARAGRAPH_FEATURES))
    assert np.isfinite(c.features).all()
    assert set(c.lexical) <= set(c.positions) and set(c.dense) <= set(c.positions)


def test_a_paragraph_stating_the_question_in_one_sentence_outranks_one_scattering_its_words(index):
    question = "What fighter aircraft programme is Italy in?"
    q = analyse_question(index, question, query_terms(question))
    together, scattered = 1, 3  # the same words of the question, in one sentence / over three (visit.txt)
    mass = lexical_mass_all(index, q)
    assert mass[together] == pytest.approx(mass[scattered])  # the paragraph-level share cannot tell them apart
    assert sentence_mass_best(index, q, together) == pytest.approx(1.0)  # all four words in one sentence
    assert sentence_mass_best(index, q, scattered) == pytest.approx(0.5)  # at best "Italy ... programme"


def test_a_question_that_repeats_its_words_stays_within_the_bm25_ceiling(index, fake_embedder):
    # BM25 sums a term once per occurrence in the question; the feature's ceiling counts each term once, so a
    # pasted question repeated many times would otherwise read as far past any training question and be refused
    question = "Which fighter aircraft programme does Italy join? " * 20
    c = candidate_signals(index, question, fake_embedder.encode_queries([question])[0], 10)
    column = c.features[:, PARAGRAPH_FEATURES.index("bm25_norm")]
    assert float(c.bm25.max()) > 0 and 0.0 < column.max() <= 1.0
