"""Turn documents (any kind the readers know) into citable `Paragraph` records.

Labelling rule (also in the README), the same for every kind of file:
- a document that numbers its own paragraphs ("1. We, the Prime Ministers ...", or Word's automatic numbering)
  keeps its numbers;
- a document that does not gets 1..N in reading order;
- in a numbered document, paragraphs after the last numbered one (the closing/signature block) are
  labelled S1, S2, ... so they can never be mistaken for one of the document's own numbers;
  short fragment lines there (signatory names and titles) are joined into one paragraph with " / ".
Headings are not paragraphs: they become the `section` of the paragraphs under them. The title (first
block), a dateline and a bare source URL are kept as document metadata. A paragraph that the source
split at a page break (one block ends mid-sentence, the next continues it) is joined again, and remembers
the pages it spans. A block of reference marks only ("[2]", "[3][4]": a printed web page's footnote calls that
the layout set on a line of their own) is no paragraph: it joins the paragraph before it.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from index import pages as pg
from index.errors import CorpusError
from index.paths import documents_folder_problem
from index.readers import DOC_SUFFIXES, NAME_LINES_JOIN, Block, DocumentText, UnreadableError, read_document
from index.readers.pdf_layout import hyphen_separator
from index.readers.text import clean_block, plain_document, read_text

__all__ = ["CorpusError", "Document", "Paragraph", "UnreadableError", "list_document_files", "load_corpus",
           "parse_document", "parse_blocks", "read_text", "DOC_SUFFIXES", "SIGNATORY_JOIN", "is_signatory_block"]

# Signatory lines of a closing block (names, titles, "For the Government of ...") become one paragraph joined by this.
SIGNATORY_JOIN = NAME_LINES_JOIN


def is_signatory_block(text: str) -> bool:
    """Whether `text` is (part of) signatory lines joined by SIGNATORY_JOIN: names and titles, no statement."""
    return text.count(SIGNATORY_JOIN) >= 2


HEADING_MAX_WORDS = 12  # a heading is a short line; longer lines are body text
# What a short unpunctuated line of a PDF that is a heading never holds: a web address ("... is at
# https://www.nhs.uk/"), an equals sign (a displayed formula, "J ="), or the figures of a table row (_table_row).
_NOT_A_HEADING = re.compile(r"://|\bwww\.|=")
_FIGURE = re.compile(r"(?<![\w.])\d[\d.,%]*(?![\w.])")


def _table_row(text: str) -> bool:
    """Three figures, or two with a decimal point or a percent sign ("Bibliography entries 27.6 21.9"); a
    heading may carry a section number or a date ("On 22 November 2011"), not a row of measurements."""
    figures = _FIGURE.findall(text)
    return len(figures) >= 3 or (len(figures) == 2 and any("." in f.rstrip(".") or "%" in f for f in figures))


SENTENCE_END = ".!?:;\"'”’)]"
# A PDF or web page counts as numbered when at least this share of its body blocks carry a typed number: a
# short "1. 2. 3." list inside prose must not turn the whole document into P-labels. (Text files keep the
# README rule of two numbered paragraphs; Word files say which paragraphs are numbered.)
NUMBERED_SHARE = 0.5

_NUMBERED = re.compile(r"^(\d{1,3})\.\s+(.*)$", re.S)
_URL_ONLY = re.compile(r"^<?(https?://\S+?)>?$")
_DATE = re.compile(
    r"\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b|\b\d{1,2} (January|February|March|April|May|June|July|August|"
    r"September|October|November|December) \d{4}\b|^(January|February|March|April|May|June|July|August|"
    r"September|October|November|December) \d{4}$"
)
_MD_HEADING = re.compile(r"^#{1,6}\s+(.*)$")
# Footnote calls on a line of their own: "[2]", "[3][4]", "[a]", "[note 1]", "[citation needed]".
_REFERENCE_MARKS = re.compile(r"^(\[\s*(\d{1,4}|[a-z]|note \d{1,4}|citation needed)\s*\]\s*)+$", re.I)


@dataclass(frozen=True)
class Paragraph:
    """The unit of retrieval and citation: `label` is what users see ("¶8" shows label "8").
    `pages` are the printed page labels the paragraph spans and `page_starts` the character offset in `text`
    where each of them begins (both empty for formats without pages)."""

    doc: str  # file name, e.g. "003_34a20148922fa9fb.txt"
    title: str  # the document's first line
    label: str  # "8", or "S1" for the closing block of a numbered document
    section: str  # the heading above the paragraph ("" before the first heading)
    text: str
    id: str = field(default="")
    pages: tuple = ()
    page_starts: tuple = ()
    # PDF: the position in the file (1-based) of each page in `pages`, kept only when some printed label differs
    # from it ("p. 4972" is the 4th page of the file), so a citation can give both
    pdf_pages: tuple = ()

    def __post_init__(self):
        if not self.id:
            digest = hashlib.sha1(f"{self.doc}\n{self.text}".encode()).hexdigest()[:16]
            object.__setattr__(self, "id", digest)

    def page_of(self, offset: int):
        """The printed page of character `offset` of the text (None without pages)."""
        return pg.page_at(self.pages, self.page_starts, offset)

    def to_dict(self) -> dict:
        out = {"doc": self.doc, "title": self.title, "label": self.label, "section": self.section,
               "text": self.text, "id": self.id, "pages": list(self.pages), "page_starts": list(self.page_starts)}
        if self.pdf_pages:
            out["pdf_pages"] = list(self.pdf_pages)
        return out


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
    kind: str = "text"  # which reader read it: "text", "pdf", "html", "docx"
    page_labels: tuple = ()  # PDF: the printed label of each page in file order (to find a page to show)


def _ends_sentence(text: str) -> bool:
    return text.rstrip()[-1:] in SENTENCE_END


def _own_number(block: Block) -> re.Match | None:
    return _NUMBERED.match(block.text) if block.number is None else None


def _is_heading(block: Block) -> bool:
    if block.kind:
        return block.kind == "heading"
    text = block.text
    if _MD_HEADING.match(text):
        return True
    return (len(text.split()) <= HEADING_MAX_WORDS and not _ends_sentence(text)
            and text[:1].isupper() and not _NUMBERED.match(text))


def _pdf_data_lines(blocks: list[Block]) -> list[Block]:
    """In a PDF, a short unpunctuated line is a heading by shape only when it holds no web address, no "=" and no
    row of figures (see _NOT_A_HEADING); such lines are body text. Not for typed text, whose headings the user
    wrote ("Version 2.1 released March 2020")."""
    return [replace(b, kind="body") if not b.kind and (_NOT_A_HEADING.search(b.text) or _table_row(b.text)) else b
            for b in blocks]


def _is_metadata(block: Block) -> str | None:
    """Return "url" or "dateline" for a metadata block, else None."""
    text = block.text
    if _URL_ONLY.match(text):
        return "url"
    if _DATE.search(text) and not _ends_sentence(text) and len(text.split()) <= HEADING_MAX_WORDS:
        return "dateline"
    return None


def join_blocks(a: Block, b: Block, sep: str = " ") -> Block:
    """One block from two, pages and page offsets carried over."""
    text, pages, starts = pg.concat((a.text, a.pages, a.page_starts), (b.text, b.pages, b.page_starts), sep)
    return Block(text, pages, starts, a.kind, a.number)


_SPLIT_WORD = re.compile(r"[^\W\d_]-$")  # a block ending in a letter and a hyphen: a word cut at a page break
_WORDS_AND_COMPOUNDS = re.compile(r"\w+(?:-\w+)*")


def _split_word_vocabulary(blocks: list[Block]) -> tuple[set[str], set[str]]:
    """The document's words and hyphenated words (lower case), as readers.pdf_layout.join_hyphen reads them,
    leaving out the pieces at block edges that may be halves of one word ("cor-" / "pus")."""
    words, hyphenated = set(), set()
    for b in blocks:
        tokens = _WORDS_AND_COMPOUNDS.findall(b.text.lower())
        if _SPLIT_WORD.search(b.text):
            tokens = tokens[:-1]
        if b.text[:1].islower():
            tokens = tokens[1:]
        for t in tokens:
            words.update(t.split("-"))
            if "-" in t:
                hyphenated.add(t)
    return words, hyphenated


def _pull_up_continuations(blocks: list[Block], reach: int = 8) -> list[Block]:
    """A PDF paragraph that ends in a word cut at a page break ("...evaluate GROBID for de-") continues in the
    first later block that starts in lower case ("tecting inline citations..."), even when a table or a figure
    caption at the top of the next page comes between: that block is moved up next to it, so the two are joined
    and the table's blocks follow."""
    blocks = list(blocks)
    for i in range(len(blocks) - 1):
        if blocks[i].kind == "heading" or not _SPLIT_WORD.search(blocks[i].text) or blocks[i + 1].text[:1].islower():
            continue
        for j in range(i + 2, min(i + 1 + reach, len(blocks))):
            if blocks[j].text[:1].islower() and blocks[j].kind != "heading" and blocks[j].number is None:
                blocks.insert(i + 1, blocks.pop(j))
                break
    return blocks


def _join_page_breaks(blocks: list[Block], layout: bool = False) -> list[Block]:
    """Join a body block that ends mid-sentence with the block that continues it after a page break. In a PDF
    (`layout`), a word cut there loses its hyphen unless the document spells it with one ("cor-" / "pus" is
    "corpus", "long-" / "term" stays "long-term")."""
    if layout:
        blocks = _pull_up_continuations(blocks)
        vocabulary = _split_word_vocabulary(blocks)
    out: list[Block] = []
    for block in blocks:
        # A block a web page or Word file gives as body (a paragraph or list item, a cover page's run) is whole
        # already: nothing after it continues it. A PDF's body blocks (table rows, lines with a formula) are lines
        # on a page, and a page break may still cut them.
        whole = out and out[-1].kind == "body" and not layout
        if out and block.number is None and out[-1].kind != "heading" and block.kind != "heading" and not whole:
            prev = out[-1]
            # Lower case after an unfinished block is a continuation. Upper case is one only where a name was
            # cut in two ("...Trans-Pacific" / "Partnership (CPTPP)..."): the block ends in a capitalised word.
            last_word = prev.text.split()[-1]
            continues = block.text[:1].islower() or (
                last_word[:1].isupper() and last_word[-1:].isalpha() and not _is_heading(prev)
                and not _is_heading(block) and not _NUMBERED.match(block.text))
            if (not _ends_sentence(prev.text) and continues and not _is_metadata(prev)
                    and not _is_metadata(block)):
                if layout and _SPLIT_WORD.search(prev.text) and block.text[:1].islower():
                    cut = Block(prev.text[:-1], prev.pages, prev.page_starts, prev.kind, prev.number)
                    out[-1] = join_blocks(cut, block, hyphen_separator(cut.text, block.text, vocabulary))
                else:
                    out[-1] = join_blocks(prev, block)
                continue
        out.append(block)
    return out


def _body(block: Block, start: int) -> Block:
    """The block without its first `start` characters (a typed number), pages shifted to match."""
    text = block.text[start:]
    lead = len(text) - len(text.lstrip())
    pages, starts = pg.cut_front(block.pages, block.page_starts, start + lead)
    return Block(text.strip(), pages, starts, block.kind, block.number)


def parse_document(name: str, text: str) -> Document:
    """Parse one .txt/.md document's text; raises CorpusError when it has no paragraphs."""
    return parse_blocks(name, plain_document(text))


def parse_blocks(name: str, source: DocumentText, warn: Callable[[str], None] = lambda msg: None) -> Document:
    """Number the blocks a reader found (see the module docstring); raises CorpusError when there are none."""
    blocks = [b for b in source.blocks if b.text.strip()]
    if not blocks:
        what = "the file is empty" if source.kind == "text" else "no text was found in it"
        raise CorpusError(f"{name}: {what}; add text or remove it from the folder")
    title = source.title
    if title is None:
        title = clean_block(_MD_HEADING.sub(r"\1", blocks[0].text))
        blocks = blocks[1:]
    if source.kind == "pdf":
        blocks = _pdf_data_lines(blocks)
    blocks = _join_page_breaks(blocks, layout=source.kind == "pdf")
    layout = source.kind != "text"
    by_share = source.kind in ("pdf", "html")
    n_numbered = sum(bool(_own_number(b) or b.number) for b in blocks)
    body_blocks = sum(not _is_heading(b) for b in blocks) or 1
    numbered = n_numbered >= 2 and (not by_share or n_numbered >= NUMBERED_SHARE * body_blocks)
    last_numbered = max((i for i, b in enumerate(blocks) if _own_number(b) or b.number), default=-1)
    dateline, source_url = source.dateline, source.source_url
    section = ""
    paragraphs: list[Paragraph] = []
    headings: list[tuple[str, int]] = []
    counter = closing = 0
    closing_fragment = False  # whether the last closing-block paragraph is a short fragment

    positions = {}  # printed page label -> position in the file, where the two differ
    for i, page_label in enumerate(source.page_labels):
        positions.setdefault(page_label, i + 1)
    if all(str(k) == str(v) for k, v in positions.items()):
        positions = {}

    def add(label: str, block: Block, sec: str) -> None:
        pdf_pages = tuple(positions.get(p, 0) for p in block.pages) if positions else ()
        paragraphs.append(Paragraph(name, title, label, sec, block.text, pages=block.pages,
                                    page_starts=block.page_starts, pdf_pages=pdf_pages))

    for i, block in enumerate(blocks):
        if _REFERENCE_MARKS.match(block.text.strip()):
            if paragraphs and not (headings and headings[-1][1] == len(paragraphs)):
                prev = paragraphs.pop()
                add(prev.label, join_blocks(Block(prev.text, prev.pages, prev.page_starts), block), prev.section)
            continue
        kind = _is_metadata(block)
        if kind == "url" and not source_url:
            source_url = _URL_ONLY.match(block.text).group(1)
            continue
        if kind == "dateline" and not dateline and not paragraphs:
            dateline = block.text
            continue
        in_closing = numbered and i > last_numbered
        if not in_closing and _is_heading(block) and not (i + 1 == len(blocks) and not block.kind):
            section = _MD_HEADING.sub(r"\1", block.text).strip()
            headings.append((section, len(paragraphs)))
            continue
        m = _own_number(block) if numbered else None
        if m:
            add(m.group(1), _body(block, m.start(2)), section)
        elif numbered and block.number:
            add(block.number, block, section)
        elif in_closing:
            fragment = not _ends_sentence(block.text)
            if fragment and closing_fragment:  # signatory lines: one paragraph, lines joined by " / "
                prev = paragraphs.pop()
                add(prev.label, join_blocks(Block(prev.text, prev.pages, prev.page_starts), block, SIGNATORY_JOIN), "")
                continue
            closing_fragment = fragment
            closing += 1
            section = ""
            add(f"S{closing}", block, "")
        else:
            counter += 1
            add(f"P{counter}" if numbered else str(counter), block, section)
    if not paragraphs:
        raise CorpusError(f"{name}: no paragraphs found under the title; separate paragraphs with blank lines")
    paragraphs = _unique_labels(name, paragraphs, strict=not layout, warn=warn)
    return Document(name, title, dateline, source_url, tuple(paragraphs), tuple(headings), source.kind,
                    tuple(source.page_labels))


def _unique_labels(name: str, paragraphs: list[Paragraph], strict: bool, warn) -> list[Paragraph]:
    """A label must name one paragraph. A typed text file that repeats a number is refused (the user can fix
    it); a PDF, web page or Word file (which the user cannot easily fix) gets "12-2" for the second "12"."""
    labels = [p.label for p in paragraphs]
    if len(set(labels)) == len(labels):
        return paragraphs
    dupes = sorted({lab for lab in labels if labels.count(lab) > 1}, key=lambda s: (len(s), s))
    if strict:
        raise CorpusError(f"{name}: paragraph numbers {', '.join(dupes)} occur twice; fix the numbering")
    shown = ", ".join(dupes[:10]) + (f" and {len(dupes) - 10} more" if len(dupes) > 10 else "")
    which = f"paragraph number {shown} occurs" if len(dupes) == 1 else f"paragraph numbers {shown} occur"
    warn(f"{name}: {which} more than once; later ones are labelled {dupes[0]}-2, {dupes[0]}-3, ...")
    seen: dict[str, int] = {}
    out = []
    for p in paragraphs:
        seen[p.label] = seen.get(p.label, 0) + 1
        if seen[p.label] > 1:
            p = Paragraph(p.doc, p.title, f"{p.label}-{seen[p.label]}", p.section, p.text, pages=p.pages,
                          page_starts=p.page_starts, pdf_pages=p.pdf_pages)
        out.append(p)
    return out


def list_document_files(folder: Path, warn: Callable[[str], None] = lambda msg: None) -> list[Path]:
    """The documents (.txt, .md, .pdf, .html, .htm, .docx) directly in `folder`, sorted; symlinks that leave
    the folder are skipped (with a warning), so pointing the tool at a folder never reads files outside it."""
    folder = Path(folder)
    problem = documents_folder_problem(folder)
    if problem:
        raise CorpusError(problem)
    root = folder.resolve()
    files, outside = [], 0
    for path in sorted(folder.iterdir()):
        # Hidden names are never documents: uploads in progress (.upload-*) and the .trash/ folder.
        if path.suffix.lower() not in DOC_SUFFIXES or path.name.startswith("."):
            continue
        if path.is_symlink() and root not in path.resolve().parents:
            warn(f"skipped {path.name}: a symlink to a file outside {folder}")
            outside += 1
            continue
        if path.is_file():
            files.append(path)
    if not files and outside:
        raise CorpusError(f"no documents in {folder}: its {outside} document file(s) are symlinks to files "
                          "outside it, which are never read; copy the files into the folder or pass the folder "
                          "that holds them with --docs")
    if not files:
        raise CorpusError(f"no documents (.txt, .md, .pdf, .html, .docx) in {folder}; add some or pass "
                          "another folder with --docs")
    return files


def load_corpus(folder: Path, warn: Callable[[str], None] = lambda msg: None,
                progress: Callable[[str], None] = lambda msg: None) -> list[Document]:
    """Parse every document of a folder, in file-name order.

    Policy: a .txt/.md file that cannot be read as text (binary, not UTF-8) stops the build with one message
    naming it, because dropping it silently would hide content the user expects to be searched. A file with
    nothing to index (empty, title only, a PDF without text), a file another reader cannot read (encrypted or
    damaged PDF, broken Word file), a second copy of an identical file, or a file deleted while the folder is
    read is skipped with a warning. `progress` gets "progress: ..." lines from slow readers (long PDFs)."""
    documents, seen, skipped = [], {}, []
    for path in list_document_files(folder, warn):
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if digest in seen:
                warn(f"skipped {path.name}: identical to {seen[digest]}")
                continue
            source = read_document(path, progress)
        except FileNotFoundError:
            warn(f"skipped {path.name}: it was deleted while the folder was being read")
            continue
        except UnreadableError as e:
            warn(f"skipped {e}")
            skipped.append(path)
            continue
        for message in source.warnings:
            warn(message)
        try:
            documents.append(parse_blocks(path.name, source, warn))
        except CorpusError as e:
            if "occur twice" in str(e):
                raise
            warn(f"skipped {e}")
            skipped.append(path)
            continue
        seen[digest] = path.name
    if not documents and any(p.suffix.lower() not in (".txt", ".md") for p in skipped):
        # "separated by blank lines" is advice for text files, not for a broken PDF or Word file
        raise CorpusError(f"no document in {folder} could be read ({len(skipped)} skipped, each with its reason "
                          "above); replace those files or add readable .txt, .md, .pdf, .html or .docx files")
    if not documents:
        raise CorpusError(f"no document in {folder} has any text to index; add paragraphs separated by blank lines")
    return documents
