"""The Review tab: one row per document, one column per question, each cell a verbatim quote with its ¶ label
or "not stated"; exports as CSV, Markdown and Word. Runs in its own queue so a long review never delays other
users' answers. ui/blocks.py adds the tab and wires a clicked cell to the Documents view."""
from __future__ import annotations

import tempfile
import threading
from html import escape
from pathlib import Path

import gradio as gr

from index.pages import cite_label
from retriever import settings

REVIEW_CSS = """
.review-wrap { overflow: auto; max-height: 70vh; border: 1px solid var(--border-color-primary); border-radius: 8px; }
table.review { border-collapse: separate; border-spacing: 0; font-size: .88em; }
table.review th, table.review td { border-bottom: 1px solid var(--border-color-primary); padding: .35em .5em;
  vertical-align: top; min-width: 14em; max-width: 22em; background: var(--background-fill-primary); }
table.review thead th { position: sticky; top: 0; z-index: 2; background: var(--background-fill-secondary); }
table.review tbody th { position: sticky; left: 0; z-index: 1; text-align: left; min-width: 12em;
  background: var(--background-fill-secondary); }
table.review thead th.corner { left: 0; z-index: 3; }
.review-cell { all: unset; cursor: pointer; display: block; line-height: 1.4; }
.review-cell:hover { text-decoration: underline; }
.review-cell .where, .not-stated summary, .not-read { color: var(--body-text-color-subdued); }
.not-stated summary { cursor: pointer; }
.not-stated .below { font-size: .85em; margin-top: .3em; }
"""

# A clicked stated cell hands its index to a hidden textbox, whose change event opens the Documents view at the
# quote (the same route as the Ask tab's citation chips, ui/blocks.py HEAD).
REVIEW_HEAD = """
<script>
document.addEventListener('click', function (event) {
  const cell = event.target.closest('.review-cell');
  if (!cell) return;
  event.preventDefault();
  const box = document.querySelector('#review-nav textarea, #review-nav input');
  if (!box) return;
  box.value = cell.dataset.cell + '|' + Date.now();
  box.dispatchEvent(new Event('input', {bubbles: true}));
  box.dispatchEvent(new Event('change', {bubbles: true}));
});
</script>
"""


def cell_html(i: int, c: dict) -> str:
    evidence = f"evidence {c['evidence']:.2f}"
    if c["status"] == "stated":
        where = cite_label(c["paragraph"], c.get("pages"))
        if c.get("quote_page"):
            where += f", p. {c['quote_page']}" if len(c.get("pages") or []) > 1 else ""
        return (f'<button type="button" class="review-cell" data-cell="{i}" title="{escape(evidence)}; click to '
                f'open the document at the quote">{escape(c["quote"])} <span class="where">{escape(where)}'
                "</span></button>")
    if c["status"] == "not read":
        return f'<span class="not-read" title="{escape(c.get("reason") or "")}">not read: {escape(c.get("reason") or "")}</span>'
    closest = c.get("closest")
    below = ""
    if closest:
        below = (f'<div class="below">Closest passage, below the threshold: ¶{escape(str(closest["paragraph"]))} '
                 f'\u201c{escape(closest["quote"])}\u201d ({escape(evidence)})</div>')
    return f'<details class="not-stated" title="{escape(evidence)}"><summary>not stated</summary>{below}</details>'


def review_table_html(data: dict) -> str:
    """The table of a review's JSON: documents down, questions across, header and first column sticky."""
    if not data or not data.get("cells"):
        return ""
    index = {(c["doc"], c["question"]): i for i, c in enumerate(data["cells"])}
    titles = {c["doc"]: c.get("title") or c["doc"] for c in data["cells"]}
    head = "".join(f"<th>{escape(q)}</th>" for q in data["questions"])
    rows = []
    for doc in data["documents"]:
        cells = "".join(f"<td>{cell_html(index[(doc, q)], data['cells'][index[(doc, q)]])}</td>"
                        for q in data["questions"])
        rows.append(f'<tr><th title="{escape(doc)}">{escape(titles[doc])}</th>{cells}</tr>')
    return (f'<div class="review-wrap"><table class="review"><thead><tr><th class="corner">Document</th>{head}'
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
            f'<p class="doc-meta">Model {escape(data["model"])}; index built at {escape(data["index_built_at"])}; '
            f'{len(data["cells"])} cells, {data["timings_ms"]["per_cell"]:.1f} ms per cell.</p>')


def write_exports(data: dict) -> list[str]:
    """The review as CSV, Markdown and Word files in a fresh temporary folder (Gradio serves them)."""
    from retriever.exports import export

    folder = Path(tempfile.mkdtemp(prefix="review-"))
    paths = []
    for fmt, name in (("csv", "review.csv"), ("markdown", "review.md"), ("word", "review.docx")):
        (folder / name).write_bytes(export(data, fmt))
        paths.append(str(folder / name))
    return paths


def questions_of(text: str, upload) -> list[str]:
    """The questions typed (one per line) or, if a file was uploaded, those of the file."""
    from retriever.review import parse_question_lines, read_questions

    if upload:
        path = Path(upload if isinstance(upload, str) else upload.name)
        return read_questions(path.read_bytes(), path.name).questions
    return parse_question_lines(text or "").questions


class Cancellations:
    """Which sessions asked to stop their running review (checked between cells)."""

    def __init__(self):
        self._lock, self._stopped = threading.Lock(), set()

    def start(self, session: str) -> None:
        with self._lock:
            self._stopped.discard(session)

    def stop(self, session: str) -> None:
        with self._lock:
            self._stopped.add(session)

    def stopped(self, session: str) -> bool:
        with self._lock:
            return session in self._stopped


def review_tab(assistant, documents: list[dict], errors: tuple) -> tuple:
    """Build the Review tab inside the current gr.Tabs; returns (review state, hidden nav textbox) for
    ui/blocks.py to open a clicked cell in the Documents view."""
    from retriever.review import ReviewCancelled, ReviewInputError, review

    cancellations = Cancellations()
    hints = (f"app.py review (the UI allows {settings.UI_MAX_REVIEW_QUESTIONS} questions)",
             f"app.py review --max-cells (the UI allows {settings.UI_MAX_REVIEW_CELLS:,} cells)")

    def run(text, upload, chosen, request: gr.Request, progress=gr.Progress()):
        session = request.session_hash if request else ""
        cancellations.start(session)
        try:
            questions = questions_of(text, upload)
            if not questions:
                raise ReviewInputError("no question given; type one question per line, or upload a question file")
            data = review(assistant, questions, chosen or None, max_questions=settings.UI_MAX_REVIEW_QUESTIONS,
                          max_cells=settings.UI_MAX_REVIEW_CELLS, limit_hints=hints,
                          progress=lambda d, t: progress(d / t, desc=f"{d} of {t} cells"),
                          cancelled=lambda: cancellations.stopped(session)).to_json()
        except ReviewCancelled as e:
            raise gr.Error(f"{e}; nothing was kept") from e
        except errors as e:
            raise gr.Error(str(e)) from e
        csv_path, md_path, docx_path = write_exports(data)
        return (data, review_table_html(data), gr.DownloadButton(value=csv_path, visible=True),
                gr.DownloadButton(value=md_path, visible=True), gr.DownloadButton(value=docx_path, visible=True))

    def cancel(request: gr.Request):
        cancellations.stop(request.session_hash if request else "")

    def current_documents(picked):
        """The documents of the index now answering (after uploads, removals or a rebuild elsewhere); the
        ones picked stay picked while they exist."""
        index = assistant.index
        names = {d["name"] for d in index.documents}
        return gr.Dropdown(choices=[(d["title"], d["name"]) for d in index.documents],
                           value=[n for n in (picked or []) if n in names])

    with gr.Tab("Review", id="review") as tab:
        gr.Markdown("Ask the same questions of each chosen document: every cell is a verbatim quote of that "
                    "document with its ¶ label, or \u201cnot stated\u201d. Click a quote to read it in its "
                    "document; click \u201cnot stated\u201d for the closest passage.")
        with gr.Row():
            questions = gr.Textbox(label="Questions (one per line)", lines=4, elem_id="review-questions", scale=3)
            upload = gr.File(label="or a question file (.txt, one per line; .csv with a 'question' column)",
                             file_types=[".txt", ".csv", ".md"], elem_id="review-upload", scale=2)
        chosen = gr.Dropdown([(d["title"], d["name"]) for d in documents], value=[], multiselect=True,
                             label="Documents (none chosen: all)", elem_id="review-docs")
        with gr.Row():
            start = gr.Button("Review", variant="primary", elem_id="review-run")
            stop = gr.Button("Cancel", elem_id="review-cancel")
        table = gr.HTML(elem_id="review-table")
        with gr.Row():
            csv_button = gr.DownloadButton("Download CSV", visible=False, elem_id="review-csv")
            md_button = gr.DownloadButton("Download Markdown", visible=False, elem_id="review-md")
            docx_button = gr.DownloadButton("Download Word", visible=False, elem_id="review-docx")
        state = gr.State({})
        nav = gr.Textbox(visible="hidden", elem_id="review-nav")
    # Its own queue, one review at a time: other users' answers keep their own workers.
    start.click(run, [questions, upload, chosen], [state, table, csv_button, md_button, docx_button],
                concurrency_id="review", concurrency_limit=1)
    stop.click(cancel, None, None, concurrency_id="review-cancel")
    tab.select(current_documents, chosen, chosen, api_name=False, queue=False)

    def review_api(questions: list[str], documents: list[str] | None = None) -> dict:
        """The public review JSON (same as `app.py review --json`), with the UI's limits."""
        try:
            return review(assistant, questions, documents, max_questions=settings.UI_MAX_REVIEW_QUESTIONS,
                          max_cells=settings.UI_MAX_REVIEW_CELLS, limit_hints=hints).to_json()
        except errors as e:
            raise gr.Error(str(e)) from e

    return state, nav, review_api  # the caller registers review_api outside gr.Tabs (only tabs may sit there)


def review_cell(value: str, data: dict) -> dict | None:
    """The stated cell a click named ("index|timestamp"), or None."""
    try:
        i = int((value or "").split("|")[0])
    except ValueError:
        return None
    cells = (data or {}).get("cells", [])
    return cells[i] if 0 <= i < len(cells) and cells[i]["status"] == "stated" else None
