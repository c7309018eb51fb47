"""The ONNX MiniLM shared by server threads: per-call settings (no shared truncation switch), and a first export
that prints one line and nothing else."""
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

from conftest import PROJECT
from index.embedders.minilm import MAX_TOKENS, bundled_model_dir
from index.embedders.minilm_onnx import EXPORT_NOTICE, OnnxMiniLMEmbedder, cut_to_limit

pytestmark = pytest.mark.integration

LONG = " ".join(f"word{i} of the long paragraph" for i in range(300))  # ~1,500 tokens
TEXTS = [LONG, "Where was the declaration signed?", LONG[:2000], "short", LONG + " tail", "Signed in London."]


@pytest.fixture(scope="module")
def minilm():
    emb = OnnxMiniLMEmbedder()
    emb.encode_queries(["warm"])
    return emb


def test_ids_are_cut_like_the_tokenizers_own_truncation(minilm):
    from tokenizers import Tokenizer

    truncating = Tokenizer.from_file(str(bundled_model_dir() / "tokenizer.json"))
    truncating.no_padding()
    truncating.enable_truncation(MAX_TOKENS)
    for text in TEXTS:
        assert cut_to_limit(minilm.tokenizer.encode(text).ids) == truncating.encode(text).ids


def test_threads_encoding_long_and_short_texts_get_the_sequential_vectors(minilm):
    expected = {t: minilm.encode_passages([t])[0] for t in TEXTS}
    expected_windows = minilm.windows(LONG)
    errors, barrier = [], threading.Barrier(8)

    def work(seed):
        rng = np.random.default_rng(seed)
        barrier.wait()
        for _ in range(15):
            batch = [TEXTS[i] for i in rng.integers(0, len(TEXTS), 3)]
            got = minilm.encode_passages(batch)
            for text, vec in zip(batch, got):
                if not np.allclose(vec, expected[text], atol=1e-5):
                    errors.append(f"vector of {text[:20]!r} differs")
            if minilm.windows(LONG) != expected_windows:
                errors.append("windows differ")

    threads = [threading.Thread(target=work, args=(s,)) for s in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_first_export_prints_exactly_one_line(tmp_path):
    script = ("import sys; sys.path.insert(0, {p!r})\n"
              "from index.embedders.minilm_onnx import OnnxMiniLMEmbedder\n"
              "v = OnnxMiniLMEmbedder(cache_dir={c!r}).encode_queries(['hello'])\n"
              "assert v.shape == (1, 384)\n"
              "assert 'torch' not in sys.modules, 'the export must run in a child, not in the serving process'\n").format(p=str(PROJECT), c=str(tmp_path / "models"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_"))}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stderr == EXPORT_NOTICE + "\n"
    assert list((tmp_path / "models").glob("*.onnx"))
