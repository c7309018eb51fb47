"""`python -m eval.bench_readers [--pages N] [--pdf FILE]`: how fast the PDF reader parses a text PDF (pages/s,
issue #11 target: >= 100) and how long PDFium takes to render one page image (ms, target < 300).

Without --pdf, a text PDF of N pages is generated with reportlab from the seed declaration (running header and
footer, two paragraphs a page broken across pages), so the figure does not depend on files outside the project.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(PROJECT / "tests"))


def make_text_pdf(path: Path, pages: int) -> None:
    from index.readers.text import text_blocks
    from pdfgen import Layout, make_pdf

    blocks = text_blocks((PROJECT / "seeds" / "003_34a20148922fa9fb.txt").read_text(encoding="utf-8"))
    body = [b for b in blocks[1:] if len(b.split()) > 12]
    out, n = [blocks[0]], 0
    while len(out) < pages * 6:  # about six of these paragraphs fill an A4 page
        out.append(body[n % len(body)].replace(". ", f" (copy {n}). ", 1))
        n += 1
    make_pdf(path, out, Layout(header="Japan-UK Joint Declaration", footer="Page {page}", headings={0}))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.bench_readers", description=__doc__, allow_abbrev=False)
    parser.add_argument("--pages", type=int, default=300, help="pages of the generated PDF (default 300)")
    parser.add_argument("--pdf", help="measure this PDF instead of a generated one")
    parser.add_argument("--runs", type=int, default=3, help="timed runs; the median is reported (default 3)")
    args = parser.parse_args(argv)

    import pypdfium2 as pdfium

    from index.corpus import parse_blocks
    from index.readers.pdf import read_pdf

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.pdf) if args.pdf else Path(tmp) / "bench.pdf"
        if not args.pdf:
            make_text_pdf(path, args.pages)
        n = len(pdfium.PdfDocument(str(path)))
        read_s, parse_s, paragraphs = [], [], 0
        for _ in range(args.runs):
            t0 = time.perf_counter()
            source = read_pdf(path)
            t1 = time.perf_counter()
            paragraphs = len(parse_blocks(path.name, source).paragraphs)
            read_s.append(t1 - t0)
            parse_s.append(time.perf_counter() - t0)
        pdf = pdfium.PdfDocument(str(path))
        render_ms = []
        for i in range(min(n, 20)):
            t0 = time.perf_counter()
            pdf[i].render(scale=1.5).to_pil().save(Path(tmp) / "page.png")
            render_ms.append(1000 * (time.perf_counter() - t0))
    read, parse = statistics.median(read_s), statistics.median(parse_s)
    print(f"PDF: {path.name if args.pdf else 'generated text PDF'}, {n} pages, {paragraphs} paragraphs")
    print(f"read (PDFium lines -> blocks): {read:.2f} s = {n / read:.0f} pages/s  (median of {args.runs})")
    print(f"read + number paragraphs:      {parse:.2f} s = {n / parse:.0f} pages/s")
    print(f"render one page to PNG at 1.5x (108 dpi): p50 {statistics.median(render_ms):.0f} ms, "
          f"max {max(render_ms):.0f} ms over {len(render_ms)} pages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
