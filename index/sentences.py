"""Sentence boundaries inside a paragraph, as character spans, so quotes stay exact slices of the text."""
from __future__ import annotations

import re
from functools import lru_cache

# pysbd's time grows faster than linearly with text length (5 s for a 2,000-sentence paragraph), so long
# paragraphs are first cut into pieces of about this many characters at a likely sentence end.
CHUNK_CHARS = 1500
_LIKELY_END = re.compile(r"(?<=[a-z0-9]{3}[.!?])\s+(?=[A-Z0-9\"“(])")  # not after "Mr." or "U.S."


@lru_cache(maxsize=1)
def _segmenter():
    import pysbd

    return pysbd.Segmenter(language="en", clean=False, char_span=True)


def _chunks(text: str) -> list[tuple[int, int]]:
    if len(text) <= CHUNK_CHARS:
        return [(0, len(text))]
    out, start = [], 0
    for m in _LIKELY_END.finditer(text):
        if m.start() - start >= CHUNK_CHARS:
            out.append((start, m.start()))
            start = m.end()
    out.append((start, len(text)))
    return out


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) character offsets of each sentence of `text`, whitespace trimmed."""
    spans = []
    for c_start, c_end in _chunks(text):
        chunk = text[c_start:c_end]
        for piece in _segmenter().segment(chunk):
            start, end = c_start + piece.start, c_start + piece.end
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if end > start:
                spans.append((start, end))
    return spans or [(0, len(text))]
