"""How an answer leaves the program: the public JSON shape (DESIGN.md), shared by the CLI, the UI, the API and
the evaluation, and the readable form for the terminal."""
from __future__ import annotations


from index.pages import cite_label


def _paragraph(p) -> dict:
    return {"doc": p.doc, "title": p.title, "paragraph": p.label, "section": p.section, "pages": list(p.pages),
            "text": p.text}


def answer_to_json(answer) -> dict:
    """The public JSON shape of an answer (see DESIGN.md)."""
    out = {
        "question": answer.question,
        "answered": answer.answered,
        "answer": answer.text,
        "citations": [{**_paragraph(c.paragraph), "quote": c.quote, "quote_page": c.quote_page}
                      for c in answer.citations],
        "passages": [{**_paragraph(h.paragraph), "score": round(h.score, 4), "dense": round(h.dense, 4),
                      "lexical": round(h.lexical, 4)} for h in answer.hits],
        "evidence": round(answer.evidence, 4),
        "model": answer.model,
        "scope": answer.scope,
        "index_built_at": answer.index_built_at,
        "timings_ms": answer.timings_ms,
    }
    if answer.notes:
        out["notes"] = answer.notes
    return out


def format_answer(answer) -> str:
    """A readable answer for the terminal: the answer, then each cited paragraph in full."""
    lines = [answer.text, ""]
    for note in answer.notes:
        lines.append(f"Note: {note}")
    if answer.answered:
        lines.append("Sources:")
        shown = set()
        for c in answer.citations:
            p = c.paragraph
            if p.id not in shown:
                shown.add(p.id)
                lines += [f"  [{c.label}]" + (f" (section: {p.section})" if p.section else ""), f"    {p.text}", ""]
    else:
        lines.append("Closest passages:")
        for h in answer.hits:
            hp = h.paragraph
            lines += [f"  [{hp.title} {cite_label(hp.label, hp.pages, hp.pdf_pages)}] score {h.score:.3f}",
                      f"    {h.paragraph.text}", ""]
    return "\n".join(lines).rstrip() + "\n"
