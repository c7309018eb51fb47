"""The Review tab in Chromium: a two-question review, a clicked cell opens the quote, the CSV export's rows."""
import csv
import io

from tests.browser.conftest import ask

UNCLOS = "What is said about UNCLOS?"
COERCION = "What is said about economic coercion?"


def run_review(pg, questions):
    pg.get_by_role("tab", name="Review").click()
    pg.locator("#review-questions textarea").fill("\n".join(questions))
    pg.locator("#review-run").click()
    pg.locator("#review-table table.review").wait_for(timeout=120000)


def test_a_two_question_review_opens_the_quote_and_exports_its_rows(page):
    pg, _ = page
    run_review(pg, [UNCLOS, COERCION])
    table = pg.locator("#review-table table.review")
    assert [h.inner_text() for h in table.locator("thead th").all()] == ["Document", UNCLOS, COERCION]
    rows = table.locator("tbody tr")
    assert rows.count() == 2
    statement = rows.filter(has_text="Joint Statement")
    declaration = rows.filter(has_text="Joint Declaration")
    assert "not stated" in declaration.locator("td").nth(0).inner_text()
    declaration.locator("td").nth(0).locator("summary").click()
    assert "below the threshold" in declaration.locator("td").nth(0).inner_text()
    quote_cell = statement.locator("td").nth(0).locator(".review-cell")
    assert "UNCLOS" in quote_cell.inner_text() and "¶" in quote_cell.inner_text()
    assert quote_cell.get_attribute("title").startswith("evidence ")

    with pg.expect_download() as download:
        pg.locator("#review-csv").click()
    data = open(download.value.path(), "rb").read()
    assert data.startswith("\ufeff".encode())
    got = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert [(r["question"], r["status"]) for r in got if "Joint Statement" in r["title"]] == \
           [(UNCLOS, "stated"), (COERCION, "stated")]
    assert [(r["question"], r["status"]) for r in got if "Joint Declaration" in r["title"]] == \
           [(UNCLOS, "not stated"), (COERCION, "stated")]
    unclos_quote = next(r["quote"] for r in got if r["question"] == UNCLOS and r["status"] == "stated")

    quote_cell.click()
    mark = pg.locator("#doc-view .para.target mark")
    mark.wait_for(state="visible", timeout=60000)
    assert mark.inner_text() == unclos_quote


def test_a_question_scoped_to_one_document_cites_only_it(page):
    pg, _ = page
    pg.get_by_role("button", name="Settings ▼").click()
    pg.locator("#scope input").click()
    pg.get_by_role("option", name="Japan-UK Joint Declaration on Economic Security Cooperation").click()
    pg.keyboard.press("Escape")
    ask(pg, "What do both documents say about economic coercion?")  # unscoped, it cites both documents
    chips = pg.locator("#answer .answer .cite-chip")
    chips.first.wait_for(timeout=30000)
    assert {c.inner_text().split(" ¶")[0] for c in chips.all()} == {
        "Japan-UK Joint Declaration on Economic Security Cooperation"}
