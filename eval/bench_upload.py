"""`python -m eval.bench_upload [--json OUT] [--pages 40] [--model M]`: adding a document to a served folder.

1. Time to answerable: a generated PDF of --pages pages is added to a copy of seeds/ through the same write path
   as the browser (retriever.library.Library: copy, check, incremental rebuild, swap), timed until a question
   about it is answered from it. Compared, in the same run, with embedding just that document's own texts
   (the windows and sentences the rebuild embedded, captured from the embedder): the target is a ratio ≤ 1.5.
2. Questions during a rebuild: while a second such PDF is being added, 10 client threads ask 50 questions;
   none may fail, and each answer says which index answered (index_built_at).
"""
from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
FACT = "The Orkney tidal turbine project received 40 million pounds of public funding in 2025."
FACT_QUESTION = "How much public funding did the Orkney tidal turbine project receive?"
QUESTIONS = ["Which country is co-developing the fighter jet with Japan and the UK?",
             "Where was the economic security declaration signed?",
             "What do both documents say about economic coercion?",
             "What is the population of Tokyo?",
             "What does POWER Asia stand for?"]
WORDS = ("harbour council budget ferry grid survey cable school road inspection report "
         "committee tender contract winter summer repair storm coast fishing quota licence audit training "
         "station vessel engineer supply demand tariff forecast meeting review household rural network").split()


def report_blocks(pages: int, seed: int) -> list[str]:
    """About ten paragraphs of generated prose per page, with one known fact on the first page."""
    rng = random.Random(seed)
    blocks = [f"Northern Isles Council Annual Report, {'first' if seed == 1 else 'second'} volume", FACT]
    for _ in range(pages * 10):
        sentences = []
        for _ in range(rng.randint(3, 5)):
            words = [rng.choice(WORDS) for _ in range(rng.randint(8, 16))]
            sentences.append(" ".join(words).capitalize() + ".")
        blocks.append(" ".join(sentences))
    return blocks


def make_report(path: Path, pages: int, seed: int) -> int:
    """Write the PDF; returns its page count."""
    sys.path.insert(0, str(PROJECT / "tests"))
    from pdfgen import Layout, make_pdf  # the project's reportlab layout helper (test-only, no network)

    blocks = report_blocks(pages, seed)
    spans = make_pdf(path, blocks, Layout(footer="Page {page}"))
    return int(spans[-1][1])


class RecordingEmbedder:
    """Wraps the real embedder and keeps every passage text it embeds (to time those texts alone later)."""

    def __init__(self, inner):
        self.inner, self.recorded = inner, []

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def encode_passages(self, texts):
        self.recorded.extend(texts)
        return self.inner.encode_passages(texts)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.bench_upload", description=__doc__, allow_abbrev=False)
    parser.add_argument("--json", help="write the figures here as JSON")
    parser.add_argument("--pages", type=int, default=40, help="pages of the generated PDF (default 40)")
    parser.add_argument("--model", help="embedding model (default: $QA_MODEL, else the default)")
    args = parser.parse_args(argv)

    from index.embedders import make_embedder, resolve_model
    from retriever.assistant import Assistant
    from retriever.library import Library

    tmp = Path(tempfile.mkdtemp(prefix="bench-upload-"))
    try:
        docs = tmp / "docs"
        docs.mkdir()
        for seed_file in (PROJECT / "seeds").glob("*.txt"):
            shutil.copy(seed_file, docs / seed_file.name)
        embedder = RecordingEmbedder(make_embedder(resolve_model(args.model)))
        assistant = Assistant(docs, tmp / "index", embedder, notice=lambda m: None)
        assistant.index
        assistant.ask(QUESTIONS[0])  # model and scorer loaded, as on a running server
        library = Library(assistant)
        first, second = tmp / "up" / "report-a.pdf", tmp / "up" / "report-b.pdf"
        first.parent.mkdir()
        pages = make_report(first, args.pages, 1)
        make_report(second, args.pages, 2)

        embedder.recorded.clear()
        t0 = time.perf_counter()
        result = library.add([(first.name, first)])
        answer = assistant.ask(FACT_QUESTION)
        to_answerable = time.perf_counter() - t0
        cited = [c.paragraph.doc for c in answer.citations]
        texts = list(embedder.recorded)
        t1 = time.perf_counter()
        embedder.inner.encode_passages(texts)
        own_embed = time.perf_counter() - t1
        counts = result.manifest["counts"]

        # 50 questions from 10 clients while report-b.pdf is added
        base = [assistant.ask(q).timings_ms["total"] for q in QUESTIONS]
        old_built = assistant.index.manifest["built_at"]
        done = threading.Event()
        rebuild = {}

        def add_second():
            t = time.perf_counter()
            library.add([(second.name, second)])
            rebuild["seconds"] = time.perf_counter() - t
            done.set()

        adder = threading.Thread(target=add_second)
        adder.start()
        time.sleep(0.5)  # the rebuild is parsing and embedding now

        def client(n):
            out = []
            for i in range(5):
                t = time.perf_counter()
                try:
                    a = assistant.ask(QUESTIONS[(n + i) % len(QUESTIONS)])
                    out.append(("ok", (time.perf_counter() - t) * 1000, a.index_built_at, done.is_set()))
                except Exception as e:  # counted as a failure in the figures
                    out.append((f"{type(e).__name__}: {e}", (time.perf_counter() - t) * 1000, "", done.is_set()))
            return out

        with cf.ThreadPoolExecutor(10) as pool:
            rows = [r for rs in pool.map(client, range(10)) for r in rs]
        adder.join()
        failures = [r for r in rows if r[0] != "ok"]
        during = [r for r in rows if not r[3]]
        figures = {
            "date": time.strftime("%Y-%m-%d"), "model": assistant.model, "pdf_pages": pages,
            "new_paragraphs": counts["embedded_paragraphs"], "reused_paragraphs":
                counts["paragraphs"] - counts["embedded_paragraphs"],
            "texts_embedded": len(texts), "seconds_to_answerable": round(to_answerable, 2),
            "seconds_embedding_own_texts": round(own_embed, 2),
            "ratio": round(to_answerable / own_embed, 2), "answer_cites": sorted(set(cited)),
            "answered": answer.answered, "top_passages": [f"{h.paragraph.doc} ¶{h.paragraph.label}: {h.paragraph.text[:60]}"
                                                         for h in answer.hits[:3]],
            "evidence": round(answer.evidence, 3),
            "rebuild_seconds": round(rebuild["seconds"], 2), "questions": len(rows), "failures": len(failures),
            "answered_while_rebuilding": len(during),
            "from_old_index_while_rebuilding": sum(r[2] == old_built for r in during),
            "latency_ms_idle_median": round(statistics.median(base), 1),
            "latency_ms_during_median": round(statistics.median([r[1] for r in rows]), 1),
            "latency_ms_during_max": round(max(r[1] for r in rows), 1),
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(figures, indent=1))
    print(f"adding a {pages}-page PDF: answerable after {figures['seconds_to_answerable']} s; embedding its own "
          f"{figures['texts_embedded']} texts takes {figures['seconds_embedding_own_texts']} s "
          f"(ratio {figures['ratio']}, target <= 1.5); {figures['reused_paragraphs']} paragraphs reused", file=sys.stderr)
    print(f"during a {figures['rebuild_seconds']} s rebuild: {figures['questions']} questions from 10 clients, "
          f"{figures['failures']} failed, {figures['answered_while_rebuilding']} answered before the swap "
          f"(all from the old index: {figures['from_old_index_while_rebuilding']}), max {figures['latency_ms_during_max']} ms",
          file=sys.stderr)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1))
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
