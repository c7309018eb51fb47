"""Deterministic hostile inputs for the embedders: the same strings on every run (seeded), covering what breaks
tokenizers and C engines: empty text, NUL bytes, lone surrogates, combining marks, right-to-left text, emoji,
control characters, and runs of thousands of tokens."""
from __future__ import annotations

import random

PIECES = ["", " ", "\x00", "\ud800", "\udfff", "\ud83d", "e\u0301", "\u0300\u0301\u0302\u0303", "مرحبا بالعالم",
          "\u202eevil\u202c", "שלום", "日本語の文章", "한국어", "\U0001F600", "\U0001F9D1\u200d\U0001F680", "\t\n\r",
          "\x1b[31m", "\ufeff", "\u200b", "ﬁ", "Ⅻ", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "word", "The harbour will be dredged.", "%s%n{0}",
          "<script>alert(1)</script>", "\\", "\"'", "\x7f", "\u0000\u0000", "ä" * 50, "-" * 300]


def generated(n: int = 200, seed: int = 15, long_runs: int = 2, long_tokens: int = 4000) -> list[str]:
    """`n` strings: a fixed list of edge cases first, then random joins of PIECES and random code points,
    with `long_runs` texts of about `long_tokens` tokens."""
    rng = random.Random(seed)
    fixed = ["", "\x00", "\x00\x00\x00", "\ud800", "a\udc00b", "\u0301" * 100, "مرحبا " * 20, "\u202e" * 10,
             " " * 1000, "\n" * 500]
    runs = [" ".join(["word"] * long_tokens), "語" * long_tokens][:long_runs]
    out = fixed + runs
    while len(out) < n:
        if rng.random() < 0.5:
            text = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 12)))
        else:
            text = "".join(chr(rng.choice([rng.randint(0, 0x7F), rng.randint(0x80, 0x7FF), rng.randint(0x800, 0xFFFF),
                                           rng.randint(0x10000, 0x10FFFF)])) for _ in range(rng.randint(1, 60)))
        out.append(text)
    return out[:n]
