"""The Word reader on files generated with python-docx: automatic numbering ("List Number", numbering set on the
paragraph or through its style) becomes the labels, headings become sections, broken files are refused."""
import zipfile

import pytest

from index.corpus import load_corpus, parse_blocks
from index.readers import read_document, sniff

docx = pytest.importorskip("docx")


def numbered_docx(path, title="Harbour Decision"):
    d = docx.Document()
    d.add_paragraph(title)
    d.add_heading("Background", level=1)
    for text in ("The harbour of Portwick will be dredged in spring.",
                 "Funding comes from the regional council.",
                 "The lighthouse will be repainted."):
        d.add_paragraph(text, style="List Number")
    d.add_paragraph("“A quoted passage of the regulation, which belongs to the paragraph above.”")
    d.add_heading("Decision", level=1)
    d.add_paragraph("The works are approved.", style="List Number")
    d.add_paragraph("Signed at Portwick on 4 March 2026.")
    d.save(str(path))


def test_word_automatic_numbers_become_labels(tmp_path):
    numbered_docx(tmp_path / "decision.docx")
    doc = parse_blocks("decision.docx", read_document(tmp_path / "decision.docx"))
    assert doc.kind == "docx" and doc.title == "Harbour Decision"
    assert [p.label for p in doc.paragraphs] == ["1", "2", "3", "4", "S1"]
    assert [p.section for p in doc.paragraphs] == ["Background", "Background", "Background", "Decision", ""]
    assert doc.paragraphs[0].text == "The harbour of Portwick will be dredged in spring."
    # the unnumbered quote under ¶3 is part of ¶3, as a court cites it
    assert doc.paragraphs[2].text == ("The lighthouse will be repainted. “A quoted passage of the regulation, which "
                                      "belongs to the paragraph above.”")
    assert doc.paragraphs[4].text == "Signed at Portwick on 4 March 2026."
    assert all(p.pages == () for p in doc.paragraphs)


def test_numbering_set_on_the_paragraph_with_a_start_override(tmp_path):
    """numPr on the paragraph itself (not via its style), and a list instance that starts at 7."""
    from docx.oxml.ns import qn
    from lxml import etree

    numbered_docx(tmp_path / "base.docx")
    d = docx.Document(str(tmp_path / "base.docx"))
    numbering = d.part.numbering_part.element
    list_number = d.styles["List Number"].element.pPr.numPr.numId.val
    abstract = next(n for n in numbering.iter(qn("w:num")) if n.get(qn("w:numId")) == str(list_number))
    abstract_id = abstract.find(qn("w:abstractNumId")).get(qn("w:val"))
    num = etree.SubElement(numbering, qn("w:num"), {qn("w:numId"): "77"})
    etree.SubElement(num, qn("w:abstractNumId"), {qn("w:val"): abstract_id})
    override = etree.SubElement(num, qn("w:lvlOverride"), {qn("w:ilvl"): "0"})
    etree.SubElement(override, qn("w:startOverride"), {qn("w:val"): "7"})
    body = docx.Document()
    body.add_paragraph("Annex")
    for text in ("Seventh point of the annex.", "Eighth point of the annex."):
        p = body.add_paragraph(text)
        ppr = p._p.get_or_add_pPr()
        numpr = etree.SubElement(ppr, qn("w:numPr"))
        etree.SubElement(numpr, qn("w:ilvl"), {qn("w:val"): "0"})
        etree.SubElement(numpr, qn("w:numId"), {qn("w:val"): "77"})
    # graft the numbering definitions onto the new document
    target = body.part.numbering_part.element
    for child in list(target):
        target.remove(child)
    for child in numbering:
        target.append(child)
    body.save(str(tmp_path / "annex.docx"))
    doc = parse_blocks("annex.docx", read_document(tmp_path / "annex.docx"))
    assert [(p.label, p.text) for p in doc.paragraphs] == [("7", "Seventh point of the annex."),
                                                          ("8", "Eighth point of the annex.")]


def test_a_judgments_cover_page_is_quotable_text_not_a_stack_of_headings(tmp_path):
    """A judgment opens with its court, judge, parties and counsel, one short line each; as headings they were
    sections nothing could quote, so "Who decided?" had no sentence to answer with. Runs of such lines before the
    first numbered paragraph are one paragraph each; the line just above it stays its heading."""
    d = docx.Document()
    d.add_paragraph("Neutral Citation Number: [2022] EWHC 1 (Ch)")
    for line in ("Case No: C31BS166", "IN THE HIGH COURT OF JUSTICE", "Bristol Civil Justice Centre",
                 "Date: 9 June 2022", "Before :", "HHJ PAUL MATTHEWS",
                 "- - - - - - - - - - -", "Between :", "JOHN MICHAEL GEE", "Claimant/", "Applicant", "- and -",
                 "ROBERT GEE", "Defendant/", "Respondent", "- - - - - - - - - - -",
                 "William Moffett (instructed by Thrings LLP) for the Claimant", "Hearing dates: 11 March 2022",
                 "Introduction",
                 "1. This is my judgment on an application by the claimant for orders against the defendant.",
                 "2. The claimant owns half of the farm.", "3. The defendant owns the rest.",
                 "4. The tenancy was surrendered in 2020.", "5. The application is dismissed."):
        d.add_paragraph(line)
    d.save(str(tmp_path / "judgment.docx"))
    doc = parse_blocks("judgment.docx", read_document(tmp_path / "judgment.docx"))
    assert doc.title == "Neutral Citation Number: [2022] EWHC 1 (Ch)"
    texts = [p.text for p in doc.paragraphs]
    assert ("Case No: C31BS166 / IN THE HIGH COURT OF JUSTICE / Bristol Civil Justice Centre / Date: 9 June 2022"
            in texts)
    assert "Before : HHJ PAUL MATTHEWS" in texts  # a label starts a run of its own
    assert "Between : JOHN MICHAEL GEE / Claimant/Applicant / - and - / ROBERT GEE / Defendant/Respondent" in texts
    assert ("William Moffett (instructed by Thrings LLP) for the Claimant / Hearing dates: 11 March 2022") in texts
    first = next(p for p in doc.paragraphs if p.label == "1")
    assert first.section == "Introduction" and first.text.startswith("This is my judgment")
    assert not [p.section for p in doc.paragraphs if "MATTHEWS" in p.section or "GEE" in p.section]


def test_a_memo_with_a_short_numbered_list_has_no_cover_page(tmp_path):
    """Sentences before a three-item list are paragraphs of their own, not a cover page joined with " / "."""
    d = docx.Document()
    for line in ("Office move", "The office moves to Leeds on 3 June.", "Staff will work from home that week.",
                 "What to do", "1. Label your boxes with your name and team.", "2. Leave keys with reception.",
                 "3. Take personal items home."):
        d.add_paragraph(line)
    d.save(str(tmp_path / "memo.docx"))
    doc = parse_blocks("memo.docx", read_document(tmp_path / "memo.docx"))
    texts = [p.text for p in doc.paragraphs]
    assert texts[:2] == ["The office moves to Leeds on 3 June.", "Staff will work from home that week."]
    assert not any(" / " in t for t in texts)


def test_not_a_zip_and_zip_bomb_are_skipped_with_one_warning(tmp_path):
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 this is not really a zip file \x00\x01")
    with zipfile.ZipFile(tmp_path / "bomb.docx", "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", "<w:document/>")
        z.writestr("word/padding.bin", b"\x00" * (220 << 20))  # 220 MB of zeros: ~200 KB compressed
    (tmp_path / "ok.txt").write_text("Ok\n\nVisible text.\n")
    warnings = []
    assert [d.name for d in load_corpus(tmp_path, warn=warnings.append)] == ["ok.txt"]
    assert len(warnings) == 2
    assert warnings[0].startswith("skipped bomb.docx: the Word file would unpack to 230,686,7")
    assert "zip bomb" in warnings[0]
    assert warnings[1].startswith("skipped broken.docx: a damaged zip archive (a Word file is one) that cannot be "
                                  "opened, not read; save the document again as .docx")


def test_docx_that_is_text_is_read_as_text(tmp_path):
    (tmp_path / "notes.docx").write_text("Notes\n\nThe harbour will be dredged.\n")
    assert sniff(tmp_path / "notes.docx") == "text"
    (doc,) = load_corpus(tmp_path)
    assert doc.kind == "text" and doc.paragraphs[0].text == "The harbour will be dredged."


def test_entity_bomb_in_numbering_xml_is_not_expanded(tmp_path):
    """A "billion laughs" numbering.xml is refused with one warning, never expanded."""
    numbered_docx(tmp_path / "base.docx")
    laughs = "".join(f'<!ENTITY l{i} "{("&l%d;" % (i - 1)) * 10 if i else "lol"}">' for i in range(10))
    bomb = (f'<?xml version="1.0"?><!DOCTYPE w:numbering [{laughs}]><w:numbering xmlns:w='
            '"http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:abstractNum w:abstractNumId="9">'
            '<w:lvl w:ilvl="0"><w:lvlText w:val="&l9;"/></w:lvl></w:abstractNum></w:numbering>')
    with zipfile.ZipFile(tmp_path / "base.docx") as src, zipfile.ZipFile(tmp_path / "laughs.docx", "w") as out:
        for item in src.infolist():
            data = bomb.encode() if item.filename == "word/numbering.xml" else src.read(item.filename)
            out.writestr(item, data)
    (tmp_path / "base.docx").unlink()
    (tmp_path / "ok.txt").write_text("Ok\n\nVisible text.\n")
    warnings = []
    assert [d.name for d in load_corpus(tmp_path, warn=warnings.append)] == ["ok.txt"]
    assert len(warnings) == 1 and warnings[0].startswith("skipped laughs.docx: a damaged Word document")
    assert "amplification" in warnings[0]  # libxml2 refuses to expand it; nothing hangs or fills memory
