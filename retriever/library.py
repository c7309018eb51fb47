"""Adding and removing documents on a running assistant: change the folder, rebuild incrementally, then swap
the new index in, so questions are answered from the old index until the swap and from the new one after.
Also the list of documents with their status, for the Manage view. (UI-free: the CLI-level logic is
index/documents.py, the Gradio view is ui/manage.py.)"""
from __future__ import annotations

import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from index.documents import WriteResult, add_documents, remove_documents
from index.store import load_index

COLUMNS = ["document", "title", "kind", "paragraphs", "pages", "added", "size", "status"]


class Library:
    """The write path of one Assistant. One write at a time (a lock held across build and swap, so the index
    swapped in last is always the newest); the folder's own flock also keeps other processes out."""

    def __init__(self, assistant):
        self.assistant = assistant
        self._lock = threading.Lock()

    def _run(self, write: Callable[..., WriteResult], *args, log: Callable[[str], None] = lambda m: None,
             **kwargs) -> WriteResult:
        a = self.assistant
        with self._lock:
            result = write(a.docs_dir, a.index_dir, a.embedder, *args, log=log, same_model_only=a.same_model_only,
                           **kwargs)
            a.swap_index(load_index(a.index_dir))
        return result

    def add(self, files, replace: bool = False, log: Callable[[str], None] = lambda m: None) -> WriteResult:
        """`files`: (name, path or binary stream) pairs. All or nothing (see index.documents.add_documents)."""
        return self._run(add_documents, files, replace=replace, log=log)

    def remove(self, names, log: Callable[[str], None] = lambda m: None) -> WriteResult:
        return self._run(remove_documents, names, log=log)


def _size(n: int) -> str:
    return f"{n / (1 << 20):.1f} MB" if n >= 1 << 20 else f"{max(n, 1) / 1024:.0f} KB"


def document_rows(index, docs_dir: Path) -> list[list]:
    """One row per file of the folder: name, title, kind, paragraphs, pages, added (file time, UTC), size,
    status ("indexed", or why the last build skipped it)."""
    from index.corpus import list_document_files
    from index.errors import CorpusError

    counts: dict[str, int] = {}
    for p in index.paragraphs:
        counts[p.doc] = counts.get(p.doc, 0) + 1
    meta = {d["name"]: d for d in index.documents}
    warnings = index.manifest.get("warnings", [])
    try:
        files = list_document_files(docs_dir)
    except CorpusError:
        files = []
    rows = []
    for path in files:
        try:
            stat = path.stat()
        except OSError:
            continue
        d = meta.get(path.name)
        added = datetime.fromtimestamp(stat.st_mtime, timezone.utc).strftime("%Y-%m-%d %H:%M")
        if d:
            status, title, kind = "indexed", d["title"], d.get("kind", "text")
            pages = len(d.get("page_labels") or []) or ""
        else:
            why = warnings_for(warnings, path.name)
            status = why[0] if why else "not indexed yet"
            title, kind, pages = "", "", ""
        rows.append([path.name, title, kind, counts.get(path.name, 0), pages, added, _size(stat.st_size), status])
    return rows


def warnings_for(warnings: list[str], name: str) -> list[str]:
    """The build warnings that concern file `name`."""
    return [w for w in warnings if w.startswith((f"skipped {name}", f"{name}:", f"{name} ")) or f" {name}:" in w]
