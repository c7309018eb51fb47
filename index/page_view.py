"""Pages of a PDF as the reader printed them: page images rendered on demand with PDFium (cached in the index
folder, so a rebuild drops them with the index), and the boxes of a paragraph or quote on a page, from PDFium's
character positions, for outlining the cited paragraph and highlighting the quote on the image.

Text is matched to the page by letters and digits only (lower case), so hyphenation, line breaks and spacing
on the page do not matter: quotes stay verbatim slices of the paragraph text.
"""
from __future__ import annotations

from index.pdfium_lock import serialised

import hashlib
import os
import uuid
from pathlib import Path

from index.readers.pdf import _char_index_map

SCALE = 1.5  # 108 dpi: readable on screen, ~150 ms a page here
MIN_MATCH = 12  # letters: a shorter prefix of a quote that runs onto the next page is not looked for

Box = tuple[float, float, float, float]  # left, top, width, height as fractions of the page (top-left origin)


def page_index(labels: list, label) -> int | None:
    """The position in the file of the page printed `label` (the first one, if a label repeats)."""
    for i, value in enumerate(labels):
        if value == label or str(value) == str(label):
            return i
    return None


@serialised
def page_image(pdf_path: Path, index: int, cache_dir: Path, scale: float = SCALE) -> Path:
    """A PNG of page `index` (0-based), rendered once and kept in `cache_dir`."""
    import pypdfium2 as pdfium

    pdf_path = Path(pdf_path)
    stat = pdf_path.stat()
    tag = hashlib.sha1(f"{pdf_path.name}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:12]
    out = Path(cache_dir) / "pages" / tag / f"{index}@{scale}.png"
    if out.is_file():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        if not 0 <= index < len(pdf):
            raise ValueError(f"{pdf_path.name} has {len(pdf)} pages; there is no page {index + 1}")
        page = pdf[index]
        tmp = out.with_name(f".{uuid.uuid4().hex[:8]}.png")
        page.render(scale=scale).to_pil().save(tmp)
        os.replace(tmp, out)  # two users opening the same page never see half a file
        page.close()
    finally:
        pdf.close()
    return out


def _squash(text: str) -> tuple[str, list[int]]:
    """Letters and digits of `text` in lower case, with the position in `text` of each one."""
    keep, where = [], []
    for i, ch in enumerate(text):
        if ch.isalnum():
            keep.append(ch.lower())
            where.append(i)
    return "".join(keep), where


@serialised
def text_boxes(pdf_path: Path, index: int, texts: list[str]) -> list[list[Box]]:
    """For each text, the boxes of the lines it covers on page `index` (empty when it is not on the page).
    A text that runs onto the next page is matched as far as it goes on this one."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        page = pdf[index]
        width, height = page.get_size()
        textpage = page.get_textpage()
        count = textpage.count_chars()
        page_text = textpage.get_text_range() if count > 0 else ""
        char_at = _char_index_map(page_text, count) if count > 0 else (lambda i: i)
        squashed, where = _squash(page_text)
        out = []
        for text in texts:
            needle, _ = _squash(text)
            start = squashed.find(needle) if needle else -1
            length = len(needle)
            while start < 0 and length > MIN_MATCH:  # the part of a text that is on this page
                length = length * 3 // 4
                start = squashed.find(needle[:length])
            if start < 0:
                out.append([])
                continue
            boxes = [textpage.get_charbox(char_at(where[k])) for k in range(start, start + length)]
            out.append(_line_boxes(boxes, width, height))
        textpage.close()
        page.close()
        return out
    finally:
        pdf.close()


def _line_boxes(boxes: list[tuple], width: float, height: float) -> list[Box]:
    """Character boxes (PDF points, y up) merged into one box per line, as fractions of the page."""
    lines: list[list[float]] = []
    for left, bottom, right, top in boxes:
        if lines and abs(bottom - lines[-1][1]) < 0.6 * (top - bottom + 1) and left >= lines[-1][0] - 2:
            line = lines[-1]
            line[0], line[1] = min(line[0], left), min(line[1], bottom)
            line[2], line[3] = max(line[2], right), max(line[3], top)
        else:
            lines.append([left, bottom, right, top])
    return [(x0 / width, 1 - y1 / height, (x1 - x0) / width, (y1 - y0) / height) for x0, y0, x1, y1 in lines]


def page_text_of(paragraph, page) -> str:
    """The part of a paragraph's text printed on `page`."""
    pages, starts = list(paragraph.pages), list(paragraph.page_starts)
    if page not in pages:
        return ""
    k = pages.index(page)
    end = starts[k + 1] if k + 1 < len(starts) else len(paragraph.text)
    return paragraph.text[starts[k]:end]

