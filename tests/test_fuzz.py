"""Every input gives a finite unit vector, the same on every call, without a crash or hang, for both models;
windows are exact slices. The slow set (a 200 KB string, 2,000 strings) runs with `make fuzz-slow`."""
import os

import numpy as np
import pytest

from fuzz_inputs import generated
from index.embedders import MODELS, make_embedder
from retriever.settings import MAX_QUESTION_CHARS

pytestmark = pytest.mark.integration
SLOW = os.environ.get("FUZZ_SLOW") == "1"


@pytest.fixture(scope="module", params=MODELS)
def embedder(request):
    return make_embedder(request.param)


def check(embedder, texts):
    """Finite unit vectors for every text; the same again for a sample embedded a second time, alone or in
    another batch. Queries longer than the app's question limit (2,000 characters) cannot occur, so the long runs
    go through encode_passages only (each costs ~15 s with e5 on a loaded machine)."""
    same = getattr(embedder.encode_queries, "__func__", None) is getattr(embedder.encode_passages, "__func__", 0)
    for encode in (embedder.encode_passages,) if same else (embedder.encode_queries, embedder.encode_passages):
        batch = texts if encode == embedder.encode_passages else [t for t in texts if len(t) <= MAX_QUESTION_CHARS]
        first = encode(batch)
        assert first.shape == (len(batch), embedder.dim) and first.dtype == np.float32
        assert np.isfinite(first).all()
        np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-3)
        again = [i for i in range(0, len(batch), 10) if len(batch[i]) <= MAX_QUESTION_CHARS]
        np.testing.assert_allclose(encode([batch[i] for i in again]), first[again], atol=1e-5)
        for i in again[:5]:
            np.testing.assert_allclose(encode([batch[i]])[0], first[i], atol=1e-5)


def test_generated_strings_embed_to_finite_unit_vectors(embedder):
    texts = generated(200)
    check(embedder, texts)
    for text in texts:
        windows = embedder.windows(text)
        assert windows and all(w in text for w in windows)


@pytest.mark.skipif(not SLOW, reason="slow fuzz set: run `make fuzz-slow` (FUZZ_SLOW=1)")
def test_slow_set_two_thousand_strings_and_a_200_kb_string(embedder):
    check(embedder, generated(2000, seed=16, long_runs=0))  # the 4,000-token runs are in the 200-string set
    # 200 KB of prose with hostile pieces every ~2 KB: ~45k tokens, which e5 windows internally (~3 min here)
    prose = "The harbour of Portwick will be dredged in spring to admit larger ships. " * 27
    pieces = generated(120, seed=17, long_runs=0)
    big = "".join(prose + piece for piece in pieces)
    big = (big * (200_000 // len(big) + 1))[:200_000]
    vec = embedder.encode_passages([big])
    assert np.isfinite(vec).all() and abs(float(np.linalg.norm(vec)) - 1) < 1e-3
    windows = embedder.windows(big)
    assert windows and all(w in big for w in windows)
