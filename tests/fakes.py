"""A fake embedder whose vectors a person can read: each word stem hashes to one of DIM axes, and a text's
vector is its normalised word-count vector. Texts that share words are close; others are orthogonal."""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np

DIM = 256
WORD = re.compile(r"[a-z0-9]+")
STOP = {"the", "a", "an", "of", "and", "to", "in", "on", "is", "are", "what", "which", "who", "when", "where",
        "do", "does", "did", "we", "our", "with", "for", "by", "at", "it", "this", "that", "how", "about"}


def axis(word: str) -> int:
    return int(hashlib.md5(word[:6].encode()).hexdigest(), 16) % DIM


class FakeEmbedder:
    """Queries and passages are embedded alike; `name` can be set to stand in for a model name."""

    dim = DIM
    weights_sha256 = "0" * 64
    scorer_file = Path(__file__).resolve().parent / "fake_scorer.json"  # hand-set weights a person can read
    recipe = "word-hash counts"
    threads = 1

    def __init__(self, window_words: int = 40, stride_words: int = 30, name: str = "fake"):
        self.window_words, self.stride_words, self.name = window_words, stride_words, name
        self.encoded: list[str] = []  # every text ever encoded, so tests can count re-embedding

    def encode_passages(self, texts) -> np.ndarray:
        self.encoded.extend(texts)
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in WORD.findall(text.lower()):
                if word not in STOP:
                    out[i, axis(word)] += 1.0
            norm = np.linalg.norm(out[i])
            if norm:
                out[i] /= norm
        return out

    def encode_queries(self, texts) -> np.ndarray:
        return self.encode_passages(texts)

    def windows(self, text: str) -> list[str]:
        words = text.split()
        if len(words) <= self.window_words:
            return [text]
        spans = []
        for start in range(0, len(words), self.stride_words):
            spans.append(" ".join(words[start:start + self.window_words]))
            if start + self.window_words >= len(words):
                break
        return spans
