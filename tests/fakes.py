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
    name = "fake/word-hash"
    dim = DIM
    weights_sha256 = "0" * 64
    scorer_file = Path(__file__).resolve().parent / "fake_scorer.json"  # hand-set weights a person can read

    def __init__(self, window_words: int = 40, stride_words: int = 30):
        self.window_words, self.stride_words = window_words, stride_words
        self.encoded: list[str] = []  # every text ever encoded, so tests can count re-embedding

    def encode(self, texts, batch_size: int = 64) -> np.ndarray:
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
