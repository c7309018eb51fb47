"""What every embedder provides (the `Embedder` protocol) and the helpers they share: weight hashing, the typed
error, and cutting text into exact slices by token offsets.

Kept free of any model import, so the store, the retriever and the fakes can depend on it cheaply.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Protocol

import numpy as np


class ModelError(RuntimeError):
    """The embedding model is missing, unknown, damaged, or its engine reported a failure."""


class Embedder(Protocol):
    """One embedding model behind one seam.

    name: short model name used on the command line, in manifests and JSON ("minilm", "e5-small").
    dim: vector size. weights_sha256: hash of the weights file the model was checked against.
    recipe: how text becomes vectors (prefixes, window size in tokens, pooling), recorded in the manifest so an
    index built another way is rebuilt. threads: CPU threads the model runs with, fixed when it is created.
    """

    name: str
    dim: int
    weights_sha256: str
    recipe: str
    threads: int

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """L2-normalised float32 vectors for questions, one row per text (the model's query prefix inside)."""

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        """L2-normalised float32 vectors for document text, one row per text (the passage prefix inside)."""

    def windows(self, text: str) -> list[str]:
        """The text itself if it fits the model's window, else overlapping exact slices of it that do."""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_sha256(path: Path, expected: str, package: str) -> str:
    """Stop with a ModelError unless `path` exists and has the sha256 `expected`; a tampered or partial copy
    stops here, before any engine reads it."""
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"model file not found at {path}; reinstall {package}")
    actual = file_sha256(path)
    if actual != expected:
        raise ModelError(f"model file {path} has sha256 {actual}, expected {expected}; "
                         f"the file is damaged or replaced: reinstall {package}")
    return actual


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


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_for_engine(text: str) -> str:
    """Text a C engine can read whole: NUL (which ends a C string, dropping the rest) becomes a space and lone
    surrogates (which UTF-8 cannot encode, and tokenizers reject) become U+FFFD. Every other character is kept,
    and the length is unchanged (one character for one), so offsets into the cleaned text index the original."""
    if "\x00" in text:
        text = text.replace("\x00", " ")
    return _LONE_SURROGATE.sub("\ufffd", text)
