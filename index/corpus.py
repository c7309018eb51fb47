"""Parse a folder of .txt/.md documents into citable `Paragraph` records.

Labelling rule (also in the README):
- a document that numbers its own paragraphs ("1. We, the Prime Ministers ...") keeps its numbers;
- a document that does not gets 1..N in reading order;
- in a numbered document, paragraphs after the last numbered one (the closing/signature block) are
  labelled S1, S2, ... so they can never be mistaken for one of the document's own numbers;
  short fragment lines there (signatory names and titles) are joined into one paragraph with " / ".
Headings are not paragraphs: they become the `section` of the paragraphs under them. The title (first
line), a dateline and a bare source URL are kept as document metadata. A paragraph that the source
split at a page break (one block ends mid-sentence, the next continues it) is joined again.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

DOC_SUFFIXES = (".txt", ".md")
HEADING_MAX_WORDS = 12  # a heading is a short line; longer lines are body text
SENTENCE_END = ".!?:;\"'”’)]"

_NUMBERED = re.compile(r"^(\d{1,3})\.\s+(.*)$", re.S)
_URL_ONLY = re.compile(r"^<?(https?://\S+?)>?$")
_DATE = re.compile(
    r"\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b|\b\d{1,2} (January|February|March|April|May|June|July|August|"
    r"September|October|November|December) \d{4}\b"
)
_MD_HEADING = re.compile(r"^#{1,6}\s+(.*)$")
_EMPHASIS = re.compile(r"^(\*\*|__)(.*)\1$", re.S)


class CorpusError(ValueError):
    """A documents folder or file that cannot be turned into paragraphs."""


@dataclass(frozen=True)
class Paragraph:
    """The unit of retrieval and citation: `label` is what users see ("¶8" shows label "8")."""

    doc: str  # file name, e.g. "003_34a20148922fa9fb.txt"
    title: str  # the document's first line
    label: str  # "8", or "S1" for the closing block of a numbered document
    section: str  # the heading above the paragraph ("" before the first heading)
    text: str
    id: str = field(default="")

    def __post_init__(self):
        if not self.id:
            digest = hashlib.sha1(f"{self.doc}\n{self.text}".encode()).hexdigest()[:16]
            object.__setattr__(self, "id", digest)

    def to_dict(self) -> dict:
        return {"doc": self.doc, "title": self.title, "label": self.label, "section": self.section,
                "text": self.text, "id": self.id}


@dataclass(frozen=True)
class Document:
    """One source file: its metadata and paragraphs in reading order."""

    name: str
    title: str
    dateline: str
    source_url: str
    paragraphs: tuple[Paragraph, ...]
    # (section heading, index of the first paragraph under it), for showing the document as written
    headings: tuple[tuple[str, int], ...] = ()


def _clean_block(block: str) -> str:
    """Collapse a block's line breaks and strip Markdown emphasis around the whole block."""
    text = " ".join(line.strip() for line in block.strip().splitlines() if line.strip())
    m = _EMPHASIS.match(text)
    return m.group(2).strip() if m else text


def _blocks(text: str) -> list[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    return [b for b in (_clean_block(b) for b in re.split(r"\n\s*\n", text)) if b]


def _ends_sentence(text: str) -> bool:
    return text.rstrip()[-1:] in SENTENCE_END


def _is_heading(block: str) -> bool:
    if _MD_HEADING.match(block):
        return True
    return (len(block.split()) <= HEADING_MAX_WORDS and not _ends_sentence(block)
            and block[:1].isupper() and not _NUMBERED.match(block))


def _is_metadata(block: str) -> str | None:
    """Return "url" or "dateline" for a metadata block, else None."""
    if _URL_ONLY.match(block):
        return "url"
    if _DATE.search(block) and not _ends_sentence(block) and len(block.split()) <= HEADING_MAX_WORDS:
        return "dateline"
    return None


def _join_page_breaks(blocks: list[str]) -> list[str]:
    """Join a body block that ends mid-sentence with the block that continues it after a page break."""
    out: list[str] = []
    for block in blocks:
        if out:
            prev = out[-1]
            # Lower case after an unfinished block is a continuation. Upper case is one only where a name was
            # cut in two ("...Trans-Pacific" / "Partnership (CPTPP)..."): the block ends in a capitalised word.
            last_word = prev.split()[-1]
            continues = block[:1].islower() or (
                last_word[:1].isupper() and last_word[-1:].isalpha() and not _is_heading(prev)
                and not _is_heading(block) and not _NUMBERED.match(block))
            if not _ends_sentence(prev) and continues and not _is_metadata(prev) and not _is_metadata(block):
                out[-1] = f"{prev} {block}"
                continue
        out.append(block)
    return out


def parse_document(name: str, text: str) -> Document:
    """Parse one document's text; raises CorpusError when it has no paragraphs."""
    blocks = _blocks(text)
    if not blocks:
        raise CorpusError(f"{name}: the file is empty; add text or remove it from the folder")
    title = _clean_block(_MD_HEADING.sub(r"\1", blocks[0]))
    blocks = _join_page_breaks(blocks[1:])
    numbered = sum(bool(_NUMBERED.match(b)) for b in blocks) >= 2
    last_numbered = max((i for i, b in enumerate(blocks) if _NUMBERED.match(b)), default=-1)

    dateline = source_url = section = ""
    paragraphs: list[Paragraph] = []
    headings: list[tuple[str, int]] = []
    counter = closing = 0
    closing_fragment = False  # whether the last closing-block paragraph is a short fragment
    for i, block in enumerate(blocks):
        kind = _is_metadata(block)
        if kind == "url" and not source_url:
            source_url = _URL_ONLY.match(block).group(1)
            continue
        if kind == "dateline" and not dateline and not paragraphs:
            dateline = block
            continue
        in_closing = numbered and i > last_numbered
        if not in_closing and _is_heading(block) and not (i + 1 == len(blocks)):
            section = _MD_HEADING.sub(r"\1", block).strip()
            headings.append((section, len(paragraphs)))
            continue
        m = _NUMBERED.match(block) if numbered else None
        if m:
            label, body = m.group(1), m.group(2).strip()
        elif in_closing:
            fragment = not _ends_sentence(block)
            if fragment and closing_fragment:  # signatory lines: one paragraph, lines joined by " / "
                prev = paragraphs.pop()
                paragraphs.append(Paragraph(name, title, prev.label, "", f"{prev.text} / {block}"))
                continue
            closing_fragment = fragment
            closing += 1
            label, body, section = f"S{closing}", block, ""
        else:
            counter += 1
            label, body = (f"P{counter}" if numbered else str(counter)), block
        paragraphs.append(Paragraph(name, title, label, section, body))
    if not paragraphs:
        raise CorpusError(f"{name}: no paragraphs found under the title; separate paragraphs with blank lines")
    labels = [p.label for p in paragraphs]
    if len(set(labels)) != len(labels):
        dupes = sorted({lab for lab in labels if labels.count(lab) > 1})
        raise CorpusError(f"{name}: paragraph numbers {', '.join(dupes)} occur twice; fix the numbering")
    return Document(name, title, dateline, source_url, tuple(paragraphs), tuple(headings))


def list_document_files(folder: Path, warn: Callable[[str], None] = lambda msg: None) -> list[Path]:
    """The .txt/.md files directly in `folder`, sorted; symlinks that leave the folder are skipped (with a
    warning), so pointing the tool at a folder never reads files outside it."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CorpusError(f"documents folder {folder} does not exist; pass an existing folder with --docs")
    root = folder.resolve()
    files = []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in DOC_SUFFIXES:
            continue
        if path.is_symlink() and root not in path.resolve().parents:
            warn(f"skipped {path.name}: a symlink to a file outside {folder}")
            continue
        if path.is_file():
            files.append(path)
    if not files:
        raise CorpusError(f"no .txt or .md documents in {folder}; add some or pass another folder with --docs")
    return files


def read_text(path: Path) -> str:
    """Read a document as UTF-8; a file that is not UTF-8 is refused with the byte offset of the problem."""
    data = path.read_bytes()
    if b"\x00" in data:
        raise CorpusError(f"{path.name}: looks like a binary file (NUL byte at offset {data.index(0)}); "
                          "remove it from the documents folder")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise CorpusError(f"{path.name}: not UTF-8 (bad byte at offset {e.start}); "
                          "save the file as UTF-8 and build again") from e


def load_corpus(folder: Path, warn: Callable[[str], None] = lambda msg: None) -> list[Document]:
    """Parse every document of a folder, in file-name order.

    Policy: a file that cannot be read as text (binary, not UTF-8) stops the build with one message naming it,
    because dropping it silently would hide content the user expects to be searched. A file with nothing to
    index (empty, title only), a second copy of an identical file, or a file deleted while the folder is read
    is skipped with a warning."""
    documents, seen = [], {}
    for path in list_document_files(folder, warn):
        try:
            text = read_text(path)
        except FileNotFoundError:
            warn(f"skipped {path.name}: it was deleted while the folder was being read")
            continue
        digest = hashlib.sha256(text.encode()).hexdigest()
        if digest in seen:
            warn(f"skipped {path.name}: identical to {seen[digest]}")
            continue
        try:
            documents.append(parse_document(path.name, text))
        except CorpusError as e:
            if "occur twice" in str(e):
                raise
            warn(f"skipped {e}")
            continue
        seen[digest] = path.name
    if not documents:
        raise CorpusError(f"no document in {folder} has any text to index; add paragraphs separated by blank lines")
    return documents
