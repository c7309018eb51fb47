"""HTML and Markdown views of answers and documents. Pure functions of the public JSON answer shape
(retriever.output.answer_to_json) and the index's paragraphs, so what the UI shows is what `ask --json` returns.
Every piece of document or question text goes through html.escape before it reaches HTML."""
from __future__ import annotations

import re
from html import escape

from index.pages import cite_label, format_pages

ABSTAIN_MESSAGE = "The documents do not appear to answer this."


def anchor(doc: str, label: str) -> str:
    """The HTML id of a paragraph in the Documents view."""
    return "p-" + re.sub(r"[^A-Za-z0-9_-]", "_", f"{doc}--{label}")


def chip(c: dict) -> str:
    """A clickable citation chip; the page script opens the paragraph in the Documents view."""
    target = escape(f"{c['doc']}|{c['paragraph']}", quote=True)
    return (f'<button type="button" class="cite-chip" data-cite="{target}" '
            f'title="Open in the Documents view">{escape(c["title"])} '
            f'{escape(cite_label(c["paragraph"], c.get("pages")))}</button>')


def highlighted(text: str, quotes: list[str]) -> str:
    """The paragraph text with each quote (a verbatim substring) wrapped in <mark>."""
    spans = []
    for q in quotes:
        start = text.find(q)
        if q and start >= 0:
            spans.append((start, start + len(q)))
    out, pos = [], 0
    for start, end in sorted(spans):
        if start < pos:
            continue
        out += [escape(text[pos:start]), "<mark>", escape(text[start:end]), "</mark>"]
        pos = end
    out.append(escape(text[pos:]))
    return "".join(out)


def _paragraph_card(p: dict, quotes: list[str], extra: str = "") -> str:
    section = f'<span class="card-section">{escape(p["section"])}</span>' if p.get("section") else ""
    return (f'<div class="card"><div class="card-head">{chip(p)} {section}{extra}</div>'
            f'<p class="card-text">{highlighted(p["text"], quotes)}</p></div>')


def answer_html(a: dict) -> str:
    """The answer, its citations as chips, each cited paragraph in full with the quote highlighted, then
    the other retrieved passages (collapsed) with their scores."""
    parts = [f'<div class="qa" data-answered="{str(a["answered"]).lower()}">',
             f'<div class="question">Q: {escape(a["question"])}</div>']
    for note in a.get("notes", []):
        parts.append(f'<div class="note">{escape(note)}</div>')
    if a["answered"]:
        sentences = " ".join(f'<span class="quote">{escape(c["quote"])}</span> {chip(c)}' for c in a["citations"])
        parts.append(f'<div class="answer">{sentences}</div>')
        parts.append('<h4>Check the sources</h4>')
        by_para: dict[tuple[str, str], list[str]] = {}
        cited = {}
        for c in a["citations"]:
            key = (c["doc"], c["paragraph"])
            by_para.setdefault(key, []).append(c["quote"])
            cited.setdefault(key, c)
        for key, c in cited.items():
            parts.append(_paragraph_card(c, by_para[key]))
        others = [p for p in a["passages"] if (p["doc"], p["paragraph"]) not in cited]
        title = f"Other retrieved passages ({len(others)})"
    else:
        parts.append(f'<div class="answer abstain">{ABSTAIN_MESSAGE} '
                     'The closest passages are listed below so you can judge.</div>')
        others = a["passages"]
        title = f"Closest passages ({len(others)})"
    if others:
        cards = "".join(_paragraph_card(p, [], f' <span class="score">score {p["score"]:.3f}</span>') for p in others)
        opened = "" if a["answered"] else " open"
        parts.append(f'<details class="others"{opened}><summary>{title}</summary>{cards}</details>')
    timing = a.get("timings_ms", {}).get("total")
    if timing is not None:
        parts.append(f'<div class="timing">answered in {timing:.0f} ms</div>')
    parts.append("</div>")
    return "".join(parts)


def answer_markdown(a: dict) -> str:
    """The answer as Markdown for a report: the question, each quote with its citation, or the abstention."""
    lines = [f"**Q:** {a['question']}", ""]
    if not a["answered"]:
        lines.append(f"_{ABSTAIN_MESSAGE}_")
        return "\n".join(lines)
    for c in a["citations"]:
        lines.append(f"> {c['quote']}  \n> — *{c['title']}*, {cite_label(c['paragraph'], c.get('pages'))}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def document_html(meta: dict, paragraphs: list, target: str | None = None, quote: str = "") -> str:
    """A document as a reader sees it: title, dateline, section headings, every paragraph with the label the
    citations use. `target` (a paragraph label) is highlighted, and `quote` marked inside it."""
    heads = {}
    for heading, position in meta.get("headings", []):
        heads.setdefault(position, []).append(heading)
    parts = [f'<article class="doc"><h2>{escape(meta["title"])}</h2>',
             f'<div class="doc-meta">{escape(meta["name"])}'
             + (f' · {escape(meta["dateline"])}' if meta.get("dateline") else "")
             + (f' · source: {escape(meta["source_url"])}' if meta.get("source_url") else "") + "</div>"]
    for i, p in enumerate(paragraphs):
        for heading in heads.get(i, []):
            parts.append(f"<h3>{escape(heading)}</h3>")
        cls = "para target" if p.label == target else "para"
        where = f'<span class="para-pages">{escape(format_pages(p.pages))}</span>' if p.pages else ""
        parts.append(f'<div class="{cls}" id="{anchor(p.doc, p.label)}"><span class="para-label">¶{escape(p.label)}'
                     f'{where}</span><p>{highlighted(p.text, [quote]) if quote and p.label == target else escape(p.text)}'
                     '</p></div>')
    parts.append("</article>")
    return "".join(parts)


def hit_curve_svg(curves: dict[str, list[float]], width: int = 520, height: int = 260) -> str:
    """A small line chart of Hit@k (k = 1..len) per mode, as inline SVG (no plotting library, no network)."""
    colors = ["#2563eb", "#dc2626", "#16a34a", "#9333ea"]
    left, right, top, bottom = 40, 110, 20, 30
    n = max((len(v) for v in curves.values()), default=0)
    if n < 2:
        return ""

    def x(i):
        return left + (width - left - right) * i / (n - 1)

    def y(v):
        return top + (height - top - bottom) * (1 - v)

    parts = [f'<svg class="hit-curve" viewBox="0 0 {width} {height}" role="img" aria-label="Hit at k per mode" '
             f'style="max-width:{width}px;width:100%">']
    for t in (0, 0.25, 0.5, 0.75, 1.0):
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(t):.1f}" y2="{y(t):.1f}" stroke="#ddd"/>'
                     f'<text x="{left - 6}" y="{y(t) + 4:.1f}" font-size="11" text-anchor="end">{t:.2f}</text>')
    for i in range(n):
        parts.append(f'<text x="{x(i):.1f}" y="{height - 10}" font-size="11" text-anchor="middle">{i + 1}</text>')
    for j, (mode, values) in enumerate(curves.items()):
        color = colors[j % len(colors)]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{points}"/>'
                     f'<text x="{width - right + 8}" y="{top + 16 * j + 10}" font-size="12" fill="{color}">'
                     f'{escape(mode)}</text>')
    parts.append(f'<text x="{(width - right + left) / 2:.0f}" y="{height}" font-size="11" text-anchor="middle">k</text>')
    parts.append("</svg>")
    return "".join(parts)


def page_view_html(image_png: bytes, caption: str, paragraph_boxes: list | None = None,
                   quote_boxes: list | None = None) -> str:
    """A PDF page as printed (the PNG inline, so nothing is fetched), the cited paragraph outlined and the quote
    highlighted by boxes positioned in fractions of the page (index.page_view.text_boxes)."""
    import base64

    def boxes(items, cls):
        return "".join(f'<div class="{cls}" style="left:{100 * x:.3f}%;top:{100 * y:.3f}%;width:{100 * w:.3f}%;'
                       f'height:{100 * h:.3f}%"></div>' for x, y, w, h in items or [])

    data = base64.b64encode(image_png).decode("ascii")
    return (f'<figure class="page-view"><figcaption>{escape(caption)}</figcaption><div class="page-frame">'
            f'<img alt="{escape(caption, quote=True)}" src="data:image/png;base64,{data}">'
            f'{boxes(paragraph_boxes, "para-box")}{boxes(quote_boxes, "quote-box")}</div></figure>')

