"""One lock for every call into PDFium. PDFium is not thread-safe (pypdfium2's documentation: no two threads may
call it at once), and the server renders pages and reads uploads from several request threads: two renders at
once corrupted the heap ("malloc(): invalid size") and killed the server in a browser test."""
from __future__ import annotations

import functools
import threading

PDFIUM_LOCK = threading.RLock()


def serialised(func):
    """Run `func` holding PDFIUM_LOCK."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with PDFIUM_LOCK:
            return func(*args, **kwargs)
    return wrapper
