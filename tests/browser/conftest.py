"""Browser-test fixtures: the real app on a free loopback port, Debian's Chromium driven by Playwright.
Without /usr/bin/chromium the tests skip with the command that installs it."""
from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SHOTS = PROJECT / "tests" / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-quic", "--no-first-run", "--disable-sync"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


def require_chromium() -> None:
    """Skip (not error) when Debian's Chromium is missing; every fixture that needs it calls this first, so the
    browser is never launched, nor the app started, only to fail."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}; install Debian's chromium (`apt-get install chromium`) "
                    "to run the browser tests")


@pytest.fixture(scope="session")
def app_url(tmp_path_factory):
    """The app on a free port with its own index folder, for the whole session."""
    require_chromium()
    from serve import running_app

    tmp = tmp_path_factory.mktemp("ui")
    with running_app(tmp / "index", tmp / "server.log") as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    require_chromium()
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (no browser download)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class PageRecorder:
    """Every request URL and every dialog the page opens, for offline and script-injection checks."""

    def __init__(self, page):
        self.page, self.requests, self.dialogs = page, [], []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("dialog", self._dialog)

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def off_host(self) -> list[str]:
        return [u for u in self.requests if not u.startswith(("http://127.0.0.1:", "data:", "blob:", "about:"))]


@contextlib.contextmanager
def opened_page(browser, url: str, name: str):
    """A fresh browser context on the app; afterwards a screenshot, and the check that nothing off-host was fetched."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    recorder = PageRecorder(pg)
    pg.goto(url)
    pg.wait_for_selector("#question textarea, #question input", timeout=30000)
    yield pg, recorder
    SHOTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    assert recorder.off_host() == [], "the page fetched something from outside 127.0.0.1"
    context.close()


@pytest.fixture
def page(browser, app_url, request):
    with opened_page(browser, app_url, request.node.name) as opened:
        yield opened


def ask(pg, question: str):
    box = pg.locator("#question textarea, #question input").first
    box.fill(question)
    box.press("Enter")


def save_docs_screenshot(pg, name: str):
    if os.environ.get("UPDATE_DOCS_SCREENSHOT"):
        (PROJECT / "docs").mkdir(exist_ok=True)
        pg.screenshot(path=str(PROJECT / "docs" / name), full_page=False)


