"""Page images and highlight boxes for the PDF page view: rendered once and cached, a quote found on its page
whatever the hyphenation and line breaks, and only the part of a paragraph printed on a page."""

from index.corpus import load_corpus
from index.page_view import page_image, page_index, page_text_of, text_boxes
from pdfgen import Layout, make_pdf

BLOCKS = ["Harbour Report",
          "1. The committee met in the town hall and reviewed the state of the harbour walls, the moorings, the "
          "slipway and the old customs house in great detail over several long sessions during the dark winter "
          "months before the new year. The harbour of Portwick will be dredged in spring to admit larger ships.",
          "2. The lighthouse is funded by the regional council and its internationalisation programme."]


def report(tmp_path):
    path = tmp_path / "report.pdf"
    make_pdf(path, BLOCKS, Layout(header="Harbour Report", break_in={1: 2}))
    return path


def test_page_image_is_rendered_once_and_cached(tmp_path):
    path = report(tmp_path)
    first = page_image(path, 1, tmp_path / "cache")
    assert first.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and first.parent.parent.name == "pages"
    mtime = first.stat().st_mtime_ns
    assert page_image(path, 1, tmp_path / "cache") == first and first.stat().st_mtime_ns == mtime


def test_quote_boxes_on_its_page_and_paragraph_part_per_page(tmp_path):
    path = report(tmp_path)
    (doc,) = load_corpus(tmp_path)
    para = doc.paragraphs[0]
    assert doc.page_labels == (1, 2) and para.pages == (1, 2)
    assert page_index(list(doc.page_labels), 2) == 1 and page_index([1, 2], 7) is None
    on_two = page_text_of(para, 2)
    assert on_two.endswith("admit larger ships.") and not on_two.startswith("The committee")
    quote = "The harbour of Portwick will be dredged in spring to admit larger ships."
    para_boxes, quote_boxes, missing = text_boxes(path, 1, [on_two, quote, "Nothing like this is printed."])
    assert len(para_boxes) >= 1 and len(quote_boxes) >= 1 and missing == []
    for left, top, width, height in para_boxes + quote_boxes:
        assert 0 <= left < 1 and 0 <= top < 1 and 0 < width <= 1 and 0 < height < 0.05
    # the header (the top line of the page) is not part of the paragraph's boxes
    assert min(top for _, top, _, _ in para_boxes) > 0.06
    # a quote that runs onto the next page is highlighted as far as it goes on this one
    (first_part,) = text_boxes(path, 0, [para.text])
    assert first_part


def test_hyphenated_words_on_the_page_still_match(tmp_path):
    path = tmp_path / "h.pdf"
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path))
    c.setFont("Helvetica", 11)
    for n, line in enumerate(["We will recog-", "nise the internation-", "alisation of ports."]):
        c.drawString(72, 720 - 14 * n, line)
    c.save()
    (boxes,) = text_boxes(path, 0, ["We will recognise the internationalisation of ports."])
    assert len(boxes) == 3  # one box per printed line
