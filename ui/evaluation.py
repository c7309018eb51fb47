"""The Evaluation tab: run the evaluation set in-process and shape the results for Gradio."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from eval.__main__ import COLUMNS
from eval.dataset import DEFAULT_SET, check_set, load_set
from eval.runner import embed_questions, run_mode
from retriever import settings
from ui.render import hit_curve_svg


def evaluate(assistant, eval_set: Path | None = None):
    """Returns (summary Markdown, metrics table, Hit@k chart as SVG, failing questions) for the UI."""
    questions = load_set(eval_set or DEFAULT_SET)
    paragraphs = {(p.doc, p.label): p.text for p in assistant.index.paragraphs}
    problems = check_set(questions, paragraphs)
    if problems:
        return (f"The evaluation set does not match these documents ({len(problems)} problems, e.g. "
                f"{problems[0]}); run it on the folder it was written for.", None, None, None)
    vectors, embed_ms = embed_questions(assistant, questions)
    reports = [run_mode(assistant, questions, vectors, embed_ms, m) for m in settings.MODES]
    rows = []
    for rep in reports:
        t = dict(rep.table, **{"recall@k": rep.table.get("recall@5")})
        rows.append({"mode": rep.mode, **{label: _round(t.get(key)) for key, label in COLUMNS}})
    curve = "<h4>Hit@k for k = 1..10</h4>" + hit_curve_svg({rep.mode: rep.hit_curve for rep in reports})
    default = reports[0]
    failing = pd.DataFrame([{"id": r["id"], "question": r["question"], "failed": "; ".join(r["failed"]),
                             "gold": ", ".join(f"¶{p}" for _, p in r["gold"]) or "none",
                             "top 3": ", ".join(f"¶{p}" for _, p in r["retrieved"][:3])}
                            for r in default.results if r["failed"]])
    n_fail = len(failing)
    summary = (f"{len(questions)} questions ({sum(q.answerable for q in questions)} answerable); "
               f"{n_fail} fail at least one check in {default.mode} mode. Abstention threshold "
               f"{settings.ABSTAIN_BELOW} (retriever/settings.py).")
    return summary, pd.DataFrame(rows), curve, failing


def _round(v):
    return None if v is None else round(v, 3)
