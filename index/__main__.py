"""`python -m index build|paragraphs|add|remove [--docs DIR] [--index DIR] [--model NAME]`: build the index and report
what it holds, list every paragraph as the readers parsed it (doc, label, section, pages, text; warnings on stderr),
or copy files into the documents folder / move them out into its .trash/, re-embedding only what changed."""
from __future__ import annotations

import argparse
import json
import os
import sys

from index.paths import DEFAULT_DOCS, default_index_dir


def embedding_summary(counts: dict) -> str:
    """What the build embedded and what it took from the previous index, e.g. "embedded 34, reused 0"."""
    embedded = counts["embedded_paragraphs"]
    return f"paragraphs embedded {embedded}, reused {counts['paragraphs'] - embedded}"


def main(argv: list[str] | None = None) -> int:
    from index.embedders import help_text

    parser = argparse.ArgumentParser(prog="python -m index", description=__doc__, allow_abbrev=False)
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="build (or refresh) the index of a documents folder", allow_abbrev=False)
    build.add_argument("--docs", default=str(DEFAULT_DOCS),
                       help="folder of documents (.txt, .md, .pdf, .html, .docx; default: seeds/)")
    build.add_argument("--index", help="index folder (default: derived from --docs and --model, inside .index/)")
    build.add_argument("--model", help=help_text())
    build.add_argument("--store", help="postgresql://USER:PASSWORD@HOST:PORT/DB: build into PostgreSQL (or QA_STORE)")
    build.add_argument("--vector-index", choices=("exact", "hnsw"),
                       help="with --store: exact scan or HNSW (default: exact up to 20,000 sentence vectors)")
    listing = sub.add_parser("paragraphs", allow_abbrev=False,
                             help="list every paragraph as parsed: doc, label, section, pages, text")
    listing.add_argument("--docs", default=str(DEFAULT_DOCS), help="folder of documents (default: seeds/)")
    listing.add_argument("--index", help="list the paragraphs stored in this built index instead of parsing --docs")
    listing.add_argument("--json", action="store_true", help="one JSON object per paragraph and line")
    add = sub.add_parser("add", allow_abbrev=False,
                         help="copy files into the documents folder (checked by content and size) and index them")
    add.add_argument("files", nargs="+", metavar="FILE")
    add.add_argument("--replace", action="store_true",
                     help="replace a different file of the same name (the old one goes to .trash/)")
    remove = sub.add_parser("remove", allow_abbrev=False,
                            help="move documents (by file name) into the folder's .trash/ and drop them from the index")
    remove.add_argument("names", nargs="+", metavar="NAME")
    for p in (add, remove):
        p.add_argument("--docs", default=str(DEFAULT_DOCS), help="folder of documents (default: seeds/)")
        p.add_argument("--index", help="index folder (default: derived from --docs and --model, inside .index/)")
        p.add_argument("--model", help=help_text())
    args = parser.parse_args(argv)
    if args.command == "paragraphs":
        return cmd_paragraphs(args)
    if args.command in ("add", "remove"):
        return cmd_write(args)

    from index import CorpusError, IndexFolderError, ModelError, build_index
    from index.embedders import make_embedder, resolve_model
    from index.store import for_users

    store = args.store or os.environ.get("QA_STORE")
    if store:
        return cmd_build_store(args, store)
    try:
        model = resolve_model(args.model)
        index_dir = args.index or default_index_dir(args.docs, model)
        manifest = build_index(args.docs, index_dir, make_embedder(model), same_model_only=args.index is not None,
                               log=lambda msg: print(msg, file=sys.stderr) if for_users(msg) else None)
    except (CorpusError, ModelError, IndexFolderError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print_build_summary(model, manifest, f"index: {index_dir} ({manifest['faiss_index']})")
    return 0


def cmd_write(args) -> int:
    """`add` / `remove`: change the documents folder and rebuild the index incrementally; exit 2 on bad input."""
    from pathlib import Path

    from index import CorpusError, IndexFolderError, ModelError
    from index.documents import add_documents, remove_documents
    from index.embedders import make_embedder, resolve_model
    from index.store import for_users

    def log(msg):
        if for_users(msg):
            print(msg, file=sys.stderr)

    try:
        model = resolve_model(args.model)
        index_dir = args.index or default_index_dir(args.docs, model)
        embedder = make_embedder(model)
        if args.command == "add":
            for f in args.files:
                if not Path(f).is_file():
                    print(f"error: {f} is not a file; give the path of a document to add", file=sys.stderr)
                    return 2
            result = add_documents(args.docs, index_dir, embedder, [(Path(f).name, Path(f)) for f in args.files],
                                   replace=args.replace, log=log, same_model_only=args.index is not None)
        else:
            result = remove_documents(args.docs, index_dir, embedder, args.names, log=log,
                                      same_model_only=args.index is not None)
    except (CorpusError, ModelError, IndexFolderError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    for name in result.added:
        print(f"added {name}")
    for name in result.unchanged:
        print(f"unchanged {name} (already in the folder)")
    for name in result.removed:
        print(f"removed {name} (moved to {Path(args.docs) / '.trash'}/)")
    c = result.manifest.get("counts", {})
    if c:
        print(f"documents: {c['documents']}  paragraphs: {c['paragraphs']} ({embedding_summary(c)})  index: {index_dir}")
    return 0


def cmd_build_store(args, store: str) -> int:
    """`build --store URL`: the index into PostgreSQL (a new schema, swapped in one transaction)."""
    from index import CorpusError, IndexFolderError, ModelError
    from index.embedders import make_embedder, resolve_model
    from index.store import for_users
    from index.storage.postgres_build import build_store

    if args.index:
        print("error: --index and --store name two different indexes; pass one of them", file=sys.stderr)
        return 2
    try:
        model = resolve_model(args.model)
        manifest = build_store(store, args.docs, make_embedder(model), vector_index=args.vector_index,
                               log=lambda msg: print(msg, file=sys.stderr) if for_users(msg) else None)
    except (CorpusError, ModelError, IndexFolderError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print_build_summary(model, manifest, f"store: PostgreSQL ({manifest['vector_index']})")
    return 0


def print_build_summary(model: str, manifest: dict, where: str) -> None:
    """The one line a build prints, for the folder and for PostgreSQL alike; `where` names what was built."""
    c = manifest["counts"]
    print(f"model: {model}  documents: {c['documents']}  paragraphs: {c['paragraphs']}  vectors: {c['windows']} "
          f"(+{c['sentences']} sentence vectors; {embedding_summary(c)})  "
          f"seconds: {manifest['build_seconds']:.2f}  {where}")


def cmd_paragraphs(args) -> int:
    """Print the paragraphs of --docs (parsed now, warnings on stderr) or of a built --index."""
    from index import CorpusError, IndexFolderError
    from index.pages import cite_label

    try:
        if args.index:
            from index.store import load_index

            paragraphs = load_index(args.index, search=False).paragraphs
        else:
            from index.corpus import load_corpus

            documents = load_corpus(args.docs, warn=lambda msg: print(f"warning: {msg}", file=sys.stderr),
                                    progress=lambda msg: print(msg, file=sys.stderr))
            paragraphs = [p for d in documents for p in d.paragraphs]
    except (CorpusError, IndexFolderError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    for p in paragraphs:
        if args.json:
            print(json.dumps({"doc": p.doc, "title": p.title, "paragraph": p.label, "section": p.section,
                              "pages": list(p.pages), "page_starts": list(p.page_starts), "text": p.text},
                             ensure_ascii=False))
        else:
            section = f" [{p.section}]" if p.section else ""
            print(f"{p.doc} {cite_label(p.label, p.pages, p.pdf_pages)}{section}: {p.text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
