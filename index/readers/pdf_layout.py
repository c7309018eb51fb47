"""From positioned text lines of PDF pages to paragraph blocks: the layout rules, kept apart from PDFium.

Rules (each one learnt from a real document, see tests/test_readers_pdf.py):
- running headers and footers are lines near the top or bottom of a page that repeat on other pages once
  digits are ignored ("Page 3 of 9"), or that are a bare page number, or that carry the page's number at
  one end ("7   1.2. METRISCHE RÄUME"); they never become text;
- a new paragraph starts after a vertical gap clearly wider than the body's line pitch, at a change of font
  size, at an indented line after a finished sentence, after a short line that ends a sentence, and at a
  typed number ("12. ") after a finished sentence;
- a paragraph continues across a page or column break when the text before the break does not end a
  sentence and the text after it does not start a numbered paragraph;
- a line-end hyphen that PDFium marked as soft (or a "-" at the end of a line) is removed when the word
  is split ("recog-" + "nise"), and kept in compounds ("non-" + "market") when the document spells the word
  with a hyphen elsewhere, the first part is a common prefix, or the second part starts with a capital.
"""
from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass

from index import pages as pg
from index.readers import Block

BAND = 0.12  # share of the page height at the top and bottom where running headers and footers live
ISOLATED = 0.3  # a header or footer line is this many line heights away from the body (a body line is closer)
HEADER_WORDS = 20  # a running header or footer is at most this long
LOGO_WORDS = 4  # a short line in the band that is not set apart (part of a logo) is still a candidate
BAND_LINES = 3  # at most this many lines at each end of a page are header/footer candidates
GAP_FACTOR = 1.35  # a line pitch this much wider than the body's starts a new paragraph
SIZE_CHANGE = 0.15  # a font size change of this share starts a new block
SENTENCE_END = ".!?:;\"'”’)]"
_ROMAN = re.compile(r"^[ivxlcdm]+$", re.I)
_PAGE_NUMBER = re.compile(r"^(page\s+)?(\d+|[ivxlcdm]+)(\s*(/|of)\s*\d+)?$", re.I)
_NUMBERED = re.compile(r"^\d{1,3}\.\s")
_WORD = re.compile(r"\w+")
_HYPHENATED = re.compile(r"\w+(?:-\w+)+")
_COMPOUND_PREFIXES = {"non", "self", "co", "cross", "ex", "multi", "anti", "semi", "well", "quasi", "socio",
                      "half", "mid", "dual", "e"}  # a hyphen after these is the word's own
# ... and before these second halves of compounds ("rules-based", "like-minded", "long-term")
_COMPOUND_ENDS = {"based", "led", "driven", "related", "oriented", "owned", "wide", "term", "scale", "level",
                  "making", "free", "specific", "friendly", "minded", "sector", "building", "sharing", "ranging",
                  "looking", "standing", "up", "down", "out", "off", "in", "on", "to", "the", "of", "and", "year",
                  "time", "party", "country", "date", "way", "use", "only", "all"}


@dataclass
class Line:
    """One visual line of text with its box in PDF points (y grows upwards)."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    page: int  # page index in the file
    hyphen: bool = False  # the line ends in a hyphen that may be a line-end break of a word
    starts_par: bool = False  # the source (OCR) says a paragraph starts here
    bold: bool = False  # the line starts and ends in a bold font
    table: bool = False  # the line has a gap wide enough to part table columns ("Filter      Number of papers")

    @property
    def size(self) -> float:
        return max(self.top - self.bottom, 0.1)


@dataclass
class Page:
    index: int
    height: float
    lines: list[Line]
    label: object = None  # printed page label (int or str), filled in by printed_labels


def _key(line: Line) -> tuple[str, int]:
    """A line with its numbers blanked, so "Page 3 of 9" and "Page 4 of 9" are the same running footer, and its
    height on the page (running lines sit at a fixed place: a title that repeats the header does not)."""
    text = re.sub(r"\d+", "#", line.text.lower().strip())
    return re.sub(r"\s+", " ", text), round(line.top / 4)


def _gap(line: Line, lines: list[Line], below: bool) -> float:
    """Space between `line` and the nearest line under it (or over it) that shares some of its width, leaving out
    lines on the same row (a logo beside a running header)."""
    lines = [o for o in lines if o.x0 < line.x1 and o.x1 > line.x0]
    if below:
        under = [o.top for o in lines if o.top < line.top - 0.5 * line.size]
        return line.bottom - max(under) if under else float("inf")
    over = [o.bottom for o in lines if o.bottom > line.bottom + 0.5 * line.size]
    return min(over) - line.top if over else float("inf")


def _band_lines(page: Page) -> list[Line]:
    """The header/footer candidates: a few lines at each end of the page, inside the top or bottom band, set
    apart from the body by some space (the first line of a paragraph at the top of a page is not)."""
    if not page.lines:
        return []
    by_y = sorted(page.lines, key=lambda ln: -ln.top)
    out = []
    # Walk in from each edge and stop at the first line that is not set apart: running lines are outermost.
    # A short line that is not set apart (a two-line logo beside the header) is a candidate too: it is dropped
    # only if it repeats on other pages at the same height, like any running line.
    for line in by_y[:BAND_LINES + 2]:
        if line.bottom < page.height * (1 - BAND):
            break
        if (_PAGE_NUMBER.match(line.text.strip()) or _gap(line, by_y, below=True) > ISOLATED * line.size
                or len(line.text.split()) <= LOGO_WORDS):
            out.append(line)
        else:
            break
    for line in reversed(by_y[-(BAND_LINES + 2):]):
        if line in out or line.top > page.height * BAND:
            break
        if (_PAGE_NUMBER.match(line.text.strip()) or _gap(line, by_y, below=False) > ISOLATED * line.size
                or len(line.text.split()) <= LOGO_WORDS):
            out.append(line)
        else:
            break
    return [ln for ln in out if len(ln.text.split()) <= HEADER_WORDS]


def _number_at_ends(text: str, label) -> bool:
    words = text.split()
    return bool(words) and label is not None and str(label) in (words[0], words[-1])


def printed_labels(pages: list[Page], pdf_labels: list[str]) -> None:
    """Set each page's printed label: the PDF's own page labels when it has them (i, ii, 1, 2 ...), else the
    numbers printed in the header or footer when they follow the page order at a fixed offset (a journal's
    4969, 4970 ...), else the page's position in the file (1, 2 ...)."""
    if any(pdf_labels):
        for page, label in zip(pages, pdf_labels):
            page.label = pg.page_label(label) if label else page.index + 1
        return
    offsets = Counter()
    for page in pages:
        for line in _band_lines(page):
            m = _PAGE_NUMBER.match(line.text.strip())
            if m and m.group(2).isdigit():
                offsets[int(m.group(2)) - page.index] += 1
                break
    offset, count = offsets.most_common(1)[0] if offsets else (1, 0)
    if count < max(1, len(pages) // 2):
        offset = 1
    for page in pages:
        page.label = page.index + offset


def drop_running_lines(pages: list[Page]) -> None:
    """Remove running headers and footers (see the module docstring) from every page, in place."""
    counts = Counter()
    for page in pages:
        for key in {_key(ln) for ln in _band_lines(page)}:
            counts[key] += 1
    repeat = max(2, round(0.3 * len(pages)))
    for page in pages:
        drop = set()
        for line in _band_lines(page):
            text = line.text.strip()
            key = _key(line)
            sentence = _ends_sentence(text) and len(text.split()) > 3  # body text, not a running title
            repeated = len(pages) > 1 and counts[key] >= repeat
            numbered = len(pages) > 2 and _number_at_ends(text, page.label)
            if _PAGE_NUMBER.match(text) or (not sentence and (repeated or numbered)):
                drop.add(id(line))
        page.lines = [ln for ln in page.lines if id(ln) not in drop]


def _ends_sentence(text: str) -> bool:
    return text.rstrip()[-1:] in SENTENCE_END


def _vocabulary(pages: list[Page]) -> tuple[set[str], set[str]]:
    """The document's words and hyphenated words (lower case), leaving out the pieces of words split at line
    ends, so "recog-" / "nise" does not make "nise" look like a word."""
    words, hyphenated = set(), set()
    for page in pages:
        prev_hyphen = False
        for line in page.lines:
            text = line.text.lower()
            if prev_hyphen:
                text = text.split(None, 1)[1] if " " in text else ""
            if line.hyphen:
                text = text.rsplit(None, 1)[0] if " " in text else ""
            prev_hyphen = line.hyphen
            words.update(_WORD.findall(text))
            if "-" in text:
                hyphenated.update(_HYPHENATED.findall(text))
    return words, hyphenated


def join_hyphen(left: str, right: str, vocabulary: tuple[set[str], set[str]]) -> str:
    """Join a line that ended in a (removed) hyphen with the next one. The hyphen is dropped when it split a
    word ("recog-" / "nise") and kept in a compound: one the document spells with a hyphen elsewhere, a common
    prefix ("non-"), a capitalised or numeric part, a URL, or two parts that are both words of the document."""
    words, hyphenated = vocabulary
    head = re.search(r"(\S*?)(\w+)$", left[-80:])  # the end only: `left` is the whole paragraph so far
    tail = re.match(r"(\w+)", right)
    if not head or not tail:
        return left + "-" + right
    token, first, second = head.group(1), head.group(2), tail.group(1)
    joined = (first + second).lower()
    if f"{first}-{second}".lower() in hyphenated:
        return left + "-" + right
    if joined in words:
        return left + right
    if (first.lower() in _COMPOUND_PREFIXES or second.lower() in _COMPOUND_ENDS or second[:1].isupper()
            or first[-1:].isdigit()
            or second[:1].isdigit() or any(c in token for c in "/@.") or "www" in token
            or (first.lower() in words and second.lower() in words and len(second) > 2)):
        return left + "-" + right
    return left + right


def hyphen_separator(left: str, right: str, vocabulary: tuple[set[str], set[str]]) -> str:
    """What join_hyphen puts between `left` (its hyphen removed) and `right`: "-" in a compound, "" in a split
    word; for joins that must also carry page offsets (pages.concat takes the separator)."""
    return "-" if len(join_hyphen(left, right, vocabulary)) > len(left) + len(right) else ""


class _Run:
    """A block being built: its text, pages and where each page starts, and its geometry so far."""

    def __init__(self, line: Line, label, soft_start: bool):
        self.text, self.pages, self.starts = line.text, [label], [0]
        self.last, self.size, self.soft_start = line, line.size, soft_start
        self.max_x1 = line.x1
        self.n_lines = 1
        self.bold = line.bold  # every line so far is bold
        self.table = line.table  # some line so far is a table row

    def add(self, line: Line, label, vocabulary) -> None:
        if self.last.hyphen:
            joined = join_hyphen(self.text, line.text, vocabulary)
        else:
            joined = f"{self.text} {line.text}"
        if label != self.pages[-1]:
            # the new page begins where the new line's text begins in the joined text
            self.pages.append(label)
            self.starts.append(len(joined) - len(line.text))
        self.text, self.last = joined, line
        self.max_x1 = max(self.max_x1, line.x1)
        self.n_lines += 1
        self.bold = self.bold and line.bold
        self.table = self.table or line.table

    def block(self) -> Block:
        text = self.text + ("-" if self.last.hyphen else "")
        # a short all-bold block without final punctuation is a heading, even when it starts with "2.4"; a table
        # row never is, though its header row is short, bold and unpunctuated too
        heading = self.bold and len(text.split()) <= 12 and not _ends_sentence(text) and not self.table
        kind = "body" if self.table else "heading" if heading else ""
        return Block(text, tuple(self.pages), tuple(self.starts), kind)


def _starts_new(run: _Run, line: Line, pitch: float) -> str:
    """"hard" when `line` starts a new paragraph, "soft" at a column change, "" when it continues `run`."""
    prev = run.last
    if line.starts_par:
        return "hard"
    if line.top > prev.top + prev.size * 0.5 or line.x0 > prev.x1 + prev.size:
        return "soft"  # moved up or right: the next column (or a side box)
    if abs(line.size - prev.size) > SIZE_CHANGE * prev.size or (prev.bold and not line.bold):
        return "hard"  # a change of type size, or the line after a bold one (a heading in body size)
    if (prev.bottom - line.bottom) > GAP_FACTOR * pitch * prev.size:
        return "hard"
    finished = _ends_sentence(prev.text)
    if finished and (line.x0 > prev.x0 + 0.8 * prev.size or _NUMBERED.match(line.text)
                     or prev.x1 < run.max_x1 - 3 * prev.size):
        return "hard"
    return ""


def _continues(prev: _Run, nxt: _Run, numbered: bool) -> bool:
    """Whether a block cut by a page or column break goes on in the next one: the text before the break does
    not end a sentence or, in a document of numbered paragraphs (where a new paragraph would carry a number),
    its last line runs to the right edge of the block (a paragraph that ends there usually leaves its last line
    short); and the text after it is not a new numbered paragraph."""
    full = prev.n_lines > 1 and prev.last.x1 >= prev.max_x1 - 1.5 * prev.size
    return ((not _ends_sentence(prev.text) or (numbered and full)) and not _NUMBERED.match(nxt.text)
            and abs(prev.size - nxt.size) <= SIZE_CHANGE * prev.size and len(prev.text.split()) > HEAD_WORDS)


TITLE_WORDS = 25  # a title is at most this long
HEAD_WORDS = 8  # a cut block this short is more likely a heading or caption than half of a paragraph


def page_blocks(pages: list[Page]) -> tuple[list[Block], int | None]:
    """All pages' lines (headers and footers already dropped) as blocks in reading order, and the index of the
    title block: the one in the largest type on the first page with text (None if that is body text)."""
    pitches = []
    for page in pages:
        for a, b in zip(page.lines, page.lines[1:]):
            d = (a.bottom - b.bottom) / a.size
            if 0.5 < d < 3:
                pitches.append(d)
    # The body's line pitch (in line heights): the median; with few lines to go by (where most pitches may be
    # paragraph gaps), no more than single spacing.
    pitch = statistics.median(pitches) if pitches else 1.2
    lines = [ln for page in pages for ln in page.lines]
    ended = sum(_ends_sentence(ln.text) for ln in lines) / max(len(lines), 1)
    if len(pitches) < 20 or (pitch > 1.45 and ended > 0.6):
        # Few lines, or wide pitches between lines that nearly all end a sentence: one-line paragraphs with
        # gaps between them, not double spacing. The body is then taken to be single-spaced.
        pitch = min(pitch, 1.25)
    vocabulary = _vocabulary(pages)
    runs: list[_Run] = []
    for page in pages:
        current = None
        for line in page.lines:
            if current is not None:
                how = _starts_new(current, line, pitch)
                if not how:
                    current.add(line, page.label, vocabulary)
                    continue
                runs.append(current)
                current = _Run(line, page.label, soft_start=how == "soft")
            else:
                current = _Run(line, page.label, soft_start=True)
        if current is not None:
            runs.append(current)
    numbered = sum(bool(_NUMBERED.match(r.text)) for r in runs) >= max(2, 0.3 * len(runs))
    blocks: list[Block] = []
    sizes: list[tuple[float, int]] = []  # (line height, page index) of each block
    prev_run = None
    for run in runs:
        block = run.block()
        if not any(c.isalnum() for c in block.text):
            continue  # a bullet or rule drawn as a glyph
        if blocks and run.soft_start and prev_run is not None and _continues(prev_run, run, numbered):
            last = blocks[-1]
            if last.text.endswith("-"):
                merged = pg.concat((last.text[:-1], last.pages, last.page_starts),
                                   (block.text, block.pages, block.page_starts),
                                   sep=hyphen_separator(last.text[:-1], block.text, vocabulary))
            else:
                merged = pg.concat((last.text, last.pages, last.page_starts),
                                   (block.text, block.pages, block.page_starts))
            blocks[-1] = Block(*merged)
            prev_run.text, prev_run.size = merged[0], run.size
            continue
        blocks.append(block)
        sizes.append((run.size, run.last.page))
        prev_run = run
    title = None
    if blocks:
        first_page = sizes[0][1]
        candidates = [i for i, (_, page) in enumerate(sizes) if page == first_page
                      and len(blocks[i].text.split()) <= TITLE_WORDS]
        if candidates:
            biggest = max(sizes[i][0] for i in candidates)
            title = next(i for i in candidates if sizes[i][0] >= biggest * 0.95)  # the first of the largest
            body = statistics.median(size for size, _ in sizes)
            if sizes[title][0] <= body * (1 + SIZE_CHANGE) and title != 0:
                title = 0 if len(blocks[0].text.split()) <= TITLE_WORDS else None
    return blocks, title
