"""Storage backends behind one interface (ParagraphIndex): the index folder (FAISS + bm25s), the default."""
from index.storage.base import ParagraphIndex  # noqa: F401
