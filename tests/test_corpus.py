"""Parsing documents into citable paragraphs: numbering, headings, page-break joins, metadata, bad files."""
import pytest

from conftest import DECLARATION, SEEDS, STATEMENT
from index.corpus import CorpusError, load_corpus, parse_blocks, parse_document, read_text
from index.readers import Block, DocumentText


def labels(doc):
    return [p.label for p in doc.paragraphs]


def test_document_that_numbers_its_paragraphs_keeps_its_numbers():
    doc = parse_document("d.txt", "Title\n\n1. First point.\n\n2. Second point.\n\n7. Seventh point.\n")
    assert labels(doc) == ["1", "2", "7"]
    assert doc.paragraphs[2].text == "Seventh point."


def test_unnumbered_document_is_numbered_in_reading_order():
    doc = parse_document("d.txt", "Title\n\nFirst para here.\n\nSecond para here.\n\nThird para.\n")
    assert labels(doc) == ["1", "2", "3"]
    assert all(p.title == "Title" and p.doc == "d.txt" for p in doc.paragraphs)


def test_closing_block_after_numbered_run_gets_S_labels_and_signatory_lines_join():
    text = ("Title\n\n1. One.\n\n2. Two.\n\nSigned at Paris on 1 May 2020.\n\nFor the Government of A\n\n"
            "**For the Government of B**\n\nJANE Doe\n\nMinister\n")
    doc = parse_document("d.txt", text)
    assert labels(doc) == ["1", "2", "S1", "S2"]
    assert doc.paragraphs[2].text == "Signed at Paris on 1 May 2020."
    assert doc.paragraphs[3].text == "For the Government of A / For the Government of B / JANE Doe / Minister"


def test_headings_become_sections_not_paragraphs():
    doc = parse_document("d.txt", "Title\n\nIntro text.\n\nTrade Matters\n\nWe trade.\n\n## Energy\n\nWe burn.\n")
    assert [(p.label, p.section, p.text) for p in doc.paragraphs] == [
        ("1", "", "Intro text."), ("2", "Trade Matters", "We trade."), ("3", "Energy", "We burn.")]


@pytest.mark.parametrize("first,second", [
    ("We will champion a free, fair and resilient rules-based international economic order particularly through "
     "the Comprehensive and Progressive Agreement for Trans-Pacific", "Partnership (CPTPP) and other agreements."),
    ("We strongly opposed any unilateral attempts to change the status quo", "by force or coercion."),
])
def test_paragraph_split_by_page_break_is_joined(first, second):
    doc = parse_document("d.txt", f"Title\n\n{first}\n\n{second}\n\nNext paragraph.\n")
    assert [p.text for p in doc.paragraphs] == [f"{first} {second}", "Next paragraph."]


def test_metadata_title_dateline_and_url_are_kept():
    doc = parse_document("d.txt", "The Title\n\n20.4.2026 - | Some Office\n\nBody text.\n\n<https://example.org/x>")
    assert (doc.title, doc.dateline, doc.source_url) == ("The Title", "20.4.2026 - | Some Office",
                                                        "https://example.org/x")
    assert [p.text for p in doc.paragraphs] == ["Body text."]


def test_seed_declaration_parses_as_the_user_reads_it():
    doc = {d.name: d for d in load_corpus(SEEDS)}[DECLARATION]
    assert doc.title == "Japan-UK Joint Declaration on Economic Security Cooperation"
    assert labels(doc) == [str(i) for i in range(1, 17)] + ["S1", "S2"]
    by_label = {p.label: p for p in doc.paragraphs}
    assert by_label["8"].section == "Critical Minerals and Related Supply Chains"
    assert "adhering to the CPTPP" in by_label["15"].text  # joined across the page break
    assert by_label["S1"].text.startswith("Signed in duplicate at London")
    assert "TAKAICHI Sanae" in by_label["S2"].text and "Keir Starmer" in by_label["S2"].text


def test_seed_statement_parses_as_the_user_reads_it():
    doc = {d.name: d for d in load_corpus(SEEDS)}[STATEMENT]
    assert doc.title == "Japan-UK Foreign Ministers' Strategic Dialogue 2026 - Joint Statement"
    assert doc.dateline.startswith("20.4.2026")
    assert doc.source_url.startswith("https://www.gov.uk/")
    assert labels(doc) == [str(i) for i in range(1, 17)]
    by_label = {p.label: p for p in doc.paragraphs}
    assert "Trans-Pacific Partnership (CPTPP)" in by_label["6"].text
    assert "status quo by force or coercion" in by_label["13"].text
    assert by_label["3"].section == "Defence and Security Cooperation"
    assert not any(p.text == "Regional Situations" for p in doc.paragraphs)


def test_paragraph_ids_are_stable_and_distinct():
    a = [p.id for d in load_corpus(SEEDS) for p in d.paragraphs]
    b = [p.id for d in load_corpus(SEEDS) for p in d.paragraphs]
    assert a == b and len(set(a)) == len(a)


def test_empty_file_is_skipped_with_a_warning(tmp_path):
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "real.txt").write_text("Real\n\nIndex me.\n")
    warnings = []
    assert [d.name for d in load_corpus(tmp_path, warn=warnings.append)] == ["real.txt"]
    assert warnings == ["skipped empty.txt: the file is empty; add text or remove it from the folder"]


def test_folder_of_only_empty_files_is_refused(tmp_path):
    (tmp_path / "empty.txt").write_text("\n\n")
    with pytest.raises(CorpusError, match="no document in .* has any text to index"):
        load_corpus(tmp_path)


def test_identical_documents_are_indexed_once(tmp_path):
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text("Same\n\nSame text.\n")
    warnings = []
    assert [d.name for d in load_corpus(tmp_path, warn=warnings.append)] == ["a.txt"]
    assert warnings == ["skipped b.txt: identical to a.txt"]


def test_file_deleted_between_listing_and_reading_is_skipped(tmp_path, monkeypatch):
    import index.corpus as corpus

    (tmp_path / "a.txt").write_text("A\n\nStays.\n")
    (tmp_path / "b.txt").write_text("B\n\nVanishes.\n")
    real_list = corpus.list_document_files

    def list_then_delete(folder, warn):
        files = real_list(folder, warn)
        (tmp_path / "b.txt").unlink()
        return files

    monkeypatch.setattr(corpus, "list_document_files", list_then_delete)
    warnings = []
    assert [d.name for d in load_corpus(tmp_path, warn=warnings.append)] == ["a.txt"]
    assert warnings == ["skipped b.txt: it was deleted while the folder was being read"]


def test_huge_document_with_very_long_paragraphs_parses(tmp_path):
    words = " ".join(f"word{i % 5000}" for i in range(10_000))
    text = "Huge\n\n" + "\n\n".join(f"{words} end{n}." for n in range(60))  # ~5 MB
    (tmp_path / "huge.txt").write_text(text)
    assert len(text) > 4_000_000
    doc = load_corpus(tmp_path)[0]
    assert len(doc.paragraphs) == 60 and doc.paragraphs[-1].text.endswith("end59.")


def test_folder_without_documents_is_refused(tmp_path):
    (tmp_path / "notes.csv").write_text("a,b\n")
    with pytest.raises(CorpusError, match=r"no documents \(.txt, .md, .pdf, .html, .docx\)"):
        load_corpus(tmp_path)


def test_missing_folder_is_refused(tmp_path):
    with pytest.raises(CorpusError, match="does not exist"):
        load_corpus(tmp_path / "nope")


def test_a_file_given_as_the_folder_is_called_a_file_not_missing(tmp_path):
    (tmp_path / "notes.txt").write_text("Notes\n\nA paragraph.\n")
    with pytest.raises(CorpusError, match=r"notes.txt is a file, not a folder; pass the folder that holds"):
        load_corpus(tmp_path / "notes.txt")


def test_folder_of_only_unreadable_files_says_so_not_how_to_write_text(tmp_path):
    (tmp_path / "empty.pdf").write_bytes(b"")
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04garbage")
    warnings = []
    with pytest.raises(CorpusError) as e:
        load_corpus(tmp_path, warn=warnings.append)
    assert str(e.value).startswith(f"no document in {tmp_path} could be read (2 skipped, each with its reason above)")
    assert "blank lines" not in str(e.value)
    assert [w.split(":")[0] for w in warnings] == ["skipped broken.docx", "skipped empty.pdf"]


def test_non_utf8_file_names_file_and_byte_offset(tmp_path):
    (tmp_path / "latin.txt").write_bytes("Title\n\nCaf\xe9 society.".encode("latin-1"))
    with pytest.raises(CorpusError, match=r"latin.txt: not UTF-8 \(bad byte at offset 10\)"):
        read_text(tmp_path / "latin.txt")


def test_binary_file_with_txt_name_is_refused(tmp_path):
    (tmp_path / "blob.txt").write_bytes(b"\x89PNG\r\n\x00\x00\x00")
    with pytest.raises(CorpusError, match="blob.txt: looks like a binary file"):
        load_corpus(tmp_path)


def test_symlink_leaving_the_folder_is_not_followed(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("Secret\n\nDo not index me.\n")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "real.txt").write_text("Real\n\nIndex me.\n")
    (docs / "link.txt").symlink_to(outside)
    warnings = []
    assert [d.name for d in load_corpus(docs, warn=warnings.append)] == ["real.txt"]
    assert warnings == [f"skipped link.txt: a symlink to a file outside {docs}"]


def test_a_folder_of_only_outside_symlinks_says_so(tmp_path):
    """A folder of links to documents kept elsewhere is a natural way to pick files; it must not be told it has
    no documents."""
    outside = tmp_path / "outside.txt"
    outside.write_text("Secret\n\nDo not index me.\n")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "link.txt").symlink_to(outside)
    with pytest.raises(CorpusError, match=r"its 1 document file\(s\) are symlinks to files outside it.*copy the files"):
        load_corpus(docs)


def pdf_blocks(*texts_and_pages) -> DocumentText:
    return DocumentText([Block(t, (page,), (0,)) for t, page in texts_and_pages], title="Report", kind="pdf")


def test_a_word_cut_at_a_page_break_is_joined_across_the_table_that_follows():
    """A two-column PDF (the ACL S2ORC paper): "...evaluate GROBID for de-" ends a page, the next page opens with
    a table and its caption, then "tecting inline citations...". The sentence is one paragraph again, on both
    pages, and the table's blocks follow it."""
    source = pdf_blocks(("We evaluate the parser for de-", 1), ("Domain Task Score", 2),
                        ("Biomed NER 90.01", 2), ("Table 1: Scores of the parser on the test corpora.", 2),
                        ("tecting inline citations in a corpus and found it reliable.", 2),
                        ("Our pretraining corpus is larger.", 2))
    doc = parse_blocks("report.pdf", source)
    first = doc.paragraphs[0]
    assert first.text == "We evaluate the parser for detecting inline citations in a corpus and found it reliable."
    assert first.pages == (1, 2) and first.page_starts == (0, len("We evaluate the parser for de"))
    assert [p.text for p in doc.paragraphs[1:]] == ["Table 1: Scores of the parser on the test corpora.",
                                                    "Our pretraining corpus is larger."]


def test_a_hyphen_at_a_page_break_goes_unless_the_document_spells_the_word_with_one():
    source = pdf_blocks(("The resulting pretraining cor-", 1), ("pus holds long-term records of the long-", 2),
                        ("term plan.", 3), ("A corpus of papers with a long-term view.", 3))
    (joined, _) = parse_blocks("report.pdf", source).paragraphs
    assert joined.text == "The resulting pretraining corpus holds long-term records of the long-term plan."
    assert joined.pages == (1, 2, 3)


def test_text_files_keep_their_paragraphs_in_order_even_after_a_trailing_hyphen(tmp_path):
    texts = ["The council keeps a list of every house that it built in the town and in the villages around it pre-",
             "Table rows are kept in a separate file.", "and post-war houses are listed there too."]
    (tmp_path / "notes.txt").write_text("Notes\n\n" + "\n\n".join(texts) + "\n")
    (doc,) = load_corpus(tmp_path)
    assert [p.text for p in doc.paragraphs] == texts


def test_a_repeated_paragraph_number_in_a_word_file_is_relabelled_and_the_warning_names_it():
    blocks = [Block(t, (), ()) for t in ("Judgment", "1. The claim.", "4. First four.", "5. Five.",
                                         "4. Second four.")]
    warnings = []
    doc = parse_blocks("j.docx", DocumentText(blocks, title="Judgment", kind="docx"), warn=warnings.append)
    assert [p.label for p in doc.paragraphs] == ["1", "4", "5", "4-2"]
    assert warnings == ["j.docx: paragraph number 4 occurs more than once; later ones are labelled 4-2, 4-3, ..."]


def test_in_a_pdf_a_web_address_a_formula_or_a_table_row_is_not_taken_for_a_heading():
    """Short unpunctuated lines of a PDF that are headings by shape but not by content: the text under them keeps
    the section it is in. In a typed text file the same lines stay headings: the user wrote them as such."""
    lines = ["Regulators", "Biocides are regulated by the HSE.", "Medicines advice is at https://info.mhra.gov.uk/forms",
             "The MHRA regulates medicines.", "Score = 2 x J x 2", "The index is computed from titles.",
             "Bibliography entries 27.6 21.9", "Most entries are linked.", "Heard on 22 November 2011",
             "The appeal was dismissed."]
    doc = parse_blocks("g.pdf", DocumentText([Block(t, (1,), (0,)) for t in lines], title="Guidance", kind="pdf"))
    sections = {p.text: p.section for p in doc.paragraphs}
    assert sections["The MHRA regulates medicines."] == "Regulators"
    assert sections["The index is computed from titles."] == "Regulators"
    assert sections["Most entries are linked."] == "Regulators"
    # a date is no table row: the last short line is a heading as before
    assert sections["The appeal was dismissed."] == "Heard on 22 November 2011"
    typed = parse_document("g.txt", "Guidance\n\nResults for 2019, 2020 and 2021\n\nSales grew.\n\n"
                                    "Version 2.1 released March 2020\n\nIt fixed bugs.\n")
    assert [(p.section, p.text) for p in typed.paragraphs] == [("Results for 2019, 2020 and 2021", "Sales grew."),
                                                                ("Version 2.1 released March 2020", "It fixed bugs.")]

def test_footnote_calls_on_a_line_of_their_own_join_the_paragraph_before_and_are_no_paragraph():
    """The printed Wikipedia page: the infobox's "£2.1 billion ... for 2011–12" is followed by "[2]" on a line of
    its own, which became a paragraph that a question about the budget was answered from."""
    source = pdf_blocks(("Annual budget", 1), ("£2.1 billion (current) for 2011–12", 1), ("[2]", 1),
                        ("The Cabinet Office supports the prime minister.", 1), ("[3][4]", 2),
                        ("Functions", 2), ("[a]", 2), ("It coordinates policy.", 2))
    doc = parse_blocks("office.pdf", source)
    assert [(p.label, p.section, p.text) for p in doc.paragraphs] == [
        ("1", "Annual budget", "£2.1 billion (current) for 2011–12 [2]"),
        ("2", "Annual budget", "The Cabinet Office supports the prime minister. [3][4]"),
        ("3", "Functions", "It coordinates policy.")]
    assert doc.paragraphs[1].pages == (1, 2)
