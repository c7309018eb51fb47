"""The Gradio Blocks of the UI: Ask, Documents and Evaluation tabs. Handlers are plain functions of the one
shared Assistant; per-user state (the session's history) lives in gr.State, never in module globals."""
from __future__ import annotations

from pathlib import Path

import gradio as gr

from retriever import settings
from ui.render import answer_html, answer_markdown, document_html, page_view_html

EXAMPLES = [
    "Which country is co-developing the fighter jet with Japan and the UK?",
    "Where was the economic security declaration signed?",
    "What do both documents say about economic coercion?",
    "What is the population of Tokyo?",
]

# Citation chips are plain HTML buttons; this script hands the clicked chip's "doc|label" to a hidden textbox,
# whose change event opens the Documents tab at that paragraph.
HEAD = """
<script>
document.addEventListener('click', function (event) {
  const chip = event.target.closest('.cite-chip');
  if (!chip) return;
  event.preventDefault();
  const box = document.querySelector('#nav-target textarea, #nav-target input');
  if (!box) return;
  box.value = chip.dataset.cite + '|' + Date.now();
  box.dispatchEvent(new Event('input', {bubbles: true}));
  box.dispatchEvent(new Event('change', {bubbles: true}));
});
</script>
"""

SCROLL_TO_TARGET = """() => { setTimeout(() => {
  const el = document.querySelector('#page-view .quote-box') || document.querySelector('#doc-view .para.target');
  if (el) el.scrollIntoView({block: 'center'});
}, 150); }"""

CSS = """
.qa .question { color: var(--body-text-color); font-weight: 600; margin-bottom: .4em; }
.qa .answer { font-size: 1.05em; line-height: 1.6; padding: .8em 1em; border-radius: 8px;
  background: var(--background-fill-secondary); }
.qa .answer.abstain { border-left: 4px solid #d97706; }
.qa .note { color: #92400e; margin: .3em 0; }
.cite-chip { display: inline-block; margin: 0 .2em; padding: .05em .55em; border-radius: 999px; cursor: pointer;
  border: 1px solid var(--color-accent); background: var(--color-accent-soft); color: var(--body-text-color);
  font-size: .85em; white-space: normal; text-align: left; }
.card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: .6em .9em; margin: .6em 0; }
.card-head { display: flex; flex-wrap: wrap; gap: .4em; align-items: center; }
.card-section, .score, .timing, .doc-meta { color: var(--body-text-color-subdued); font-size: .85em; }
.card-text, .para p { line-height: 1.55; overflow-wrap: anywhere; }
mark { background: #fde68a; color: inherit; padding: 0 .1em; }
.doc .para { display: flex; gap: .8em; padding: .3em .5em; border-radius: 6px; }
.doc .para-label { flex: 0 0 3.2em; font-weight: 600; color: var(--body-text-color-subdued); }
.doc .para-pages { display: block; font-weight: 400; font-size: 0.8em; }
.doc .para p { margin: 0; }
.doc .para { margin: .35em 0; }
.doc .para.target { background: #fef3c7; outline: 2px solid #f59e0b; }
.page-view { margin: 0 0 1em 0; }
.page-view figcaption { font-weight: 600; margin-bottom: .3em; }
.page-frame { position: relative; display: inline-block; max-width: 100%;
  border: 1px solid var(--border-color-primary); }
.page-frame img { display: block; max-width: 100%; height: auto; }
.page-frame .para-box { position: absolute; outline: 2px solid #2563eb; border-radius: 2px; }
.page-frame .quote-box { position: absolute; background: rgba(250, 204, 21, .45); mix-blend-mode: multiply; }
.others summary { cursor: pointer; margin-top: .6em; }
"""


def theme():
    """System fonts only: the default theme would fetch web fonts, and the app must work with no network."""
    return gr.themes.Default(font=["ui-sans-serif", "system-ui", "sans-serif"],
                             font_mono=["ui-monospace", "monospace"])


def launch_options() -> dict:
    from ui.review import REVIEW_CSS, REVIEW_HEAD

    return {"css": CSS + REVIEW_CSS, "head": HEAD + REVIEW_HEAD, "theme": theme()}


def build_ui(assistant, eval_set: Path | None = None, writes=None) -> gr.Blocks:
    """`writes` (ui.access.WriteAccess): whether this page may add and remove documents (default: no)."""
    from retriever.output import answer_to_json
    from retriever.service import user_errors
    from ui.manage import live_meta, live_paragraphs, manage_section

    index = assistant.index
    documents = index.documents
    by_doc: dict[str, list] = {}
    for p in index.paragraphs:
        by_doc.setdefault(p.doc, []).append(p)
    meta = {d["name"]: d for d in documents}
    by_doc, meta = live_paragraphs(assistant), live_meta(assistant)  # follow the index after uploads and removals
    first = documents[0]["name"]
    errors = user_errors()

    def ask(question, k, mode, scope, history):
        try:
            # An empty selection means every document (the default), never "none".
            a = answer_to_json(assistant.ask(question or "", k=int(k), mode=mode, documents=scope or None))
        except errors as e:
            raise gr.Error(str(e)) from e
        history = history + [a]
        choices = [(f"{i + 1}. {h['question'][:80]}", i) for i, h in enumerate(history)]
        return (answer_html(a), answer_markdown(a), history,
                gr.Dropdown(choices=choices, value=len(history) - 1))

    def reopen(choice, history):
        if choice is None or not history or not 0 <= int(choice) < len(history):
            return gr.skip(), gr.skip()
        a = history[int(choice)]
        return answer_html(a), answer_markdown(a)

    def show_document(name, target=None):
        if name not in meta:
            raise gr.Error(f"unknown document {name!r}; pick one from the list")
        return document_html(meta[name], by_doc.get(name, []), target)

    def show_page(name, page, label=None, quote=""):
        """A PDF page image (rendered on demand, cached in the index folder), with paragraph `label` outlined
        and `quote` highlighted; "" for documents without pages."""
        from index.page_view import page_image, page_index, page_text_of, text_boxes

        labels = meta.get(name, {}).get("page_labels") or []
        index_in_file = page_index(labels, page) if labels else None
        if index_in_file is None:
            return ""
        path = assistant.docs_dir / name
        image = page_image(path, index_in_file, assistant.index.folder).read_bytes()
        para = next((p for p in by_doc.get(name, []) if p.label == label), None)
        texts = [page_text_of(para, page) if para else "", quote or ""]
        para_boxes, quote_boxes = text_boxes(path, index_in_file, texts)
        where = f"p. {page}" + (f" (PDF p. {index_in_file + 1})" if str(page) != str(index_in_file + 1) else "")
        caption = f"{meta[name]['title']}, {where}" + (f", ¶{label} outlined" if para else "")
        return page_view_html(image, caption, para_boxes, quote_boxes)

    def page_choices(name):
        labels = meta.get(name, {}).get("page_labels") or []
        return gr.Dropdown(choices=[str(v) for v in labels], value=str(labels[0]) if labels else None,
                           visible=bool(labels))

    def pick_document(name):
        labels = meta.get(name, {}).get("page_labels") or []
        return show_document(name), page_choices(name), show_page(name, labels[0]) if labels else ""

    def pick_page(name, page):
        labels = meta.get(name, {}).get("page_labels") or []
        match = next((v for v in labels if str(v) == str(page)), None)
        return show_page(name, match) if match is not None else gr.skip()

    def open_citation(value, history):
        doc, _, rest = (value or "").partition("|")
        label = rest.split("|")[0]
        if doc not in meta:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        cited = next((c for a in reversed(history or []) for c in a.get("citations", [])
                      if c["doc"] == doc and c["paragraph"] == label), None)
        para = next((p for p in by_doc.get(doc, []) if p.label == label), None)
        page = cited.get("quote_page") if cited else (para.pages[0] if para and para.pages else None)
        view = show_page(doc, page, label, cited["quote"] if cited else "") if page is not None else ""
        labels = meta[doc].get("page_labels") or []
        pages = gr.Dropdown(choices=[str(v) for v in labels], visible=bool(labels),
                            value=str(page) if page is not None else (str(labels[0]) if labels else None))
        return gr.Dropdown(value=doc), show_document(doc, label), view, pages, gr.Tabs(selected="docs")

    def run_evaluation():
        from ui.evaluation import evaluate

        return evaluate(assistant, eval_set)

    with gr.Blocks(title="Grounded Q&A", analytics_enabled=False) as demo:
        history = gr.State([])
        n_par = len(index.paragraphs)
        from index.embedders import DEFAULT_MODEL

        model_note = "the default" if assistant.model == DEFAULT_MODEL else f"default: {DEFAULT_MODEL}"
        gr.Markdown(f"## Ask the documents\n{len(documents)} documents, {n_par} numbered paragraphs. Every answer "
                    "quotes the paragraphs it cites; click a citation to read it in its document. "
                    f"Embedding model: {assistant.model} ({model_note}; `--model` or `QA_MODEL` to change). "
                    "Questions are not translated.")
        with gr.Tabs(selected="ask", elem_id="tabs") as tabs:
            with gr.Tab("Ask", id="ask"):
                with gr.Row(equal_height=True):
                    question = gr.Textbox(label="Question", placeholder="Ask a question and press Enter",
                                          scale=5, min_width=300, max_length=settings.MAX_QUESTION_CHARS, elem_id="question",
                                          autofocus=True)
                    ask_button = gr.Button("Ask", variant="primary", scale=1, min_width=120, elem_id="ask-button")
                gr.Examples(EXAMPLES, inputs=question, label="Examples")
                with gr.Accordion("Settings", open=False):
                    with gr.Row():
                        k = gr.Slider(1, 20, value=settings.DEFAULT_K, step=1, label="Passages to show")
                        mode = gr.Radio(list(settings.MODES), value=settings.DEFAULT_MODE, label="Retrieval mode")
                    scope = gr.Dropdown([(d["title"], d["name"]) for d in documents], value=[], multiselect=True,
                                        label="Only these documents (none chosen: all)", elem_id="scope")
                answer = gr.HTML(elem_id="answer", min_height=40)
                with gr.Row():
                    past = gr.Dropdown(label="Earlier questions in this session", choices=[], elem_id="history",
                                       scale=2)
                with gr.Accordion("Copy as Markdown", open=False):
                    markdown = gr.Textbox(label="Answer with quotes and citations", lines=6, buttons=["copy"],
                                          elem_id="answer-md", interactive=False)
            with gr.Tab("Documents", id="docs"):
                doc_pick = gr.Dropdown([(d["title"], d["name"]) for d in documents], value=first,
                                       label="Document", elem_id="doc-pick")
                first_labels = meta[first].get("page_labels") or []
                page_pick = gr.Dropdown([str(v) for v in first_labels], label="Page (as printed)",
                                        value=str(first_labels[0]) if first_labels else None,
                                        visible=bool(first_labels), elem_id="page-pick")
                page_view = gr.HTML(show_page(first, first_labels[0]) if first_labels else "", elem_id="page-view")
                doc_view = gr.HTML(show_document(first), elem_id="doc-view")
                manage = manage_section(assistant, writes, doc_pick=doc_pick, scope=scope)
            from ui.review import review_tab

            review_state, review_nav, review_api = review_tab(assistant, documents, errors)
            with gr.Tab("Evaluation", id="eval"):
                gr.Markdown("Runs the evaluation set (eval/questions.jsonl) through this pipeline in every "
                            "retrieval mode: about ten seconds on the seeds.")
                run = gr.Button("Run the evaluation", elem_id="run-eval")
                summary = gr.Markdown(elem_id="eval-summary")
                table = gr.Dataframe(label="Metrics per mode", elem_id="eval-table", interactive=False)
                plot = gr.HTML(elem_id="eval-plot", label="Hit@k for k = 1..10")
                failing = gr.Dataframe(label="Failing questions (default mode)", elem_id="eval-failing",
                                       interactive=False, wrap=True)
        nav = gr.Textbox(visible="hidden", elem_id="nav-target")

        inputs = [question, k, mode, scope, history]
        outputs = [answer, markdown, history, past]
        question.submit(ask, inputs, outputs)
        ask_button.click(ask, inputs, outputs)
        past.input(reopen, [past, history], [answer, markdown])
        doc_pick.input(pick_document, doc_pick, [doc_view, page_pick, page_view])
        page_pick.input(pick_page, [doc_pick, page_pick], page_view)
        nav.change(open_citation, [nav, history], [doc_pick, doc_view, page_view, page_pick, tabs]).then(
            None, None, None, js=SCROLL_TO_TARGET)
        run.click(run_evaluation, None, [summary, table, plot, failing])
        demo.load(manage.refresh, None, manage.outputs, api_name=False)

        def open_review_cell(value, data):
            """A clicked review cell: its document in the Documents view at the highlighted quote."""
            from ui.review import review_cell

            c = review_cell(value, data)
            if c is None or c["doc"] not in meta:
                return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
            doc, page = c["doc"], c.get("quote_page")
            view = show_page(doc, page, c["paragraph"], c["quote"]) if page is not None else ""
            labels = meta[doc].get("page_labels") or []
            pages = gr.Dropdown(choices=[str(v) for v in labels], visible=bool(labels),
                                value=str(page) if page is not None else (str(labels[0]) if labels else None))
            return (gr.Dropdown(value=doc), document_html(meta[doc], by_doc.get(doc, []), c["paragraph"], c["quote"]),
                    view, pages, gr.Tabs(selected="docs"))

        review_nav.change(open_review_cell, [review_nav, review_state],
                          [doc_pick, doc_view, page_view, page_pick, tabs]).then(None, None, None, js=SCROLL_TO_TARGET)

        def answer(question: str, k: int = settings.DEFAULT_K, mode: str = settings.DEFAULT_MODE,
                   documents: list[str] | None = None) -> dict:
            """The public JSON answer (same as `app.py ask --json`), for API clients; `documents` (file names)
            keeps the question to those documents."""
            try:
                return answer_to_json(assistant.ask(question or "", k=int(k), mode=mode, documents=documents))
            except errors as e:
                raise gr.Error(str(e)) from e

        gr.api(answer, api_name="answer")
        gr.api(review_api, api_name="review", concurrency_id="review", concurrency_limit=1)
    return demo
