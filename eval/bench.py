"""`python -m eval.bench [--json OUT] [--skip-scale | --scale-only] [--scale-sizes 10000,100000,1000000] [--kinds Flat,HNSW,IVF]`: speed and scale.

Every figure that is compared with another is measured in the same run, because absolute times drift on a
shared machine. Sections: index build (vs a plain SentenceTransformer.encode of the same paragraphs), cold
start, warm answer latency vs bare question embedding, batch throughput, incremental update, and FAISS index
types at 10k-1M vectors. Heavy steps run in child processes so their peak memory can be read.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from eval.dataset import write_json
from eval.shared import SQUAD_V2_DEV

PROJECT = Path(__file__).resolve().parent.parent
SQUAD_OUT = PROJECT / "eval" / "out" / "squad2"


def child(*args: str, stdin: str | None = None) -> tuple[dict, float]:
    """Run `python -m eval.bench --worker ...` and return its JSON and wall seconds."""
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "eval.bench", "--worker", *args], cwd=PROJECT, input=stdin,
                         capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    if out.returncode != 0:
        raise RuntimeError(f"worker {args} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1]), wall


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ----------------------------------------------------------------------------------------------- workers
def worker(argv: list[str]) -> None:
    kind = argv[0]
    if kind == "build":  # build DOCS INDEX
        from index.embed import default_embedder
        from index.store import build_index

        t0 = time.perf_counter()
        manifest = build_index(Path(argv[1]), Path(argv[2]), default_embedder())
        secs = time.perf_counter() - t0
        print(json.dumps({"seconds": secs, "paragraphs": manifest["counts"]["paragraphs"],
                          "embedded": manifest["counts"]["embedded_paragraphs"], "peak_mb": peak_mb()}))
    elif kind == "plain-encode":  # plain-encode DOCS: SentenceTransformer.encode (MiniLM) or the bare engine (e5)
        from index.corpus import load_corpus
        from index.embed import bundled_model_dir, default_embedder

        texts = [p.text for d in load_corpus(Path(argv[1])) for p in d.paragraphs]
        embedder = default_embedder()
        if embedder.name != "minilm":
            embedder.encode_passages(["warm"])
            t0 = time.perf_counter()
            embedder.encode_passages(texts)
            print(json.dumps({"seconds": time.perf_counter() - t0, "paragraphs": len(texts), "peak_mb": peak_mb()}))
            return
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(str(bundled_model_dir()), device="cpu", local_files_only=True)
        t0 = time.perf_counter()
        model.encode(texts)
        secs = time.perf_counter() - t0
        print(json.dumps({"seconds": secs, "paragraphs": len(texts), "peak_mb": peak_mb()}))
    elif kind == "cold":  # cold INDEX QUESTION: the split of `app.py ask` from process start
        t0 = time.perf_counter()
        from index.offline import set_offline_environment
        from retriever import service

        set_offline_environment()
        t1 = time.perf_counter()
        assistant = service.make_assistant(None, argv[1])
        assistant.embedder.encode_queries(["warm"])  # model load (and ONNX session)
        t2 = time.perf_counter()
        assistant.index
        t3 = time.perf_counter()
        assistant.ask(argv[2])
        t4 = time.perf_counter()
        print(json.dumps({"imports": t1 - t0, "model": t2 - t1, "index": t3 - t2, "answer": t4 - t3}))
    elif kind == "model-load":
        t0 = time.perf_counter()
        from index.embed import default_embedder

        default_embedder().encode_queries(["warm"])
        print(json.dumps({"seconds": time.perf_counter() - t0}))


# ---------------------------------------------------------------------------------------------- sections
def ensure_squad() -> Path | None:
    if (SQUAD_OUT / "docs").is_dir():
        return SQUAD_OUT
    if not SQUAD_V2_DEV.is_file():
        return None
    from eval.squad import convert

    convert(json.loads(SQUAD_V2_DEV.read_text()), SQUAD_OUT)
    return SQUAD_OUT


def bench_build(tmp: Path, squad: Path | None) -> dict:
    out = {}
    corpora = [("seeds", PROJECT / "seeds")] + ([("squad-v2-dev", squad / "docs")] if squad else [])
    for name, docs in corpora:
        built, _ = child("build", str(docs), str(tmp / f"build-{name}"))
        plain, _ = child("plain-encode", str(docs))
        out[name] = {
            "build_seconds": round(built["seconds"], 2), "paragraphs": built["paragraphs"],
            "build_paragraphs_per_s": round(built["paragraphs"] / built["seconds"], 1),
            "build_peak_mb": round(built["peak_mb"]),
            "plain_encode_seconds": round(plain["seconds"], 2),
            "plain_encode_paragraphs_per_s": round(plain["paragraphs"] / plain["seconds"], 1),
            "ratio_build_over_plain": round((built["paragraphs"] / built["seconds"])
                                            / (plain["paragraphs"] / plain["seconds"]), 2)}
    return out


def bench_cold(tmp: Path) -> dict:
    index = tmp / "build-seeds"
    child("cold", str(index), "warm-up")  # first run after the build warms the disk cache
    t0 = time.perf_counter()
    cli = subprocess.run([sys.executable, "app.py", "ask", "--index", str(index), "--json",
                          "Where was the economic security declaration signed?"], cwd=PROJECT, capture_output=True)
    wall = time.perf_counter() - t0
    split, split_wall = child("cold", str(index), "Where was the economic security declaration signed?")
    return {"cli_first_answer_seconds": round(wall, 3), "cli_ok": cli.returncode == 0,
            "split_seconds": {k: round(v, 3) for k, v in split.items()},
            "split_process_wall_seconds": round(split_wall, 3)}


def warm_questions(squad: Path | None, n: int = 250) -> list[str]:
    from eval.dataset import load_set

    questions = [q.question for q in load_set()]
    if squad:
        questions += [q.question for q in load_set(squad / "questions.jsonl")[: n - len(questions)]]
    while len(questions) < n:
        questions += questions[: n - len(questions)]
    return questions


def bench_warm(tmp: Path, squad: Path | None) -> dict:
    from index.offline import set_offline_environment
    from retriever import service

    set_offline_environment()
    from eval.metrics import percentile

    assistant = service.make_assistant(None, str(tmp / "build-seeds"))
    questions = warm_questions(squad)
    assistant.ask(questions[0])
    answer_ms, embed_ms = [], []
    for q in questions:  # interleaved, so both see the same machine load
        t0 = time.perf_counter()
        assistant.embedder.encode_queries([q])
        embed_ms.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        assistant.ask(q)
        answer_ms.append((time.perf_counter() - t0) * 1000)

    def pct(v):
        return {f"p{p}": round(percentile(v, p), 2) for p in (50, 95, 99)}

    a, e = pct(answer_ms), pct(embed_ms)
    return {"questions": len(questions), "answer_ms": a, "embed_ms": e,
            "ratio_p50": round(a["p50"] / e["p50"], 2), "ratio_p95": round(a["p95"] / e["p95"], 2)}


def bench_throughput(tmp: Path, squad: Path | None, n: int = 100) -> dict:
    questions = "\n".join(warm_questions(squad, n)[:n]) + "\n"
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "app.py", "ask", "--json", "--index", str(tmp / "build-seeds"), "-"],
                         cwd=PROJECT, input=questions, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    lines = [json.loads(x) for x in out.stdout.splitlines()]
    load, load_wall = child("model-load")
    return {"questions": len(lines), "seconds": round(wall, 2), "questions_per_s": round(len(lines) / wall, 1),
            "model_load_process_seconds": round(load_wall, 2),
            "ratio_batch_over_model_load": round(wall / load_wall, 2)}


def bench_incremental(tmp: Path, squad: Path | None) -> dict:
    docs = tmp / "incr-docs"
    shutil.copytree(squad / "docs" if squad else PROJECT / "seeds", docs)
    extra = sorted(docs.iterdir())[-1]
    held = tmp / extra.name
    extra.rename(held)
    child("build", str(docs), str(tmp / "incr-index"))
    held.rename(docs / extra.name)
    incr, _ = child("build", str(docs), str(tmp / "incr-index"))
    full, _ = child("build", str(docs), str(tmp / "incr-full"))
    return {"documents": len(list(docs.iterdir())), "added": extra.name,
            "incremental_seconds": round(incr["seconds"], 2), "incremental_embedded": incr["embedded"],
            "full_seconds": round(full["seconds"], 2), "full_embedded": full["embedded"],
            "ratio_full_over_incremental": round(full["seconds"] / incr["seconds"], 1)}


def synthetic_corpus(real: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """n unit vectors shaped like real ones: each is a real vector moved part of the way towards another real
    vector, plus small Gaussian noise. Keeps the anisotropy and topical clusters of real embeddings (uniform
    random vectors would make every index look exact or hopeless)."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, real.shape[1]), dtype=np.float32)
    for start in range(0, n, 100_000):
        m = min(100_000, n - start)
        a = real[rng.integers(0, len(real), m)]
        b = real[rng.integers(0, len(real), m)]
        t = rng.uniform(0, 0.5, (m, 1)).astype(np.float32)
        v = a + t * (b - a) + rng.normal(0, 0.015, (m, real.shape[1])).astype(np.float32)
        out[start:start + m] = v / np.linalg.norm(v, axis=1, keepdims=True)
    out[: min(len(real), n)] = real[: min(len(real), n)]
    return out


def bench_scale(sizes: list[int], squad: Path | None, tmp: Path, kinds: list[str] | None = None) -> list[dict]:
    import faiss

    from eval.dataset import load_set
    from index.embed import default_embedder
    from index.faiss_types import build_faiss_index

    if not squad:
        return []
    built = tmp / "build-squad-v2-dev"
    real = np.concatenate([np.load(built / "windows.npy"), np.load(built / "sentences.npy")]).astype(np.float32)
    questions = [q.question for q in load_set(squad / "questions.jsonl") if q.answerable][::25][:200]
    queries = default_embedder().encode_queries(questions)
    rows = []
    for n in sizes:
        corpus = synthetic_corpus(real, n)
        exact = faiss.IndexFlatIP(corpus.shape[1])
        exact.add(corpus)
        _, truth = exact.search(queries, 10)
        nlist = int(2 ** round(np.log2(4 * np.sqrt(n))))
        variants = [("Flat", {})] + [("HNSW32", {"efSearch": ef}) for ef in (64, 128, 256, 512)]
        variants += [(f"IVF{nlist},Flat", {"nprobe": p}) for p in (16, 32, 64, 128)]
        variants += [(f"IVF{nlist},PQ48", {"nprobe": 32}), (f"IVF{nlist},PQ48+refine", {"nprobe": 32})]
        variants = [v for v in variants if not kinds or (any(v[0].startswith(k) for k in kinds)
                                                         and ("PQ" not in v[0] or "PQ" in kinds))]
        cache: dict[str, tuple] = {}
        for kind, params in variants:
            if kind not in cache:
                t0 = time.perf_counter()
                index = build_faiss_index(corpus, "Flat") if kind == "Flat" else make_index(kind, corpus)
                build_s = time.perf_counter() - t0
                path = tmp / "scale.faiss"
                faiss.write_index(index, str(path))
                size_mb = path.stat().st_size / 2**20
                t0 = time.perf_counter()
                faiss.read_index(str(path))
                load_s = time.perf_counter() - t0
                cache[kind] = (index, build_s, size_mb, load_s)
            index, build_s, size_mb, load_s = cache[kind]
            set_params(index, params)
            times = []
            found = np.empty((len(queries), 10), dtype=np.int64)
            for i, q in enumerate(queries):
                t0 = time.perf_counter()
                _, ids = index.search(q.reshape(1, -1), 10)
                times.append((time.perf_counter() - t0) * 1000)
                found[i] = ids[0]
            recall = np.mean([len(set(found[i]) & set(truth[i])) / 10 for i in range(len(queries))])
            rows.append({"vectors": n, "index": kind, **params, "build_s": round(build_s, 1),
                         "memory_mb": round(size_mb), "load_s": round(load_s, 2),
                         "p50_ms": round(float(np.percentile(times, 50)), 3),
                         "p95_ms": round(float(np.percentile(times, 95)), 3), "recall@10": round(float(recall), 4)})
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
        del cache, corpus, exact
    return rows


def make_index(kind: str, corpus: np.ndarray):
    import faiss

    from index.faiss_types import build_faiss_index

    if kind.startswith("HNSW") or kind.endswith(",Flat"):
        return build_faiss_index(corpus, kind)  # the project's own builder, as the index folder uses it
    refine = kind.endswith("+refine")
    base = faiss.index_factory(corpus.shape[1], kind.replace("+refine", ""), faiss.METRIC_INNER_PRODUCT)
    rng = np.random.default_rng(1)
    sample = corpus[rng.choice(len(corpus), min(len(corpus), 100_000), replace=False)]
    base.train(sample)
    index = faiss.IndexRefineFlat(base) if refine else base
    index.add(corpus)
    return index


def set_params(index, params: dict) -> None:
    import faiss

    if "efSearch" in params:
        index.hnsw.efSearch = params["efSearch"]
    if "nprobe" in params:
        faiss.extract_index_ivf(index.base_index if hasattr(index, "base_index") else index).nprobe = params["nprobe"]
        if hasattr(index, "k_factor"):
            index.k_factor = 4


# ------------------------------------------------------------------------------------------------- main
def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        worker(argv[1:])
        return 0
    from index.embedders import ENV_VAR, help_text, resolve_model

    p = argparse.ArgumentParser(prog="python -m eval.bench", description=__doc__, allow_abbrev=False)
    p.add_argument("--model", help=help_text())
    p.add_argument("--json", help="write all figures to this file")
    p.add_argument("--skip-scale", action="store_true", help="skip the 10k-1M FAISS section (the slowest)")
    p.add_argument("--scale-sizes", default="10000,100000,1000000")
    p.add_argument("--scale-only", action="store_true", help="run only the FAISS scale section")
    p.add_argument("--kinds", help="comma-separated index kinds to include (Flat, HNSW, IVF, PQ)")
    args = p.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        os.environ[ENV_VAR] = resolve_model(args.model)  # this process and every worker use this model
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    squad = ensure_squad()
    results = {"date": time.strftime("%Y-%m-%d"), "model": os.environ[ENV_VAR], "machine": f"{os.cpu_count()} cores, "
               f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB"}
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp_name:
        tmp = Path(tmp_name)
        sections = [("build", lambda: bench_build(tmp, squad)), ("cold_start", lambda: bench_cold(tmp)),
                    ("warm_latency", lambda: bench_warm(tmp, squad)),
                    ("throughput", lambda: bench_throughput(tmp, squad)),
                    ("incremental", lambda: bench_incremental(tmp, squad))]
        if args.scale_only:
            sections = []
            if squad:
                child("build", str(squad / "docs"), str(tmp / "build-squad-v2-dev"))
        for name, fn in sections:
            results[name] = fn()
            print(f"{name}: {json.dumps(results[name])}", flush=True)
        if not args.skip_scale:
            kinds = args.kinds.split(",") if args.kinds else None
            results["scale"] = bench_scale([int(s) for s in args.scale_sizes.split(",")], squad, tmp, kinds)
            print_scale(results["scale"])
    if args.json:
        write_json(args.json, results)
    return 0


def print_scale(rows: list[dict]) -> None:
    print("vectors  index                 params        build s  MB     load s  p50 ms  p95 ms  recall@10")
    for r in rows:
        params = ", ".join(f"{k}={r[k]}" for k in ("efSearch", "nprobe") if k in r)
        print(f"{r['vectors']:>8}  {r['index']:<20}  {params:<12}  {r['build_s']:>7}  {r['memory_mb']:>5}  "
              f"{r['load_s']:>6}  {r['p50_ms']:>6}  {r['p95_ms']:>6}  {r['recall@10']:>9}")


if __name__ == "__main__":
    sys.exit(main())
