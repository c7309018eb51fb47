"""Page bookkeeping for text that spans printed pages, and the one place citation page labels are formatted.

A text's pages are `pages` (printed labels: 4, "iv") and `page_starts` (the character offset where each page's
text begins, the first always 0). Both are empty for formats without pages (HTML, DOCX, TXT).
"""
from __future__ import annotations

PageInfo = tuple[tuple, tuple]


def page_label(value: str) -> int | str:
    """A printed page label as stored: an int for arabic numbers ("12" -> 12), else the string ("iv")."""
    value = str(value).strip()
    return int(value) if value.isdigit() and len(value) < 7 else value


def concat(a: tuple[str, tuple, tuple], b: tuple[str, tuple, tuple], sep: str = " ") -> tuple[str, tuple, tuple]:
    """Join two (text, pages, page_starts) runs with `sep`; a page shared by the end of a and the start of b
    is counted once."""
    text_a, pages_a, starts_a = a
    text_b, pages_b, starts_b = b
    offset = len(text_a) + len(sep)
    pages, starts = list(pages_a), list(starts_a)
    for page, start in zip(pages_b, starts_b):
        if pages and page == pages[-1] and start == 0:
            continue
        pages.append(page)
        starts.append(start + offset)
    return text_a + sep + text_b, tuple(pages), tuple(starts)


def cut_front(pages: tuple, starts: tuple, n: int) -> tuple[tuple, tuple]:
    """Pages and starts of a text whose first `n` characters were removed."""
    if not pages:
        return (), ()
    out_pages, out_starts = [], []
    for page, start in zip(pages, starts):
        start = max(0, start - n)
        if out_starts and start == 0:  # the removed prefix held the whole of the previous page
            out_pages[-1] = page
            continue
        out_pages.append(page)
        out_starts.append(start)
    return tuple(out_pages), tuple(out_starts)


def page_at(pages: tuple, starts: tuple, offset: int):
    """The page on which character `offset` of the text lies, or None when the text has no pages."""
    if not pages:
        return None
    found = pages[0]
    for page, start in zip(pages, starts):
        if start <= offset:
            found = page
        else:
            break
    return found


def format_pages(pages) -> str:
    """"p. 4", "pp. 2–3" (first–last), "p. iv"; "" without pages."""
    pages = list(pages or ())
    if not pages:
        return ""
    if len(pages) == 1 or pages[0] == pages[-1]:
        return f"p. {pages[0]}"
    return f"pp. {pages[0]}–{pages[-1]}"


def cite_label(label: str, pages=(), pdf_pages=()) -> str:
    """The paragraph reference users read: "¶12", "¶12, p. 4", "¶6, pp. 2–3", "¶2, p. iv", and when a printed page
    number is not the page's position in the file, both: "¶41, p. 4972 (PDF p. 4)"."""
    where = format_pages(pages)
    # a numbered page printed at another position gets both; roman front matter ("p. iv") speaks for itself
    if where and pdf_pages and any(isinstance(p, int) and p != q for p, q in zip(pages, pdf_pages)):
        where += f" (PDF {format_pages(pdf_pages)})"
    return f"¶{label}, {where}" if where else f"¶{label}"
