"""Compatibility names for code written before the embedder seam (index/embedders/); new code imports from
index.embedders. `default_embedder()` is the model chosen by $QA_MODEL, else the default."""
from __future__ import annotations

from index.embedders import Embedder, ModelError, file_sha256, make_embedder, resolve_model, token_windows
from index.embedders.minilm import (HF_NAME as MODEL_NAME, MODEL_SHA256, WINDOW_STRIDE, WINDOW_TOKENS,
                                    MiniLMEmbedder, bundled_model_dir, verify_weights)


def default_embedder() -> Embedder:
    return make_embedder(resolve_model())


__all__ = ["MODEL_NAME", "MODEL_SHA256", "WINDOW_STRIDE", "WINDOW_TOKENS", "Embedder", "MiniLMEmbedder",
           "ModelError", "bundled_model_dir", "default_embedder", "file_sha256", "token_windows", "verify_weights"]
