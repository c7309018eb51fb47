"""Exceptions shared by the corpus and the readers (a module of its own so neither imports the other's)."""


class CorpusError(ValueError):
    """A documents folder or file that cannot be turned into paragraphs."""
