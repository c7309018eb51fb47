"""Opening the assistant for a documents folder, and which errors are the user's to fix: shared by the CLI,
the UI server and the evaluation, so none of them needs app.py."""
from __future__ import annotations

from pathlib import Path

from index.paths import DEFAULT_DOCS, default_index_dir


def make_assistant(docs: str | None, index: str | None, model: str | None = None):
    """The assistant for a documents folder (default seeds/) and model (`model`, else $QA_MODEL, else the
    default; an unknown name raises UnknownModelError). An --index the user names must have been built with
    that model; the default index folder is per folder and model."""
    from index.embedders import make_embedder, resolve_model
    from retriever.assistant import Assistant

    name = resolve_model(model)
    docs_dir = Path(docs) if docs else DEFAULT_DOCS
    index_dir = Path(index) if index else default_index_dir(docs_dir, name)
    return Assistant(docs_dir, index_dir, make_embedder(name), same_model_only=index is not None)


def user_errors() -> tuple[type[Exception], ...]:
    """The exceptions that mean bad input or a bad folder, reported as one plain line."""
    from index import CorpusError, IndexFolderError, ModelError
    from retriever.assistant import QuestionError
    from retriever.scorer import ScorerError

    return (CorpusError, IndexFolderError, ModelError, QuestionError, ScorerError, ValueError, OSError)
