"""Dense, lexical and fused search on a tiny index with readable fake vectors; fusion maths by hand."""
import numpy as np
import pytest

from index.faiss_types import build_faiss_index, choose_index_type
from index.store import build_index, load_index
from retriever.scorer import scorer_for
from retriever.search import Retriever, dense_search, rrf, weighted_sum


@pytest.fixture
def tiny_index(tiny_docs, tmp_path, fake_embedder):
    build_index(tiny_docs, tmp_path / "idx", fake_embedder)
    return load_index(tmp_path / "idx")


def search(index, embedder, question, **kw):
    return Retriever(index, scorer_for(embedder)).search(question, embedder.encode_queries([question])[0], **kw)


@pytest.mark.parametrize("question,expected", [
    ("When will the harbour be dredged?", ("alpha.txt", "2")),
    ("Where does the lighthouse funding come from?", ("alpha.txt", "3")),
    ("salmon quotas", ("alpha.txt", "1")),
    ("Are the oak trees protected?", ("beta.md", "1")),
    ("What happened to timber exports after the storm?", ("beta.md", "2")),
])
@pytest.mark.parametrize("mode", ["hybrid", "dense", "lexical"])
def test_expected_paragraph_comes_first(tiny_index, fake_embedder, question, expected, mode):
    hit = search(tiny_index, fake_embedder, question, mode=mode)[0]
    assert (hit.paragraph.doc, hit.paragraph.label) == expected


def test_hits_carry_each_signal_and_are_sorted(tiny_index, fake_embedder):
    hits = search(tiny_index, fake_embedder, "harbour dredged", k=5)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert hits[0].dense > 0 and hits[0].lexical > 0
    assert len({h.paragraph.id for h in hits}) == len(hits)


def test_k_limits_hits_and_bad_settings_name_the_fix(tiny_index, fake_embedder):
    assert len(search(tiny_index, fake_embedder, "harbour", k=2)) == 2
    with pytest.raises(ValueError, match="unknown mode 'fuzzy'; choose one of hybrid, dense, lexical"):
        search(tiny_index, fake_embedder, "harbour", mode="fuzzy")
    with pytest.raises(ValueError, match="k must be a whole number from 1 to 50"):
        search(tiny_index, fake_embedder, "harbour", k=0)


def test_rrf_by_hand():
    fused = rrf([[1, 2, 3], [3, 1]], k=60)
    assert fused[1] == pytest.approx(1 / 61 + 1 / 62)
    assert fused[2] == pytest.approx(1 / 62)
    assert fused[3] == pytest.approx(1 / 63 + 1 / 61)


def test_rrf_tie_and_empty():
    assert rrf([[1], [2]]) == {1: 1 / 61, 2: 1 / 61}
    assert rrf([]) == {}


def test_weighted_sum_by_hand():
    fused = weighted_sum({1: 0.8, 2: 0.4}, {2: 10.0, 3: 5.0}, dense_weight=0.5)
    assert fused == pytest.approx({1: 0.4, 2: 0.2 + 0.5, 3: 0.25})
    assert weighted_sum({1: -0.2}, {}, 0.5) == {1: 0.0}


def test_dense_search_matches_brute_force_numpy():
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(500, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    owner = np.arange(500, dtype=np.int32) // 2  # two windows per paragraph
    query = vectors[17] + 0.1 * rng.normal(size=32).astype(np.float32)
    query /= np.linalg.norm(query)
    got = dense_search(build_faiss_index(vectors, "Flat"), owner, query, k=10)
    sims = vectors @ query
    best = {}
    for w, p in enumerate(owner):
        best[int(p)] = max(best.get(int(p), -1.0), float(sims[w]))
    want = sorted(best.items(), key=lambda kv: -kv[1])[:10]
    assert list(got) == [p for p, _ in want]
    assert list(got.values()) == pytest.approx([s for _, s in want], abs=1e-5)


def test_index_type_is_exact_for_small_corpora_and_approximate_for_large():
    assert choose_index_type(1_000) == "Flat"
    assert choose_index_type(1_000_000) == "IVF4096,Flat"


def test_an_explicit_hnsw_index_type_is_recorded_tuned_and_searched(tiny_docs, tmp_path, fake_embedder):
    manifest = build_index(tiny_docs, tmp_path / "idx", fake_embedder, faiss_type="HNSW32")
    assert manifest["faiss_index"] == "HNSW32"
    index = load_index(tmp_path / "idx")
    assert index.faiss_index.hnsw.efSearch == 128
    hits = Retriever(index, scorer_for(fake_embedder)).search("harbour dredged", fake_embedder.encode_queries(["harbour dredged"])[0])
    assert hits[0].paragraph.label == "2"


def test_ivf_chosen_for_large_corpora_keeps_recall_against_exact_search_on_clustered_data():
    """The approximate index chosen for large corpora (IVF) must find nearly all true top-10 neighbours on data
    shaped like real embeddings (clustered, not uniform), so it does not lose answers."""
    import faiss

    rng = np.random.default_rng(3)
    centres = rng.normal(size=(50, 64)).astype(np.float32)
    vectors = centres[rng.integers(0, 50, 30_000)] + 0.35 * rng.normal(size=(30_000, 64)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    queries = vectors[rng.choice(30_000, 100, replace=False)] + 0.1 * rng.normal(size=(100, 64)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    assert choose_index_type(len(vectors)) == "IVF512,Flat"
    chosen = build_faiss_index(vectors, choose_index_type(len(vectors)))  # trained once
    assert isinstance(chosen, faiss.IndexIVF) and chosen.nprobe == 64
    _, truth = build_faiss_index(vectors, "Flat").search(queries, 10)
    _, found = chosen.search(queries, 10)
    recall = np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found, truth)])
    assert recall >= 0.98


def test_index_built_from_a_memory_map_in_batches_and_loaded_mapped_answers_like_one_built_in_memory(
        tmp_path, monkeypatch):
    """A large build adds vectors from the .npy file in batches and a load maps the FAISS file; neither may
    change what a query finds."""
    import faiss

    import index.faiss_types

    rng = np.random.default_rng(5)
    vectors = rng.normal(size=(3_000, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    np.save(tmp_path / "v.npy", vectors)
    queries = vectors[:20]
    for kind in ("Flat", "IVF64,Flat"):
        expected = build_faiss_index(vectors, kind).search(queries, 10)
        monkeypatch.setattr(index.faiss_types, "ADD_BATCH", 7)
        batched = build_faiss_index(np.load(tmp_path / "v.npy", mmap_mode="r"), kind)
        monkeypatch.undo()
        faiss.write_index(batched, str(tmp_path / "i.faiss"))
        mapped = faiss.read_index(str(tmp_path / "i.faiss"), faiss.IO_FLAG_MMAP_IFC)
        index.faiss_types.tune_for_search(mapped)
        for got in (batched.search(queries, 10), mapped.search(queries, 10)):
            np.testing.assert_array_equal(got[1], expected[1])
            np.testing.assert_allclose(got[0], expected[0], rtol=1e-5)


def test_top_indices_matches_a_full_stable_sort_including_ties():
    from retriever.search import top_indices

    rng = np.random.default_rng(5)
    scores = rng.integers(0, 6, 500).astype(np.float32)  # many ties
    for k in (1, 7, 50, 499, 500, 800):
        assert list(top_indices(scores, k)) == list(np.argsort(-scores, kind="stable")[:k])


def test_exact_dense_score_is_the_best_window_or_sentence_of_each_paragraph(tmp_path):
    from fakes import FakeEmbedder
    from retriever.search import exact_dense_scores

    docs = tmp_path / "docs"
    docs.mkdir()
    long = " ".join(f"Sentence {i} mentions harbour number {i}." for i in range(30))  # several windows
    (docs / "a.txt").write_text(f"A\n\n{long}\n\nZebras graze. Dredgers work the harbour.\n\nNothing here.\n")
    emb = FakeEmbedder(window_words=20, stride_words=15)
    build_index(docs, tmp_path / "idx", emb)
    index = load_index(tmp_path / "idx")
    query = emb.encode_queries(["harbour dredgers"])[0]
    positions = [2, 0, 1]
    got = exact_dense_scores(index, query, positions)
    assert list(got) == positions and len(index.paragraph_windows(0)) > 1
    for p in positions:
        rows_w, rows_s = index.paragraph_windows(p), index.paragraph_sentences(p)
        expected = max([float(index.window_vectors[i] @ query) for i in rows_w]
                       + [float(index.sentence_vectors[i] @ query) for i in rows_s])
        assert got[p] == pytest.approx(expected, abs=1e-6)
    assert got[1] > got[2] and exact_dense_scores(index, query, []) == {}


def test_a_loaded_index_searches_on_one_thread_and_a_build_uses_every_core(tiny_index, monkeypatch):
    """A question is one vector: FAISS's OpenMP threads only wait on each other for it (README, Performance),
    while training and adding vectors are batches."""
    import os

    import faiss

    from index import faiss_types

    seen = []
    monkeypatch.setattr(faiss, "omp_set_num_threads", lambda n: seen.append(n))
    vectors = np.random.default_rng(0).standard_normal((64, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    build_faiss_index(vectors, "Flat")
    assert seen == [os.cpu_count() or 1, 1]  # every core while building, one thread once it is ready to search
    seen.clear()
    faiss_types.tune_for_search(tiny_index.faiss_index)
    assert seen == [1]


def test_an_index_opened_where_a_freed_one_lived_does_not_answer_from_its_cached_search(tiny_docs, tmp_path,
                                                                                        fake_embedder):
    """CPython reuses a freed object's id, and built_at counts whole seconds: the whole-index cache of a
    question must not hand a replaced index's candidates to the index opened in its place (a reconnect or a
    rebuild in the same second). The replacement here holds other documents, so stale positions would name
    paragraphs that do not answer, or none at all."""
    import gc

    question = "When will the harbour be dredged?"
    build_index(tiny_docs, tmp_path / "a", fake_embedder)
    first = load_index(tmp_path / "a")
    assert search(first, fake_embedder, question)[0].paragraph.doc == "alpha.txt"
    other_docs = tmp_path / "other"
    other_docs.mkdir()
    (other_docs / "beta.md").write_text((tiny_docs / "beta.md").read_text())
    build_index(other_docs, tmp_path / "b", fake_embedder)
    template = load_index(tmp_path / "b")
    template.manifest = {**template.manifest, "built_at": first.manifest["built_at"]}
    freed, kept = id(first), []
    del first
    gc.collect()
    replacement = object.__new__(type(template))
    while id(replacement) != freed and len(kept) < 100_000:  # an object of the same size takes the freed slot
        kept.append(replacement)
        replacement = object.__new__(type(template))
    replacement.__dict__.update(template.__dict__)
    assert id(replacement) == freed, "no object took the freed index's id, so the case was not set up"
    hits = search(replacement, fake_embedder, question)
    assert hits and all(h.paragraph.doc == "beta.md" for h in hits)
    assert [h.paragraph for h in hits] == [replacement.paragraphs[h.position] for h in hits]
