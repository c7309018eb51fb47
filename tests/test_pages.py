"""Pages through the pipeline: page bookkeeping, the citation label, paragraphs.jsonl round trip, and the JSON
answer's `pages` and `quote_page` for a quote on the second page of a paragraph."""
import pytest

from retriever.output import answer_to_json, format_answer
from fakes import FakeEmbedder
from index import pages as pg
from index.store import build_index, load_index
from pdfgen import Layout, make_pdf
from retriever.assistant import Assistant
from ui.render import chip, document_html


@pytest.mark.parametrize("pages, text", [((), ""), ((4,), "p. 4"), ((2, 3), "pp. 2–3"), (("iv",), "p. iv"),
                                         (("iii", 1), "pp. iii–1"), ((5, 5), "p. 5")])
def test_page_format(pages, text):
    assert pg.format_pages(pages) == text


def test_citation_label_and_page_of_an_offset():
    assert pg.cite_label("12", (4,)) == "¶12, p. 4"
    assert pg.cite_label("6", (2, 3)) == "¶6, pp. 2–3"
    assert pg.cite_label("S1", ()) == "¶S1"
    assert pg.cite_label("41", (4972,), (4,)) == "¶41, p. 4972 (PDF p. 4)"
    assert pg.cite_label("9", (6, 7), (9, 10)) == "¶9, pp. 6–7 (PDF pp. 9–10)"
    assert pg.cite_label("2", ("iv",), (4,)) == "¶2, p. iv"  # front matter: the printed label alone
    assert pg.cite_label("3", (3,), (3,)) == "¶3, p. 3"
    assert [pg.page_at((2, 3), (0, 10), i) for i in (0, 9, 10, 50)] == [2, 2, 3, 3]
    assert pg.page_at((), (), 3) is None


def test_joining_and_cutting_keep_page_offsets():
    text, pages, starts = pg.concat(("abc", (1,), (0,)), ("def", (1, 2), (0, 2)))
    assert (text, pages, starts) == ("abc def", (1, 2), (0, 6))
    assert pg.cut_front(pages, starts, 4) == ((1, 2), (0, 2))
    assert pg.cut_front((1, 2), (0, 3), 5) == ((2,), (0,))
    assert pg.page_label("12") == 12 and pg.page_label("iv") == "iv"


def paged_docs(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    blocks = ["Harbour Report",
              "1. The committee met in the town hall and reviewed the state of the harbour walls, the moorings, "
              "the slipway and the old customs house in great detail over several long sessions during the dark winter "
              "months before the new year. The harbour of "
              "Portwick will be dredged in spring to admit larger ships.",
              "2. The lighthouse is funded by the regional council."]
    make_pdf(docs / "report.pdf", blocks, Layout(header="Harbour Report", break_in={1: 2}))
    (docs / "notes.txt").write_text("Notes\n\nThe lighthouse keeper retired after forty years.\n")
    return docs


def test_pages_survive_the_index_round_trip(tmp_path):
    docs = paged_docs(tmp_path)
    build_index(docs, tmp_path / "idx", FakeEmbedder())
    by_doc = {(p.doc, p.label): p for p in load_index(tmp_path / "idx").paragraphs}
    assert by_doc[("report.pdf", "1")].pages == (1, 2)
    assert by_doc[("report.pdf", "2")].pages == (2,)
    assert by_doc[("notes.txt", "1")].pages == () and by_doc[("notes.txt", "1")].page_starts == ()


def test_json_answer_gives_pages_and_the_quotes_own_page(tmp_path):
    docs = paged_docs(tmp_path)
    assistant = Assistant(docs, tmp_path / "idx", FakeEmbedder(), notice=lambda m: None)
    answer = assistant.ask("When will the harbour of Portwick be dredged for larger ships?")
    out = answer_to_json(answer)
    assert out["answered"]
    c = out["citations"][0]
    assert (c["doc"], c["paragraph"], c["pages"]) == ("report.pdf", "1", [1, 2])
    assert c["quote"] == "The harbour of Portwick will be dredged in spring to admit larger ships."
    assert c["quote_page"] == 2
    assert answer.citations[0].label == "Harbour Report ¶1, pp. 1–2"
    assert "[Harbour Report ¶1, pp. 1–2]" in answer.text
    assert all("pages" in p for p in out["passages"])
    assert "¶1, pp. 1–2</button>" in chip(c)
    txt = assistant.ask("Who retired after forty years as lighthouse keeper?")
    t = answer_to_json(txt)["citations"][0]
    assert (t["doc"], t["pages"], t["quote_page"]) == ("notes.txt", [], None)
    assert "[Notes ¶1]" in format_answer(txt)


def test_documents_view_shows_pages_of_paged_documents(tmp_path):
    docs = paged_docs(tmp_path)
    index = Assistant(docs, tmp_path / "idx", FakeEmbedder(), notice=lambda m: None).index
    meta = next(d for d in index.documents if d["name"] == "report.pdf")
    html = document_html(meta, [p for p in index.paragraphs if p.doc == "report.pdf"])
    assert '<span class="para-pages">pp. 1–2</span>' in html and meta["kind"] == "pdf"
