"""`python app.py review`: the question x document table on the command line. With --json, stdout holds exactly
one JSON document; every notice, warning and progress line goes to stderr."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from index.pages import cite_label
from retriever import settings


def add_review_parser(sub) -> None:
    """Register the `review` subcommand on app.py's subparsers."""
    from index.embedders import help_text
    from retriever.service import STORE_HELP

    p = sub.add_parser("review", allow_abbrev=False,
                       help="ask every question of each chosen document: one cell per question x document")
    p.add_argument("--questions", required=True, metavar="FILE",
                   help="one question per line (UTF-8), or a .csv with a 'question' column; '-' reads stdin")
    p.add_argument("--doc", action="append", dest="documents", metavar="NAME",
                   help="review this document (its file name, as in the JSON's \"doc\"); repeatable; default all")
    p.add_argument("--json", action="store_true", help="print the review as one JSON document")
    p.add_argument("--max-questions", type=int, default=settings.MAX_REVIEW_QUESTIONS,
                   help=f"refuse more questions than this (default {settings.MAX_REVIEW_QUESTIONS:,})")
    p.add_argument("--max-cells", type=int, default=settings.MAX_REVIEW_CELLS,
                   help=f"refuse more questions x documents than this (default {settings.MAX_REVIEW_CELLS:,})")
    p.add_argument("--csv", metavar="FILE", help="also write the table as CSV (UTF-8 with BOM)")
    p.add_argument("--markdown", metavar="FILE", help="also write the table as Markdown")
    p.add_argument("--word", metavar="FILE", help="also write the quotes and citations as a Word file (.docx)")
    # the same destinations as `ask`, so app.py's main() merges --docs/--index/--model given after the command
    p.add_argument("--docs", dest="ask_docs", help=argparse.SUPPRESS)
    p.add_argument("--index", dest="ask_index", help=argparse.SUPPRESS)
    p.add_argument("--model", dest="ask_model", help=help_text())
    p.add_argument("--store", dest="ask_store", help=STORE_HELP)


def _read_question_source(path: str):
    from retriever.review import read_questions

    if path == "-":
        return read_questions(sys.stdin.buffer.read(), "standard input")
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError as e:
        raise ValueError(f"question file {path} does not exist; pass an existing file with --questions") from e
    except IsADirectoryError as e:
        raise ValueError(f"{path} is a folder; pass a file of questions with --questions") from e
    return read_questions(data, Path(path).name)


def _progress_printer(stream):
    state = {"shown": -1}

    def show(done: int, total: int) -> None:
        step = max(total // 20, 1)
        if total >= 50 and (done % step == 0 or done == total) and done != state["shown"]:
            state["shown"] = done
            print(f"progress: {done:,}/{total:,} cells", file=stream, flush=True)
    return show


def format_review(review) -> str:
    """A readable table for the terminal: per question, each document's quote or status."""
    lines = []
    for q in review.questions:
        lines += [q, "-" * min(len(q), 80)]
        for c in (c for c in review.cells if c.question == q):
            pages = (c.quote_page,) if c.quote_page else ()
            pdf_pages = (c.quote_pdf_page,) if pages and c.quote_pdf_page else ()
            where = f" [{cite_label(c.paragraph, pages, pdf_pages)}]" if c.paragraph else ""
            if c.status == "stated":
                lines.append(f"  {c.doc}: {c.quote}{where} (evidence {c.evidence:.2f})")
            elif c.status == "not read":
                lines.append(f"  {c.doc}: not read ({c.reason})")
            else:
                lines.append(f"  {c.doc}: not stated (evidence {c.evidence:.2f})")
        lines.append("")
    return "\n".join(lines)


def cmd_review(args) -> int:
    from retriever.exports import export
    from retriever.review import ReviewCancelled, review
    from retriever.service import make_assistant, user_errors

    errors = user_errors()
    for flag in ("max_questions", "max_cells"):
        if getattr(args, flag) < 1:
            print(f"error: --{flag.replace('_', '-')} must be at least 1, got {getattr(args, flag)}",
                  file=sys.stderr)
            return 2
    try:
        parsed = _read_question_source(args.questions)
        for notice in parsed.notices():
            print(f"note: {notice}", file=sys.stderr)
        assistant = make_assistant(args.docs, args.index, args.model, getattr(args, "store", None))
        result = review(assistant, parsed.questions, args.documents, max_questions=args.max_questions,
                        max_cells=args.max_cells, progress=_progress_printer(sys.stderr))
    except (ReviewCancelled, *errors) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    data = result.to_json()
    for fmt, path in (("csv", args.csv), ("markdown", args.markdown), ("word", args.word)):
        if path:
            try:
                _write_atomically(Path(path), export(data, fmt))
            except OSError as e:
                print(f"error: cannot write {path}: {e.strerror or e}", file=sys.stderr)
                return 2
            print(f"wrote {path}", file=sys.stderr)
    if args.json:
        print(json.dumps(data, ensure_ascii=False))
    else:
        sys.stdout.write(format_review(result))
    return 0


def _write_atomically(path: Path, data: bytes) -> None:
    """Write next to the target and rename, so an interrupted export never leaves half a file."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
