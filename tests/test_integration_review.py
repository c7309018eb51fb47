"""Review on the real seeds with the real model: the right document's own sentence, or not stated."""
import json
import subprocess
import sys

import pytest

from conftest import DECLARATION, PROJECT, SEEDS, STATEMENT
from retriever.review import NOT_STATED, STATED, review

pytestmark = pytest.mark.integration

WHO_SIGNED = "Who signed the declaration?"
UNCLOS = "What is said about UNCLOS?"
COERCION = "What is said about economic coercion?"


@pytest.fixture(scope="module")
def seed_review(seeds_assistant):
    return review(seeds_assistant, [WHO_SIGNED, UNCLOS, COERCION])


def cell(result, question, doc):
    (c,) = [c for c in result.cells if c.question == question and c.doc == doc]
    return c


def closing_block(assistant):
    return [p for p in assistant.index.paragraphs if p.doc == DECLARATION and p.label.startswith("S")]


def test_who_signed_quotes_the_declarations_closing_block_and_the_statement_does_not_say(seed_review,
                                                                                         seeds_assistant):
    signed = cell(seed_review, WHO_SIGNED, DECLARATION)
    assert signed.status == STATED
    assert signed.paragraph in {p.label for p in closing_block(seeds_assistant)}
    assert cell(seed_review, WHO_SIGNED, STATEMENT).status == NOT_STATED


def test_unclos_is_stated_in_the_joint_statement_only(seed_review):
    stated = cell(seed_review, UNCLOS, STATEMENT)
    assert stated.status == STATED and "UNCLOS" in stated.quote
    assert cell(seed_review, UNCLOS, DECLARATION).status == NOT_STATED


def test_economic_coercion_is_stated_in_both_each_with_its_own_sentence(seed_review, seeds_assistant):
    cells = [cell(seed_review, COERCION, d) for d in (STATEMENT, DECLARATION)]
    assert [c.status for c in cells] == [STATED, STATED]
    for c in cells:
        assert "coercion" in c.quote
        assert any(c.quote in p.text for p in seeds_assistant.index.paragraphs if p.doc == c.doc)
    assert cells[0].quote != cells[1].quote


def run_app(*args, stdin=None):
    return subprocess.run([sys.executable, str(PROJECT / "app.py"), *args], input=stdin, capture_output=True,
                          text=True, cwd=PROJECT, timeout=300)


def test_review_cells_equal_ask_kept_to_each_document(tmp_path):
    index = str(tmp_path / "idx")
    questions = tmp_path / "q.txt"
    asked = [WHO_SIGNED, UNCLOS, COERCION, "When was the declaration signed?"]
    questions.write_text("\n".join(asked) + "\n", encoding="utf-8")
    out = run_app("review", "--questions", str(questions), "--json", "--docs", str(SEEDS), "--index", index)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)  # stdout holds exactly one JSON document
    assert len(data["cells"]) == len(asked) * 2
    for doc in (STATEMENT, DECLARATION):
        ask = run_app("ask", "-", "--json", "--doc", doc, "--docs", str(SEEDS), "--index", index,
                      stdin="\n".join(asked) + "\n")
        assert ask.returncode == 0, ask.stderr
        for line, question in zip(ask.stdout.splitlines(), asked):
            answer = json.loads(line)
            (c,) = [c for c in data["cells"] if c["doc"] == doc and c["question"] == question]
            assert c["stated"] == answer["answered"]
            assert c["evidence"] == answer["evidence"]
            if answer["answered"]:
                first = answer["citations"][0]
                assert (c["quote"], c["paragraph"], c["pages"], c["quote_page"]) == \
                       (first["quote"], first["paragraph"], first["pages"], first["quote_page"])
            else:
                assert c["quote"] is None
