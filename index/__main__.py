"""`python -m index build [--docs DIR] [--index DIR]`: build the index and report what it holds."""
from __future__ import annotations

import argparse
import sys

from index.paths import DEFAULT_DOCS, default_index_dir


def embedding_summary(counts: dict) -> str:
    """What the build embedded and what it took from the previous index, e.g. "embedded 34, reused 0"."""
    embedded = counts["embedded_paragraphs"]
    return f"paragraphs embedded {embedded}, reused {counts['paragraphs'] - embedded}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m index", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="build (or refresh) the index of a documents folder")
    build.add_argument("--docs", default=str(DEFAULT_DOCS), help="folder of .txt/.md documents (default: seeds/)")
    build.add_argument("--index", help="index folder (default: derived from --docs, inside .index/)")
    args = parser.parse_args(argv)

    from index import CorpusError, IndexFolderError, ModelError, build_index
    from index.embed import default_embedder
    from index.store import for_users

    index_dir = args.index or default_index_dir(args.docs)
    try:
        manifest = build_index(args.docs, index_dir, default_embedder(),
                               log=lambda msg: print(msg, file=sys.stderr) if for_users(msg) else None)
    except (CorpusError, ModelError, IndexFolderError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    c = manifest["counts"]
    print(f"documents: {c['documents']}  paragraphs: {c['paragraphs']}  vectors: {c['windows']} "
          f"(+{c['sentences']} sentence vectors; {embedding_summary(c)})  "
          f"seconds: {manifest['build_seconds']:.2f}  index: {index_dir} ({manifest['faiss_index']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
