"""Opening the assistant for a documents folder, and which errors are the user's to fix: shared by the CLI,
the UI server and the evaluation, so none of them needs app.py."""
from __future__ import annotations

from pathlib import Path

from index.paths import DEFAULT_DOCS, default_index_dir


def make_assistant(docs: str | None, index: str | None):
    """The assistant over `docs` (default seeds/) with its index at `index` (default derived from docs)."""
    from index.embed import default_embedder
    from retriever.assistant import Assistant

    docs_dir = Path(docs) if docs else DEFAULT_DOCS
    return Assistant(docs_dir, Path(index) if index else default_index_dir(docs_dir), default_embedder())


def user_errors() -> tuple[type[Exception], ...]:
    """The exceptions that mean bad input or a bad folder, reported as one plain line."""
    from index import CorpusError, IndexFolderError, ModelError
    from retriever.assistant import QuestionError
    from retriever.scorer import ScorerError

    return (CorpusError, IndexFolderError, ModelError, QuestionError, ScorerError, ValueError, OSError)
