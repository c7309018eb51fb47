"""Composing grounded answers: verbatim quotes, citations, abstention, cross-document questions, bad questions."""
import pytest

from fakes import FakeEmbedder
from retriever import settings
from retriever.answer import NOT_COVERED, is_cross_document, may_answer
from retriever.assistant import Assistant, QuestionError, clean_question

DOCS = {
    "policy.txt": """Policy Paper on Ports

1. The harbour of Portwick will be dredged in spring. Larger ships can then dock.

2. Economic coercion of port operators will be answered jointly.
""",
    "minutes.txt": """Council Minutes

The council condemned economic coercion by foreign suppliers. It also approved the budget.

The lighthouse keeper retired after forty years.
""",
}


def assistant_over(tmp_path, documents: dict[str, str]) -> Assistant:
    """An assistant with the fake embedder over these documents (name -> text), written to a fresh folder."""
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in documents.items():
        (docs / name).write_text(text)
    return Assistant(docs, tmp_path / "idx", FakeEmbedder(), notice=lambda m: None)


@pytest.fixture
def assistant(tmp_path):
    return assistant_over(tmp_path, DOCS)


def assert_grounded(answer):
    for c in answer.citations:
        assert c.quote and c.quote in c.paragraph.text
        assert f"{c.quote} [{c.label}]" in answer.text


def test_answer_quotes_the_best_sentence_and_cites_its_paragraph(assistant):
    answer = assistant.ask("When will the harbour of Portwick be dredged?")
    assert answer.answered
    assert answer.citations[0].quote == "The harbour of Portwick will be dredged in spring."
    assert answer.citations[0].label == "Policy Paper on Ports ¶1"
    assert_grounded(answer)


@pytest.mark.parametrize("question", [
    "What do both documents say about economic coercion?",
    "What do the two documents say about economic coercion?",
    "What do the paper and the document say about economic coercion?",
    "What do the documents say about economic coercion?",
])
def test_question_about_several_documents_cites_each(assistant, question):
    answer = assistant.ask(question)
    assert answer.answered
    assert {c.paragraph.doc for c in answer.citations} == {"policy.txt", "minutes.txt"}
    assert_grounded(answer)


def test_another_document_that_states_the_answer_too_is_cited_without_being_asked_for(assistant):
    # Not phrased as being about several documents, but both state it: each document's own sentence is cited.
    answer = assistant.ask("What is said about economic coercion?")
    assert [c.paragraph.doc for c in answer.citations] == ["policy.txt", "minutes.txt"] or \
        [c.paragraph.doc for c in answer.citations] == ["minutes.txt", "policy.txt"]
    assert {c.quote for c in answer.citations} == {
        "Economic coercion of port operators will be answered jointly.",
        "The council condemned economic coercion by foreign suppliers."}
    assert_grounded(answer)


@pytest.mark.parametrize("question,several", [
    ("In what roles does Takaichi appear in the two documents?", True),
    ("What do the statement and the declaration say about the CPTPP?", True),
    ("Compare the texts on minerals", True),
    ("What does the declaration say about the two prime ministers?", False),
    ("How do the two countries cooperate, according to the statement?", False),
    ("Who signed the declaration?", False),
])
def test_which_questions_are_about_several_documents(question, several):
    assert is_cross_document(question) is several


def test_weak_evidence_abstains_and_still_lists_passages(assistant):
    answer = assistant.ask("What is the population of Tokyo?")
    assert not answer.answered and answer.text == NOT_COVERED
    assert answer.citations == [] and answer.evidence < assistant.scorer.abstain_below
    assert len(answer.hits) > 0


def test_timings_are_reported_in_ms(assistant):
    answer = assistant.ask("lighthouse keeper")
    # "second_hop" appears when the best passage named a bridge and a second search ran
    assert set(answer.timings_ms) - {"second_hop"} == {"embed", "search", "answer", "total"}
    assert answer.timings_ms["total"] >= answer.timings_ms["embed"]


@pytest.mark.parametrize("question,message", [
    ("", "the question is empty"),
    ("   \n\t ", "the question is empty"),
    ("?!…", "no words, only symbols"),
    ("\x00\x01", "the question is empty"),
    ("🙂🙂 🎉", "no words, only symbols"),
])
def test_bad_questions_get_a_clear_error(assistant, question, message):
    with pytest.raises(QuestionError, match=message):
        assistant.ask(question)


def test_long_question_is_cut_with_a_note():
    text, notes = clean_question("harbour " * 5000)
    assert len(text) == settings.MAX_QUESTION_CHARS
    assert notes == [f"The question was cut to its first {settings.MAX_QUESTION_CHARS} characters."]


def test_control_characters_are_removed():
    assert clean_question("har\x00bour\x07 dredged")[0] == "har bour dredged"


def test_question_in_a_script_the_documents_do_not_use_abstains_and_lists_passages(assistant):
    answer = assistant.ask("港はいつ浚渫されますか？")
    assert not answer.answered and answer.text == NOT_COVERED and answer.citations == []
    assert answer.hits  # the closest passages are still shown


def test_a_close_second_sentence_does_not_join_a_single_document_answer(assistant):
    answer = assistant.ask("When will the harbour of Portwick be dredged?")
    # "Larger ships can then dock." shares the paragraph and scores close, but adds nothing asked for.
    assert [c.quote for c in answer.citations] == ["The harbour of Portwick will be dredged in spring."]


def test_a_name_the_passage_does_not_contain_makes_it_abstain(assistant):
    known = assistant.ask("When will the harbour of Portwick be dredged?")
    unknown = assistant.ask("When will the harbour of Kingsbridge be dredged?")
    assert known.answered and not unknown.answered
    assert unknown.evidence < known.evidence


def test_a_question_for_a_date_that_no_passage_states_abstains_with_a_note(assistant):
    answer = assistant.ask("On what exact date will the harbour of Portwick be dredged?")
    assert not answer.answered
    assert answer.notes == ["The question asks for a specific date, and none of the closest passages states one."]


def test_a_question_for_a_sum_of_money_is_not_answered_by_a_sentence_without_one(assistant):
    # "It also approved the budget." names the budget but states no amount: a near miss, not an answer.
    answer = assistant.ask("What is the annual budget of the council?")
    assert not answer.answered
    assert answer.notes == ["The question asks for a sum of money, and none of the closest passages states one."]


@pytest.mark.parametrize("fragment", ["[2]", "51°30′13″N", "(c)", "1,000."])
def test_a_fragment_without_words_may_not_answer(fragment):
    """The printed Wikipedia page answered "What was the Cabinet Office's annual budget?" with "[2]", a footnote
    call standing alone under the heading "Annual budget": its heading matched, and it states nothing."""
    question = "What was the annual budget of the Cabinet Office?"
    assert may_answer(question, [fragment, "The budget was £2.1 billion for 2011–12."]) == [1]
    assert may_answer("Where is the Cabinet Office?", [fragment, "It is at 70 Whitehall."]) == [1]


def test_a_lone_digit_is_a_search_term(tmp_path):
    """"FP.3" kept only "fp" when BM25 terms needed two characters: every FP.n paragraph matched alike."""
    docs = {"principles.txt": "Principles\n\n" + "\n\n".join(
        f"FP.{n} covers the {topic} of the site." for n, topic in
        [(1, "leadership"), (2, "ownership"), (3, "optimisation"), (4, "balance")]) + "\n"}
    answer = assistant_over(tmp_path, docs).ask("What does FP.3 cover?", mode="lexical")
    assert answer.hits[0].paragraph.text == "FP.3 covers the optimisation of the site."


def test_how_long_is_not_answered_by_a_count_without_a_unit(tmp_path):
    """The user check's near miss: "How long should you rub hand sanitiser in?" answered by "...fall into one of
    three categories:". A count is not a measure; a figure with a unit of time or length is."""
    docs = {"works.txt": "Harbour Works\n\nTwo dredgers of the harbour of Portwick will deepen the channel.\n\n"
                         "The dredgers of the harbour of Portwick come from three ports.\n"}
    refused = assistant_over(tmp_path, docs).ask("How long will the dredgers of the harbour of Portwick work?")
    assert not refused.answered
    assert refused.notes == ["The question asks for a length or a duration, and none of the closest passages "
                             "states one."]
    docs["works.txt"] += "\nThe dredgers of the harbour of Portwick will work for six weeks.\n"
    (tmp_path / "more").mkdir()
    answer = assistant_over(tmp_path / "more", docs).ask("How long will the dredgers of the harbour of Portwick work?")
    best = answer.citations[0].quote if answer.answered else answer.closest.paragraph.text  # evidence: fake embedder
    assert "six weeks" in best and not answer.notes


SIGNED = {"accord.txt": """Harbour Accord

1. The harbour boards of Portwick and Eastmere will share one pilot service from next year.

2. Both boards will publish their tide tables jointly.

Signed at Portwick in duplicate.

For the Harbour Board of Portwick

For the Harbour Board of Eastmere

Jane Marlow

Harbour Master

Tom Reyes

Harbour Master
"""}


@pytest.fixture
def signed(tmp_path):
    return assistant_over(tmp_path, SIGNED)


def test_who_signed_is_answered_from_the_signatory_block(signed):
    answer = signed.ask("Who signed the accord for the Harbour Board of Eastmere?")
    assert answer.answered
    assert answer.citations[0].label == "Harbour Accord ¶S2"
    assert "Tom Reyes" in answer.citations[0].quote


def test_who_signed_quotes_the_names_not_the_place_and_date_line(signed):
    # "Signed at Portwick in duplicate." shares the question's words; the names are in the block below it.
    answer = signed.ask("Who signed the Harbour Accord?")
    assert answer.answered
    assert answer.citations[0].label == "Harbour Accord ¶S2"
    assert "Jane Marlow" in answer.citations[0].quote and "Tom Reyes" in answer.citations[0].quote


def test_a_content_question_is_answered_by_the_paragraph_not_the_signatory_block(signed):
    # The block repeats both board names, yet only ¶1 says what they decided.
    answer = signed.ask("What did the Harbour Board of Portwick and the Harbour Board of Eastmere decide?")
    assert answer.answered
    assert [c.label for c in answer.citations] == ["Harbour Accord ¶1"]
    assert "share one pilot service" in answer.citations[0].quote


@pytest.mark.parametrize("question", ["Which football club does Jane Marlow support?",
                                      "What does the Harbour Master of the Harbour Board of Portwick do?"])
def test_a_content_question_is_never_answered_by_the_signatory_block(signed, question):
    # The block names Jane Marlow and the Harbour Master, but it states nothing about a club or a duty.
    answer = signed.ask(question)
    assert not answer.answered
    assert answer.closest is None or answer.closest.paragraph.label != "S2"
