"""Readers: one per kind of file, chosen by what the file contains, not by its name.

Every reader turns a file into a `DocumentText`: the document's metadata and its text blocks in reading order,
each block knowing the printed pages it spans. `index.corpus` turns blocks into numbered Paragraphs with one
labelling rule for every kind of file, so the readers only have to find the text, not number it.

Kinds (sniffed from the first bytes): PDF (`%PDF`), DOCX (a zip holding word/document.xml), HTML (markup near
the start), otherwise plain text (.txt/.md as before).
"""
from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from index.errors import CorpusError

DOC_SUFFIXES = (".txt", ".md", ".pdf", ".html", ".htm", ".docx")
TEXT_SUFFIXES = (".txt", ".md")
SNIFF_BYTES = 4096
_HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<meta ", b"<title")


class UnreadableError(CorpusError):
    """A file that cannot be read (encrypted, damaged, not what its name says): skipped with one warning line,
    and the rest of the folder is indexed."""


# Short lines that belong together (a closing block's signatories and titles, a cover page's court, judges and
# parties) become one paragraph joined by this; such a block states names, not facts (corpus.is_signatory_block).
NAME_LINES_JOIN = " / "


@dataclass(frozen=True)
class Block:
    """A run of text the reader saw as one unit (a paragraph, a heading or a list item).

    `pages` are the printed page labels the block spans (empty when the format has no pages) and
    `page_starts[i]` is the character offset in `text` where `pages[i]` begins (so `page_starts[0] == 0`).
    `kind` is "heading", "body" or "" (let the corpus decide from the text). `number` is the block's own
    paragraph number as the reader found it outside the text (Word's automatic numbering, `<ol start>`),
    "" when the reader knows it has none, or None to look for a typed number ("12. ...") in the text."""

    text: str
    pages: tuple = ()
    page_starts: tuple = ()
    kind: str = ""
    number: str | None = None


@dataclass
class DocumentText:
    """What a reader returns. `title` None means: the first block is the title (as in a .txt file)."""

    blocks: list[Block]
    title: str | None = None
    dateline: str = ""
    source_url: str = ""
    kind: str = "text"  # "text", "pdf", "html", "docx"
    warnings: list[str] = field(default_factory=list)
    page_labels: list = field(default_factory=list)  # PDF: the printed label of each page, in file order


def sniff(path: Path) -> str:
    """The kind of file by its content: "pdf", "docx", "zip" (a zip that is not a Word file), "damaged zip" (one
    that cannot be opened: a truncated or broken Word file), "html" or "text"."""
    with open(path, "rb") as f:
        head = f.read(SNIFF_BYTES)
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as z:
                return "docx" if "word/document.xml" in z.namelist() else "zip"
        except (zipfile.BadZipFile, OSError):
            return "damaged zip"
    low = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if low.startswith(b"<") and any(m in low for m in _HTML_MARKERS):
        return "html"
    return "text"


def _binary(path: Path) -> bool:
    with open(path, "rb") as f:
        head = f.read(SNIFF_BYTES)
    if b"\x00" in head:
        return True
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:
        return e.start < len(head) - 4  # a multi-byte character cut at the end of the sample is not binary
    return False


def read_document(path: Path, log: Callable[[str], None] = lambda msg: None) -> DocumentText:
    """Read one file with the reader its content calls for. Raises UnreadableError (skip with a warning) or,
    for a .txt/.md file that is binary or not UTF-8, CorpusError (stop: the user expects it searched)."""
    path = Path(path)
    kind = sniff(path)
    said = path.suffix.lower()
    if kind == "pdf":
        from index.readers.pdf import read_pdf

        return read_pdf(path, log)
    if kind == "docx":
        from index.readers.docx import read_docx

        return read_docx(path)
    if kind == "damaged zip":
        raise UnreadableError(f"{path.name}: a damaged zip archive (a Word file is one) that cannot be opened, not "
                              "read; save the document again as .docx, or remove it from the folder")
    if kind == "zip":
        raise UnreadableError(f"{path.name}: a zip archive that is not a Word document (no word/document.xml), "
                              "not read; save it as .docx or remove it from the folder")
    if kind == "html":
        from index.readers.html import read_html

        return read_html(path)
    from index.readers.text import read_plain

    if said in (".pdf", ".docx") and _binary(path):
        # Not text, and no sign of another kind: a damaged file of the kind its name says; its reader says how.
        if said == ".pdf":
            from index.readers.pdf import read_pdf

            return read_pdf(path, log)
        from index.readers.docx import read_docx

        return read_docx(path)
    try:
        return read_plain(path)
    except UnreadableError:
        raise
    except CorpusError as e:
        if said in TEXT_SUFFIXES:
            raise
        raise UnreadableError(f"{e} (the name says {said}, but the content is neither that nor text)") from e
