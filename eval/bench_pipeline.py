"""`python -m eval.bench_pipeline [--paragraphs 200000] [--json OUT]`: the whole index at scale, not only FAISS.

Builds an index of N paragraphs (real SQuAD v2.0 dev paragraphs repeated, each made unique with an item number,
1,000 per document) and then, in a fresh process, loads it and answers 200 SQuAD questions. It measures what the
FAISS-only scale table leaves out: paragraph records, sentence vectors, BM25, memory of the build and of a loaded
index, load time and the answer path's own cost at that size.

Two stand-ins keep it inside a session, and are the parts the main benchmark already measures per paragraph:
the model is replaced by random unit vectors (embedding cost: `python -m eval.bench`, build section) and pysbd by
a regular-expression sentence splitter (pysbd: ~6 s per 1,200 SQuAD paragraphs). Answer latency here is therefore
the answer path without the question's embedding.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from eval.bench import SQUAD_OUT, ensure_squad
from eval.dataset import load_set, write_json
from eval.shared import SQUAD_MISSING

PER_DOC = 1000
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


class RandomEmbedder:
    """Unit vectors at the speed of a random number generator; windows of 1,200 characters every 900."""

    name = "bench/random"
    dim = 384
    weights_sha256 = "1" * 64
    recipe = "random unit vectors"
    threads = 1

    def encode_passages(self, texts) -> np.ndarray:
        v = np.random.default_rng(len(texts)).standard_normal((len(texts), self.dim)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    encode_queries = encode_passages

    def windows(self, text: str) -> list[str]:
        return [text] if len(text) < 1200 else [text[i:i + 1200] for i in range(0, len(text), 900)]


def regex_sentence_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in SENTENCE_END.finditer(text):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    return spans


def memory_mb() -> dict:
    status = dict(line.split(":", 1) for line in open("/proc/self/status"))
    return {k: int(status[key].split()[0]) // 1024 for k, key in (("rss_mb", "VmRSS"), ("peak_rss_mb", "VmHWM"),
                                                                  ("anon_mb", "RssAnon"))}


def write_corpus(docs: Path, n: int) -> None:
    paragraphs = [p for f in sorted((SQUAD_OUT / "docs").glob("*.txt"))
                  for p in f.read_text(encoding="utf-8").split("\n\n")[1:] if p.strip()]
    docs.mkdir(parents=True, exist_ok=True)
    for d in range(max(n // PER_DOC, 1)):
        body = "\n\n".join(f"{paragraphs[(d * PER_DOC + j) % len(paragraphs)].strip()} Item {d}-{j}."
                           for j in range(min(PER_DOC, n)))
        (docs / f"doc{d:05d}.txt").write_text(f"Synthetic document {d}\n\n{body}\n", encoding="utf-8")


def worker_build(docs: Path, index_dir: Path) -> dict:
    import index.store as store

    store.sentence_spans = regex_sentence_spans
    anon = []  # anonymous memory (not file cache) after each reported step
    t0 = time.perf_counter()
    manifest = store.build_index(docs, index_dir, RandomEmbedder(),
                                 log=lambda msg: anon.append(memory_mb()["anon_mb"]))
    return {"build_s": round(time.perf_counter() - t0, 1), "counts": manifest["counts"],
            "faiss_index": manifest["faiss_index"], **memory_mb(), "max_anon_mb_seen": max(anon, default=0)}


def answer_times(assistant, n: int = 200) -> list[float]:
    """Milliseconds of each of n SQuAD questions through the whole answer path, after one warm-up question."""
    questions = [q.question for q in load_set(SQUAD_OUT / "questions.jsonl")[:n + 1]]
    assistant.ask(questions[0])
    times = []
    for q in questions[1:]:
        t = time.perf_counter()
        assistant.ask(q)
        times.append((time.perf_counter() - t) * 1000)
    return times

def worker_answer(docs: Path, index_dir: Path) -> dict:
    from index.store import load_index
    from retriever.assistant import Assistant
    from retriever.scorer import load_scorer, scorer_path

    t0 = time.perf_counter()
    loaded = load_index(index_dir)
    load_s = time.perf_counter() - t0
    after_load = memory_mb()
    # The stand-in model answers with MiniLM's fitted scorer: the cost of scoring does not depend on the weights.
    assistant = Assistant(docs, index_dir, RandomEmbedder(), scorer=load_scorer(scorer_path("minilm")))
    assistant.__dict__["index"] = loaded  # already loaded above (Assistant.index is a cached property)
    times = answer_times(assistant)
    disk = sum(f.stat().st_size for f in Path(index_dir).resolve().rglob("*") if f.is_file())
    return {"load_s": round(load_s, 2), "after_load": after_load, "after_answers": memory_mb(),
            "answer_ms_p50": round(float(np.percentile(times, 50)), 2),
            "answer_ms_p95": round(float(np.percentile(times, 95)), 2), "disk_mb": round(disk / 2**20)}


def worker_build_store(docs: Path, url: str) -> dict:
    """The same build into PostgreSQL (`--store URL`): a fresh schema, vectors by binary COPY, HNSW at scale."""
    import index.storage.postgres as pg
    import index.storage.postgres_build as pg_build

    pg_build.sentence_spans = regex_sentence_spans
    t0 = time.perf_counter()
    manifest = pg_build.build_store(url, docs, RandomEmbedder())
    conn = pg.connect(url)
    size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
    return {"build_s": round(time.perf_counter() - t0, 1), "counts": manifest["counts"],
            "vector_index": manifest["vector_index"], "db_mb": round(size / 2**20), **memory_mb()}


def worker_answer_store(docs: Path, url: str) -> dict:
    from index.storage.postgres import PostgresIndex
    from retriever.assistant import Assistant
    from retriever.scorer import load_scorer, scorer_path

    t0 = time.perf_counter()
    loaded = PostgresIndex(url)
    load_s = time.perf_counter() - t0
    assistant = Assistant(docs, Path("unused"), RandomEmbedder(), scorer=load_scorer(scorer_path("minilm")),
                          opener=lambda: loaded)
    times = answer_times(assistant)
    return {"load_s": round(load_s, 2), "after_load_and_answers": memory_mb(),
            "answer_ms_p50": round(float(np.percentile(times, 50)), 2),
            "answer_ms_p95": round(float(np.percentile(times, 95)), 2)}


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        fn = {"build": worker_build, "answer": worker_answer, "build-store": worker_build_store,
              "answer-store": worker_answer_store}[argv[1]]
        print(json.dumps(fn(Path(argv[2]), argv[3] if argv[1].endswith("-store") else Path(argv[3]))))
        return 0
    p = argparse.ArgumentParser(prog="python -m eval.bench_pipeline", description=__doc__, allow_abbrev=False)
    p.add_argument("--paragraphs", type=int, default=200_000, help="paragraphs in the synthetic folder")
    p.add_argument("--json", help="write the figures to this file")
    p.add_argument("--store", help="postgresql://...: measure the PostgreSQL backend too, beside the folder")
    args = p.parse_args(argv)
    if ensure_squad() is None:
        print(SQUAD_MISSING, file=sys.stderr)
        return 2
    results = {"date": time.strftime("%Y-%m-%d"), "paragraphs": args.paragraphs}
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as tmp_name:
        docs, index_dir = Path(tmp_name) / "docs", Path(tmp_name) / "idx"
        write_corpus(docs, args.paragraphs)
        steps = [("build", index_dir), ("answer", index_dir)]
        if args.store:
            steps += [("build-store", args.store), ("answer-store", args.store)]
        for step, target in steps:
            out = subprocess.run([sys.executable, "-m", "eval.bench_pipeline", "--worker", step, str(docs),
                                  str(target)], capture_output=True, text=True, check=False)
            if out.returncode != 0:
                print(out.stderr[-2000:], file=sys.stderr)
                return 1
            results[step] = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"{step}: {json.dumps(results[step])}", flush=True)
    if args.json:
        write_json(args.json, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
