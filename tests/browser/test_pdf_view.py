"""A PDF citation in Chromium: the chip opens the printed page as an image, the cited paragraph outlined and the
quoted sentence highlighted on it (boxes from PDFium's character positions); other pages open from the picker."""
import os
from pathlib import Path

import pytest

from tests.browser.conftest import CHROMIUM, PROJECT, ask, opened_page

QUESTION = "What risks from the ongoing conflict in the Middle East does the declaration recognise?"


@pytest.fixture(scope="module")
def pdf_app_url(tmp_path_factory):
    """The app over a folder holding the declaration as a PDF (header, footer, a page break inside ¶6)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not found: install it with `apt-get install chromium` to run the browser tests")
    from pdfgen import Layout, make_pdf
    from serve import running_app

    from index.corpus import parse_document
    from index.readers.text import text_blocks

    tmp = tmp_path_factory.mktemp("pdf-ui")
    docs = tmp / "docs"
    docs.mkdir()
    text = (PROJECT / "seeds" / "003_34a20148922fa9fb.txt").read_text(encoding="utf-8")
    blocks = text_blocks(text)
    txt = parse_document("x.txt", text)
    headings = {0} | {i for i, b in enumerate(blocks) if b in {h for h, _ in txt.headings}}
    para6 = next(i for i, b in enumerate(blocks) if b.startswith("6. "))
    make_pdf(docs / "declaration.pdf", blocks, Layout(header=txt.title, footer="Page {page}", headings=headings,
                                                       break_in={para6: 4}))
    with running_app(tmp / "index", tmp / "server.log", "--docs", str(docs)) as url:
        yield url


@pytest.fixture
def pdf_page(browser, pdf_app_url, request):
    with opened_page(browser, pdf_app_url, request.node.name) as (pg, _):
        yield pg


def test_pdf_citation_opens_the_page_with_the_quote_highlighted(pdf_page):
    pg = pdf_page
    ask(pg, QUESTION)
    chip = pg.locator("#answer .answer .cite-chip").first
    chip.wait_for(timeout=60000)
    assert chip.inner_text().endswith("¶6, pp. 1–2")
    chip.click()
    figure = pg.locator("#page-view figure.page-view")
    figure.wait_for(state="visible", timeout=30000)
    assert figure.locator("figcaption").inner_text() == ("Japan-UK Joint Declaration on Economic Security "
                                                         "Cooperation, p. 2, ¶6 outlined")
    assert figure.locator("img").evaluate("img => img.complete && img.naturalWidth > 800")
    assert figure.locator(".quote-box").count() >= 1
    assert figure.locator(".para-box").count() >= 2  # the lines of ¶6 that are on page 2
    # the highlight sits on the page image and has been scrolled into view
    pg.wait_for_function("() => { const q = document.querySelector('#page-view .quote-box').getBoundingClientRect();"
                         " const i = document.querySelector('#page-view img').getBoundingClientRect();"
                         " return q.width > 20 && q.left >= i.left && q.right <= i.right + 1 && q.top >= 0"
                         " && q.bottom <= window.innerHeight; }", timeout=30000)
    # the text view of the same document is right below, at the same paragraph
    target = pg.locator("#doc-view .para.target")
    assert "Recognising heightened risks" in target.inner_text() and "pp. 1–2" in target.inner_text()
    if os.environ.get("UPDATE_DOCS_SCREENSHOT"):
        pg.screenshot(path=str(PROJECT / "docs" / "pdf-page-checked.png"), full_page=False)


def test_page_picker_shows_another_page_without_highlights(pdf_page):
    pg = pdf_page
    pg.get_by_role("tab", name="Documents").click()
    figure = pg.locator("#page-view figure.page-view")
    figure.wait_for(state="visible", timeout=30000)
    assert figure.locator("figcaption").inner_text().endswith(", p. 1")
    picker = pg.locator("#page-pick input")
    picker.click()
    pg.get_by_role("option", name="3").click()
    pg.wait_for_function("() => document.querySelector('#page-view figcaption').innerText.endsWith(', p. 3')",
                         timeout=60000)
    assert pg.locator("#page-view .quote-box").count() == 0
