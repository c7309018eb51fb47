"""PDFium is not thread-safe: every entry point that calls it holds the one lock."""
import pytest

from index.pdfium_lock import PDFIUM_LOCK


@pytest.mark.parametrize("call", ["page_image", "text_boxes", "read_pdf"])
def test_pdfium_is_only_called_with_the_lock_held(call, monkeypatch, tmp_path):
    import pypdfium2

    from index import page_view
    from index.readers import pdf

    held = []

    class Probe:
        def __init__(self, *args, **kwargs):
            held.append(PDFIUM_LOCK._is_owned())
            raise RuntimeError("probe")

    monkeypatch.setattr(pypdfium2, "PdfDocument", Probe)
    target = tmp_path / "x.pdf"
    target.write_bytes(b"%PDF-1.4\n")
    with pytest.raises(Exception):
        {"page_image": lambda: page_view.page_image(target, 0, tmp_path / "cache"),
         "text_boxes": lambda: page_view.text_boxes(target, 0, ["x"]),
         "read_pdf": lambda: pdf.read_pdf(target)}[call]()
    assert held == [True]
