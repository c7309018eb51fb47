"""Building the PostgreSQL index (see index/storage/postgres.py for the tables): a new schema per build,
filled by binary COPY, swapped in with one transaction; unchanged paragraphs copy their vectors."""
from __future__ import annotations

import time
import uuid
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import numpy as np

from index import lexical
from index.lexical import idf
from index.corpus import load_corpus
from index.embedders.base import Embedder
from index.faiss_types import EXACT_SEARCH_MAX_VECTORS
from index.manifest import FORMAT_VERSION, _library_versions, recipe_of, source_hashes
from index.sentences import sentence_spans
from index.storage.postgres import BM25_B, BM25_K1, BUILD_LOCK_KEY, STORE_LAYOUT, connect, current_schema

# How long a replaced schema stays for servers still answering from it (they follow at their next question).
KEEP_REPLACED_SECONDS = 300.0


def build_store(url: str, docs_dir: Path, embedder: Embedder, log: Callable[[str], None] = lambda msg: None,
                vector_index: str | None = None) -> dict:
    """Build the index of `docs_dir` into a new schema and make it current in one transaction; returns the
    manifest. Paragraphs whose embedded texts are unchanged copy their vectors from the current schema.
    `vector_index`: "exact" (no ANN index: a sequential scan, results equal the folder's Flat FAISS) or
    "hnsw"; by default exact up to EXACT_SEARCH_MAX_VECTORS sentence vectors, like the folder backend."""
    from psycopg.types.json import Jsonb

    from index.store import _fill, _Progress, embed_text, lexical_text, reuse_key, window_settings

    started = time.perf_counter()
    conn = connect(url)
    try:
        conn.execute("SELECT pg_advisory_lock(%s)", (BUILD_LOCK_KEY,))
        warnings: list[str] = []

        def warn(msg: str) -> None:
            warnings.append(msg)
            log(f"warning: {msg}")

        hashes = source_hashes(docs_dir)
        documents = load_corpus(docs_dir, warn=warn, progress=log)
        paragraphs = [p for d in documents for p in d.paragraphs]
        old = current_schema(conn)
        reusable: dict[str, int] = {}
        if old is not None:
            m = conn.execute(f"SELECT value FROM {old}.meta WHERE key = 'manifest'").fetchone()[0]
            if m.get("window_settings") == window_settings(embedder):
                reusable = dict(conn.execute(f"SELECT reuse_key, pos FROM {old}.paragraphs").fetchall())
        spans, keys, windows, sents = [], [], [], []
        for p in paragraphs:
            sp = sentence_spans(p.text)
            spans.append(sp)
            windows.append([embed_text(p, w) for w in embedder.windows(p.text)])
            sents.append([p.text[s:e] for s, e in sp])
            keys.append(reuse_key(embedder, windows[-1], sents[-1]))
        todo = [i for i, key in enumerate(keys) if key not in reusable]
        slots_w: list = [None] * len(paragraphs)
        slots_s: list = [None] * len(paragraphs)
        progress = _Progress(sum(len(windows[i]) + len(sents[i]) for i in todo), "texts embedded", log)
        _fill(slots_w, [(i, windows[i]) for i in todo], embedder, progress)
        _fill(slots_s, [(i, sents[i]) for i in todo], embedder, progress)
        schema = f"qa_{uuid.uuid4().hex[:12]}"
        dim = embedder.dim
        with conn.transaction():
            conn.execute(f"CREATE SCHEMA {schema}")
            conn.execute(f"""
                CREATE TABLE {schema}.meta (key text PRIMARY KEY, value jsonb NOT NULL);
                CREATE TABLE {schema}.documents (pos int PRIMARY KEY, name text NOT NULL, meta jsonb NOT NULL);
                CREATE TABLE {schema}.paragraphs (pos int PRIMARY KEY, doc text NOT NULL, rec jsonb NOT NULL,
                                                  reuse_key text NOT NULL);
                CREATE TABLE {schema}.windows (paragraph int NOT NULL, ord int NOT NULL, v vector({dim}) NOT NULL);
                CREATE TABLE {schema}.sentences (paragraph int NOT NULL, ord int NOT NULL,
                                                 v vector({dim}) NOT NULL);
                CREATE TABLE {schema}.terms (term text PRIMARY KEY, df int NOT NULL, paragraphs int4[] NOT NULL,
                                             weights float4[] NOT NULL);
                -- read whole, often: stored uncompressed so a question does not decompress them
                ALTER TABLE {schema}.terms ALTER paragraphs SET STORAGE EXTERNAL,
                                           ALTER weights SET STORAGE EXTERNAL;
            """)
            _copy(conn, f"{schema}.documents (pos, name, meta)", ["int4", "text", "jsonb"], (
                (i, d.name, Jsonb({"name": d.name, "title": d.title, "dateline": d.dateline,
                                        "source_url": d.source_url, "kind": d.kind,
                                        "page_labels": list(d.page_labels),
                                        "headings": [list(h) for h in d.headings]}))
                for i, d in enumerate(documents)))
            _copy(conn, f"{schema}.paragraphs (pos, doc, rec, reuse_key)", ["int4", "text", "jsonb", "text"], (
                (i, p.doc, Jsonb({**p.to_dict(), "sentences": spans[i]}), keys[i])
                for i, p in enumerate(paragraphs)))
            for table, slots in (("windows", slots_w), ("sentences", slots_s)):
                _copy(conn, f"{schema}.{table} (paragraph, ord, v)", ["int4", "int4", "vector"], (
                    (i, j, v) for i in todo for j, v in enumerate(slots[i])))
            reused = [(reusable[keys[i]], i) for i in range(len(paragraphs)) if keys[i] in reusable]
            if reused:
                conn.execute("CREATE TEMP TABLE reuse_map (old int, new int) ON COMMIT DROP")
                _copy(conn, "reuse_map (old, new)", ["int4", "int4"], reused)
                for table in ("windows", "sentences"):
                    conn.execute(f"INSERT INTO {schema}.{table} SELECT m.new, t.ord, t.v FROM {old}.{table} t "
                                 "JOIN reuse_map m ON t.paragraph = m.old")
            lengths = _write_postings(conn, schema, [lexical_text(p) for p in paragraphs])
            n_windows = sum(len(w) for w in windows)
            n_sentences = sum(len(s) for s in sents)
            kind = vector_index or ("exact" if n_sentences <= EXACT_SEARCH_MAX_VECTORS else "hnsw")
            conn.execute(f"CREATE INDEX ON {schema}.windows (paragraph); CREATE INDEX ON {schema}.sentences "
                         f"(paragraph)")
            if kind == "hnsw":
                for table in ("windows", "sentences"):
                    conn.execute(f"CREATE INDEX ON {schema}.{table} USING hnsw (v vector_ip_ops)")
            manifest = {
                "format": FORMAT_VERSION, "store_layout": STORE_LAYOUT, "backend": "postgresql",
                "model": embedder.name,
                "weights_sha256": embedder.weights_sha256, "dim": dim, "embed_recipe": recipe_of(embedder),
                "sources": hashes, "vector_index": kind, "versions": _library_versions(),
                "window_settings": window_settings(embedder), "warnings": warnings,
                "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "bm25": {"n": len(paragraphs), "avgdl": float(np.mean(lengths)) if lengths else 1.0,
                         "k1": BM25_K1, "b": BM25_B, "method": "lucene"},
                "counts": {"documents": len(documents), "paragraphs": len(paragraphs), "windows": n_windows,
                           "sentences": n_sentences, "embedded_paragraphs": len(todo)},
                "build_seconds": round(time.perf_counter() - started, 3),
            }
            conn.execute(f"INSERT INTO {schema}.meta VALUES ('manifest', %s)", (Jsonb(manifest),))
            # Statistics before the first question: without them the planner may scan every vector row to
            # read one paragraph's (autovacuum would analyse the new tables only later).
            conn.execute(f"ANALYZE {schema}.windows, {schema}.sentences, {schema}.paragraphs, {schema}.terms")
        swap_in(conn, schema)
    finally:
        try:
            conn.execute("SELECT pg_advisory_unlock(%s)", (BUILD_LOCK_KEY,))
        finally:
            conn.close()
    log(f"indexed {len(documents)} documents, {len(paragraphs)} paragraphs, {n_windows} vectors "
        f"in {manifest['build_seconds']:.1f} s")
    return manifest


def swap_in(conn, schema: str) -> None:
    """Make `schema` current in one transaction. The schema it replaces is dated in `qa_replaced`; replaced
    schemas are dropped once KEEP_REPLACED_SECONDS old (never the one just replaced), so a server that opened
    one finishes its questions there and follows the rebuild at its next question."""
    with conn.transaction():
        conn.execute("CREATE TABLE IF NOT EXISTS public.qa_current (id int PRIMARY KEY, schema text NOT NULL, "
                     "previous text)")
        conn.execute("CREATE TABLE IF NOT EXISTS public.qa_replaced (schema text PRIMARY KEY, "
                     "replaced_at timestamptz NOT NULL DEFAULT now())")
        row = conn.execute("SELECT schema FROM public.qa_current WHERE id = 1 FOR UPDATE").fetchone()
        previous = row[0] if row else None
        conn.execute("INSERT INTO public.qa_current VALUES (1, %s, %s) ON CONFLICT (id) DO UPDATE "
                     "SET schema = excluded.schema, previous = excluded.previous", (schema, previous))
        if previous is not None:
            conn.execute("INSERT INTO public.qa_replaced (schema) VALUES (%s) ON CONFLICT DO NOTHING", (previous,))
        recent = {name for (name,) in conn.execute(
            "SELECT schema FROM public.qa_replaced WHERE replaced_at > now() - make_interval(secs => %s)",
            (KEEP_REPLACED_SECONDS,))}
        keep = {schema, previous} | recent
        for (name,) in conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'qa\\_%%'").fetchall():
            if name not in keep:
                conn.execute(f"DROP SCHEMA {name} CASCADE")
                conn.execute("DELETE FROM public.qa_replaced WHERE schema = %s", (name,))


def _write_postings(conn, schema: str, texts: list[str]) -> list[int]:
    """Each term's postings and BM25 weights from the analyser bm25s indexes with; returns the lengths.
    The weight is bm25s's ("lucene"): idf(df) * tf / (tf + k1 * (1 - b + b * dl / avgdl)), in float32."""
    counts = [Counter(terms) for terms in lexical.terms(texts)]
    lengths = [sum(c.values()) for c in counts]
    avgdl = float(np.mean(lengths)) if lengths else 1.0
    by_term: dict[str, tuple[list[int], list[float]]] = {}
    for i, c in enumerate(counts):
        norm = BM25_K1 * (1 - BM25_B + BM25_B * lengths[i] / avgdl)
        for term, tf in c.items():
            positions, parts = by_term.setdefault(term, ([], []))
            positions.append(i)
            parts.append(tf / (tf + norm))
    n = len(texts)
    _copy(conn, f"{schema}.terms (term, df, paragraphs, weights)", ["text", "int4", "int4[]", "float4[]"], (
        (term, len(positions), positions, (np.float32(idf(n, len(positions))) * np.asarray(parts, np.float32))
         .tolist()) for term, (positions, parts) in by_term.items()))
    return lengths


def _copy(conn, target: str, types: list[str], rows) -> None:
    with conn.cursor() as cur, cur.copy(f"COPY {target} FROM STDIN WITH (FORMAT BINARY)") as copy:
        copy.set_types(types)
        for row in rows:
            copy.write_row(row)
