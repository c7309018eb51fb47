"""`python -m eval.squad PATH --out DIR`: turn a SQuAD-format file (v1.1 or v2.0) into a documents folder
(one .txt per article: title on the first line, paragraphs separated by blank lines) and an evaluation set
(gold = the question's context paragraph; answerable = not is_impossible; answer keys = answer texts).

Gold labels come from parsing the written files with the project's own parser, so they are the labels
the pipeline will cite."""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from index.corpus import parse_document


def slug(title: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", title).strip("_")[:60] or "article"


def clean_context(text: str) -> str:
    """One paragraph per context: inner blank lines would split it, so whitespace runs become one space."""
    return " ".join(text.split())


def convert(squad: dict, out_dir: Path) -> tuple[int, int, int]:
    """Write documents and questions.jsonl into out_dir; returns (articles, paragraphs, questions)."""
    docs_dir = out_dir / "docs"
    docs_dir.mkdir(parents=True, exist_ok=True)
    n_par = 0
    records = []
    for a, article in enumerate(squad["data"]):
        title = article["title"].replace("_", " ")
        name = f"{a:03d}_{slug(article['title'])}.txt"
        contexts = [clean_context(p["context"]) for p in article["paragraphs"]]
        text = title + "\n\n" + "\n\n".join(contexts) + "\n"
        (docs_dir / name).write_text(text, encoding="utf-8")
        parsed = parse_document(name, text).paragraphs
        n_par += len(contexts)
        for p, context in zip(article["paragraphs"], contexts):
            label = next((q.label for q in parsed if context in q.text), None)
            if label is None:
                raise ValueError(f"{name}: a context was not found among the parsed paragraphs")
            for qa in p["qas"]:
                impossible = bool(qa.get("is_impossible", False))
                keys = list(dict.fromkeys(ans["text"] for ans in qa.get("answers", []) if ans["text"].strip()))
                records.append({"id": qa["id"], "question": qa["question"], "answerable": not impossible,
                                "gold": [] if impossible else [{"doc": name, "paragraph": label}],
                                "answer_keys": [] if impossible else keys, "notes": f"SQuAD {title}",
                                "article": name})
    with open(out_dir / "questions.jsonl", "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return len(squad["data"]), n_par, len(records)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.squad", description=__doc__, allow_abbrev=False)
    p.add_argument("path", help="SQuAD JSON file (v1.1 or v2.0)")
    p.add_argument("--out", required=True, help="output folder: docs/ and questions.jsonl are written here")
    args = p.parse_args(argv)
    try:
        squad = json.loads(Path(args.path).read_text(encoding="utf-8"))
        articles, paragraphs, questions = convert(squad, Path(args.out))
    except (OSError, ValueError, KeyError) as e:
        print(f"error: cannot convert {args.path}: {e}", file=sys.stderr)
        return 2
    print(f"{articles} articles, {paragraphs} paragraphs, {questions} questions -> {args.out}/docs, "
          f"{args.out}/questions.jsonl")
    return 0


if __name__ == "__main__":
    sys.exit(main())
