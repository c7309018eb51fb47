"""Grounded Q&A over a folder of documents: the web UI (`python app.py`) and the CLI (`python app.py ask`).

Thin by design: argument parsing and output formatting live here; the pipeline lives in index/ and retriever/.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

# The app works offline: no model hub, no telemetry, whoever starts it.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from index.pages import cite_label  # noqa: E402  (stdlib-only, cheap)
from index.paths import DEFAULT_DOCS, default_index_dir  # noqa: E402  (stdlib-only, cheap)
from retriever import settings  # noqa: E402


def answer_to_json(answer) -> dict:
    """The public JSON shape of an answer (see DESIGN.md)."""
    def para(p):
        return {"doc": p.doc, "title": p.title, "paragraph": p.label, "section": p.section, "pages": list(p.pages),
                "text": p.text}

    out = {
        "question": answer.question,
        "answered": answer.answered,
        "answer": answer.text,
        "citations": [{**para(c.paragraph), "quote": c.quote, "quote_page": c.quote_page} for c in answer.citations],
        "passages": [{**para(h.paragraph), "score": round(h.score, 4), "dense": round(h.dense, 4),
                      "lexical": round(h.lexical, 4)} for h in answer.hits],
        "evidence": round(answer.evidence, 4),
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


def make_assistant(docs: str | None, index: str | None):
    from index.embed import default_embedder
    from retriever.assistant import Assistant

    docs_dir = Path(docs) if docs else DEFAULT_DOCS
    return Assistant(docs_dir, Path(index) if index else default_index_dir(docs_dir), default_embedder())


def user_errors() -> tuple[type[Exception], ...]:
    """The exceptions that mean bad input or a bad folder, reported as one plain line."""
    from index import CorpusError, IndexFolderError, ModelError
    from retriever import QuestionError

    return (CorpusError, IndexFolderError, ModelError, QuestionError, ValueError, OSError)


def cmd_ask(args) -> int:
    assistant = make_assistant(args.docs, args.index)
    errors = user_errors()
    if args.question == "-":
        return _ask_batch(assistant, args, errors)
    try:
        answer = assistant.ask(args.question, k=args.k, mode=args.mode)
    except errors as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(answer_to_json(answer), ensure_ascii=False))
    else:
        sys.stdout.write(format_answer(answer))
    return 0


def _ask_batch(assistant, args, errors) -> int:
    """One question per input line, one JSON object per output line; a bad line gets an error object."""
    if not args.json:
        print("error: reading questions from standard input needs --json (one JSON answer per line)",
              file=sys.stderr)
        return 2
    try:
        assistant.index  # load once up front, so a bad folder is one error, not one per line
    except errors as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    for line in sys.stdin:
        question = line.rstrip("\n")
        try:
            out = answer_to_json(assistant.ask(question, k=args.k, mode=args.mode))
        except errors as e:
            out = {"question": question, "error": str(e)}
        print(json.dumps(out, ensure_ascii=False), flush=True)
    return 0


def cmd_serve(args) -> int:
    from ui.server import serve

    return serve(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="app.py", description="Grounded answers with paragraph citations.")
    parser.add_argument("--docs", help="folder of .txt/.md documents (default: seeds/)")
    parser.add_argument("--index", help="index folder (default: derived from --docs, inside .index/)")
    parser.add_argument("--host", default="127.0.0.1", help="address to serve on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=7860, help="port to serve on (default 7860)")
    parser.add_argument("--auth", help="user:password required to use the UI (or set QA_AUTH)")
    sub = parser.add_subparsers(dest="command")
    ask = sub.add_parser("ask", help="answer one question (or '-' for one per line on stdin)")
    ask.add_argument("question", help="the question, or '-' to read one question per line from stdin")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON")
    ask.add_argument("--k", type=int, default=settings.DEFAULT_K, help="passages to return (default 5)")
    ask.add_argument("--mode", choices=settings.MODES, default=settings.DEFAULT_MODE, help="retrieval mode")
    ask.add_argument("--docs", dest="ask_docs", help=argparse.SUPPRESS)
    ask.add_argument("--index", dest="ask_index", help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # --docs/--index may come before or after `ask`.
    args.docs = getattr(args, "ask_docs", None) or args.docs
    args.index = getattr(args, "ask_index", None) or args.index
    if args.command == "ask":
        return cmd_ask(args)
    return cmd_serve(args)


if __name__ == "__main__":
    sys.exit(main())
