"""The HTML reader on small pages: navigation, cookie banners, share links, footers and scripts never become
paragraphs, headings become sections, `<ol start>` numbers are kept, nothing is executed or fetched."""
from index.corpus import load_corpus, parse_blocks
from index.readers import read_document, sniff

ARTICLE = """<!DOCTYPE html>
<html><head><title>Harbour Works Announced | Portwick Council</title>
<meta property="og:url" content="https://portwick.example/news/harbour">
<meta name="date" content="2026-03-04">
<script>document.write("INJECTED SCRIPT TEXT"); fetch("https://evil.example/x");</script>
<style>.x {{ color: red }}</style></head>
<body onload="alert('ONLOAD HANDLER')">
<div id="cookie-banner" class="cookie-consent">We use cookies to improve your experience. Accept all cookies?</div>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/news">News and press releases</a></li>
<li><a href="/contact">Contact the council offices</a></li></ul></nav></header>
<main><article>
<h1>Harbour Works Announced</h1>
<p>The harbour of Portwick will be dredged in spring to admit larger ships, the council said on Tuesday.</p>
<p onclick="steal()">Funding for the dredging comes from the regional council and a national grant of two million.</p>
<h2>What happens next</h2>
<p>Residents can comment on the plans at the town hall until the end of the month, the council added.</p>
<ol start="4">
<li>The dredging contract will be awarded to the lowest compliant bidder in April.</li>
<li>Work on the northern quay starts once the fishing season has closed in May.</li>
</ol>
<div class="share-links"><a href="#">Share this article on social media with your friends</a></div>
{extra}
</article></main>
<footer><p>Copyright Portwick Council 2026. All rights reserved. Privacy policy and terms of use.</p></footer>
<script>var tracking = "TRACKING SCRIPT";</script>
</body></html>
"""


def html_doc(tmp_path, extra="", name="page.html"):
    path = tmp_path / name
    path.write_text(ARTICLE.format(extra=extra), encoding="utf-8")
    return parse_blocks(path.name, read_document(path))


def test_main_text_only_with_sections_title_and_metadata(tmp_path):
    doc = html_doc(tmp_path)
    texts = [p.text for p in doc.paragraphs]
    assert texts[:3] == [
        "The harbour of Portwick will be dredged in spring to admit larger ships, the council said on Tuesday.",
        "Funding for the dredging comes from the regional council and a national grant of two million.",
        "Residents can comment on the plans at the town hall until the end of the month, the council added."]
    assert doc.title == "Harbour Works Announced"
    assert doc.source_url == "https://portwick.example/news/harbour"
    assert doc.dateline == "2026-03-04"
    assert [p.section for p in doc.paragraphs] == ["", "", "What happens next", "What happens next",
                                                   "What happens next"]
    everything = " ".join(texts)
    for junk in ("cookies", "Home", "News and press", "Share this", "Copyright", "INJECTED", "TRACKING", "ONLOAD",
                 "alert", "steal"):
        assert junk not in everything
    assert all(p.pages == () and p.page_starts == () for p in doc.paragraphs)


def test_a_paragraph_with_citation_markers_is_kept_without_them(tmp_path):
    """Wikipedia's footnote markers (`<sup class="reference">[5]</sup>`): trafilatura keeps "[5]" in its text, the
    boilerplate filter drops the marker, and the paragraph must still count as main content (the duck page lost
    14 of its 33 paragraphs to this)."""
    cited = ('<h2>Distribution</h2><p>Dredgers of this class work in every harbour of the coast except the'
             ' northern one.<sup id="cite_ref-5" class="reference"><a href="#cite_note-5">[5]</a></sup> Several'
             ' of them are owned by the council itself.<sup class="reference"><a href="#n">[a]</a></sup></p>')
    doc = html_doc(tmp_path, extra=cited)
    texts = [p.text for p in doc.paragraphs]
    assert ("Dredgers of this class work in every harbour of the coast except the northern one. Several of them"
            " are owned by the council itself.") in texts
    assert next(p for p in doc.paragraphs if p.text.startswith("Dredgers")).section == "Distribution"


def test_list_items_are_paragraphs_of_their_own_even_without_final_punctuation(tmp_path):
    """A blog's bullet list: an item that ends in a name ("...into Firefox") was joined with the next item as if a
    page break had cut a sentence (the Firefox blog had 45 paragraphs instead of 67)."""
    items = ('<h2>Highlights</h2><ul><li>Thanks to evilpie, users can now import logins from Keepass into Firefox</li>'
             '<li>From Firefox 85 it is now possible to disable tab-to-search on a per-engine basis</li></ul>')
    doc = html_doc(tmp_path, extra=items)
    texts = [p.text for p in doc.paragraphs]
    assert "Thanks to evilpie, users can now import logins from Keepass into Firefox" in texts
    assert "From Firefox 85 it is now possible to disable tab-to-search on a per-engine basis" in texts


def test_ordered_list_start_numbers_are_what_the_reader_sees(tmp_path):
    doc = html_doc(tmp_path)
    assert [p.text[:6] for p in doc.paragraphs[3:]] == ["4. The", "5. Wor"]
    assert [p.label for p in doc.paragraphs] == ["1", "2", "3", "4", "5"]


def test_a_page_numbered_by_its_ordered_list_keeps_the_numbers_as_labels(tmp_path):
    items = "".join(f"<li>Point number {n} of the statement is a full sentence about the harbour.</li>"
                    for n in range(7, 14))
    doc = html_doc(tmp_path, extra=f'<ol start="7">{items}</ol>')
    labels = [p.label for p in doc.paragraphs]
    assert labels[-7:] == [str(n) for n in range(7, 14)]
    assert doc.paragraphs[-1].text == "Point number 13 of the statement is a full sentence about the harbour."


def test_file_named_pdf_holding_html_is_read_as_html(tmp_path):
    (tmp_path / "lies.pdf").write_text(ARTICLE.format(extra=""), encoding="utf-8")
    assert sniff(tmp_path / "lies.pdf") == "html"
    (doc,) = load_corpus(tmp_path)
    assert doc.kind == "html" and doc.title == "Harbour Works Announced"


def test_page_of_menus_only_is_skipped_with_a_warning(tmp_path):
    (tmp_path / "menu.html").write_text("<html><body><nav><a href='/'>Home</a></nav></body></html>")
    (tmp_path / "ok.txt").write_text("Ok\n\nVisible text.\n")
    warnings = []
    assert [d.name for d in load_corpus(tmp_path, warn=warnings.append)] == ["ok.txt"]
    assert len(warnings) == 1 and warnings[0].startswith("skipped menu.html: no main text found")
