"""Exports an analyst can file: a review (or one answer) as CSV, Markdown or a Word file.

All three read the public JSON shapes (Review.to_json(), output.answer_to_json()), so the CLI, the UI and the API
export the same thing, and each records when it was made, the model and the index's build time."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

COLUMNS = ("doc", "title", "question", "status", "quote", "paragraph", "pages", "evidence")
META_COLUMNS = ("model", "index_built_at", "exported_at")
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection); tab and carriage return
# are in OWASP's list too.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def export_meta(source: dict) -> dict:
    """What every export records: the model, the index's build time and the export time (UTC, ISO 8601)."""
    return {"model": source.get("model", ""), "index_built_at": source.get("index_built_at", ""),
            "exported_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}


def _pages(pages) -> str:
    return ", ".join(str(p) for p in pages or [])


def review_rows(review: dict) -> list[dict]:
    """One row per cell of a review's JSON, in its order; a not-read cell's quote column holds the reason."""
    rows = []
    for c in review["cells"]:
        quote = c.get("quote") or (c.get("reason") or "" if c["status"] == "not read" else "")
        rows.append({"doc": c["doc"], "title": c.get("title", ""), "question": c["question"],
                     "status": c["status"], "quote": quote, "paragraph": c.get("paragraph") or "",
                     "pages": _pages(c.get("pages")), "evidence": f"{c.get('evidence', 0.0):.4f}"})
    return rows


def answer_rows(answer: dict) -> list[dict]:
    """One row per citation of an answer's JSON (one "not stated" row when it abstained)."""
    evidence = f"{answer.get('evidence', 0.0):.4f}"
    if not answer.get("answered") or not answer.get("citations"):
        docs = ", ".join(answer["scope"]) if answer.get("scope") else ""
        return [{"doc": docs, "title": "", "question": answer["question"], "status": "not stated", "quote": "",
                 "paragraph": "", "pages": "", "evidence": evidence}]
    return [{"doc": c["doc"], "title": c.get("title", ""), "question": answer["question"], "status": "stated",
             "quote": c["quote"], "paragraph": c.get("paragraph") or "", "pages": _pages(c.get("pages")),
             "evidence": evidence} for c in answer["citations"]]


def neutralise(value: str) -> str:
    """A cell a spreadsheet would run as a formula gets a leading apostrophe, so it is shown as text."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def to_csv(rows: list[dict], meta: dict) -> bytes:
    """UTF-8 with a BOM (so spreadsheets detect the encoding), RFC 4180 quoting and CRLF line ends; the columns
    doc..evidence, then model, index_built_at and exported_at on every row."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS + META_COLUMNS)
    for row in rows:
        writer.writerow([neutralise(str(row[c])) for c in COLUMNS] + [neutralise(str(meta[c])) for c in META_COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _md(value: str) -> str:
    """A Markdown table cell: pipes escaped, line breaks as <br>."""
    value = str(value).replace("\\", "\\\\").replace("|", "\\|")
    return value.replace("\r\n", "<br>").replace("\n", "<br>").replace("\r", "<br>")


def to_markdown(rows: list[dict], meta: dict, heading: str = "Review") -> str:
    lines = [f"# {_md(heading)}", "",
             f"Exported {meta['exported_at']}; model {meta['model']}; index built at {meta['index_built_at']}.", "",
             "| Document | Question | Status | Quote | ¶ | Pages | Evidence |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        doc = r["title"] or r["doc"]
        lines.append("| " + " | ".join(_md(v) for v in (doc, r["question"], r["status"], r["quote"],
                                                          r["paragraph"], r["pages"], r["evidence"])) + " |")
    return "\n".join(lines) + "\n"


def citation_text(row: dict) -> str:
    """How a quote is cited in the Word file: "[Title ¶8, p. 3]"."""
    where = f"¶{row['paragraph']}" if row["paragraph"] else ""
    if row["pages"]:
        where += (", " if where else "") + ("pp. " if "," in row["pages"] else "p. ") + row["pages"]
    return f"[{row['title'] or row['doc']}{' ' + where if where else ''}]"


def to_docx(rows: list[dict], meta: dict, heading: str = "Review") -> bytes:
    """A Word file: per question, each document's quote and its citation (or "not stated")."""
    from docx import Document

    document = Document()
    document.add_heading(heading, level=1)
    document.add_paragraph(f"Exported {meta['exported_at']}; model {meta['model']}; "
                           f"index built at {meta['index_built_at']}.")
    questions = list(dict.fromkeys(r["question"] for r in rows))
    for q in questions:
        document.add_heading(q, level=2)
        for r in (r for r in rows if r["question"] == q):
            p = document.add_paragraph()
            p.add_run(f"{r['title'] or r['doc']}: ").bold = True
            if r["status"] == "stated":
                p.add_run(f"\u201c{r['quote']}\u201d ").italic = True
                p.add_run(f"{citation_text(r)} (evidence {r['evidence']})")
            elif r["status"] == "not read":
                p.add_run(f"not read ({r['quote']})")
            else:
                p.add_run(f"not stated (evidence {r['evidence']})")
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


FORMATS = {"csv": ".csv", "markdown": ".md", "word": ".docx"}


def export(source: dict, fmt: str) -> bytes:
    """A review's or an answer's JSON in one of FORMATS."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    is_review = "cells" in source
    rows = review_rows(source) if is_review else answer_rows(source)
    meta = export_meta(source)
    heading = "Review" if is_review else f"Answer: {source['question']}"
    if fmt == "csv":
        return to_csv(rows, meta)
    if fmt == "markdown":
        return to_markdown(rows, meta, heading).encode("utf-8")
    return to_docx(rows, meta, heading)
