"""Opening the assistant for a documents folder, and which errors are the user's to fix: shared by the CLI,
the UI server and the evaluation, so none of them needs app.py."""
from __future__ import annotations

import os
from pathlib import Path

from index.paths import DEFAULT_DOCS, default_index_dir

STORE_HELP = "postgresql://USER:PASSWORD@HOST:PORT/DB: the index in PostgreSQL instead of a folder (or set QA_STORE)"


def make_assistant(docs: str | None, index: str | None, model: str | None = None, store: str | None = None):
    """The assistant for a documents folder (default seeds/) and model (`model`, else $QA_MODEL, else the
    default; an unknown name raises UnknownModelError). An --index the user names must have been built with
    that model; the default index folder is per folder and model."""
    from index.embedders import make_embedder, resolve_model
    from retriever.assistant import Assistant

    name = resolve_model(model)
    docs_dir = Path(docs) if docs else DEFAULT_DOCS
    index_dir = Path(index) if index else default_index_dir(docs_dir, name)
    store = store or os.environ.get("QA_STORE") or None
    embedder = make_embedder(name)
    if store:  # PostgreSQL (--store URL or $QA_STORE) instead of the index folder
        from index.storage.postgres import StoreError, is_store_url, open_store

        if index:
            raise StoreError("--index and --store name two different indexes; pass one of them")
        if not is_store_url(store):
            raise StoreError(f"bad --store URL {store!r}: expected postgresql://USER:PASSWORD@HOST:PORT/DBNAME")
        return Assistant(docs_dir, index_dir, embedder, opener=lambda: open_store(store, docs_dir, embedder))
    return Assistant(docs_dir, index_dir, embedder, same_model_only=index is not None)


def user_errors() -> tuple[type[Exception], ...]:
    """The exceptions that mean bad input or a bad folder, reported as one plain line."""
    from index import CorpusError, IndexFolderError, ModelError
    from retriever.assistant import QuestionError
    from retriever.scorer import ScorerError

    return (CorpusError, IndexFolderError, ModelError, QuestionError, ScorerError, ValueError, OSError)
