"""Where documents and index folders live by default."""
from __future__ import annotations

import hashlib
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DOCS = PROJECT_DIR / "seeds"
INDEX_ROOT = PROJECT_DIR / ".index"  # git-ignored


def documents_folder_problem(folder: Path) -> str | None:
    """Why `folder` cannot be a documents folder (a message naming the fix), or None when it can."""
    if folder.exists() and not folder.is_dir():
        return (f"documents folder {folder} is a file, not a folder; pass the folder that holds the documents "
                "with --docs")
    if not folder.is_dir():
        return f"documents folder {folder} does not exist; pass an existing folder with --docs"
    return None


def default_index_dir(docs_dir: str | Path, model: str) -> Path:
    """Each documents folder gets one index folder per model, named after the folder, its absolute path and the
    model, so switching models never overwrites (or answers from) the other model's vectors."""
    docs = Path(docs_dir).resolve()
    tag = hashlib.sha1(str(docs).encode()).hexdigest()[:8]
    return INDEX_ROOT / f"{docs.name or 'docs'}-{tag}-{model}"
