"""The second retrieval hop: a question that needs a bridge ("the college where X studied") is answered through
the name the first passage gives, citing both steps; a chain that misses a part of the question is refused."""
import numpy as np
import pytest

from retriever import settings
from retriever.assistant import Assistant
from retriever.second_hop import accounts_for_names, bridge_names, find_bridge, hop_question, named_elsewhere

PEOPLE = ("People of Harlow\n\nMarta Kowalska studied engineering at Brindle Polytechnic as a young woman. "
          "She later designed three bridges over the river.\n\n"
          "Jonas Pell was a baker who sold bread at the market every Saturday morning.\n")
SCHOOLS = ("Schools of the region\n\nBrindle Polytechnic was founded in 1887 by the city council. "
           "Its first building stood beside the canal.\n\n"
           "The village hall was built of red brick and hosts concerts in winter.\n")
BRIDGE_QUESTION = "In what year was the college where Marta Kowalska studied engineering founded?"


def test_the_bridge_is_a_name_the_question_does_not_give():
    sentence = "The Normans met the University of Paris and the Duke of Normandy in 1066 in Normandy Hall."
    assert bridge_names(sentence, "Who did the Normans meet?") == ["University of Paris", "Duke of Normandy",
                                                                   "Normandy Hall"]
    # a run sharing a name of the question is the question's own entity, not a bridge; "The" alone starts it
    assert bridge_names("The Japan-UK Foreign Ministers met.", "When did the Foreign Ministers meet?") == []
    assert bridge_names("In 1999 it grew.", "When did it grow?") == []


def test_the_hop_question_swaps_the_resolved_name_for_the_bridge():
    q = hop_question(BRIDGE_QUESTION, "Marta Kowalska studied engineering at Brindle Polytechnic.",
                     "Brindle Polytechnic")
    assert q == "In what year was the college where studied engineering founded? Brindle Polytechnic"


def test_a_name_neither_step_states_refuses_the_chain():
    via = "As partners confirmed by the Hiroshima Accord, we reaffirmed our commitment."
    assert not accounts_for_names("What did the Prime Minister of India say about it?", via,
                                  "The Hiroshima Accord was issued in May 2023.")
    assert accounts_for_names(BRIDGE_QUESTION, PEOPLE, SCHOOLS)


@pytest.fixture
def bridge_docs(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "people.txt").write_text(PEOPLE, encoding="utf-8")
    (docs / "schools.txt").write_text(SCHOOLS, encoding="utf-8")
    return docs


@pytest.mark.integration
def test_a_bridge_question_is_answered_in_two_steps_citing_both(bridge_docs, tmp_path, real_embedder, monkeypatch):
    assistant = Assistant(bridge_docs, tmp_path / "idx", real_embedder, notice=lambda m: None)
    answer = assistant.ask(BRIDGE_QUESTION)
    assert answer.answered and "1887" in answer.text
    assert [(c.paragraph.doc, c.paragraph.label) for c in answer.citations] == [("people.txt", "1"),
                                                                                 ("schools.txt", "1")]
    assert answer.citations[0].quote.startswith("Marta Kowalska studied engineering at Brindle Polytechnic")
    assert {h.paragraph.doc for h in answer.hits[:2]} == {"people.txt", "schools.txt"}
    assert any("through Brindle Polytechnic" in n for n in answer.notes)
    # the same question without the hop is refused: no single passage states both facts
    monkeypatch.setattr(settings, "SECOND_HOP", False)
    assert not assistant.ask(BRIDGE_QUESTION).answered


@pytest.mark.integration
def test_a_bridge_from_a_person_the_documents_do_not_link_is_refused(bridge_docs, tmp_path, real_embedder):
    assistant = Assistant(bridge_docs, tmp_path / "idx", real_embedder, notice=lambda m: None)
    answer = assistant.ask("In what year was the college where Jonas Pell studied founded?")
    assert not answer.answered and "1887" not in answer.text


# A third document whose only mention is a longer word with the bridge's stem: no paragraph of it names the bridge.
ALUMNI = ("Alumni notes\n\nThe Brindles of Harlow kept a polytechnical club that met every Thursday.\n")


@pytest.fixture
def hop_assistant(bridge_docs, tmp_path, fake_embedder):
    (bridge_docs / "alumni.txt").write_text(ALUMNI, encoding="utf-8")
    return Assistant(bridge_docs, tmp_path / "idx", fake_embedder, notice=lambda m: None)


def _people_bridge(index):
    source = next(i for i, p in enumerate(index.paragraphs) if p.text.startswith("Marta Kowalska"))
    vector = np.asarray(index.sentence_vectors_of(source))[0]  # the bridge sentence itself is the closest
    bridge = find_bridge(index, BRIDGE_QUESTION, vector, source)
    assert bridge is not None and bridge.name == "Brindle Polytechnic"
    return bridge


def test_only_a_paragraph_that_names_the_bridge_outside_its_source_counts(hop_assistant):
    index = hop_assistant.index
    bridge = _people_bridge(index)
    assert named_elsewhere(index, bridge, None)  # the schools document names it
    assert named_elsewhere(index, bridge, index.positions_of({"schools.txt"}))
    assert not named_elsewhere(index, bridge, index.positions_of({"people.txt"}))  # only the source names it
    # "Brindles" shares the stem of "Brindle" in the term postings but is another word
    assert not named_elsewhere(index, bridge, index.positions_of({"alumni.txt", "people.txt"}))


def test_a_scoped_hop_that_cannot_find_the_bridge_embeds_no_second_question(hop_assistant, monkeypatch):
    monkeypatch.setattr(settings, "HOP_BELOW", 1.0)  # every question whose best passage names a bridge hops
    embedded = []
    encode = hop_assistant.embedder.encode_queries
    monkeypatch.setattr(hop_assistant.embedder, "encode_queries", lambda texts: embedded.extend(texts) or encode(texts))
    hop_assistant.ask(BRIDGE_QUESTION, documents=["people.txt"])
    assert embedded == [BRIDGE_QUESTION]  # no other passage of people.txt names Brindle Polytechnic
    embedded.clear()
    hop_assistant.ask(BRIDGE_QUESTION, documents=["people.txt", "schools.txt"])
    assert len(embedded) == 2 and embedded[1].endswith("Brindle Polytechnic")  # the hop still searches


def test_a_block_of_names_bridges_only_a_question_for_a_person(tmp_path, fake_embedder):
    """A judgment's cover run ("Before / UPPER TRIBUNAL JUDGE KOPIECZEK / Between / ...") answers only a question
    for a person; a second hop must not read a bridge off it for any other question and quote it as a first step."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "cover.txt").write_text("Appeal\n\nBefore / UPPER TRIBUNAL JUDGE KOPIECZEK / Between / Adeoye Emmanuel "
                                    "Abisoye / Tolulope Abisoye / Appellants / and / Entry Clearance Officer / "
                                    "Respondent\n\n"
                                    "The appellant applied for a post at Eastleigh Hospital.\n", encoding="utf-8")
    index = Assistant(docs, tmp_path / "idx", fake_embedder, notice=lambda m: None).index
    cover = next(i for i, p in enumerate(index.paragraphs) if p.text.startswith("Before"))
    vector = np.asarray(index.sentence_vectors_of(cover))[0]
    assert find_bridge(index, "What post did the appellant apply for?", vector, cover) is None
    bridge = find_bridge(index, "Which judge heard the appellant?", vector, cover)
    assert bridge is not None and ("KOPIECZEK" in bridge.name or "Abisoye" in bridge.name)
