"""Index safety under failure: a build killed half way, two builds at once, very long paragraphs."""
import subprocess
import sys
import threading
import time
from pathlib import Path

from fakes import FakeEmbedder
from index.store import build_index, load_index

SLOW_BUILD = """
import sys, time
sys.path[:0] = [{tests!r}, {project!r}]
from fakes import FakeEmbedder
from index.store import build_index

class Slow(FakeEmbedder):
    def encode_passages(self, texts):
        open({marker!r}, "w").close()
        time.sleep(30)
        return super().encode_passages(texts)

build_index({docs!r}, {index!r}, Slow())
"""


def snapshot(index_dir):
    idx = load_index(index_dir)
    return [(p.doc, p.label, p.text) for p in idx.paragraphs], idx.window_vectors.copy()


def test_build_killed_half_way_leaves_previous_index_intact(tiny_docs, tmp_path, fake_embedder):
    index_dir = tmp_path / "idx"
    build_index(tiny_docs, index_dir, fake_embedder)
    before, vectors = snapshot(index_dir)
    (tiny_docs / "beta.md").write_text("Beta\n\nA changed paragraph that needs embedding.\n")
    tests, project = str(Path(__file__).parent), str(Path(__file__).parent.parent)
    marker = tmp_path / "embedding-started"
    script = SLOW_BUILD.format(tests=tests, project=project, docs=str(tiny_docs), index=str(index_dir),
                               marker=str(marker))
    proc = subprocess.Popen([sys.executable, "-c", script])
    deadline = time.time() + 60
    while not marker.exists() and time.time() < deadline:
        time.sleep(0.1)
    assert marker.exists(), "the build never reached the embedding step"
    proc.kill()  # SIGKILL: no cleanup runs
    proc.wait()
    after, after_vectors = snapshot(index_dir)
    assert after == before and (after_vectors == vectors).all()
    # and the next build is not blocked by the dead process's lock
    build_index(tiny_docs, index_dir, fake_embedder)
    assert any("changed paragraph" in text for _, _, text in snapshot(index_dir)[0])


def test_two_builds_at_once_leave_one_complete_index(tiny_docs, tmp_path):
    index_dir = tmp_path / "idx"
    errors = []

    def build():
        try:
            build_index(tiny_docs, index_dir, FakeEmbedder())
        except Exception as e:  # noqa: BLE001 - the test reports any failure of either thread
            errors.append(e)

    threads = [threading.Thread(target=build) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(load_index(index_dir).paragraphs) == 5
    folders = [p for p in tmp_path.iterdir() if p.name.startswith(".idx.") and p.is_dir()]
    assert folders == [index_dir.resolve()]  # the loser's folder was removed, nothing half-written left


def test_ten_thousand_word_paragraphs_are_indexed_whole(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    words = " ".join(f"w{i}" for i in range(10_000))
    (docs / "long.txt").write_text(f"Long\n\n{words} zebra.\n\n{words} yak.\n")
    emb = FakeEmbedder(window_words=200, stride_words=150)
    build_index(docs, tmp_path / "idx", emb)
    index = load_index(tmp_path / "idx")
    assert len(index.paragraphs) == 2
    assert index.window_vectors.shape[0] == 2 * 67  # 10,001 words in windows of 200 every 150 words
    assert index.paragraphs[0].text.endswith("zebra.")
