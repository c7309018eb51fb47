"""Documents tab → Manage: the list of documents with their status and the last build's warnings, upload
(several files), remove with a confirmation, and a progress bar while the index is rebuilt. Whether writes are
allowed is decided once at start-up (ui/access.py) and checked again in every handler, so the API endpoints
`/add_documents` and `/remove_documents` obey the same rule as the page.

Also the live views of the loaded index (`live_meta`, `live_paragraphs`) that the other tabs read, so a
document added here can be read and cited there without a restart."""
from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import gradio as gr

from index.readers import DOC_SUFFIXES
from retriever.library import COLUMNS, Library, document_rows, warnings_for
from ui.access import READ_ONLY, WriteAccess

_EMBEDDED = re.compile(r"progress: ([\d,]+) of ([\d,]+) texts embedded")


class _Live(Mapping):
    """A mapping rebuilt from the assistant's current index whenever another index is swapped in."""

    def __init__(self, assistant, make):
        self.assistant, self.make, self._cache = assistant, make, (None, {})

    def _data(self) -> dict:
        index = self.assistant.index
        held, data = self._cache
        if held is not index:
            data = self.make(index)
            self._cache = (index, data)
        return data

    def __getitem__(self, key):
        return self._data()[key]

    def __iter__(self):
        return iter(self._data())

    def __len__(self):
        return len(self._data())


def live_meta(assistant) -> Mapping:
    """File name -> document metadata of the index now answering."""
    return _Live(assistant, lambda index: {d["name"]: d for d in index.documents})


def live_paragraphs(assistant) -> Mapping:
    """File name -> its paragraphs in reading order, of the index now answering."""
    def group(index):
        by_doc: dict[str, list] = {}
        for p in index.paragraphs:
            by_doc.setdefault(p.doc, []).append(p)
        return by_doc
    return _Live(assistant, group)


def warnings_markdown(index) -> str:
    warnings = index.manifest.get("warnings", [])
    built = index.manifest.get("built_at", "")
    if not warnings:
        return f"Last build ({built}): no file skipped, no warnings."
    lines = [f"Last build ({built}), warnings per file:"]
    lines += [f"- {w}" for w in warnings]
    return "\n".join(lines)


def _progress_log(progress):
    """A build log that moves the page's progress bar: checking and indexing steps, then the embedding share."""
    def log(msg: str) -> None:
        m = _EMBEDDED.match(msg)
        if m:
            done, total = (int(x.replace(",", "")) for x in m.groups())
            progress(0.2 + 0.75 * done / max(total, 1), desc=f"embedding: {done:,} of {total:,} texts")
        elif msg.startswith("progress: checking"):
            progress(0.05, desc=msg.removeprefix("progress: "))
        elif msg == "progress: indexing":
            progress(0.2, desc="parsing and embedding the new paragraphs")
    return log


def manage_section(assistant, writes: WriteAccess | None, doc_pick=None, scope=None):
    """The Manage accordion, inside the Documents tab; `doc_pick` and `scope` (the document pickers of the
    other tabs) get the new document list after each change."""
    writes = writes or READ_ONLY
    library = Library(assistant)
    user_errors = _user_errors()

    def names():
        return [(d["title"], d["name"]) for d in assistant.index.documents]

    def refreshed(message: str):
        index = assistant.index
        out = [message, gr.Dataframe(value=document_rows(index, assistant.docs_dir), headers=COLUMNS),
               warnings_markdown(index), gr.Dropdown(choices=names(), value=[])]
        if doc_pick is not None:
            out.append(gr.Dropdown(choices=names()))
        if scope is not None:
            out.append(gr.Dropdown(choices=names()))
        return out

    def refuse_unless_allowed():
        if not writes.allowed:
            raise gr.Error(writes.reason)

    def add_documents(files, progress=gr.Progress()):
        """Add the uploaded files to the documents folder and index them (refused when writes are off)."""
        refuse_unless_allowed()
        paths = [f if isinstance(f, str) else getattr(f, "name", f.get("path") if isinstance(f, dict) else f)
                 for f in (files or [])]
        if not paths:
            raise gr.Error("choose one or more files first (.txt, .md, .pdf, .html, .docx)")
        progress(0, desc="checking the files")
        try:
            result = library.add([(Path(p).name, Path(p)) for p in paths], log=_progress_log(progress))
        except user_errors as e:
            raise gr.Error(str(e)) from e
        _drop_upload_copies(paths)
        c = result.manifest.get("counts", {})
        said = []
        if result.added:
            said.append(f"Added {', '.join(result.added)}: {c.get('embedded_paragraphs', 0)} paragraphs embedded, "
                        f"{c.get('paragraphs', 0) - c.get('embedded_paragraphs', 0)} reused; answerable now "
                        f"(index built {result.manifest.get('built_at', '')}).")
        if result.unchanged:
            said.append(f"Already there, unchanged: {', '.join(result.unchanged)}.")
        for name in result.added:
            said += [f"Warning: {w}" for w in warnings_for(result.manifest.get("warnings", []), name)]
        return [*refreshed(" ".join(said)), None]

    def ask_to_confirm(chosen):
        refuse_unless_allowed()
        if not chosen:
            raise gr.Error("choose the document(s) to remove first")
        return (gr.Markdown(f"Remove **{', '.join(chosen)}**? The file(s) move to `.trash/` in the documents "
                            "folder (undo by moving them back) and leave the index.", visible=True),
                gr.Row(visible=True))

    def remove_documents(chosen, progress=gr.Progress()):
        """Move the chosen documents into .trash/ and drop them from the index (refused when writes are off)."""
        refuse_unless_allowed()
        if isinstance(chosen, str):
            chosen = [chosen]
        if not chosen:
            raise gr.Error("choose the document(s) to remove first")
        progress(0, desc="removing")
        try:
            result = library.remove(list(chosen), log=_progress_log(progress))
        except user_errors as e:
            raise gr.Error(str(e)) from e
        message = (f"Removed {', '.join(result.removed)} (moved to .trash/); index rebuilt "
                   f"{result.manifest.get('built_at', '')}, nothing re-embedded.")
        return [*refreshed(message), gr.Markdown(visible=False), gr.Row(visible=False)]

    def cancel():
        return gr.Markdown(visible=False), gr.Row(visible=False)

    with gr.Accordion("Manage documents", open=False, elem_id="manage"):
        policy = ("You can add and remove documents here; the index is updated while questions keep being "
                  "answered." if writes.allowed else writes.reason)
        gr.Markdown(policy, elem_id="manage-policy")
        status = gr.Markdown(elem_id="manage-status")
        table = gr.Dataframe(value=document_rows(assistant.index, assistant.docs_dir), headers=COLUMNS,
                             interactive=False, wrap=True, elem_id="manage-list", label="Documents in the folder")
        warnings = gr.Markdown(warnings_markdown(assistant.index), elem_id="manage-warnings")
        with gr.Row():
            upload = gr.File(label="Add documents (" + ", ".join(DOC_SUFFIXES) + ")", file_count="multiple",
                             file_types=list(DOC_SUFFIXES), type="filepath", interactive=writes.allowed,
                             elem_id="manage-upload")
            add_button = gr.Button("Add to the index", variant="primary", interactive=writes.allowed,
                                   elem_id="manage-add")
        with gr.Row():
            to_remove = gr.Dropdown(names(), value=[], multiselect=True, label="Documents to remove",
                                    interactive=writes.allowed, elem_id="manage-remove-pick")
            remove_button = gr.Button("Remove…", variant="stop", interactive=writes.allowed,
                                      elem_id="manage-remove")
        confirm_text = gr.Markdown(visible=False, elem_id="manage-confirm-text")
        with gr.Row(visible=False) as confirm_row:
            confirm = gr.Button("Yes, remove", variant="stop", elem_id="manage-confirm")
            cancel_button = gr.Button("Cancel", elem_id="manage-cancel")

    outputs = [status, table, warnings, to_remove] + [c for c in (doc_pick, scope) if c is not None]
    # One write at a time per event (the Library lock serialises across both); questions have their own workers.
    add_button.click(add_documents, upload, [*outputs, upload], api_name="add_documents", concurrency_limit=1,
                     concurrency_id="writes")
    remove_button.click(ask_to_confirm, to_remove, [confirm_text, confirm_row], api_name=False)
    confirm.click(remove_documents, to_remove, [*outputs, confirm_text, confirm_row], api_name="remove_documents",
                  concurrency_limit=1, concurrency_id="writes")
    cancel_button.click(cancel, None, [confirm_text, confirm_row], api_name=False)
    # A page opened (or reloaded) after a change must list today's documents, not the ones of start-up.
    return ManageView(library, lambda: refreshed("")[1:], outputs[1:])


class ManageView:
    """What blocks.py hooks up: `demo.load(view.refresh, None, view.outputs)`."""

    def __init__(self, library, refresh, outputs):
        self.library, self.refresh, self.outputs = library, refresh, outputs


def _drop_upload_copies(paths) -> None:
    """Delete Gradio's cached copies of files now in the documents folder, so no second copy stays servable."""
    from gradio.utils import get_upload_folder

    cache = Path(get_upload_folder()).resolve()
    for p in paths:
        path = Path(p).resolve()
        if cache in path.parents:
            path.unlink(missing_ok=True)


def _user_errors():
    from retriever.service import user_errors

    return user_errors()
