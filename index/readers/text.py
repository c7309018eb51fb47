"""The .txt/.md reader: blank lines separate blocks, a block's line breaks become spaces (today's behaviour)."""
from __future__ import annotations

import re
from pathlib import Path

from index.errors import CorpusError
from index.readers import Block, DocumentText

_EMPHASIS = re.compile(r"^(\*\*|__)(.*)\1$", re.S)


def clean_block(block: str) -> str:
    """Collapse a block's line breaks and strip Markdown emphasis around the whole block."""
    text = " ".join(line.strip() for line in block.strip().splitlines() if line.strip())
    m = _EMPHASIS.match(text)
    return m.group(2).strip() if m else text


def text_blocks(text: str) -> list[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    return [b for b in (clean_block(b) for b in re.split(r"\n\s*\n", text)) if b]


def read_text(path: Path) -> str:
    """Read a document as UTF-8; a file that is not UTF-8 is refused with the byte offset of the problem."""
    data = path.read_bytes()
    if b"\x00" in data:
        raise CorpusError(f"{path.name}: looks like a binary file (NUL byte at offset {data.index(0)}); "
                          "remove it from the documents folder")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise CorpusError(f"{path.name}: not UTF-8 (bad byte at offset {e.start}); "
                          "save the file as UTF-8 and build again") from e


def plain_document(text: str) -> DocumentText:
    return DocumentText([Block(b) for b in text_blocks(text)], kind="text")


def read_plain(path: Path) -> DocumentText:
    return plain_document(read_text(path))
