"""Documents → paragraphs → vectors → index folder (see index/store.py for the folder layout)."""
from index.corpus import CorpusError, Document, Paragraph, load_corpus, parse_document
from index.embedders import Embedder, ModelError, UnknownModelError
from index.embedders.minilm import MiniLMEmbedder
from index.store import (IndexCorruptError, IndexFolderError, IndexModelError, IndexNotBuiltError, IndexStaleError, LoadedIndex,
                         build_index, load_index, open_index, staleness)

__all__ = ["CorpusError", "Document", "Paragraph", "load_corpus", "parse_document", "Embedder", "MiniLMEmbedder",
           "ModelError", "UnknownModelError", "IndexCorruptError", "IndexModelError", "IndexFolderError", "IndexNotBuiltError", "IndexStaleError",
           "LoadedIndex", "build_index", "load_index", "open_index", "staleness"]
