"""The Evaluation tab: run the evaluation set in-process and shape the results for Gradio."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from eval.dataset import DEFAULT_SET, load_set
from eval.runner import COLUMNS, evaluate as run_set, fit_set
from retriever import settings
from ui.render import hit_curve_svg


def evaluate(assistant, eval_set: Path | None = None):
    """Returns (summary Markdown, metrics table, Hit@k chart as SVG, failing questions) for the UI."""
    questions = load_set(eval_set or DEFAULT_SET)
    questions, problems = fit_set(assistant.index.paragraphs, questions)
    if problems:
        return (f"The evaluation set does not match these documents ({len(problems)} problems, e.g. "
                f"{problems[0]}); run it on the folder it was written for.", None, None, None)
    reports = run_set(assistant, questions, settings.MODES)
    rows = [{"mode": rep.mode, **{label.replace("@k", "@5"): _round(rep.table.get(key)) for key, label in COLUMNS}}
            for rep in reports]
    curve = "<h4>Hit@k for k = 1..10</h4>" + hit_curve_svg({rep.mode: rep.hit_curve for rep in reports})
    default = reports[0]
    failing = pd.DataFrame([{"id": r["id"], "question": r["question"], "failed": "; ".join(r["failed"]),
                             "gold": ", ".join(f"¶{p}" for _, p in r["gold"]) or "none",
                             "top 3": ", ".join(f"¶{p}" for _, p in r["retrieved"][:3])}
                            for r in default.results if r["failed"]])
    n_fail = len(failing)
    summary = (f"{len(questions)} questions ({sum(q.answerable for q in questions)} answerable); "
               f"{n_fail} fail at least one check in {default.mode} mode. Abstention threshold "
               f"{assistant.scorer.abstain_below:.3f} (the fitted scorer, retriever/models/).")
    return summary, pd.DataFrame(rows), curve, failing


def _round(v):
    return None if v is None else round(v, 3)
