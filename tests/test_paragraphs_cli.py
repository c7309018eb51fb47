"""`python -m index paragraphs`: every paragraph as parsed, with pages; warnings on stderr, stdout clean."""
import json

from index.__main__ import main
from pdfgen import Layout, make_pdf


def test_paragraphs_lists_every_kind_with_pages_and_warnings_on_stderr(tiny_docs, capsys):
    make_pdf(tiny_docs / "gamma.pdf", ["Gamma Report", "1. The first point is made here.",
                                       "2. The second point follows it."], Layout(footer="{page}"))
    make_pdf(tiny_docs / "secret.pdf", ["Secret", "Hidden."], Layout(password="pw"))
    assert main(["paragraphs", "--docs", str(tiny_docs), "--json"]) == 0
    out, err = capsys.readouterr()
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["doc"], r["paragraph"]) for r in rows] == [
        ("alpha.txt", "1"), ("alpha.txt", "2"), ("alpha.txt", "3"), ("beta.md", "1"), ("beta.md", "2"),
        ("gamma.pdf", "1"), ("gamma.pdf", "2")]
    assert rows[5] == {"doc": "gamma.pdf", "title": "Gamma Report", "paragraph": "1", "section": "", "pages": [1],
                       "page_starts": [0], "text": "The first point is made here."}
    assert rows[0]["pages"] == [] and rows[1]["section"] == "Harbour Works"
    assert err.strip() == ("warning: skipped secret.pdf: encrypted, not read (the PDF needs a password); "
                           "save a copy without a password to index it")
    assert main(["paragraphs", "--docs", str(tiny_docs)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[5] == "gamma.pdf ¶1, p. 1: The first point is made here."
    assert lines[1] == ("alpha.txt ¶2 [Harbour Works]: The harbour of Portwick will be dredged in spring to admit "
                        "larger ships.")


def test_paragraphs_of_a_missing_folder_is_one_error_line(tmp_path, capsys):
    assert main(["paragraphs", "--docs", str(tmp_path / "nope")]) == 2
    assert capsys.readouterr().err.startswith("error: documents folder")
