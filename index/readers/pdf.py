"""The PDF reader: text lines with their positions from PDFium (pypdfium2, Apache/BSD; PyMuPDF is AGPL and
this is a network service), turned into paragraph blocks by index.readers.pdf_layout.

Pages are read one at a time and closed, so memory stays bounded on long files; a "progress:" line is logged
every few seconds. Pages without a text layer but with images (scans) are OCRed with Debian's `tesseract`
when it is installed (the page rendered by PDFium at OCR_DPI, read back as positioned lines); without it the
build warns naming the file and the pages, and indexes the rest.
"""
from __future__ import annotations

from index.pdfium_lock import serialised

import ctypes
import re
import shutil
import subprocess
import tempfile
import time
import unicodedata
from pathlib import Path
from typing import Callable

from index.readers import DocumentText, UnreadableError
from index.readers.pdf_layout import Line, Page, drop_running_lines, page_blocks, printed_labels

OCR_DPI = 300  # tesseract reads 300 dpi scans best
OCR_TIMEOUT = 120  # seconds for one page
PROGRESS_SECONDS = 5.0
_SEGMENTS = re.compile(r"[^\r\n\ufffe]+|\ufffe|\r\n|\r|\n")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufeff]")


def _pages_text(indexes: list[int]) -> str:
    """"1, 3–5" for 0-based page indexes (shown 1-based, as a PDF viewer numbers them)."""
    out, run = [], []
    for i in sorted(indexes):
        if run and i == run[-1] + 1:
            run.append(i)
            continue
        if run:
            out.append(f"{run[0] + 1}" if len(run) == 1 else f"{run[0] + 1}–{run[-1] + 1}")
        run = [i]
    if run:
        out.append(f"{run[0] + 1}" if len(run) == 1 else f"{run[0] + 1}–{run[-1] + 1}")
    return ", ".join(out)


def _has_page_objects(path: Path) -> bool:
    """Whether the file holds any /Type /Page object (a PDF with an empty page tree has none)."""
    with open(path, "rb") as f:
        data = f.read(64 << 20)
    empty_tree = re.search(rb"/Count\s+0\b", data) is not None
    return not empty_tree or re.search(rb"/Type\s*/Page(?![s\w])", data) is not None or b"/ObjStm" in data


def _char_index_map(text: str, count: int) -> Callable[[int], int]:
    """PDFium counts characters in UTF-16 units; Python counts code points. Map a str index to a char index."""
    if len(text) == count:
        return lambda i: i
    starts, unit = [], 0
    for ch in text:
        starts.append(unit)
        unit += 2 if ord(ch) > 0xFFFF else 1
    return lambda i: min(starts[i], count - 1)


TITLE_CHARS = 200  # a Title property longer than this is a description, not a title
TABLE_GAP = 2.0  # a gap between two characters of a line this many line heights wide separates table columns
_WHITE = re.compile(r"\s+")
_BOLD_NAME = re.compile(rb"bold|black|heavy|demi", re.I)


def _bold(textpage, index: int) -> bool:
    """Whether one character is set in a bold font: its weight, or for a font that gives none (the standard
    fonts, "Helvetica-Bold", have no descriptor) its name."""
    import pypdfium2.raw as pdfium_c

    weight = pdfium_c.FPDFText_GetFontWeight(textpage.raw, index)
    if weight > 0:
        return weight >= 600
    size = pdfium_c.FPDFText_GetFontInfo(textpage.raw, index, None, 0, None)
    if size <= 0:
        return False
    name = ctypes.create_string_buffer(size)
    pdfium_c.FPDFText_GetFontInfo(textpage.raw, index, name, size, None)
    return bool(_BOLD_NAME.search(name.value))


def _widest_gap(textpage, char_at, seg: str, offset: int) -> float:
    """The widest space between two words of one line, in PDF points: from the last visible character before
    a run of white space to the first after it (PDFium puts a space wherever characters stand apart). Accents
    that PDFium gives as separate characters ("Farber ¨") are passed over: their boxes sit apart from the letter."""
    def visible(i: int) -> bool:
        return not seg[i].isspace() and unicodedata.category(seg[i]) not in ("Sk", "Mn", "Lm")

    widest, lead = 0.0, len(seg) - len(seg.lstrip())
    for space in _WHITE.finditer(seg.strip()):
        before, after = space.start() + lead - 1, space.end() + lead
        while before >= 0 and not visible(before):
            before -= 1
        while after < len(seg) and not visible(after):
            after += 1
        if before >= 0 and after < len(seg):
            left = textpage.get_charbox(char_at(offset + before))[2]
            widest = max(widest, textpage.get_charbox(char_at(offset + after))[0] - left)
    return widest


def page_lines(page, index: int) -> list[Line]:
    """The visual lines of one page, in PDFium's reading order, with their boxes (loose: font ascent to
    descent, so line heights compare across lines)."""
    import pypdfium2.raw as pdfium_c

    textpage = page.get_textpage()
    try:
        count = textpage.count_chars()
        if count <= 0:
            return []
        text = textpage.get_text_range()
        char_at = _char_index_map(text, count)
        lines: list[Line] = []
        for m in _SEGMENTS.finditer(text):
            seg = m.group(0)
            if seg == "\ufffe":
                if lines:
                    lines[-1].hyphen = True
                continue
            if seg in ("\r\n", "\r", "\n"):
                continue
            raw = seg.strip()
            if not raw:
                continue
            first = m.start() + (len(seg) - len(seg.lstrip()))
            last = m.start() + len(seg.rstrip()) - 1
            left, bottom, _, top = textpage.get_charbox(char_at(first), loose=True)
            _, bottom2, right, top2 = textpage.get_charbox(char_at(last), loose=True)
            if top2 - bottom2 > top - bottom:  # the line's height is its larger end's (small caps, superscripts)
                top, bottom = top2, bottom2
            clean = _CONTROL.sub("", raw.replace("\xad", "-")).strip()
            hyphen = False
            if len(clean) > 1 and clean.endswith("-") and clean[-2].isalpha():
                clean, hyphen = clean[:-1], True
            if clean:
                line = Line(clean, left, right, top, bottom, index, hyphen)
                # Bold only when it starts and ends bold: a run-in heading ("Selecting PDFs We remove...") opens
                # a body line in bold, and that line is not a heading to cut the paragraph after.
                line.bold = all(_bold(textpage, char_at(i)) for i in (first, last))
                line.table = _widest_gap(textpage, char_at, seg, m.start()) > TABLE_GAP * (top - bottom)
                lines.append(line)
        return lines
    finally:
        textpage.close()


def _has_images(page) -> bool:
    import pypdfium2.raw as pdfium_c

    return any(True for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2))


def ocr_lines(page, index: int, height: float, tesseract: str) -> list[Line]:
    """OCR one page with tesseract (TSV output: one row per word with its box) into positioned lines."""
    image = page.render(scale=OCR_DPI / 72).to_pil()
    with tempfile.TemporaryDirectory() as tmp:
        png = Path(tmp) / "page.png"
        image.save(png)
        done = subprocess.run([tesseract, str(png), "stdout", "tsv"], capture_output=True, text=True,
                              timeout=OCR_TIMEOUT, check=True)
    words: dict[tuple, list] = {}
    for row in done.stdout.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5" or not cols[11].strip():
            continue
        key = (int(cols[2]), int(cols[3]), int(cols[4]))
        words.setdefault(key, []).append((int(cols[6]), int(cols[7]), int(cols[8]), int(cols[9]), cols[11].strip()))
    scale = 72 / OCR_DPI
    lines, prev_par = [], None
    for key in sorted(words):  # block, paragraph, line: tesseract's reading order
        ws = words[key]
        text = " ".join(w[4] for w in ws)
        x0, x1 = min(w[0] for w in ws) * scale, max(w[0] + w[2] for w in ws) * scale
        top, bottom = height - min(w[1] for w in ws) * scale, height - max(w[1] + w[3] for w in ws) * scale
        hyphen = len(text) > 1 and text.endswith("-") and text[-2].isalpha()
        line = Line(text[:-1] if hyphen else text, x0, x1, top, bottom, index, hyphen, key[:2] != prev_par)
        prev_par = key[:2]
        lines.append(line)
    return lines


@serialised
def read_pdf(path: Path, log: Callable[[str], None] = lambda msg: None) -> DocumentText:
    """Read a PDF into blocks with printed page labels; raises UnreadableError for an encrypted, damaged,
    empty or text-less file (the message names the file, the problem and what to do)."""
    import pypdfium2 as pdfium

    name = path.name
    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as e:
        if "password" in str(e).lower():
            raise UnreadableError(f"{name}: encrypted, not read (the PDF needs a password); "
                                  "save a copy without a password to index it") from e
        if not _has_page_objects(path):  # PDFium cannot open a PDF whose page tree is empty
            raise UnreadableError(f"{name}: the PDF has no pages, not read; export it again") from e
        said = re.search(r"PDFium: ([^)]*)", str(e))  # "Failed to load document (PDFium: Data format error)."
        raise UnreadableError(f"{name}: damaged PDF, not read (PDFium: {said.group(1) if said else e}); download "
                              "or export it again") from e
    warnings: list[str] = []
    try:
        n = len(pdf)
        if n == 0:
            raise UnreadableError(f"{name}: the PDF has no pages, not read; export it again")
        pdf_labels = [pdf.get_page_label(i) for i in range(n)]
        try:
            meta_title = re.sub(r"\s+", " ", pdf.get_metadata_dict().get("Title") or "").strip()
        except (pdfium.PdfiumError, UnicodeDecodeError):
            meta_title = ""
        tesseract = shutil.which("tesseract")
        pages, scanned, ocred, failed = [], [], [], []
        started = last = time.perf_counter()
        for i in range(n):
            lines, height = [], 0.0
            try:
                page = pdf[i]
            except pdfium.PdfiumError:
                failed.append(i)
                pages.append(Page(i, height, lines))
                continue
            try:
                height = page.get_height()
                lines = page_lines(page, i)
                if not lines and _has_images(page):
                    if tesseract:
                        lines = ocr_lines(page, i, height, tesseract)
                        ocred.append(i)
                    if not lines:
                        scanned.append(i)
            except (pdfium.PdfiumError, subprocess.SubprocessError, OSError):
                failed.append(i)
            finally:
                page.close()
            pages.append(Page(i, height, lines))
            now = time.perf_counter()
            if now - last >= PROGRESS_SECONDS:
                last = now
                log(f"progress: {name}: {i + 1:,} of {n:,} pages read ({now - started:.0f} s)")
    finally:
        pdf.close()
    if failed:
        warnings.append(f"{name}: pages {_pages_text(failed)} are damaged and were not read")
    if scanned:
        how = ("OCR found no text on them" if tesseract else
               "install tesseract-ocr (apt-get install tesseract-ocr) to read them by OCR")
        warnings.append(f"{name}: pages {_pages_text(scanned)} are scanned images without a text layer, "
                        f"not read; {how}")
    if not any(p.lines for p in pages):
        detail = f" ({warnings[-1].split(': ', 1)[1]})" if warnings else ""
        raise UnreadableError(f"{name}: no text found in the PDF{detail}, not read"
                              + ("" if detail else "; it may be blank or made of drawings only"))
    printed_labels(pages, pdf_labels)
    drop_running_lines(pages)
    blocks, title = page_blocks(pages)
    labels = [p.label for p in pages]
    if title is None:
        return DocumentText(blocks, kind="pdf", warnings=warnings, page_labels=labels)
    return DocumentText(blocks[:title] + blocks[title + 1:], title=_title(blocks[title].text, meta_title, path),
                        kind="pdf", warnings=warnings, page_labels=labels)


def _squash(text: str) -> str:
    return re.sub(r"\W+", "", text).lower()


def _title(layout: str, meta: str, path: Path) -> str:
    """The title every citation shows: the block in the largest type, unless the file's Title property holds it
    and says more (the HSE sheet's largest type is its number "P43", its property "P43 - COSHH essentials in the
    printing industry: ..."), or it is no text at all (OCR of a printed web page gave "| = 10 External links |",
    which starts with a symbol): then the property, else the file's name. A property that a printer driver made
    of the file's name ("Microsoft Word - Annual Report 2019.docx") or wrote for want of one ("untitled") is none."""
    if _squash(meta) in ("untitled", "untitleddocument") or re.match(r"Microsoft \w+ - ", meta) \
            or re.search(r"\.(docx?|xlsx?|pptx?|odt|rtf|txt|pdf)$", meta, re.I):
        meta = ""
    if not (layout[:1].isalnum() or layout[:1] in "“\"'(["):
        return meta or re.sub(r"[-_]+", " ", path.stem)
    fuller = len(_squash(meta)) > len(_squash(layout)) and _squash(layout) in _squash(meta)
    return meta if fuller and len(meta) <= TITLE_CHARS else layout
