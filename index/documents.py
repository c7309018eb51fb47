"""The documents folder as a write path: add files and remove them, each followed by an incremental rebuild.

Adding a file: its name is made safe (a plain file name of a kind the readers accept; no path parts, NUL,
control characters or leading dot), its bytes are streamed into a hidden temporary file in the folder and
refused as soon as they pass the size limit, the temporary file is read by the reader its content calls for
(not its name) and must give paragraphs, and only then is it renamed into place. A different file already
there under the same name is never overwritten unless the caller asks (`replace`). Removing a file moves it
into `.trash/` inside the folder, so a mistake can be undone by hand. Either way the index is rebuilt with
`build_index`, which re-embeds only the paragraphs it has not seen; if that fails the folder is put back as it
was, and the old index (replaced atomically or not at all) still matches it.

Writes to one folder are serialised by an flock on `.documents.lock` inside it (threads and processes alike).
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import time
import unicodedata
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable, Iterable

from index.errors import CorpusError
from index.paths import documents_folder_problem
from index.readers import DOC_SUFFIXES

TRASH = ".trash"
LOCK_FILE = ".documents.lock"
TEMP_PREFIX = ".upload-"
CHUNK_BYTES = 1 << 20
MAX_NAME_BYTES = 200  # well below the 255 of common file systems, leaving room for a .trash/ suffix


class UploadError(CorpusError):
    """A file that cannot be added or removed as asked; the message names it, the problem and the fix."""


@dataclass
class WriteResult:
    """What an add or remove did: file names, and the manifest of the index now current."""

    added: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # already in the folder, byte for byte
    removed: list[str] = field(default_factory=list)
    manifest: dict = field(default_factory=dict)


def max_upload_bytes() -> int:
    """The size limit of one file in bytes: QA_MAX_UPLOAD_MB, else retriever.settings.MAX_UPLOAD_BYTES."""
    from retriever import settings

    value = os.environ.get("QA_MAX_UPLOAD_MB")
    if value:
        try:
            return int(float(value) * (1 << 20))
        except ValueError as e:
            raise UploadError(f"QA_MAX_UPLOAD_MB={value!r} is not a number of megabytes; unset it or set e.g. 50") from e
    return settings.MAX_UPLOAD_BYTES


def safe_name(raw) -> str:
    """`raw` as a document's file name, or UploadError saying why it cannot be one."""
    if not isinstance(raw, str) or not raw.strip():
        raise UploadError("a file without a name cannot be added; give it a name such as report.pdf")
    shown = repr(raw)[:80]
    if "\x00" in raw or any(unicodedata.category(ch) == "Cc" for ch in raw):
        raise UploadError(f"the name {shown} holds a NUL or control character; rename the file")
    if "/" in raw or "\\" in raw:
        raise UploadError(f"the name {shown} is a path; give a plain file name (no / or \\), the file goes "
                          "directly into the documents folder")
    name = unicodedata.normalize("NFC", raw.strip())
    if name.startswith("."):
        raise UploadError(f"the name {shown} starts with a dot (a hidden file, never indexed); rename the file")
    if len(name.encode()) > MAX_NAME_BYTES:
        raise UploadError(f"the name {shown} is longer than {MAX_NAME_BYTES} bytes; give it a shorter name")
    if Path(name).suffix.lower() not in DOC_SUFFIXES:
        raise UploadError(f"{name}: only {', '.join(DOC_SUFFIXES)} files are indexed; save it as one of those")
    return name


@contextlib.contextmanager
def folder_lock(docs_dir: Path):
    """Hold the write lock of a documents folder: one add or remove at a time, across threads and processes."""
    docs_dir = Path(docs_dir)
    problem = documents_folder_problem(docs_dir)
    if problem:
        raise UploadError(problem)
    with open(docs_dir / LOCK_FILE, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _too_big(name: str, limit: int) -> UploadError:
    return UploadError(f"{name}: larger than the upload limit of {limit / (1 << 20):g} MB; split it, or raise "
                       "QA_MAX_UPLOAD_MB")


def write_temp(docs_dir: Path, name: str, source: BinaryIO, limit: int) -> Path:
    """Stream `source` into a hidden temporary file of the folder; refused (and nothing left behind) as soon
    as it passes `limit` bytes, or when its size is known up front to be too big."""
    try:
        if os.fstat(source.fileno()).st_size > limit:
            raise _too_big(name, limit)
    except (AttributeError, OSError, ValueError):
        pass  # a stream without a file behind it: counted while copying
    # Hidden (never listed as a document) but with the real suffix, so the readers see the kind the name says.
    tmp = Path(docs_dir) / f"{TEMP_PREFIX}{uuid.uuid4().hex[:12]}{Path(name).suffix.lower()}"
    written = 0
    try:
        with open(tmp, "xb") as out:
            for chunk in iter(lambda: source.read(CHUNK_BYTES), b""):
                written += len(chunk)
                if written > limit:
                    raise _too_big(name, limit)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def check_readable(path: Path, name: str):
    """Read the file as the index would (reader chosen by content) and return its Document, or UploadError
    with the reader's reason (encrypted, no text, not what its name says, a zip bomb...)."""
    from index.corpus import parse_blocks
    from index.readers import read_document

    try:
        return parse_blocks(name, read_document(path))
    except CorpusError as e:
        reason = str(e).replace(path.name, name)
        raise UploadError(f"not added: {reason}") from e
    except (OSError, ValueError, RuntimeError) as e:
        raise UploadError(f"not added: {name} could not be read ({type(e).__name__}: {e})") from e


def _trash_path(docs_dir: Path, name: str) -> Path:
    trash = Path(docs_dir) / TRASH
    trash.mkdir(exist_ok=True)
    dest = trash / name
    if dest.exists():
        stamp = time.strftime("%Y%m%d-%H%M%S")
        dest = trash / f"{Path(name).stem}.{stamp}-{uuid.uuid4().hex[:4]}{Path(name).suffix}"
    return dest


def _open(source) -> contextlib.AbstractContextManager:
    if isinstance(source, (str, Path)):
        return open(source, "rb")
    return contextlib.nullcontext(source)


def add_documents(docs_dir: Path, index_dir: Path, embedder, files: Iterable[tuple[str, object]],
                  replace: bool = False, log: Callable[[str], None] = lambda msg: None,
                  same_model_only: bool = False, limit: int | None = None) -> WriteResult:
    """Add `files` ((name, path or binary stream) pairs) to the folder and rebuild the index incrementally.
    All or nothing: when any file is refused, or the rebuild fails, folder and index stay as they were."""
    from index.corpus import list_document_files
    from index.store import build_index

    docs_dir = Path(docs_dir)
    limit = max_upload_bytes() if limit is None else limit
    result = WriteResult()
    with folder_lock(docs_dir):
        staged: list[tuple[Path, str]] = []
        placed: list[tuple[Path, Path | None]] = []  # (file put in place, the file it replaced, now in .trash)
        try:
            try:
                present = {p.name: p for p in list_document_files(docs_dir)}
            except CorpusError:
                present = {}  # an empty folder: the first upload fills it
            hashes = {_sha256(p): n for n, p in present.items()}
            batch: dict[str, str] = {}
            for raw, source in files:
                name = safe_name(raw)
                if name in batch:
                    raise UploadError(f"{name} is given twice; add it once")
                log(f"progress: checking {name}")
                with _open(source) as stream:
                    tmp = write_temp(docs_dir, name, stream, limit)
                staged.append((tmp, name))
                check_readable(tmp, name)
                digest = _sha256(tmp)
                if name in present and hashes.get(digest) == name:
                    result.unchanged.append(name)
                    tmp.unlink()
                    staged.pop()
                    continue
                if name in present and not replace:
                    raise UploadError(f"{name}: a different file of that name is already in the folder; rename "
                                      f"yours, or remove {name} first (or replace it on purpose: --replace)")
                twin = hashes.get(digest) or next((n for n, d in batch.items() if d == digest), None)
                if twin:
                    raise UploadError(f"{name}: identical to {twin}, which is already there; nothing to add")
                batch[name] = digest
            for tmp, name in staged:
                target = docs_dir / name
                previous = None
                if target.exists():
                    previous = _trash_path(docs_dir, name)
                    os.replace(target, previous)
                os.replace(tmp, target)
                placed.append((target, previous))
                result.added.append(name)
            staged = []
            if result.added or not result.unchanged:
                log("progress: indexing")
                result.manifest = build_index(docs_dir, index_dir, embedder, log=log, same_model_only=same_model_only)
            else:
                result.manifest = _current_manifest(index_dir)
        except BaseException:
            for tmp, _ in staged:
                tmp.unlink(missing_ok=True)
            for target, previous in reversed(placed):
                target.unlink(missing_ok=True)
                if previous is not None:
                    os.replace(previous, target)
            raise
    return result


def remove_documents(docs_dir: Path, index_dir: Path, embedder, names: Iterable[str],
                     log: Callable[[str], None] = lambda msg: None, same_model_only: bool = False) -> WriteResult:
    """Move the named files into `.trash/` and rebuild the index without them; on failure they are put back."""
    from index.corpus import list_document_files
    from index.store import build_index

    docs_dir = Path(docs_dir)
    result = WriteResult()
    with folder_lock(docs_dir):
        present = {p.name: p for p in list_document_files(docs_dir)}
        chosen = []
        for raw in names:
            name = safe_name(raw)
            if name not in present:
                listed = ", ".join(sorted(present)[:20])
                raise UploadError(f"{name} is not in {docs_dir}; it holds: {listed}")
            if name not in chosen:
                chosen.append(name)
        if not chosen:
            raise UploadError("no document named; name the file(s) to remove")
        if len(chosen) == len(present):
            raise UploadError("removing every document would leave nothing to index; add another one first")
        moved: list[tuple[Path, Path]] = []
        try:
            for name in chosen:
                dest = _trash_path(docs_dir, name)
                os.replace(present[name], dest)
                moved.append((present[name], dest))
                result.removed.append(name)
            log("progress: indexing")
            result.manifest = build_index(docs_dir, index_dir, embedder, log=log, same_model_only=same_model_only)
        except BaseException:
            for original, dest in reversed(moved):
                os.replace(dest, original)
            raise
    return result


def _current_manifest(index_dir: Path) -> dict:
    import json

    try:
        return json.loads((Path(index_dir) / "manifest.json").read_text())
    except (OSError, ValueError):
        return {}


def clean_stale_temp_files(docs_dir: Path, older_than_s: float = 3600) -> list[str]:
    """Delete upload temp files left by a process that was killed mid-write (none are left otherwise)."""
    removed = []
    now = time.time()
    for path in Path(docs_dir).glob(f"{TEMP_PREFIX}*"):
        with contextlib.suppress(OSError):
            if now - path.stat().st_mtime > older_than_s:
                path.unlink()
                removed.append(path.name)
    return removed


__all__ = ["UploadError", "WriteResult", "add_documents", "remove_documents", "safe_name", "max_upload_bytes",
           "folder_lock", "write_temp", "check_readable", "TRASH", "clean_stale_temp_files"]
