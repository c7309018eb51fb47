"""Test-only PDF maker (reportlab): lays out blocks of text on pages with a running header and footer, line-end
hyphenation, a forced page break inside a chosen paragraph, one or two columns and roman-numbered front matter,
so the PDF reader can be checked against text we know."""
from __future__ import annotations

from dataclasses import dataclass, field

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

BODY, BOLD = "Helvetica", "Helvetica-Bold"


@dataclass
class Layout:
    header: str = ""  # drawn at the top of every page
    footer: str = "Page {page}"  # drawn at the bottom; {page} is the printed page label
    size: float = 11
    leading: float = 14
    gap: float = 9  # extra space between paragraphs
    columns: int = 1
    margin: float = 72
    hyphenate: bool = True  # split long words at line ends with "-"
    break_in: dict = field(default_factory=dict)  # block index -> break the page after this many of its lines
    roman_pages: int = 0  # this many front pages labelled i, ii, ... (PDF page labels), then 1, 2 ...
    headings: set = field(default_factory=set)  # block indexes drawn as headings (bold, larger)
    password: str = ""  # encrypt with this user password


def _roman(n: int) -> str:
    out = ""
    for value, letters in ((10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while n >= value:
            out, n = out + letters, n - value
    return out


def _wrap(text: str, font: str, size: float, width: float, hyphenate: bool) -> list[str]:
    """Greedy line breaking; a word that does not fit is split with a hyphen (or at its own hyphen)."""
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if stringWidth(candidate, font, size) <= width:
            line = candidate
            continue
        if hyphenate and len(word) >= 8:
            parts = word.split("-")
            if len(parts) > 1:  # a compound: break at its own hyphen
                head, rest = parts[0] + "-", "-".join(parts[1:])
            else:
                cut = max(3, len(word) // 2)
                head, rest = word[:cut] + "-", word[cut:]
            if stringWidth(f"{line} {head}" if line else head, font, size) <= width:
                lines.append(f"{line} {head}" if line else head)
                line = rest
                continue
        lines.append(line)
        line = word
    if line:
        lines.append(line)
    return lines


def make_pdf(path, blocks: list[str], layout: Layout | None = None) -> list[tuple]:
    """Write `blocks` to a PDF at `path`; returns the printed labels of the first and last page of each block."""
    lay = layout or Layout()
    width, height = A4
    c = canvas.Canvas(str(path), pagesize=A4, encrypt=lay.password or None)
    col_width = (width - 2 * lay.margin - 20 * (lay.columns - 1)) / lay.columns
    state = {"page": 0, "col": 0, "y": height - lay.margin}

    def label(page_index: int):
        if page_index < lay.roman_pages:
            return _roman(page_index + 1)
        return page_index - lay.roman_pages + 1

    def furniture():
        c.setFont(BODY, 9)
        if lay.header:
            c.drawString(lay.margin, height - 40, lay.header)
        if lay.footer:
            c.drawCentredString(width / 2, 30, lay.footer.format(page=label(state["page"])))

    def next_column():
        state["col"] += 1
        state["y"] = height - lay.margin
        if state["col"] >= lay.columns:
            c.showPage()
            state["page"] += 1
            state["col"] = 0
            furniture()

    furniture()
    starts = []
    for i, block in enumerate(blocks):
        heading = i in lay.headings
        font, size = (BOLD, lay.size + 2) if heading else (BODY, lay.size)
        lines = _wrap(block, font, size, col_width, lay.hyphenate and not heading)
        if state["y"] - lay.leading * (2 if heading else 1) < lay.margin:
            next_column()
        first = label(state["page"])
        for n, line in enumerate(lines):
            if n and n == lay.break_in.get(i) or state["y"] - lay.leading < lay.margin:
                next_column()
            state["y"] -= lay.leading
            c.setFont(font, size)
            c.drawString(lay.margin + state["col"] * (col_width + 20), state["y"], line)
        starts.append((first, label(state["page"])))
        state["y"] -= lay.gap
    c.showPage()
    if lay.roman_pages:
        c.addPageLabel(0, style="ROMAN_LOWER")
        c.addPageLabel(lay.roman_pages, style="ARABIC")
    c.save()
    return starts
