"""The PDF reader on PDFs generated here with reportlab (test-only dependency): numbered paragraphs under a
running header and footer, a paragraph broken across a page break, hyphenation, two columns, roman front matter,
scans, and files that cannot be read."""
import re
import shutil

import pytest

from conftest import DECLARATION, SEEDS, STATEMENT
from index.corpus import load_corpus, parse_blocks, parse_document
from index.readers import read_document
from index.readers.text import text_blocks
from pdfgen import Layout, make_pdf

pytest.importorskip("reportlab")


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def read_pdf_doc(path):
    return parse_blocks(path.name, read_document(path))


def seed_pdf(tmp_path, **layout):
    text = (SEEDS / DECLARATION).read_text(encoding="utf-8")
    blocks = text_blocks(text)
    doc = parse_document(DECLARATION, text)
    headings = {0} | {i for i, b in enumerate(blocks) if b in {h for h, _ in doc.headings}}
    para6 = next(i for i, b in enumerate(blocks) if b.startswith("6. "))
    lay = Layout(header="Japan-UK Joint Declaration on Economic Security Cooperation", footer="Page {page}",
                 break_in={para6: 4}, headings=headings, **layout)
    path = tmp_path / "declaration.pdf"
    spans = make_pdf(path, blocks, lay)
    return path, doc, dict(zip(blocks, spans))


def test_generated_pdf_of_the_declaration_gives_the_labels_and_texts_of_the_txt(tmp_path):
    """Issue #11 target: header, footer, a page break inside ¶6, hyphenation -> labels 1-16 and S1-S2, the same
    texts (whitespace aside), pages right."""
    path, txt, spans = seed_pdf(tmp_path)
    pdf = read_pdf_doc(path)
    assert [p.label for p in pdf.paragraphs] == [str(i) for i in range(1, 17)] + ["S1", "S2"]
    assert [p.label for p in pdf.paragraphs] == [p.label for p in txt.paragraphs]
    assert [norm(p.text) for p in pdf.paragraphs] == [norm(p.text) for p in txt.paragraphs]
    assert [p.section for p in pdf.paragraphs] == [p.section for p in txt.paragraphs]
    assert pdf.title == txt.title
    for p in pdf.paragraphs:
        assert "Page " not in p.text  # the footer never lands inside a paragraph
        assert p.text.count("Japan-UK Joint Declaration on Economic Security Cooperation") == 0
    para6 = next(p for p in pdf.paragraphs if p.label == "6")
    assert para6.pages == (1, 2)
    # the page starts exactly where the fifth line of ¶6 begins (the break was forced after four lines)
    assert para6.text[para6.page_starts[1]:].startswith("Recognising heightened")
    assert para6.page_of(0) == 1 and para6.page_of(len(para6.text) - 1) == 2
    by_text = {norm(b): s for b, s in spans.items()}
    for p in pdf.paragraphs:
        text = norm(p.text.split(" / ")[0])
        first = next(s[0] for b, s in by_text.items() if text[:60] in b)
        last = next(s[1] for b, s in by_text.items() if text[-60:] in b)
        assert (p.pages[0], p.pages[-1]) == (first, last), p.label
        assert len(p.pages) == len(p.page_starts) and p.page_starts[0] == 0


def test_generated_pdf_of_the_joint_statement_matches_its_txt(tmp_path):
    """The other seed: dateline, source URL, headings, two paragraphs broken across pages, "rules-" / "based"."""
    text = (SEEDS / STATEMENT).read_text(encoding="utf-8")
    blocks = text_blocks(text)
    txt = parse_document(STATEMENT, text)
    headings = {0} | {i for i, b in enumerate(blocks) if b in {h for h, _ in txt.headings}}
    first_long = next(i for i, b in enumerate(blocks) if len(b.split()) > 60)
    path = tmp_path / "statement.pdf"
    make_pdf(path, blocks, Layout(header=txt.title, footer="Page {page}", headings=headings,
                                  break_in={first_long: 3}))
    pdf = read_pdf_doc(path)
    assert [p.label for p in pdf.paragraphs] == [p.label for p in txt.paragraphs]
    assert [norm(p.text) for p in pdf.paragraphs] == [norm(p.text) for p in txt.paragraphs]
    assert [p.section for p in pdf.paragraphs] == [p.section for p in txt.paragraphs]
    assert (pdf.title, pdf.dateline, pdf.source_url) == (txt.title, txt.dateline, txt.source_url)
    assert sum(len(p.pages) > 1 for p in pdf.paragraphs) >= 2


def test_the_generated_pdf_really_hyphenates_and_breaks_pages(tmp_path):
    """Guards the test above: the PDF has hyphenated line ends and more than one page."""
    import pypdfium2 as pdfium

    path, _, _ = seed_pdf(tmp_path)
    pdf = pdfium.PdfDocument(str(path))
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert len(pdf) >= 3 and text.count("\ufffe") >= 3


def test_hyphens_are_removed_in_split_words_and_kept_in_compounds(tmp_path):
    blocks = ["Hyphen Test", "We recog- nise the rules. We oppose non- market policies under the Trans- Pacific "
              "agreement, and we recognise the need for market reform."]
    from reportlab.pdfgen import canvas

    path = tmp_path / "h.pdf"
    c = canvas.Canvas(str(path))
    c.setFont("Helvetica", 11)
    c.drawString(72, 760, "Hyphen Test")
    for n, line in enumerate(["We will recog-", "nise the rules. We oppose non-", "market policies under the Trans-",
                              "Pacific agreement, and we recognise the need for market reform."]):
        c.drawString(72, 720 - 14 * n, line)
    c.save()
    (para,) = read_pdf_doc(path).paragraphs
    assert para.text == ("We will recognise the rules. We oppose non-market policies under the Trans-Pacific "
                         "agreement, and we recognise the need for market reform.")
    assert blocks


def draw_pdf(path, *pages):
    """A PDF drawn line by line: each page a list of (font, size, x, y, text)."""
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path))
    for i, lines in enumerate(pages):
        if i:
            c.showPage()
        for font, size, x, y, text in lines:
            c.setFont(font, size)
            c.drawString(x, y, text)
    c.save()
    return read_pdf_doc(path)


def test_a_run_in_heading_stays_in_its_paragraph_and_a_table_header_is_no_section(tmp_path):
    """A paper's bold run-in heading ("Selecting PDFs We remove...") opens a body line: the paragraph is not cut
    after that line. A table's bold header row ("Filter      Number of papers") is short and unpunctuated like a
    heading, but its wide column gap says it is a row: the text after the table stays in its real section."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    bold, body = ("Helvetica-Bold", 11), ("Helvetica", 11)
    doc = draw_pdf(tmp_path / "paper.pdf", [
        ("Helvetica-Bold", 16, 72, 780, "Corpus Report"),
        (*bold, 72, 740, "2 Processing"),
        (*bold, 72, 712, "Selecting PDFs"),
        (*body, 72 + stringWidth("Selecting PDFs ", *bold), 712, "We remove PDFs which are less"),
        (*body, 72, 698, "likely to be academic papers, such as slides and reports."),
        (*bold, 72, 660, "Filter"), (*bold, 300, 660, "Number of papers"),
        (*body, 72, 646, "No title"), (*body, 300, 646, "20k"),
        (*body, 72, 610, "The remaining papers are kept for the corpus.")])
    by_start = {p.text.split(".")[0]: p for p in doc.paragraphs}
    run_in = by_start["Selecting PDFs We remove PDFs which are less likely to be academic papers, such as slides and "
                      "reports"]
    assert run_in.section == "2 Processing"
    assert by_start["The remaining papers are kept for the corpus"].section == "2 Processing"
    assert [h for h, _ in doc.headings] == ["2 Processing"]


def test_a_numbered_paragraph_with_a_hanging_indent_is_joined_across_a_page_break(tmp_path):
    """"4." at the margin and its text at a tab leave a gap as wide as a table's: the paragraph is still one
    paragraph when a page break (and a caption) cuts it ("...found that the de-" / "fendant had failed...")."""
    times = ("Times-Roman", 12)
    first = [("Helvetica-Bold", 16, 72, 770, "Judgment of the Court")]
    y = 730
    for n in (1, 2, 3, 4):
        last = "works were needed, and she found that the de-" if n == 4 else "the terms of the lease agreement."
        first += [(*times, 72, y, f"{n}."), (*times, 108, y, "The claimant brought proceedings against the defendant "
                                             "for breach of"), (*times, 108, y - 14, last)]
        y -= 38
    second = [("Times-Italic", 9, 72, 770, "Figure 1: Service charge demands by year"),
              (*times, 108, 740, "fendant had failed to show that the works were unnecessary."),
              (*times, 72, 716, "5."), (*times, 108, 716, "The appeal is dismissed.")]
    doc = draw_pdf(tmp_path / "judgment.pdf", first, second)
    by_label = {p.label: p.text for p in doc.paragraphs}
    assert "she found that the defendant had failed to show that the works were unnecessary." in by_label["4"]
    assert not any(t.startswith("fendant") for t in by_label.values())


def _titled_pdf(path, big: str, title_property: str = ""):
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path))
    if title_property:
        c.setTitle(title_property)
    c.setFont("Helvetica-Bold", 24)
    c.drawString(72, 760, big)
    c.setFont("Helvetica", 11)
    c.drawString(72, 700, "Use local exhaust ventilation when you laminate with isocyanate adhesives.")
    c.save()
    return read_pdf_doc(path)


def test_the_title_is_the_largest_type_unless_the_title_property_holds_it_and_says_more(tmp_path):
    sheet = _titled_pdf(tmp_path / "p43.pdf", "P43", "P43 - COSHH essentials in the printing industry")
    assert sheet.title == "P43 - COSHH essentials in the printing industry"
    report = _titled_pdf(tmp_path / "report.pdf", "Harbour Report", "Microsoft Word - draft7.docx")
    assert report.title == "Harbour Report"  # a property that does not hold the title is not used
    ocr = _titled_pdf(tmp_path / "scanned-web-page.pdf", "| = 10 External links |")
    assert ocr.title == "scanned web page"  # no text at all: the file's name, not OCR debris
    from pathlib import Path

    from index.readers.pdf import _title

    # a printer driver's property is no title; titles made of figures are titles
    assert _title("Annual Report", "Microsoft Word - Annual Report 2019.docx", Path("a.pdf")) == "Annual Report"
    assert _title("1984", "", Path("novel.pdf")) == "1984"
    assert _title("2023/24 Budget", "Budget", Path("b.pdf")) == "2023/24 Budget"


def test_two_columns_are_read_column_by_column(tmp_path):
    paras = [f"Paragraph number {i} talks about topic {i} in several words so that it wraps over more than one "
             f"line of the narrow column, ending here {i}." for i in range(1, 31)]
    path = tmp_path / "cols.pdf"
    make_pdf(path, ["Two Column Report"] + paras, Layout(columns=2, header="Two Column Report", headings={0}))
    doc = read_pdf_doc(path)
    assert [norm(p.text) for p in doc.paragraphs] == paras
    assert doc.paragraphs[0].pages == (1,) and doc.paragraphs[-1].pages[-1] == 2


def test_roman_front_matter_uses_the_pdf_page_labels(tmp_path):
    paras = [f"Statement {i} of the preface and the body is a complete sentence of some length, so that the "
             f"pages fill up after a few of them {i}." for i in range(1, 61)]
    path = tmp_path / "roman.pdf"
    spans = make_pdf(path, ["A Book"] + paras, Layout(roman_pages=2, footer="{page}", headings={0}))
    doc = read_pdf_doc(path)
    assert [norm(p.text) for p in doc.paragraphs] == paras
    assert doc.paragraphs[0].pages == ("i",)
    assert [(p.pages[0], p.pages[-1]) for p in doc.paragraphs] == spans[1:]
    assert any(p.pages == (1,) for p in doc.paragraphs)
    body = next(p for p in doc.paragraphs if p.pages == (1,))
    assert body.pdf_pages == (3,) and doc.paragraphs[0].pdf_pages == (1,)  # printed 1 is the file's third page


def test_encrypted_pdf_is_skipped_with_its_warning_and_the_rest_indexed(tmp_path):
    make_pdf(tmp_path / "secret.pdf", ["Secret", "Hidden text here."], Layout(password="pw"))
    (tmp_path / "ok.txt").write_text("Ok\n\nVisible text.\n")
    warnings = []
    docs = load_corpus(tmp_path, warn=warnings.append)
    assert [d.name for d in docs] == ["ok.txt"]
    assert warnings == ["skipped secret.pdf: encrypted, not read (the PDF needs a password); "
                        "save a copy without a password to index it"]


@pytest.mark.parametrize("content, problem", [
    (b"%PDF-1.7\n1 0 obj garbage that is not a pdf\n", "damaged PDF, not read"),
    ("truncated", "damaged PDF, not read"),
    ("zero", "the PDF has no pages"),
    ("blank", "no text found in the PDF"),
])
def test_unreadable_pdfs_get_one_warning_naming_the_file(tmp_path, content, problem):
    import pypdfium2 as pdfium

    path = tmp_path / "bad.pdf"
    if content == "truncated":
        make_pdf(tmp_path / "full.bin", ["Title", "Some text."])
        path.write_bytes((tmp_path / "full.bin").read_bytes()[:400])
    elif content in ("zero", "blank"):
        new = pdfium.PdfDocument.new()
        if content == "blank":
            new.new_page(595, 842)
        new.save(str(path))
    else:
        path.write_bytes(content)
    (tmp_path / "ok.txt").write_text("Ok\n\nVisible text.\n")
    warnings = []
    assert [d.name for d in load_corpus(tmp_path, warn=warnings.append)] == ["ok.txt"]
    assert len(warnings) == 1 and warnings[0].startswith("skipped bad.pdf: ") and problem in warnings[0]


def scanned_pdf(path):
    """A one-page PDF holding only an image of printed text (a scan)."""
    from PIL import Image, ImageDraw, ImageFont
    from reportlab.pdfgen import canvas

    image = Image.new("L", (2480, 3508), 255)
    draw = ImageDraw.Draw(image)
    try:
        font = ImageFont.truetype("DejaVuSans.ttf", 60)
    except OSError:
        font = ImageFont.load_default(size=60)
    draw.text((250, 300), "Scanned Report", font=font, fill=0)
    draw.text((250, 500), "The harbour of Portwick will be dredged in spring.", font=font, fill=0)
    png = path.with_suffix(".png")
    image.save(png)
    c = canvas.Canvas(str(path))
    w, h = c._pagesize
    c.drawImage(str(png), 0, 0, w, h)
    c.save()
    png.unlink()


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract-ocr is not installed (apt-get install "
                    "tesseract-ocr; .ci/run installs it)")
def test_scanned_pdf_is_read_by_ocr(tmp_path):
    scanned_pdf(tmp_path / "scan.pdf")
    doc = read_pdf_doc(tmp_path / "scan.pdf")
    assert doc.title == "Scanned Report"
    assert [norm(p.text) for p in doc.paragraphs] == ["The harbour of Portwick will be dredged in spring."]
    assert doc.paragraphs[0].pages == (1,)


def test_scanned_pdf_without_tesseract_warns_naming_file_and_pages(tmp_path, monkeypatch):
    import index.readers.pdf as pdf_reader

    monkeypatch.setattr(pdf_reader.shutil, "which", lambda name: None)
    scanned_pdf(tmp_path / "scan.pdf")
    (tmp_path / "ok.txt").write_text("Ok\n\nVisible text.\n")
    warnings = []
    assert [d.name for d in load_corpus(tmp_path, warn=warnings.append)] == ["ok.txt"]
    assert warnings == ["skipped scan.pdf: no text found in the PDF (pages 1 are scanned images without a text "
                        "layer, not read; install tesseract-ocr (apt-get install tesseract-ocr) to read them by "
                        "OCR), not read"]


def test_a_long_pdf_reports_progress_while_it_is_read(tmp_path, monkeypatch):
    """A 1,000-page PDF takes ~10 s: the reader logs "progress:" lines (every 5 s; here every page)."""
    import index.readers.pdf as pdf_reader

    monkeypatch.setattr(pdf_reader, "PROGRESS_SECONDS", 0.0)
    make_pdf(tmp_path / "long.pdf", ["Long"] + [f"Paragraph {i} is here and ends." for i in range(200)])
    lines = []
    (doc,) = load_corpus(tmp_path, progress=lines.append)
    assert len(doc.paragraphs) == 200
    assert lines and all(re.fullmatch(r"progress: long\.pdf: \d+ of \d+ pages read \(\d+ s\)", m) for m in lines)
    assert lines[-1].startswith(f"progress: long.pdf: {lines[-1].split(' of ')[1].split()[0]} of")
