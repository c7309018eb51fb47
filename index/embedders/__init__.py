"""The embedding models, by short name, and which one a command uses: `--model`, else `QA_MODEL`, else DEFAULT.

Never inferred from an existing index: an index built with another model is refused or rebuilt, never used to
pick the model. Importing this package loads no model; `make_embedder` loads nothing either (models load on
first use).
"""
from __future__ import annotations

import os

from index.embedders.base import Embedder, ModelError, clean_for_engine, file_sha256, token_windows

DEFAULT_MODEL = "minilm"  # kept by the rule of issue #15 (README, "Choosing the embedding model")
MODELS = ("minilm", "e5-small")
ENV_VAR = "QA_MODEL"


class UnknownModelError(ModelError, ValueError):
    """A model name that is not one of MODELS."""


def check_model(name: str, source: str = "--model") -> str:
    """`name` if it is a known model, else an UnknownModelError naming it, the valid names and the fix."""
    if name not in MODELS:
        raise UnknownModelError(f"unknown model {name!r} (from {source}); choose one of {', '.join(MODELS)}")
    return name


def resolve_model(cli_value: str | None = None) -> str:
    """The model a command uses: the command-line value, else $QA_MODEL, else DEFAULT_MODEL; checked."""
    if cli_value:
        return check_model(cli_value, "--model")
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return check_model(env, ENV_VAR)
    return DEFAULT_MODEL


def make_embedder(name: str, threads: int | None = None) -> Embedder:
    """A new (not yet loaded) embedder for the model `name`."""
    check_model(name)
    if name == "e5-small":
        from index.embedders.e5 import E5SmallEmbedder

        return E5SmallEmbedder(threads=threads)
    from index.embedders.minilm_onnx import OnnxMiniLMEmbedder

    return OnnxMiniLMEmbedder(threads=threads)


def help_text() -> str:
    """The --model help of every command, with the default shown."""
    return (f"embedding model: {' or '.join(MODELS)} (default: ${ENV_VAR} if set, else {DEFAULT_MODEL})")


__all__ = ["DEFAULT_MODEL", "ENV_VAR", "MODELS", "Embedder", "ModelError", "UnknownModelError", "check_model",
           "clean_for_engine", "file_sha256", "help_text", "make_embedder", "resolve_model", "token_windows"]
