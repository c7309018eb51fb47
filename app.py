"""Grounded Q&A over a folder of documents: the web UI (`python app.py`) and the CLI (`python app.py ask`).

Thin by design: argument parsing and output formatting live here; the pipeline lives in index/ and retriever/.
"""
from __future__ import annotations

import argparse
import json
import sys

from index.offline import set_offline_environment  # noqa: E402  (stdlib only)

set_offline_environment()  # before anything imports transformers, huggingface_hub or gradio

from retriever import settings  # noqa: E402
from retriever.output import answer_to_json, format_answer  # noqa: E402
from retriever.service import STORE_HELP, make_assistant, user_errors  # noqa: E402


def cmd_ask(args) -> int:
    errors = user_errors()
    try:
        assistant = make_assistant(args.docs, args.index, args.model, args.store)
    except errors as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.question == "-":
        return _ask_batch(assistant, args, errors)
    try:
        answer = assistant.ask(args.question, k=args.k, mode=args.mode, documents=args.documents)
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
            out = answer_to_json(assistant.ask(question, k=args.k, mode=args.mode, documents=args.documents))
        except errors as e:
            out = {"question": question, "error": str(e)}
        print(json.dumps(out, ensure_ascii=False), flush=True)
    return 0


def cmd_serve(args) -> int:
    from ui.server import serve

    return serve(args)


def build_parser() -> argparse.ArgumentParser:
    from index.embedders import help_text

    parser = argparse.ArgumentParser(prog="app.py", description="Grounded answers with paragraph citations.",
                                     allow_abbrev=False)
    parser.add_argument("--docs", help="folder of documents: .txt, .md, .pdf, .html, .docx (default: seeds/)")
    parser.add_argument("--index", help="index folder (default: derived from --docs and --model, inside .index/)")
    parser.add_argument("--model", help=help_text())
    parser.add_argument("--store", help=STORE_HELP)
    parser.add_argument("--host", default="127.0.0.1", help="address to serve on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=7860, help="port to serve on (default 7860)")
    parser.add_argument("--auth", help="user:password required to use the UI (or set QA_AUTH)")
    parser.add_argument("--read-only", action="store_true",
                        help="no adding or removing documents from the browser or the API, on any address")
    sub = parser.add_subparsers(dest="command")
    ask = sub.add_parser("ask", help="answer one question (or '-' for one per line on stdin)", allow_abbrev=False)
    ask.add_argument("question", help="the question, or '-' to read one question per line from stdin")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON")
    ask.add_argument("--k", type=int, default=settings.DEFAULT_K, help="passages to return (default 5)")
    ask.add_argument("--mode", choices=settings.MODES, default=settings.DEFAULT_MODE, help="retrieval mode")
    ask.add_argument("--doc", action="append", dest="documents", metavar="NAME",
                     help="keep the question to this document (its file name, as in the JSON's \"doc\"); repeatable")
    ask.add_argument("--docs", dest="ask_docs", help=argparse.SUPPRESS)
    ask.add_argument("--index", dest="ask_index", help=argparse.SUPPRESS)
    ask.add_argument("--model", dest="ask_model", help=help_text())
    ask.add_argument("--store", dest="ask_store", help=STORE_HELP)
    from retriever.review_cli import add_review_parser

    add_review_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # --docs/--index may come before or after `ask`.
    args.docs = getattr(args, "ask_docs", None) or args.docs
    args.index = getattr(args, "ask_index", None) or args.index
    args.model = getattr(args, "ask_model", None) or args.model
    args.store = getattr(args, "ask_store", None) or args.store
    if args.command == "ask":
        return cmd_ask(args)
    if args.command == "review":
        from retriever.review_cli import cmd_review

        return cmd_review(args)
    return cmd_serve(args)


if __name__ == "__main__":
    sys.exit(main())
