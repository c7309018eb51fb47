"""Review: one cell per question x document, each exactly what `ask --doc` answers; question files; limits;
exports (fake embedder, tiny documents)."""
import csv
import io
import json

import pytest

from retriever.assistant import Assistant, ScopeError
from retriever.exports import export, neutralise
from retriever.review import (NOT_READ, NOT_STATED, STATED, ReviewCancelled, ReviewInputError, check_limits,
                              read_questions, review)

HARBOUR = "When will the harbour of Portwick be dredged?"
OAK = "What protects oak trees in the valley?"


@pytest.fixture
def assistant(tiny_docs, tmp_path, fake_embedder):
    return Assistant(tiny_docs, tmp_path / "idx", fake_embedder, notice=lambda m: None)


def cell(result, question, doc):
    (c,) = [c for c in result.cells if c.question == question and c.doc == doc]
    return c


def test_a_cell_quotes_the_sentence_that_states_it_and_a_document_without_the_term_is_not_stated(assistant):
    result = review(assistant, [HARBOUR, OAK])
    assert result.documents == ["alpha.txt", "beta.md"]
    assert [(c.question, c.doc) for c in result.cells] == [(HARBOUR, "alpha.txt"), (HARBOUR, "beta.md"),
                                                            (OAK, "alpha.txt"), (OAK, "beta.md")]
    harbour = cell(result, HARBOUR, "alpha.txt")
    assert harbour.status == STATED
    assert harbour.quote == "The harbour of Portwick will be dredged in spring to admit larger ships."
    assert harbour.paragraph == "2"
    absent = cell(result, HARBOUR, "beta.md")
    assert absent.status == NOT_STATED and absent.quote is None
    oak = cell(result, OAK, "beta.md")
    assert oak.status == STATED and oak.quote.startswith("Oak trees in the valley")
    assert cell(result, OAK, "alpha.txt").status == NOT_STATED


def test_a_not_stated_cell_names_the_closest_passage_of_its_own_document(assistant):
    c = cell(review(assistant, [HARBOUR]), HARBOUR, "beta.md")
    beta_texts = [p.text for p in assistant.index.paragraphs if p.doc == "beta.md"]
    assert any(c.closest["quote"] in t for t in beta_texts)
    assert c.closest["evidence"] == round(c.evidence, 4) < assistant.scorer.abstain_below


def test_cells_equal_ask_kept_to_that_document(assistant):
    result = review(assistant, [HARBOUR, OAK, "Who funds the lighthouse?"])
    for c in result.cells:
        answer = assistant.ask(c.question, documents=[c.doc])
        assert c.status == (STATED if answer.answered else NOT_STATED)
        assert c.evidence == answer.evidence
        assert c.quote == (answer.citations[0].quote if answer.answered else None)


def test_a_cell_does_not_change_when_other_documents_join_the_selection(assistant):
    alone = cell(review(assistant, [HARBOUR], ["alpha.txt"]), HARBOUR, "alpha.txt")
    together = cell(review(assistant, [HARBOUR], ["alpha.txt", "beta.md"]), HARBOUR, "alpha.txt")
    assert alone == together


def test_each_question_is_embedded_once_whatever_the_number_of_documents(assistant, fake_embedder):
    assistant.index
    before = len(fake_embedder.encoded)
    review(assistant, [HARBOUR, OAK])
    assert fake_embedder.encoded[before:] == [HARBOUR, OAK]


def test_a_file_the_build_could_not_read_is_not_read_with_the_reason(tiny_docs, tmp_path, fake_embedder):
    (tiny_docs / "copy.txt").write_text((tiny_docs / "alpha.txt").read_text())
    assistant = Assistant(tiny_docs, tmp_path / "idx2", fake_embedder, notice=lambda m: None)
    result = review(assistant, [HARBOUR])
    assert result.documents == ["alpha.txt", "beta.md", "copy.txt"]
    c = cell(result, HARBOUR, "copy.txt")
    assert c.status == NOT_READ and c.reason == "identical to alpha.txt"
    assert c.to_json()["stated"] is False and c.to_json()["reason"] == "identical to alpha.txt"


def test_an_unknown_document_is_refused_listing_the_documents(assistant):
    with pytest.raises(ScopeError, match="unknown document 'gamma.txt'; the index holds 2 documents"):
        review(assistant, [HARBOUR], ["gamma.txt"])
    with pytest.raises(ReviewInputError, match="no document selected"):
        review(assistant, [HARBOUR], [])


def test_json_shape(assistant):
    data = json.loads(json.dumps(review(assistant, [HARBOUR], ["alpha.txt", "beta.md"]).to_json()))
    assert set(data) == {"questions", "documents", "model", "index_built_at", "cells", "timings_ms"}
    assert data["index_built_at"] == assistant.index.manifest["built_at"] and data["model"] == "fake"
    stated, absent = data["cells"]
    assert stated["stated"] is True and stated["pages"] == [] and stated["quote_page"] is None
    assert set(stated) == {"doc", "title", "question", "status", "stated", "quote", "paragraph", "pages",
                           "quote_page", "evidence"}
    assert absent["stated"] is False and absent["quote"] is None and absent["paragraph"] is None
    assert set(absent["closest"]) == {"paragraph", "quote", "evidence"}


def test_limits_are_refused_before_any_work_naming_the_limit_and_flag(assistant, fake_embedder):
    assistant.index
    before = len(fake_embedder.encoded)
    with pytest.raises(ReviewInputError, match=r"2 questions x 2 documents = 4 cells is over the limit of 3 "
                                               r"cells.*--max-cells"):
        review(assistant, [HARBOUR, OAK], max_cells=3)
    with pytest.raises(ReviewInputError, match=r"2 questions is over the limit of 1; .*--max-questions"):
        review(assistant, [HARBOUR, OAK], max_questions=1)
    assert len(fake_embedder.encoded) == before  # nothing embedded
    with pytest.raises(ReviewInputError, match="1,001 questions is over the limit of 1,000"):
        check_limits(1001, 1, 1000, 50_000)


def test_a_question_without_words_is_refused_naming_it(assistant):
    with pytest.raises(ReviewInputError, match=r"question 2 \('\?\?\?'\): the question has no words"):
        review(assistant, [HARBOUR, "???"])


def test_cancelling_stops_the_review(assistant):
    seen = []
    with pytest.raises(ReviewCancelled, match="after 1 of 4 cells"):
        review(assistant, [HARBOUR, OAK], progress=lambda d, t: seen.append(d), cancelled=lambda: len(seen) >= 1)


def test_question_lines_accept_bom_crlf_skip_blank_lines_and_keep_duplicates_once():
    parsed = read_questions("\ufeffFirst question?\r\n\r\n  Second one \r\n   \nFirst question?\n".encode(), "q.txt")
    assert parsed.questions == ["First question?", "Second one"]
    assert parsed.blank_lines == 2 and parsed.duplicates == ["First question?"]
    assert parsed.notices() == ["skipped 2 blank lines", "kept once 1 repeated question: First question?"]


def test_question_csv_uses_the_question_column_or_the_first():
    data = 'id,question\r\n1,"Who signed, and when?"\r\n2,"Quoted ""word"" here"\r\n3,\r\n'.encode()
    parsed = read_questions(data, "q.csv")
    assert parsed.questions == ["Who signed, and when?", 'Quoted "word" here'] and parsed.blank_lines == 1
    assert read_questions(b"topic,notes\nUNCLOS?,x\n", "Q.CSV").questions == ["UNCLOS?"]
    # a .txt with commas is one question per line, commas and all
    assert read_questions(b"Who signed, and when?\n", "q.txt").questions == ["Who signed, and when?"]


@pytest.mark.parametrize("data, message", [
    (b"\xff\xfeW\x00h\x00o\x00", "not text"),
    (b"caf\xe9?\n", "not UTF-8 text"),
    (b"\n\n  \n", "holds no question"),
])
def test_a_question_list_that_is_not_text_or_empty_is_refused(data, message):
    with pytest.raises(ReviewInputError, match=message):
        read_questions(data, "q.txt")


def test_csv_export_neutralises_formulas_and_records_model_and_build_time(assistant):
    data = review(assistant, [HARBOUR]).to_json()
    data["cells"][0]["quote"] = "=HYPERLINK(\"http://x\")"
    data["cells"][0]["question"] = "@SUM(A1)"
    raw = export(data, "csv")
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert list(rows[0])[:8] == ["doc", "title", "question", "status", "quote", "paragraph", "pages", "evidence"]
    assert rows[0]["quote"] == "'=HYPERLINK(\"http://x\")" and rows[0]["question"] == "'@SUM(A1)"
    assert rows[1]["status"] == "not stated" and rows[1]["doc"] == "beta.md"
    assert rows[0]["model"] == "fake" and rows[0]["index_built_at"] == data["index_built_at"]
    assert [neutralise(v) for v in ("+1", "-2", "plain")] == ["'+1", "'-2", "plain"]


def test_markdown_export_escapes_pipes_and_line_breaks(assistant):
    data = review(assistant, [HARBOUR], ["alpha.txt"]).to_json()
    data["cells"][0]["quote"] = "a | b\nc"
    md = export(data, "markdown").decode()
    assert "| a \\| b<br>c |" in md
    assert f"index built at {data['index_built_at']}" in md and "model fake" in md


def test_word_export_holds_the_quotes_and_their_citations(assistant):
    from docx import Document

    data = review(assistant, [HARBOUR]).to_json()
    doc = Document(io.BytesIO(export(data, "word")))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "\u201cThe harbour of Portwick will be dredged in spring to admit larger ships.\u201d " \
           "[Alpha Report on Fisheries \u00b62]" in text
    assert "Beta Notes on Forestry: not stated" in text
    assert data["index_built_at"] in text


def test_a_single_answer_exports_too(assistant):
    from retriever.output import answer_to_json

    raw = export(answer_to_json(assistant.ask(HARBOUR, documents=["alpha.txt"])), "csv")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[0]["status"] == "stated" and rows[0]["quote"].startswith("The harbour of Portwick")


def run_cli(monkeypatch, capsys, assistant, argv, stdin=b""):
    """`app.py review ARGV` on the fake-embedder assistant: (exit code, stdout, stderr)."""
    import argparse
    import sys

    import retriever.service
    from retriever.review_cli import add_review_parser, cmd_review

    monkeypatch.setattr(retriever.service, "make_assistant", lambda docs, index, model, store=None: assistant)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    parser = argparse.ArgumentParser(allow_abbrev=False)
    add_review_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["review", *argv])
    args.docs, args.index, args.model = args.ask_docs, args.ask_index, args.ask_model
    code = cmd_review(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_json_is_one_document_on_stdout_and_notices_go_to_stderr(assistant, monkeypatch, capsys, tmp_path):
    questions = tmp_path / "q.txt"
    questions.write_bytes(f"{HARBOUR}\r\n\r\n{OAK}\r\n{HARBOUR}\r\n".encode())
    code, out, err = run_cli(monkeypatch, capsys, assistant,
                             ["--questions", str(questions), "--json", "--doc", "beta.md", "--csv",
                              str(tmp_path / "r.csv")])
    assert code == 0
    data = json.loads(out)
    assert data["questions"] == [HARBOUR, OAK] and data["documents"] == ["beta.md"]
    assert [c["status"] for c in data["cells"]] == ["not stated", "stated"]
    assert "skipped 1 blank line" in err and "kept once 1 repeated question" in err
    rows = list(csv.DictReader(io.StringIO((tmp_path / "r.csv").read_text(encoding="utf-8-sig"), newline="")))
    assert [r["status"] for r in rows] == ["not stated", "stated"]


def test_cli_reads_questions_from_stdin(assistant, monkeypatch, capsys):
    code, out, _ = run_cli(monkeypatch, capsys, assistant, ["--questions", "-", "--json"], stdin=f"{OAK}\n".encode())
    assert code == 0 and len(json.loads(out)["cells"]) == 2


@pytest.mark.parametrize("argv, stdin, message", [
    (["--questions", "-", "--max-cells", "3"], f"{HARBOUR}\n{OAK}\n".encode(), "over the limit of 3 cells"),
    (["--questions", "-", "--doc", "gamma.txt"], b"x?\n", "unknown document 'gamma.txt'"),
    (["--questions", "/nonexistent/q.txt"], b"", "question file /nonexistent/q.txt does not exist"),
    (["--questions", "-"], b"\xff\xfe\x00\x00", "not text"),
    (["--questions", "-", "--max-cells", "0"], b"x?\n", "--max-cells must be at least 1"),
])
def test_cli_bad_input_is_one_line_and_exit_2(assistant, monkeypatch, capsys, argv, stdin, message):
    code, out, err = run_cli(monkeypatch, capsys, assistant, argv, stdin)
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_a_broken_word_file_is_not_read_with_the_readers_reason(tiny_docs, tmp_path, fake_embedder):
    (tiny_docs / "broken.docx").write_bytes(b"this is not a zip archive")
    assistant = Assistant(tiny_docs, tmp_path / "idx3", fake_embedder, notice=lambda m: None)
    result = review(assistant, [HARBOUR], ["broken.docx", "alpha.txt"])
    broken = cell(result, HARBOUR, "broken.docx")
    assert broken.status == NOT_READ and broken.reason and broken.quote is None
    assert broken.reason in " ".join(assistant.index.manifest["warnings"])
    assert cell(result, HARBOUR, "alpha.txt").status == STATED


def test_the_whole_index_part_of_a_search_runs_once_per_question_not_once_per_cell(assistant, monkeypatch):
    import retriever.search as search

    calls = []
    real = search.paragraph_dense_search
    monkeypatch.setattr(search, "paragraph_dense_search", lambda *a: calls.append(1) or real(*a))
    monkeypatch.setattr(search, "_WHOLE_CACHE", {})
    review(assistant, [HARBOUR, OAK], ["alpha.txt", "beta.md"])
    assert len(calls) == 2


def test_the_terminal_table_cites_a_pdf_page_as_ask_does():
    """A paper printed as pp. 4969-4970 is the PDF's pages 1-2: the terminal cell names both, like `ask`."""
    from types import SimpleNamespace

    from index.corpus import Paragraph
    from retriever.answer import Citation
    from retriever.review import Review, cell_of
    from retriever.review_cli import format_review

    text = "The corpus has 81.1M papers. Most have abstracts."
    para = Paragraph("paper.pdf", "Paper", "4", "", text, pages=(4969, 4970), page_starts=(0, 29),
                     pdf_pages=(1, 2))
    answer = SimpleNamespace(answered=True, citations=[Citation(para, "Most have abstracts.")], evidence=0.9)
    cell = cell_of(None, "How many have abstracts?", "paper.pdf", "Paper", answer, None)
    assert cell.quote_page == 4970 and cell.to_json()["quote_page"] == 4970 and "quote_pdf_page" not in cell.to_json()
    table = format_review(Review(["How many have abstracts?"], ["paper.pdf"], "minilm", "", [cell], {}))
    assert "paper.pdf: Most have abstracts. [¶4, p. 4970 (PDF p. 2)] (evidence 0.90)" in table
