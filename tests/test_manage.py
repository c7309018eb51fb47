"""The Manage view's write path, served: uploads and removals through the API endpoints swap the index in
while questions keep working, and the write rule (ui/access.py) holds for the API as for the page.
The server runs in-process on 127.0.0.1 with the fake embedder; the non-loopback rule is applied by passing
`write_access("0.0.0.0", ...)` to the page, so nothing listens beyond loopback."""
from __future__ import annotations

import concurrent.futures as cf
import threading

import pytest

from fakes import FakeEmbedder
from serve import free_port
from ui.access import write_access

GAMMA = "Gamma Memo on Bridges\n\nThe Tarrow bridge reopens in June after its cables were replaced.\n"


@pytest.mark.parametrize("host, auth, read_only, allowed", [
    ("127.0.0.1", None, False, True),
    ("localhost", None, False, True),
    ("0.0.0.0", None, False, False),
    ("192.168.1.5", None, False, False),
    ("0.0.0.0", ("u", "p"), False, True),
    ("127.0.0.1", None, True, False),
    ("0.0.0.0", ("u", "p"), True, False),
])
def test_who_may_write(host, auth, read_only, allowed):
    access = write_access(host, auth, read_only)
    assert access.allowed is allowed
    assert (access.reason == "") is allowed
    if not allowed:
        assert ("--read-only" in access.reason) is read_only
        assert read_only or "--auth" in access.reason


@pytest.fixture
def served(tiny_docs, tmp_path):
    """Start the page for `writes` on a free loopback port; yields a function that returns (url, assistant)."""
    from retriever.assistant import Assistant
    from ui.blocks import build_ui, launch_options

    demos = []

    def start(writes):
        assistant = Assistant(tiny_docs, tmp_path / "index", FakeEmbedder(), notice=lambda m: None)
        demo = build_ui(assistant, writes=writes)
        demo.queue(default_concurrency_limit=4)
        port = free_port()
        demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True,
                    max_file_size=1 << 20, **launch_options())
        demos.append(demo)
        return f"http://127.0.0.1:{port}/", assistant

    yield start
    for demo in demos:
        demo.close()


def ask(client, question):
    return client.predict(question, 5, "hybrid", api_name="/answer")


def test_upload_and_remove_through_the_api_swap_the_index(served, tiny_docs, tmp_path):
    from gradio_client import Client, handle_file

    url, assistant = served(write_access("127.0.0.1", None, False))
    client = Client(url, verbose=False)
    before = ask(client, "When does the Tarrow bridge reopen?")
    assert "gamma.txt" not in {p["doc"] for p in before["passages"]}
    upload = tmp_path / "upload" / "gamma.txt"
    upload.parent.mkdir()
    upload.write_text(GAMMA)
    result = client.predict([handle_file(str(upload))], api_name="/add_documents")
    assert result[0].startswith("Added gamma.txt: 1 paragraphs embedded, 5 reused; answerable now")
    after = ask(client, "When does the Tarrow bridge reopen?")
    assert after["passages"][0]["doc"] == "gamma.txt"
    assert after["index_built_at"] == assistant.index.manifest["built_at"]
    assert (tiny_docs / "gamma.txt").read_text() == GAMMA

    result = client.predict(["gamma.txt"], api_name="/remove_documents")
    assert result[0].startswith("Removed gamma.txt (moved to .trash/)")
    gone = ask(client, "When does the Tarrow bridge reopen?")
    assert "gamma.txt" not in {p["doc"] for p in gone["passages"]}
    assert (tiny_docs / ".trash" / "gamma.txt").exists()


@pytest.mark.parametrize("writes", [write_access("0.0.0.0", None, False), write_access("127.0.0.1", None, True)],
                         ids=["non-loopback-without-auth", "read-only"])
def test_the_api_refuses_writes_when_the_page_may_not_write(served, tiny_docs, tmp_path, writes):
    from gradio_client import Client, handle_file
    from gradio_client.exceptions import AppError

    url, _ = served(writes)
    client = Client(url, verbose=False)
    upload = tmp_path / "gamma.txt"
    upload.write_text(GAMMA)
    before = sorted(p.name for p in tiny_docs.iterdir())
    with pytest.raises(AppError, match="Adding and removing documents is off"):
        client.predict([handle_file(str(upload))], api_name="/add_documents")
    with pytest.raises(AppError, match="Adding and removing documents is off"):
        client.predict(["alpha.txt"], api_name="/remove_documents")
    assert sorted(p.name for p in tiny_docs.iterdir()) == before
    assert ask(client, "Who funds the lighthouse?")["passages"][0]["doc"] == "alpha.txt"  # questions still work


def test_a_refused_upload_says_why_and_changes_nothing(served, tiny_docs, tmp_path):
    from gradio_client import Client, handle_file
    from gradio_client.exceptions import AppError

    url, assistant = served(write_access("127.0.0.1", None, False))
    client = Client(url, verbose=False)
    built = assistant.index.manifest["built_at"]
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    with pytest.raises(AppError, match="not added: empty.txt: the file is empty"):
        client.predict([handle_file(str(empty))], api_name="/add_documents")
    assert not (tiny_docs / "empty.txt").exists()
    assert assistant.index.manifest["built_at"] == built


class SlowEmbedder(FakeEmbedder):
    """Passages wait for a release (a rebuild in progress); queries do not."""

    def __init__(self):
        super().__init__()
        self.embedding, self.release = threading.Event(), threading.Event()

    def encode_passages(self, texts):
        if self.building:
            self.embedding.set()
            assert self.release.wait(60)
        return super().encode_passages(texts)

    def encode_queries(self, texts):
        return FakeEmbedder.encode_passages(self, texts)

    building = False


def test_questions_during_a_rebuild_are_answered_from_the_old_index(tiny_docs, tmp_path):
    from retriever.assistant import Assistant
    from retriever.library import Library

    embedder = SlowEmbedder()
    assistant = Assistant(tiny_docs, tmp_path / "index", embedder, notice=lambda m: None)
    old_built = assistant.index.manifest["built_at"]
    embedder.building = True
    upload = tmp_path / "gamma.txt"
    upload.write_text(GAMMA)
    with cf.ThreadPoolExecutor(11) as pool:
        adding = pool.submit(Library(assistant).add, [("gamma.txt", upload)])
        assert embedder.embedding.wait(30)  # the rebuild is embedding gamma.txt now, and is held there
        answers = list(pool.map(lambda i: assistant.ask(["Who funds the lighthouse?",
                                                         "When does the Tarrow bridge reopen?"][i % 2]), range(50)))
        assert not adding.done()
        embedder.release.set()
        adding.result(timeout=60)
    assert len(answers) == 50 and all(a.index_built_at == old_built for a in answers)
    assert all("gamma.txt" not in {h.paragraph.doc for h in a.hits} for a in answers)
    assert assistant.ask("When does the Tarrow bridge reopen?").hits[0].paragraph.doc == "gamma.txt"


def test_an_uploaded_html_file_with_scripts_is_never_served_as_html(served, tiny_docs):
    import httpx
    from gradio_client import Client, handle_file

    url, _ = served(write_access("127.0.0.1", None, False))
    page = (b"<!doctype html><html><head><title>Notice</title><script>alert(1)</script></head>"
            b"<body><p>The harbour closes at dusk for the winter.</p></body></html>")
    cached = httpx.post(f"{url}gradio_api/upload", files=[("files", ("notice.html", page, "text/html"))]).json()[0]
    while_pending = httpx.get(f"{url}gradio_api/file={cached}")
    assert "text/html" not in while_pending.headers.get("content-type", "")  # Gradio sends uploads as attachments
    result = Client(url, verbose=False).predict([handle_file(cached)], api_name="/add_documents")
    assert result[0].startswith("Added notice.html")
    assert (tiny_docs / "notice.html").read_bytes() == page
    from pathlib import Path

    assert not Path(cached).exists()  # Gradio's cached copy is deleted: one copy, in the documents folder
    assert httpx.get(f"{url}gradio_api/file={cached}").status_code in (403, 404)
    stored = httpx.get(f"{url}gradio_api/file={(tiny_docs / 'notice.html').resolve()}")
    assert stored.status_code == 403 and "text/html" not in stored.headers.get("content-type", "")
