"""Documents tab → Manage in Chromium: upload a PDF through the page, ask about it and open the cited page,
remove it and see the question abstain; a page that may not write shows no enabled upload control."""
import shutil

import pytest

from tests.browser.conftest import CHROMIUM, PROJECT, ask, opened_page, save_docs_screenshot

QUESTION = "How much public funding did the Orkney tidal turbine project receive?"
TITLE = "Orkney Tidal Energy Report"


def make_report(path):
    from pdfgen import Layout, make_pdf

    blocks = [TITLE,
              "The Orkney tidal turbine project received 40 million pounds of public funding in 2025.",
              "Its four turbines sit on the seabed of the Fall of Warness, south of the island of Eday.",
              "Engineers expect the array to supply electricity to about 7,000 homes once all four run.",
              "Maintenance vessels leave from Kirkwall harbour every second week during the summer."]
    make_pdf(path, blocks, Layout(footer="Page {page}", break_in={2: 1}))


def start_app(tmp_path_factory, name, *flags):
    from pathlib import Path

    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not found: install it with `apt-get install chromium` to run the browser tests")
    from serve import running_app

    tmp = tmp_path_factory.mktemp(name)
    docs = tmp / "docs"
    docs.mkdir()
    for seed in (PROJECT / "seeds").glob("*.txt"):
        shutil.copy(seed, docs / seed.name)
    return tmp, docs, running_app(tmp / "index", tmp / "server.log", "--docs", str(docs), *flags)


@pytest.fixture(scope="module")
def writable_app(tmp_path_factory):
    tmp, docs, app = start_app(tmp_path_factory, "manage-ui")
    with app as url:
        yield url, tmp, docs


def open_manage(pg):
    """The Documents tab with its Manage accordion open (opened only if closed: a click toggles it)."""
    pg.get_by_role("tab", name="Documents").click()
    toggle = pg.locator("#manage button.label-wrap")
    toggle.wait_for(state="visible", timeout=30000)
    if not pg.locator("#manage-policy").is_visible():
        toggle.click()
    pg.locator("#manage-policy").wait_for(state="visible", timeout=30000)


def uploaded_or_explain(pg, name: str, server_log, timeout_ms: int = 60000):
    """Wait until the upload field lists `name` with its download link (Gradio has the file: the "Uploading 1
    file... orkney.pdf" line before it is transient, and the final row splits the name into stem and extension,
    so waiting for the text raced the upload); if it never does, fail with what the field, the page's toasts
    and the server's log said."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        pg.locator(f'#manage-upload a[download="{name}"]').wait_for(timeout=timeout_ms)
    except PlaywrightTimeout:
        field = pg.locator("#manage-upload").inner_text()
        toasts = [t.inner_text() for t in pg.locator(".toast-body").all()]
        log = server_log.read_text(errors="replace").splitlines()[-30:]
        pytest.fail(f"the upload field never listed {name}; it shows {field!r}; toasts {toasts}; "
                    "server log:\n" + "\n".join(log), pytrace=False)


def test_upload_ask_open_page_then_remove_and_abstain(browser, writable_app):
    url, tmp, docs = writable_app
    report = tmp / "upload" / "orkney.pdf"
    report.parent.mkdir()
    make_report(report)
    with opened_page(browser, url, "manage-upload") as (pg, recorder):
        open_manage(pg)
        assert "You can add and remove documents here" in pg.locator("#manage-policy").inner_text()
        pg.locator("#manage-upload input[type=file]").set_input_files(str(report))
        uploaded_or_explain(pg, "orkney.pdf", tmp / "server.log")
        pg.locator("#manage-add").click()
        pg.wait_for_function("() => document.querySelector('#manage-status').innerText.startsWith('Added orkney.pdf')",
                             timeout=120000)
        assert (docs / "orkney.pdf").read_bytes() == report.read_bytes()
        listing = pg.locator("#manage-list").inner_text()
        assert "orkney.pdf" in listing and TITLE in listing and "indexed" in listing
        pg.locator("#manage").scroll_into_view_if_needed()
        save_docs_screenshot(pg, "manage.png")
        pg.reload()  # a page opened after the upload lists the new document too
        pg.wait_for_selector("#question textarea, #question input", timeout=30000)
        pg.get_by_role("tab", name="Documents").click()
        pg.locator("#doc-pick input").click()
        pg.get_by_role("option", name=TITLE).wait_for(timeout=30000)
        pg.keyboard.press("Escape")
        pg.get_by_role("tab", name="Review").click()  # the Review tab's document list follows the upload too
        pg.locator("#review-docs input").click()
        pg.get_by_role("option", name=TITLE).wait_for(timeout=30000)
        pg.keyboard.press("Escape")

        pg.get_by_role("tab", name="Ask").click()
        ask(pg, QUESTION)
        chip = pg.locator("#answer .answer .cite-chip").first
        chip.wait_for(timeout=60000)
        assert chip.inner_text().startswith(TITLE)
        assert "40 million pounds" in pg.locator("#answer .answer").inner_text()
        chip.click()
        figure = pg.locator("#page-view figure.page-view")
        figure.wait_for(state="visible", timeout=60000)
        assert figure.locator("figcaption").inner_text().startswith(f"{TITLE}, p. 1")
        assert figure.locator("img").evaluate("img => img.complete && img.naturalWidth > 400")
        assert figure.locator(".quote-box").count() >= 1

        open_manage(pg)
        pg.locator("#manage-remove-pick input").click()
        pg.get_by_role("option", name=TITLE).click()
        pg.locator("#manage-remove").click()
        pg.locator("#manage-confirm").click()
        pg.wait_for_function("() => document.querySelector('#manage-status').innerText.startsWith('Removed orkney.pdf')",
                             timeout=120000)
        assert not (docs / "orkney.pdf").exists() and (docs / ".trash" / "orkney.pdf").exists()

        pg.get_by_role("tab", name="Ask").click()
        ask(pg, QUESTION)
        message = pg.locator("#answer .answer.abstain")
        message.wait_for(timeout=60000)
        assert message.inner_text().startswith("The documents do not appear to answer this.")
        assert recorder.dialogs == []


def test_a_read_only_page_has_no_enabled_upload_and_says_why(browser, tmp_path_factory):
    _, docs, app = start_app(tmp_path_factory, "manage-ro", "--read-only")
    with app as url, opened_page(browser, url, "manage-read-only") as (pg, _):
        open_manage(pg)
        assert "--read-only" in pg.locator("#manage-policy").inner_text()
        assert pg.locator("#manage-add").is_disabled() and pg.locator("#manage-remove").is_disabled()
        assert pg.locator("#manage-upload input[type=file]").count() == 0


def test_a_page_served_as_if_on_a_non_loopback_address_without_auth_cannot_upload(browser, tmp_path):
    """The page built with the rule for `--host 0.0.0.0` and no --auth (ui/access.py), served on 127.0.0.1 only
    (tests never listen elsewhere), with the fake embedder; a browser without credentials cannot upload."""
    from pathlib import Path

    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not found: install it with `apt-get install chromium` to run the browser tests")
    from fakes import FakeEmbedder
    from serve import free_port

    from retriever.assistant import Assistant
    from ui.access import write_access
    from ui.blocks import build_ui, launch_options

    docs = tmp_path / "docs"
    docs.mkdir()
    for seed in (PROJECT / "seeds").glob("*.txt"):
        shutil.copy(seed, docs / seed.name)
    demo = build_ui(Assistant(docs, tmp_path / "index", FakeEmbedder(), notice=lambda m: None),
                    writes=write_access("0.0.0.0", None, False))
    demo.queue()
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, **launch_options())
    try:
        with opened_page(browser, f"http://127.0.0.1:{port}/", "manage-no-auth") as (pg, _):
            open_manage(pg)
            assert "listens on 0.0.0.0 without --auth" in pg.locator("#manage-policy").inner_text()
            assert pg.locator("#manage-add").is_disabled() and pg.locator("#manage-remove").is_disabled()
            assert pg.locator("#manage-upload input[type=file]").count() == 0
    finally:
        demo.close()
    assert sorted(p.name for p in docs.iterdir() if not p.name.startswith(".")) == sorted(
        p.name for p in (PROJECT / "seeds").glob("*.txt"))
