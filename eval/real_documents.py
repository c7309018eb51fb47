"""The real documents of shared/documents (PDFs, web pages, Word files in three subfolders) as the one flat folder
the assistant reads, for `python -m eval --real-documents`: a copy under eval/out/ (git-ignored), made again only
when a file changed, and replaced whole so that a run never sees half of it."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from eval.shared import DOCUMENTS, MISSING_HINT, PROJECT

SET = PROJECT / "eval" / "documents.jsonl"
FOLDER = PROJECT / "eval" / "out" / "documents"
KINDS = ("pdf", "html", "docx")
# Mozilla Readability's extraction of the firefox page: the same text twice would make every gold paragraph
# ambiguous, and nobody points an assistant at a page and its own extraction.
LEFT_OUT = frozenset({"firefox-nightly-blog-issue-85.readability-expected.html"})


def sources(root: Path = DOCUMENTS) -> list[Path]:
    files = sorted(p for kind in KINDS if (root / kind).is_dir() for p in (root / kind).iterdir()
                   if p.is_file() and p.name not in LEFT_OUT)
    if not files:
        raise FileNotFoundError(f"no real documents under {root}: {MISSING_HINT}")
    return files


def assemble(target: Path = FOLDER, root: Path = DOCUMENTS) -> Path:
    """The flat folder of the real documents, copied from `root` unless an identical copy is already there."""
    files = sources(root)
    wanted = {p.name: p.stat().st_size for p in files}
    if target.is_dir() and {p.name: p.stat().st_size for p in target.iterdir() if p.is_file()} == wanted:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".documents-", dir=target.parent))
    for p in files:
        shutil.copyfile(p, staging / p.name)
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)
    return target
