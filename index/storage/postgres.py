"""The PostgreSQL backend of ParagraphIndex (psycopg 3 + pgvector): an index several app servers share.

Reading lives here, building in index/storage/postgres_build.py. One build lives in its own schema `qa_<hex>`:
    meta        key -> jsonb (the manifest: backend, model, weight hash, recipe, sources, BM25 statistics)
    documents   pos, name, meta (title, dateline, ...)
    paragraphs  pos, doc, rec (the Paragraph and its sentence spans), reuse_key (hash of the embedded texts)
    windows     paragraph, ord, v vector(dim)      one row per token window
    sentences   paragraph, ord, v vector(dim)      one row per sentence
    terms       term, df, paragraphs int4[], weights float4[]   each term's postings from our own analyser
                (index.lexical), with the term's BM25 weight in each paragraph (Lucene idf, bm25s's k1 and b,
                the paragraph's length), precomputed as bm25s does; a query's BM25 is their sum (numpy)
`public.qa_current` names the schema that serves; a build fills a new schema and repoints it in one
transaction (readers see the old index or the new one). Replaced schemas are kept KEEP_REPLACED_SECONDS
(`public.qa_replaced`) for servers still answering from them; a server follows a rebuild at its next question
(`newer`). Builds are serialised by an advisory lock; `kill -9` mid-build leaves qa_current untouched.
Reading never writes, so app servers can read from a hot-standby replica.
"""
from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Callable

import numpy as np

from index.corpus import Paragraph, list_document_files
from index.embedders.base import Embedder
from index.manifest import IndexFolderError, recipe_of, source_hashes
from index.storage.base import IndexReplaced, ParagraphIndex

BM25_K1, BM25_B = 1.5, 0.75  # bm25s.BM25() defaults (method "lucene"), which the folder backend uses
STORE_LAYOUT = 2  # the tables' layout; a store built with another one is rebuilt (2: postings as arrays per term)
BUILD_LOCK_KEY = 0x51A_1D3  # pg_advisory_lock key that serialises builds
POSTINGS_KEPT = 10_000_000  # postings kept in memory across questions (12 bytes each), then forgotten
HNSW_EF_SEARCH = 400  # candidates an HNSW scan keeps; above the k * 3 vectors a question asks for
URL_HINT = "expected postgresql://USER:PASSWORD@HOST:PORT/DBNAME (make pg-up prints one)"


class StoreError(IndexFolderError):
    """The PostgreSQL store cannot be used: bad URL, server down, wrong password, no pgvector."""


class IndexReplacedError(StoreError, IndexReplaced):
    """The schema a question was reading was dropped by a rebuild: ask again on the current one."""


def is_store_url(value: str | None) -> bool:
    return bool(value) and str(value).startswith(("postgresql://", "postgres://"))


def connect(url: str):
    """A connection with the pgvector types registered; every failure is a StoreError naming the fix."""
    import psycopg
    from pgvector.psycopg import register_vector

    if not is_store_url(url):
        raise StoreError(f"bad --store URL {url!r}: {URL_HINT}")
    try:
        conn = psycopg.connect(url, autocommit=True, connect_timeout=5)
    except psycopg.ProgrammingError as e:
        raise StoreError(f"bad --store URL {_safe(url)}: {_first_line(e)}; {URL_HINT}") from e
    except psycopg.OperationalError as e:
        msg = _first_line(e)
        if "password" in msg or "authentication" in msg:
            raise StoreError(f"PostgreSQL refused the login ({msg}); fix the user or password in --store") from e
        if "does not exist" in msg:
            raise StoreError(f"{msg}; create it (createdb) or fix the database name in --store") from e
        raise StoreError(f"cannot reach PostgreSQL at {_safe(url)} ({msg}); start the server (make pg-up) "
                         "or fix the host and port in --store") from e
    try:
        # Checked before creating: CREATE fails on a read-only replica even when the extension is there.
        if conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'vector'").fetchone() is None:
            conn.execute("CREATE EXTENSION vector")
        register_vector(conn)
    except psycopg.Error as e:
        conn.close()
        raise StoreError(f"pgvector is not available in the database at {_safe(url)} ({_first_line(e)}); "
                         "install the pgvector extension there (CREATE EXTENSION vector as a superuser)") from e
    return conn


def _read_arrays_as_numpy(conn) -> None:
    """int4[] and float4[] results in binary arrive as numpy arrays (psycopg would build a Python list of
    objects, ~10 ms per 80,000 postings)."""
    import psycopg
    from psycopg.adapt import Loader

    class NumpyArray(Loader):
        format = psycopg.pq.Format.BINARY
        dtype: str

        def load(self, data) -> np.ndarray:
            # PostgreSQL's binary array: ndim, has-nulls flag, element oid, then (length, lower bound) per
            # dimension, then each element as (byte length, big-endian value); our arrays have no NULLs.
            data = bytes(data)
            if int.from_bytes(data[0:4], "big") == 0:
                return np.zeros(0, dtype=self.dtype)
            n = int.from_bytes(data[12:16], "big")
            return np.frombuffer(data, dtype=[("len", ">i4"), ("v", ">" + self.dtype)], count=n, offset=20)["v"]

    for oid, dtype in ((1007, "i4"), (1021, "f4")):  # int4[], float4[]
        conn.adapters.register_loader(oid, type(f"NumpyArray_{dtype}", (NumpyArray,), {"dtype": dtype}))


def _connection_lost(conn) -> bool:
    import psycopg

    return conn.closed or conn.info.status != psycopg.pq.ConnStatus.OK


def _first_line(e: Exception) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[-1].strip()


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        return f"{parts.scheme}://{parts.username or ''}@{host}:{parts.port or 5432}{parts.path}"
    except ValueError:
        return "<unparsable URL>"


def current_schema(conn) -> str | None:
    """The schema that serves, or None before the first build (reads only: works on a replica)."""
    if conn.execute("SELECT to_regclass('public.qa_current')").fetchone()[0] is None:
        return None
    row = conn.execute("SELECT schema FROM public.qa_current WHERE id = 1").fetchone()
    return row[0] if row else None


class PostgresIndex(ParagraphIndex):
    """A built schema, read through one connection (guarded by a lock: the Assistant is shared by threads).
    Records (documents, paragraphs) are read once; vectors are read per question and cached per paragraph."""

    def __init__(self, url: str, conn=None):
        import psycopg

        self.url = url
        self.conn = conn or connect(url)
        self._lock = threading.Lock()
        try:
            schema = current_schema(self.conn)
            if schema is None:
                raise StoreError(f"no index in the store at {_safe(url)}; build it with "
                                 "`python -m index build --store URL`")
            self.schema = schema
            self._offered: str | None = None  # the newer schema `newer` last returned
            self.manifest = self.conn.execute(f"SELECT value FROM {schema}.meta WHERE key = 'manifest'").fetchone()[0]
            if self.manifest.get("store_layout") != STORE_LAYOUT:
                raise StoreError(f"the index in the store at {_safe(url)} has an older table layout; rebuild it "
                                 "with `python -m index build --store URL`")
            # Every term's document frequency, once (one row per term of the vocabulary): features ask for
            # the df of many words, and a round trip each would dominate a question's time.
            self._df: dict[str, int] = dict(self.conn.execute(f"SELECT term, df FROM {schema}.terms",
                                                              binary=True).fetchall())
            self.documents = [r[0] for r in self.conn.execute(f"SELECT meta FROM {schema}.documents ORDER BY pos")]
            self.paragraphs, self._spans = [], []
            for (rec,) in self.conn.execute(f"SELECT rec FROM {schema}.paragraphs ORDER BY pos"):
                self.paragraphs.append(_paragraph(rec))
                self._spans.append([tuple(s) for s in rec["sentences"]])
        except psycopg.Error as e:
            raise StoreError(f"the store at {_safe(url)} is damaged or being dropped ({_first_line(e)}); "
                             "rebuild it with `python -m index build --store URL`") from e
        _read_arrays_as_numpy(self.conn)
        self.conn.execute(f"SET hnsw.ef_search = {HNSW_EF_SEARCH}")
        self._stats = self.manifest["bm25"]
        self._vectors: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._terms: dict[int, list[frozenset[str]]] = {}
        self._postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # term -> (paragraphs, BM25 weights)
        self._postings_kept = 0
        by_doc: dict[str, list[int]] = {}
        for i, p in enumerate(self.paragraphs):
            by_doc.setdefault(p.doc, []).append(i)
        self._doc_positions = {d: np.asarray(v, dtype=np.int64) for d, v in by_doc.items()}

    def _query(self, sql: str, params=(), binary: bool = False) -> list[tuple]:
        """`binary`: results in PostgreSQL's binary format (vectors arrive as float32 bytes, not text).
        A lost connection (server restart, failover to a replica) is opened again once; a schema dropped by
        a rebuild is an IndexReplacedError, which the Assistant answers by asking again on the current index."""
        import psycopg

        sql = sql.replace("{s}", self.schema)
        with self._lock:
            for attempt in (1, 2):
                try:
                    return self.conn.execute(sql, params, binary=binary).fetchall()
                except (psycopg.errors.UndefinedTable, psycopg.errors.InvalidSchemaName) as e:
                    raise IndexReplacedError(f"the index {self.schema} was replaced by a rebuild") from e
                except psycopg.OperationalError as e:
                    if attempt == 1 and _connection_lost(self.conn):
                        self.conn = self._reconnect()  # a server still down raises its StoreError here
                        continue
                    raise StoreError(f"lost the PostgreSQL store at {_safe(self.url)} ({_first_line(e)}); "
                                     "answers resume when it is back: check the server") from e
        raise AssertionError("unreachable")

    def _reconnect(self):
        conn = connect(self.url)
        _read_arrays_as_numpy(conn)
        conn.execute(f"SET hnsw.ef_search = {HNSW_EF_SEARCH}")
        return conn

    def newer(self) -> "PostgresIndex | None":
        """The store's current index when a rebuild (by any machine) replaced the one this reads, else None.
        Each newer build is opened and offered once: one the caller declined (another model's) is not opened
        again at every question."""
        import psycopg

        with self._lock:
            try:  # one round trip per question: the pointer table exists, since this index was opened from it
                row = self.conn.execute("SELECT schema FROM public.qa_current WHERE id = 1").fetchone()
                current = row[0] if row else None
            except psycopg.Error:  # unreachable: keep what we have; the question's own query says so
                return None
            if current is None or current in (self.schema, self._offered):
                return None
            self._offered = current
        return PostgresIndex(self.url)

    def positions_of(self, documents: set[str]) -> np.ndarray:
        parts = [self._doc_positions[d] for d in documents if d in self._doc_positions]
        return np.sort(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)

    def dense_top(self, query: np.ndarray, k: int) -> dict[int, float]:
        """One round trip: k * 3 nearest windows and sentences, each paragraph's best, as the folder does."""
        q = np.asarray(query, dtype=np.float32)
        per = "(SELECT paragraph, max(s) AS s FROM (SELECT paragraph, -(v <#> %(q)s) AS s FROM {s}.{t} " \
              "ORDER BY v <#> %(q)s LIMIT %(n)s) x GROUP BY paragraph ORDER BY s DESC LIMIT %(k)s)"
        sql = (f"SELECT paragraph, max(s) FROM ({per.replace('{t}', 'windows')} UNION ALL "
               f"{per.replace('{t}', 'sentences')}) u GROUP BY paragraph ORDER BY 2 DESC, 1 LIMIT %(k)s")
        rows = self._query(sql, {"q": q, "n": k * 3, "k": k})
        return {int(p): float(s) for p, s in rows}

    def exact_dense_scores(self, query: np.ndarray, positions: list[int]) -> dict[int, float]:
        if not positions:
            return {}
        self.prefetch(positions)
        out = {}
        for p in positions:
            w, s = self._vectors[p]
            both = np.concatenate([w, s]) if len(w) or len(s) else np.zeros((0, len(query)), np.float32)
            out[p] = float((both @ query).max()) if len(both) else 0.0
        return out

    def lexical_scores(self, terms: tuple[str, ...]) -> np.ndarray:
        """BM25 from the store's weights: each query term's precomputed weight per paragraph, summed (a repeated
        query term counts again, as in bm25s). The postings of terms not yet kept come in one round trip and
        are kept for the next questions. Summed here, not in SQL: at 200,000 paragraphs an eight-term question
        touching 80,885 postings took 165 ms to sum in SQL and ~20 ms to read and sum here."""
        known = [t for t in terms if t in self._df]
        if not known:
            return np.zeros(len(self.paragraphs), dtype=np.float32)
        self._read_postings(known)
        positions = np.concatenate([self._postings[t][0] for t in known])
        weights = np.concatenate([self._postings[t][1] for t in known])
        return np.bincount(positions, weights=weights, minlength=len(self.paragraphs)).astype(np.float32)

    def _read_postings(self, terms: list[str]) -> None:
        missing = [t for t in dict.fromkeys(terms) if t in self._df and t not in self._postings]
        if not missing:
            return
        rows = self._query("SELECT term, paragraphs, weights FROM {s}.terms WHERE term = ANY(%s)", (missing,),
                           binary=True)
        for term, positions, weights in rows:
            if self._postings_kept > POSTINGS_KEPT:
                self._postings.clear()
                self._postings_kept = 0
            self._postings[term] = (positions.astype(np.int64), weights.astype(np.float32))
            self._postings_kept += len(positions)

    def postings(self, term: str) -> np.ndarray:
        """Kept per term (a schema never changes once built): a question reads them for several features."""
        if term not in self._df:
            return np.zeros(0, dtype=np.int64)
        self._read_postings([term])
        return self._postings[term][0]

    def document_frequency(self, term: str) -> int:
        return self._df.get(term, 0)

    def prefetch(self, positions: list[int]) -> None:
        """Read the windows and sentences of every given paragraph not yet cached, in one round trip."""
        missing = sorted({int(p) for p in positions if int(p) not in self._vectors})  # not a set of the cache: it is large
        if not missing:
            return
        if len(self._vectors) > 50_000:
            self._vectors.clear()
        rows = self._query("SELECT 0, paragraph, ord, v FROM {s}.windows WHERE paragraph = ANY(%(p)s) UNION ALL "
                           "SELECT 1, paragraph, ord, v FROM {s}.sentences WHERE paragraph = ANY(%(p)s) "
                           "ORDER BY 1, 2, 3", {"p": missing}, binary=True)
        parts: dict[tuple[int, int], list] = {}
        for kind, p, _, v in rows:
            parts.setdefault((kind, p), []).append(v.to_numpy() if hasattr(v, "to_numpy") else np.asarray(v, np.float32))
        dim = int(self.manifest["dim"])
        for p in missing:
            self._vectors[p] = tuple(np.asarray(parts.get((kind, p), []), dtype=np.float32).reshape(-1, dim)
                                     for kind in (0, 1))

    def window_vectors_of(self, position: int) -> np.ndarray:
        self.prefetch([position])
        return self._vectors[position][0]

    def sentence_vectors_of(self, position: int) -> np.ndarray:
        self.prefetch([position])
        return self._vectors[position][1]

    def sentence_spans_of(self, position: int) -> list[tuple[int, int]]:
        return self._spans[position]


def _paragraph(rec: dict) -> Paragraph:
    return Paragraph(rec["doc"], rec["title"], rec["label"], rec["section"], rec["text"], rec["id"],
                     tuple(rec.get("pages", ())), tuple(rec.get("page_starts", ())), tuple(rec.get("pdf_pages", ())))


def staleness(conn, docs_dir: Path, embedder: Embedder) -> str | None:
    """Why the store's index does not fit the documents and model (None when it does)."""
    schema = current_schema(conn)
    if schema is None:
        return "the store holds no index yet"
    m = conn.execute(f"SELECT value FROM {schema}.meta WHERE key = 'manifest'").fetchone()[0]
    if m.get("store_layout") != STORE_LAYOUT:
        return "it was built with an older table layout"
    if (m.get("model"), m.get("weights_sha256"), m.get("embed_recipe")) != (
            embedder.name, embedder.weights_sha256, recipe_of(embedder)):
        return f"it was built with model {m.get('model')}, not {embedder.name}"
    if m.get("sources") != source_hashes(docs_dir):
        return "the documents changed since it was built"
    return None


def open_store(url: str, docs_dir: Path, embedder: Embedder,
               notice: Callable[[str], None] = lambda msg: print(msg, file=sys.stderr)) -> PostgresIndex:
    """The store's index for `docs_dir`, rebuilt first (with a one-line notice) when missing or stale."""
    from index.store import for_users

    list_document_files(docs_dir)
    conn = connect(url)
    reason = staleness(conn, Path(docs_dir), embedder)
    if reason is not None:
        notice(f"Rebuilding the index in the store: {reason}.")
        from index.storage.postgres_build import build_store

        build_store(url, docs_dir, embedder, log=lambda msg: notice(msg) if for_users(msg) else None)
    return PostgresIndex(url, conn)
